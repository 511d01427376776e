"""Wrong PINs in a row per card, for backends that keep no PIN state in the kiosk's
database (SIP2, and offline sign-in from the card cache).

The ILS may count and lock on its own; this count is what lets the sign-in screen say
how many tries are left, and locks the card at this kiosk after ``pin_max_tries`` for
``pin_lock_minutes`` (the ``[circulation]`` settings the local backend uses too). Kept
in memory: a restart forgives, as a lock of a few minutes would anyway.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import NoReturn

from kiosk.domain.errors import DomainError
from kiosk.timeutil import Clock


class PinTries:
    """Thread-safe. ``card`` is whatever names the card (its key or number)."""

    def __init__(self, max_tries: int, lock_minutes: int, clock: Clock) -> None:
        self.max_tries = max_tries
        self.lock_minutes = lock_minutes
        self.clock = clock
        self._failures: dict[str, int] = {}
        self._locked: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def check(self, card: str) -> None:
        """Raise ``circulation.card_locked`` while the card is locked here."""
        now = self.clock()
        with self._lock:
            until = self._locked.get(card)
            if until is not None and until <= now:
                del self._locked[card]
                until = None
        if until is not None:
            minutes = max(1, int((until - now).total_seconds() + 59) // 60)
            raise DomainError("circulation.card_locked", minutes=minutes)

    def failed(self, card: str) -> NoReturn:
        """Count a wrong PIN; raise ``pin_wrong`` (tries left) or ``card_locked``."""
        with self._lock:
            failures = self._failures.get(card, 0) + 1
            if failures >= self.max_tries:
                self._failures.pop(card, None)
                self._locked[card] = self.clock() + timedelta(minutes=self.lock_minutes)
                locked = True
            else:
                self._failures[card] = failures
                locked = False
        if locked:
            raise DomainError("circulation.card_locked", minutes=self.lock_minutes)
        raise DomainError("circulation.pin_wrong", tries_left=self.max_tries - failures)

    def passed(self, card: str) -> None:
        with self._lock:
            self._failures.pop(card, None)
