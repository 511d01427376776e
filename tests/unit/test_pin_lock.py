"""The one card-lock rule (issue 16 item 5, issue 11's rule): each attempt is counted
before its PIN is checked, so parallel attempts never check more than pin_max_tries
PINs; the try that locks still passes with the right PIN; a lock runs its time."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from kiosk.circulation.pin_lock import MemoryCounts, PinLock
from kiosk.domain.errors import DomainError


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_sixteen_parallel_wrong_pins_check_at_most_max_tries() -> None:
    lock = PinLock(MemoryCounts(), 5, 15, Clock())
    checked = 0
    guard = threading.Lock()
    barrier = threading.Barrier(16)
    keys: list[str] = []

    def slow_wrong() -> bool:
        nonlocal checked
        with guard:
            checked += 1
        time.sleep(0.05)  # the ILS's round trip, or scrypt: other attempts run meanwhile
        return False

    def attempt() -> None:
        barrier.wait()
        try:
            lock.check("P1", slow_wrong)
        except DomainError as exc:
            with guard:
                keys.append(exc.key)

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert checked == 5
    assert len(keys) == 16
    assert keys.count("circulation.pin_wrong") == 4
    assert keys.count("circulation.card_locked") == 12


def test_the_locking_try_still_passes_with_the_right_pin_and_clears() -> None:
    lock = PinLock(MemoryCounts(), 3, 15, Clock())
    for left in (2, 1):
        with pytest.raises(DomainError) as info:
            lock.check("P1", lambda: False)
        assert info.value.params == {"tries_left": left}
    lock.check("P1", lambda: True)  # the third try would lock: its PIN is right
    lock.refuse_if_locked("P1")
    with pytest.raises(DomainError) as info:
        lock.check("P1", lambda: False)
    assert info.value.params == {"tries_left": 2}  # a fresh series


def test_a_lock_refuses_unchecked_then_runs_its_time() -> None:
    clock = Clock()
    lock = PinLock(MemoryCounts(), 2, 10, clock)
    with pytest.raises(DomainError):
        lock.check("P1", lambda: False)
    with pytest.raises(DomainError) as info:
        lock.check("P1", lambda: False)
    assert (info.value.key, info.value.params) == ("circulation.card_locked", {"minutes": 10})

    def never() -> bool:
        raise AssertionError("a locked card's PIN is never checked")

    clock.now += timedelta(minutes=4)
    with pytest.raises(DomainError) as info:
        lock.check("P1", never)
    assert info.value.params == {"minutes": 6}
    with pytest.raises(DomainError):
        lock.refuse_if_locked("P1")
    clock.now += timedelta(minutes=7)
    lock.refuse_if_locked("P1")
    with pytest.raises(DomainError) as info:
        lock.check("P1", lambda: False)
    assert info.value.params == {"tries_left": 1}
