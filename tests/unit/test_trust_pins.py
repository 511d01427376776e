"""Issue 11 items 1-3: staff never without a PIN, patrons set or change their own, and
the PIN lock holds when many attempts arrive at once (processes, not a mock)."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from typing import Any

import pytest

from kiosk import config as config_module
from kiosk.circulation.local import LocalCirculation
from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.i18n import describe
from kiosk.pins import hash_pin, verify_pin
from kiosk.services import Services
from kiosk.store import Store
from tests.unit.circ_helpers import FakeClock, add_patron, services


def refused(call: Any, *args: Any, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as info:
        call(*args, **kwargs)
    return info.value


# -- item 1: staff need their PIN -----------------------------------------------------
def test_a_staff_card_without_a_pin_is_refused_and_told_how_to_set_one(
    store: Store, svc: Services
) -> None:
    add_patron(store, "S-9", group="staff", key="04ABCDEF")
    for how in ({"number": "S-9"}, {"uid": "04ABCDEF"}):
        error = refused(svc.circulation.sign_in, **how)
        assert error.key == "circulation.staff_pin_missing"
        for language in ("id", "en"):
            assert "kiosk circ pin set S-9" in describe(error, language)


def test_a_staff_card_with_its_pin_is_verified(store: Store, svc: Services) -> None:
    add_patron(store, "S-1", group="staff", pin_hash=hash_pin("1357"))
    assert refused(svc.circulation.sign_in, number="S-1").key == "circulation.pin_required"
    staff = svc.circulation.sign_in(number="S-1", pin="1357")
    assert staff.is_staff and staff.pin_verified and staff.has_pin


def test_patrons_without_a_pin_sign_in_unless_the_library_requires_one(
    store: Store, default_config: Config, clock: FakeClock
) -> None:
    add_patron(store, "M-1")
    add_patron(store, "M-2", pin_hash=hash_pin("2468"))
    plain = services(store, default_config, clock)
    patron = plain.circulation.sign_in(number="M-1")
    assert not patron.pin_verified and not patron.has_pin
    strict = services(store, default_config, clock, require_pin=True)
    error = refused(strict.circulation.sign_in, number="M-1")
    assert error.key == "circulation.pin_not_set"
    assert strict.circulation.sign_in(number="M-2", pin="2468").pin_verified


# -- item 2: setting and changing a PIN -------------------------------------------------
def test_a_patron_sets_then_changes_a_pin_giving_the_old_one(store: Store, svc: Services) -> None:
    ref = add_patron(store, "M-3")
    circ = svc.circulation
    assert isinstance(circ, LocalCirculation)
    circ.set_pin(ref, "4826")
    assert circ.sign_in(number="M-3", pin="4826").pin_verified
    assert refused(circ.set_pin, ref, "9371").key == "pin.old_required"
    assert refused(circ.set_pin, ref, "9371", old_pin="0000").key == "circulation.pin_wrong"
    circ.set_pin(ref, "9371", old_pin="4826")
    assert refused(circ.sign_in, number="M-3", pin="4826").key == "circulation.pin_wrong"
    assert circ.sign_in(number="M-3", pin="9371").pin_verified


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "²³⁴⁵", "١٢٣٤", " 1234", ""])
def test_a_pin_is_four_to_eight_ascii_digits(store: Store, svc: Services, pin: str) -> None:
    ref = add_patron(store, "M-4")
    circ = svc.circulation
    assert isinstance(circ, LocalCirculation)
    assert refused(circ.set_pin, ref, pin).key == "pin.invalid"
    with pytest.raises(ValueError, match="4 to 8 digits"):
        hash_pin(pin)


def test_the_desk_sets_and_clears_a_pin_and_clearing_lifts_the_lock(
    store: Store, svc: Services
) -> None:
    ref = add_patron(store, "S-2", group="staff", pin_hash=hash_pin("1111"))
    circ = svc.circulation
    assert isinstance(circ, LocalCirculation)
    circ.set_pin(ref, "2222", by_staff=True)  # the desk: no old PIN needed
    assert circ.sign_in(number="S-2", pin="2222").is_staff
    for _ in range(5):
        refused(circ.sign_in, number="S-2", pin="9999")
    assert refused(circ.sign_in, number="S-2", pin="2222").key == "circulation.card_locked"
    circ.clear_pin(ref)
    row = store.conn.execute("SELECT pin_hash, pin_failures, locked_until FROM patrons").fetchone()
    assert tuple(row) == (None, 0, None)
    assert refused(circ.sign_in, number="S-2").key == "circulation.staff_pin_missing"


# -- item 3: the lock -----------------------------------------------------------------------
def test_the_lock_runs_its_time_then_a_fresh_series_of_tries_starts(
    store: Store, default_config: Config, clock: FakeClock
) -> None:
    svc = services(store, default_config, clock, pin_max_tries=3, pin_lock_minutes=10)
    add_patron(store, "P-1", pin_hash=hash_pin("2580"))
    for _ in range(3):
        refused(svc.circulation.sign_in, number="P-1", pin="0000")
    assert refused(svc.circulation.sign_in, number="P-1", pin="2580").key == (
        "circulation.card_locked"
    )
    # The count is not reset while locked: a wrong PIN during the lock is refused unchecked.
    failures = store.conn.execute("SELECT pin_failures FROM patrons").fetchone()[0]
    assert failures == 3
    clock.advance(minutes=11)
    error = refused(svc.circulation.sign_in, number="P-1", pin="0000")
    assert (error.key, error.params) == ("circulation.pin_wrong", {"tries_left": 2})


class CountingCirculation(LocalCirculation):
    """The real service; each scrypt check also adds one to a counter shared by the
    processes (the check itself is the real one)."""

    checks: Any = None

    def _verify_pin(self, pin: str, stored: str) -> bool:
        with self.checks.get_lock():
            self.checks.value += 1
        return super()._verify_pin(pin, stored)


def _attempt(path: str, barrier: Any, checks: Any, results: Any) -> None:
    config = config_module.parse(config_module.default_config_text(), "<child>")
    store = Store(path)
    circulation = CountingCirculation(store, config)
    circulation.checks = checks
    barrier.wait()
    try:
        circulation.sign_in(number="P-16", pin="0000")
    except DomainError as exc:
        results.put(exc.key)
    else:
        results.put("signed_in")
    store.close()


def test_sixteen_simultaneous_wrong_pins_check_at_most_pin_max_tries(tmp_path: Path) -> None:
    """16 processes, released together by a barrier, each try a wrong PIN for one card:
    at most ``pin_max_tries`` (5) of them are ever checked, the rest are refused as
    locked, and the card is locked afterwards."""
    path = str(tmp_path / "pins.db")
    store = Store(path)
    add_patron(store, "P-16", pin_hash=hash_pin("2580"))
    store.close()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(16)
    checks = context.Value("i", 0)
    results = context.Queue()
    processes = [
        context.Process(target=_attempt, args=(path, barrier, checks, results)) for _ in range(16)
    ]
    started = time.monotonic()
    for process in processes:
        process.start()
    keys = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    assert time.monotonic() - started < 60
    assert checks.value <= 5
    assert checks.value >= 1
    assert keys.count("circulation.pin_wrong") + keys.count("circulation.card_locked") == 16
    assert keys.count("circulation.pin_wrong") <= 4  # the 5th check locks
    store = Store(path)
    locked = store.conn.execute("SELECT locked_until FROM patrons").fetchone()[0]
    store.close()
    assert locked is not None


def test_a_correct_pin_still_works_at_the_last_try(store: Store, svc: Services) -> None:
    add_patron(store, "P-5", pin_hash=hash_pin("2580"))
    for _ in range(4):
        refused(svc.circulation.sign_in, number="P-5", pin="0000")
    assert svc.circulation.sign_in(number="P-5", pin="2580").pin_verified
    row = store.conn.execute("SELECT pin_failures, locked_until FROM patrons").fetchone()
    assert tuple(row) == (0, None)


def test_verify_pin_refuses_garbage(tmp_path: Path) -> None:
    assert not verify_pin("1234", "scrypt$x$y")
    assert verify_pin("1234", hash_pin("1234"))
