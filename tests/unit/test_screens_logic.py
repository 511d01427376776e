"""The screens' plain-Python parts: the patron session, the background worker and the
date formats. No Kivy here. (The inactivity rule is tested in test_a11y_timeouts.)"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest

from kiosk.bus import QueueLoop
from kiosk.circulation.api import Patron
from kiosk.domain.errors import DomainError, KioskError
from screens import format as fmt
from screens.session import PatronSession
from screens.worker import Worker


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


def test_a_quick_call_runs_here_and_still_answers_through_schedule() -> None:
    """The local backend's quick calls: run on the calling (UI) thread, but the
    callback comes through ``schedule`` like a worker's, after ``run_here`` returned."""
    loop = QueueLoop()
    worker = Worker(loop.schedule, "test")
    seen: dict[str, object] = {}
    errors: list[KioskError] = []

    def job() -> int:
        seen["thread"] = threading.get_ident()
        return 7

    worker.run_here(job, lambda r: seen.update(result=r), None, loop.schedule)
    assert seen == {"thread": threading.get_ident()}  # ran, not yet delivered
    assert not worker.idle
    assert loop.run_until(lambda: "result" in seen, timeout=5)
    assert seen["result"] == 7 and worker.idle

    def refuse() -> None:
        raise DomainError("circulation.item_not_found", barcode="X")

    def bug() -> None:
        raise ZeroDivisionError

    worker.run_here(refuse, lambda _r: None, errors.append, loop.schedule)
    worker.run_here(bug, lambda _r: None, errors.append, loop.schedule)
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
