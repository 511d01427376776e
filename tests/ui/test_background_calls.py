"""screens.calls: the screens' background calls, with a recording loop instead of Kivy's
clock (the app's own calls are tested through the screens in test_screens.py)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from kiosk.bus import QueueLoop
from kiosk.circulation.api import Patron
from kiosk.domain.errors import DomainError, KioskError
from screens.calls import BackgroundCalls
from screens.session import PatronSession

pytestmark = pytest.mark.ui


@dataclass
class Backend:
    """What BackgroundCalls reads of the services: whether they are local."""

    local: bool


def _calls(local: bool) -> tuple[BackgroundCalls, PatronSession, QueueLoop, list[str]]:
    loop = QueueLoop()
    before_frame: list[str] = []

    def schedule_before_frame(fn: object) -> None:
        before_frame.append("scheduled")
        loop.schedule(fn)  # type: ignore[arg-type]

    session = PatronSession()
    calls = BackgroundCalls(
        session,
        lambda: Backend(local),  # type: ignore[arg-type,return-value]
        schedule=loop.schedule,
        before_frame=schedule_before_frame,
    )
    return calls, session, loop, before_frame


@pytest.mark.parametrize("local", [True, False])
def test_a_quick_call_runs_here_on_a_local_backend_and_on_the_worker_otherwise(
    local: bool,
) -> None:
    calls, _session, loop, before_frame = _calls(local)
    ran: dict[str, int] = {}
    calls.call(lambda: threading.get_ident(), lambda t: ran.update(thread=t), quick=True)
    assert loop.run_until(lambda: "thread" in ran, timeout=5)
    here = ran["thread"] == threading.get_ident()
    assert here is local and (before_frame == ["scheduled"]) is local
    assert calls.idle
    calls.shutdown()


def test_device_calls_never_run_here_and_use_their_own_worker() -> None:
    calls, _session, loop, _before = _calls(local=True)
    names: list[str] = []
    calls.call(lambda: threading.current_thread().name, names.append, device=True, quick=True)
    calls.call(lambda: threading.current_thread().name, names.append)
    assert loop.run_until(lambda: len(names) == 2, timeout=5)
    assert sorted(n.split("_")[0] for n in names) == ["kiosk-devices", "kiosk-services"]
    calls.shutdown()


def test_an_answer_for_a_session_that_ended_is_dropped_and_errors_are_delivered() -> None:
    calls, session, loop, _before = _calls(local=False)
    session.begin(Patron("7", "Dewi", "student", False, None))
    answers: list[object] = []
    errors: list[KioskError] = []
    gate = threading.Event()
    calls.call(lambda: gate.wait(5), answers.append, errors.append)
    session.end()  # sign-out while the call is still running
    gate.set()

    def refuse() -> None:
        raise DomainError("circulation.item_not_found", barcode="X")

    calls.call(refuse, answers.append, errors.append)
    assert loop.run_until(lambda: calls.idle and len(errors) == 1, timeout=5)
    assert answers == [] and errors[0].key == "circulation.item_not_found"
    calls.shutdown()
