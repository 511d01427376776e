"""The screens' plain-Python parts: the inactivity rule, the patron session, the
background worker and the date formats. No Kivy here."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest

from kiosk.bus import QueueLoop
from kiosk.circulation.api import Patron
from kiosk.domain.errors import DomainError, KioskError
from screens import format as fmt
from screens.session import IdleTimer, PatronSession, Phase
from screens.worker import Worker


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_idle_timer_warns_before_it_expires_and_more_time_resets_it() -> None:
    clock = FakeMonotonic()
    timer = IdleTimer(timeout_s=90, warning_s=30, now=clock)
    assert timer.state().phase is Phase.ACTIVE
    clock.now += 59
    assert timer.state().phase is Phase.ACTIVE
    clock.now += 2
    state = timer.state()
    assert state.phase is Phase.WARNING and state.seconds_left == 29
    timer.extend()
    assert timer.state().phase is Phase.ACTIVE and timer.extensions == 1
    clock.now += 90
    assert timer.state().phase is Phase.EXPIRED
    assert timer.state().seconds_left == 0


def test_idle_timer_keeps_a_warning_shorter_than_the_timeout() -> None:
    timer = IdleTimer(timeout_s=20, warning_s=30, now=FakeMonotonic())
    assert timer.warning_s == 10


def test_a_new_or_ended_session_changes_generation() -> None:
    session = PatronSession()
    assert not session.signed_in
    with pytest.raises(RuntimeError):
        _ = session.ref
    patron = Patron("7", "Dewi", "student", False, None)
    session.begin(patron)
    first = session.generation
    assert session.signed_in and session.ref == "7"
    session.end()
    assert session.generation == first + 1 and session.patron is None


def test_worker_runs_off_the_calling_thread_and_delivers_through_schedule() -> None:
    loop = QueueLoop()
    worker = Worker(loop.schedule, "test")
    seen: dict[str, object] = {}

    def job() -> int:
        seen["thread"] = threading.get_ident()
        return 42

    worker.submit(job, lambda r: seen.update(result=r, back=threading.get_ident()))
    assert loop.run_until(lambda: "result" in seen, timeout=5)
    assert seen["result"] == 42
    assert seen["thread"] != threading.get_ident()
    assert seen["back"] == threading.get_ident()
    assert worker.idle
    worker.shutdown()


def test_worker_hands_domain_errors_and_turns_bugs_into_a_message_key() -> None:
    loop = QueueLoop()
    worker = Worker(loop.schedule, "test")
    errors: list[KioskError] = []

    def refuse() -> None:
        raise DomainError("circulation.item_not_found", barcode="X")

    def bug() -> None:
        raise ZeroDivisionError

    worker.submit(refuse, lambda _r: None, errors.append)
    worker.submit(bug, lambda _r: None, errors.append)
    assert loop.run_until(lambda: len(errors) == 2, timeout=5)
    assert [e.key for e in errors] == ["circulation.item_not_found", "ui.unexpected_error"]
    worker.shutdown()


def test_worker_keeps_submission_order() -> None:
    loop = QueueLoop()
    worker = Worker(loop.schedule, "test")
    order: list[int] = []
    for n in range(20):
        worker.submit(lambda n=n: n, order.append)
    assert loop.run_until(lambda: len(order) == 20, timeout=5)
    assert order == list(range(20))
    worker.shutdown()


def test_dates_and_times_in_each_language_and_the_library_zone() -> None:
    moment = datetime(2026, 12, 14, 15, 30, tzinfo=UTC)  # 23:30 in Palu (WITA)
    zone = "Asia/Makassar"
    assert fmt.day(moment, "id", zone) == "Senin, 14 Desember 2026"
    assert fmt.day(moment, "en", zone) == "Monday, 14 December 2026"
    assert fmt.clock(moment, "id", zone) == "23.30"
    assert fmt.short_day(date(2026, 12, 15), "en", zone) == "Tue, 15 Dec"
    assert fmt.rupiah(75000, "id") == "Rp 75.000"
