"""The card lock after wrong PINs: one rule for every backend and every PIN check.

Each attempt is counted *first*, in a short critical section that also refuses it
while the card is locked; the attempt that reaches ``pin_max_tries`` locks the card
before its PIN is even checked. Only then is the PIN checked, outside that section
(scrypt takes 50-100 ms on purpose; the ILS takes a round trip); a right PIN clears the
count and the lock. So however many attempts run at once, at most ``pin_max_tries``
PINs are ever checked per lock period. After the lock has run its time a fresh series
of tries starts.

Where the counts live is the caller's choice (:class:`Counts`): the patron's row in the
kiosk's database (the local backend, staff cards on an ILS: across processes and
restarts), or memory (:class:`MemoryCounts`, for PINs the ILS checks and for offline
sign-in: a restart forgives, as a lock of a few minutes would anyway).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn, Protocol

from kiosk.domain.errors import DomainError
from kiosk.timeutil import Clock


@dataclass(frozen=True)
class Attempt:
    """One counted attempt. ``locks``: it reached the limit, so the card is locked now
    unless its PIN turns out right."""

    key: str
    failures: int
    locks: bool


class Counts(Protocol):
    """Where the wrong tries of each card are kept. Thread-safe."""

    def add(self, key: str, now: datetime, max_tries: int, lock_until: datetime) -> int:
        """Atomically: raise :func:`locked` while the card is locked at ``now``; add one
        to its tries (starting afresh when an old lock has run out); when that makes
        ``max_tries``, lock it until ``lock_until``. Returns the tries counted."""
        ...

    def clear(self, key: str) -> None:
        """A right PIN: no tries, no lock."""
        ...

    def locked_until(self, key: str) -> datetime | None:
        """The end of the card's lock, if it has one (it may lie in the past)."""
        ...


class PinLock:
    """The rule over one :class:`Counts`, with ``[circulation] pin_max_tries`` and
    ``pin_lock_minutes``."""

    def __init__(self, counts: Counts, max_tries: int, lock_minutes: int, clock: Clock) -> None:
        self.counts = counts
        self.max_tries = max_tries
        self.lock_minutes = lock_minutes
        self.clock = clock

    def refuse_if_locked(self, key: str) -> None:
        """Raise ``circulation.card_locked`` while the card is locked (at the tap, before
        any PIN is asked for)."""
        now = self.clock()
        until = self.counts.locked_until(key)
        if until is not None and until > now:
            raise locked(until, now)

    def attempt(self, key: str) -> Attempt:
        """Count an attempt before its PIN is checked (raises while locked)."""
        now = self.clock()
        lock_until = now + timedelta(minutes=self.lock_minutes)
        failures = self.counts.add(key, now, self.max_tries, lock_until)
        return Attempt(key, failures, failures >= self.max_tries)

    def passed(self, attempt: Attempt) -> None:
        self.counts.clear(attempt.key)

    def failed(self, attempt: Attempt) -> NoReturn:
        """The PIN was wrong: ``circulation.card_locked`` when this attempt locked the
        card, else ``circulation.pin_wrong`` with the tries left."""
        if attempt.locks:
            raise DomainError("circulation.card_locked", minutes=self.lock_minutes)
        raise DomainError("circulation.pin_wrong", tries_left=self.max_tries - attempt.failures)

    def check(self, key: str, verify: Callable[[], bool]) -> None:
        """Count, then ``verify()`` (blocking, outside any lock), then record the
        outcome: returns when it was right, raises otherwise."""
        attempt = self.attempt(key)
        if verify():
            self.passed(attempt)
            return
        self.failed(attempt)


def locked(until: datetime, now: datetime) -> DomainError:
    """``circulation.card_locked`` with the whole minutes left (at least 1)."""
    return DomainError("circulation.card_locked", minutes=minutes_until(until, now))


def minutes_until(until: datetime, now: datetime) -> int:
    return max(1, int((until - now).total_seconds() + 59) // 60)


class MemoryCounts:
    """:class:`Counts` in this process's memory."""

    def __init__(self) -> None:
        self._tries: dict[str, int] = {}
        self._until: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def add(self, key: str, now: datetime, max_tries: int, lock_until: datetime) -> int:
        with self._lock:
            until = self._until.get(key)
            if until is not None:
                if until > now:
                    raise locked(until, now)
                del self._until[key]
                self._tries.pop(key, None)  # the lock has run its time: a fresh series
            tries = self._tries.get(key, 0) + 1
            self._tries[key] = tries
            if tries >= max_tries:
                self._until[key] = lock_until
            return tries

    def clear(self, key: str) -> None:
        with self._lock:
            self._tries.pop(key, None)
            self._until.pop(key, None)

    def locked_until(self, key: str) -> datetime | None:
        with self._lock:
            return self._until.get(key)
