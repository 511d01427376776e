"""Waiting for events from adapter threads, with a deadline instead of a sleep."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from kiosk.bus import EventBus
from kiosk.domain.events import Event

E = TypeVar("E", bound=Event)


class Recorder:
    """Records every event of the given types published on ``bus`` (any thread)."""

    def __init__(self, bus: EventBus, *types: type[Event]) -> None:
        self.events: list[Event] = []
        self._cond = threading.Condition()
        for t in types or (Event,):
            bus.subscribe(t, self._add)

    def _add(self, event: Event) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def of(self, kind: type[E]) -> list[E]:
        with self._cond:
            return [e for e in self.events if isinstance(e, kind)]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def wait_count(self, kind: type[Event], count: int, timeout: float = 5.0) -> list[Event]:
        self.wait_for(lambda: len(self.of(kind)) >= count, timeout)
        return list(self.of(kind))


def eventually(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
