"""The signed-in patron's session: who it is and how long it may stay idle.

Plain Python (no Kivy), so the timing rules are unit-tested with a fake clock. The app
owns one :class:`PatronSession`; ending it bumps :attr:`generation` so that a result
that comes back from a worker after sign-out is dropped instead of shown to the next
person at the kiosk.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from kiosk.circulation.api import Patron, PatronOverview


class Phase(Enum):
    ACTIVE = "active"
    WARNING = "warning"
    EXPIRED = "expired"


@dataclass(frozen=True)
class TimerState:
    phase: Phase
    #: Whole seconds until sign-out (0 when expired).
    seconds_left: int


class IdleTimer:
    """Inactivity rule: warn ``warning_s`` seconds before ``timeout_s`` of idleness.

    ``now`` is a monotonic clock in seconds (``time.monotonic`` in the app, a fake in
    tests). Call :meth:`touch` on every touch, key press or scan.
    """

    def __init__(
        self, timeout_s: float, warning_s: float, now: Callable[[], float] = time.monotonic
    ) -> None:
        if warning_s >= timeout_s:
            warning_s = timeout_s / 2
        self.timeout_s = timeout_s
        self.warning_s = warning_s
        self._now = now
        self._last = now()
        self.extensions = 0

    def touch(self) -> None:
        self._last = self._now()

    def extend(self) -> None:
        """The patron asked for more time: a full timeout again."""
        self.extensions += 1
        self.touch()

    def state(self) -> TimerState:
        idle = self._now() - self._last
        left = self.timeout_s - idle
        if left <= 0:
            return TimerState(Phase.EXPIRED, 0)
        whole = int(left + 0.999)
        if left <= self.warning_s:
            return TimerState(Phase.WARNING, whole)
        return TimerState(Phase.ACTIVE, whole)


class PatronSession:
    """Who is signed in. Everything a screen knows about the patron hangs off this or
    is cleared by the screen's ``reset`` when the session ends."""

    def __init__(self) -> None:
        self.patron: Patron | None = None
        self.overview: PatronOverview | None = None
        self.generation = 0

    @property
    def signed_in(self) -> bool:
        return self.patron is not None

    @property
    def ref(self) -> str:
        if self.patron is None:
            raise RuntimeError("no patron is signed in")
        return self.patron.ref

    def begin(self, patron: Patron) -> None:
        self.generation += 1
        self.patron = patron
        self.overview = None

    def end(self) -> None:
        self.generation += 1
        self.patron = None
        self.overview = None
