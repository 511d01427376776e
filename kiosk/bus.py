"""A small, thread-safe publish/subscribe bus and a dispatcher into another thread's loop.

Device adapters publish from their own threads. Handlers subscribed directly on the bus
run on the *publisher's* thread, so they must be quick and must not touch widgets.
The :class:`Dispatcher` is the one door into the UI thread: it re-posts each event onto
a loop given as a ``schedule`` function (Kivy's ``Clock.schedule_once`` in the app,
:class:`QueueLoop` in tests and in the CLI).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import TypeVar

from kiosk.domain.events import Event

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
Handler = Callable[[E], None]
Unsubscribe = Callable[[], None]


class EventBus:
    """Routes events to the handlers subscribed to their type (or a base type)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handlers: dict[type[Event], list[Callable[[Event], None]]] = {}

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> Unsubscribe:
        """Call ``handler`` for every published event that is an ``event_type``.

        Returns a function that removes the subscription (safe to call twice).
        """
        with self._lock:
            self._handlers.setdefault(event_type, []).append(handler)  # type: ignore[arg-type]

        def unsubscribe() -> None:
            with self._lock:
                handlers = self._handlers.get(event_type, [])
                if handler in handlers:
                    handlers.remove(handler)

        return unsubscribe

    def publish(self, event: Event) -> None:
        """Deliver ``event`` synchronously on the calling thread.

        A handler that raises is logged and does not stop the others: one broken screen
        must not silence a card reader.
        """
        with self._lock:
            targets = [
                h
                for cls in type(event).__mro__
                for h in self._handlers.get(cls, ())  # type: ignore[call-overload,unused-ignore]
            ]
        for handler in targets:
            try:
                handler(event)
            except Exception:
                log.exception("bus handler %r failed on %r", handler, event)


class Dispatcher:
    """Hands bus events to another thread's loop.

    ``schedule(fn)`` must run ``fn()`` later on the target thread and return at once.
    Handlers registered through :meth:`subscribe` therefore always run on that thread.
    """

    def __init__(self, bus: EventBus, schedule: Callable[[Callable[[], None]], None]) -> None:
        self._bus = bus
        self._schedule = schedule
        self._unsubscribes: list[Unsubscribe] = []

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> Unsubscribe:
        def forward(event: E) -> None:
            self._schedule(lambda: handler(event))

        unsubscribe = self._bus.subscribe(event_type, forward)
        self._unsubscribes.append(unsubscribe)
        return unsubscribe

    def close(self) -> None:
        """Drop every subscription made through this dispatcher."""
        for unsubscribe in self._unsubscribes:
            unsubscribe()
        self._unsubscribes.clear()


class QueueLoop:
    """A minimal event loop for a thread that is not Kivy's: tests, the CLI watchers.

    ``schedule`` may be called from any thread; :meth:`run_pending` and
    :meth:`run_until` run the queued calls on the thread that calls them.
    """

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.thread_ids: list[int] = []

    def schedule(self, fn: Callable[[], None]) -> None:
        self._queue.put(fn)

    def run_pending(self) -> int:
        """Run every call queued so far; returns how many ran. Never blocks."""
        count = 0
        while True:
            try:
                fn = self._queue.get_nowait()
            except queue.Empty:
                return count
            self.thread_ids.append(threading.get_ident())
            fn()
            count += 1

    def run_until(self, done: Callable[[], bool], timeout: float) -> bool:
        """Run queued calls until ``done()`` is true or ``timeout`` seconds pass."""
        import time

        deadline = time.monotonic() + timeout
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                fn = self._queue.get(timeout=min(left, 0.05))
            except queue.Empty:
                continue
            self.thread_ids.append(threading.get_ident())
            fn()
        return True
