"""Store-and-forward across real processes: the ILS stops mid-session, the kiosk lends
offline, is killed with SIGKILL, starts again, the ILS comes back: every loan arrives
once, in order, with no block Y and the due date the patron was told; a refusal is kept
for staff with the ILS's reason. And a kill in the middle of a replay: the entry in
doubt is checked, not sent twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.circulation.sip2.codec import parse_timestamp
from tests.conftest import REPO
from tests.support import peers

peers.module("pysip2", "pip install .[test]")  # the SIP2 test server's codec

from tests.support.sip2_library import (  # noqa: E402
    PASSWORD,
    ZONE,
    Library,
    Sip2TestServer,
    populate,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]


class Kiosk:
    """One kiosk process on the test's database."""

    def __init__(self, db: Path, url: str) -> None:
        env = {**os.environ, "KIOSK_SIP2_PASSWORD": PASSWORD}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.sip2_child", str(db), url],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.read() == {"ready": True}

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, "the kiosk process ended"
        answer: dict[str, Any] = json.loads(line)
        return answer

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def ask(self, command: str) -> dict[str, Any]:
        self.send(command)
        return self.read()

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._close_pipes()

    def quit(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(10)
        self._close_pipes()

    def _close_pipes(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()


@pytest.fixture
def kiosks() -> Iterator[list[Kiosk]]:
    started: list[Kiosk] = []
    yield started
    for kiosk in started:
        kiosk.kill() if kiosk.proc.poll() is None else kiosk.quit()


def until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_offline_loans_survive_kill_9_and_arrive_once(tmp_path: Path, kiosks: list[Kiosk]) -> None:
    library = populate(Library())
    server = Sip2TestServer(library).start()
    try:
        db, url = tmp_path / "kiosk.db", server.url(timeout="1")
        first = Kiosk(db, url)
        kiosks.append(first)
        assert first.ask("signin P1 1234")["ok"] == "P1"  # online: the card is cached
        online = first.ask("checkout P1 I-1")
        assert (online["ok"], online["offline"]) == ("I-1", False)
        assert library.checkouts["I-1"] == 1

        server.stop()  # the ILS goes away mid-session
        told: dict[str, str] = {}
        for barcode in ("I-2", "I-3", "I-9"):
            answer = first.ask(f"checkout P1 {barcode}")
            assert answer["offline"] is True, answer
            told[barcode] = answer["due"]
        assert first.ask("checkin I-1") == {"ok": "I-1", "offline": True}
        first.kill()  # power cut

        second = Kiosk(db, url)
        kiosks.append(second)
        assert second.ask("outbox")["open"] == 4  # nothing lost
        assert second.ask("signin P1 0000")["refused"] == "circulation.pin_wrong"
        assert second.ask("signin P1 1234")["ok"] == "P1"  # offline, from the cache
        assert second.ask("signin P2")["refused"] == "circulation.offline_card_unknown"
        told["I-4"] = second.ask("checkout P1 I-4")["due"]

        # Meanwhile the desk lent I-9 to someone else: that replay will be refused.
        library.lend("I-9", "P2", datetime.now(UTC) + timedelta(days=14))
        server.start()  # same port
        assert second.ask("start") == {"ok": "started"}
        until(lambda: second.ask("outbox")["open"] == 0)

        assert {b: library.checkouts[b] for b in ("I-1", "I-2", "I-3", "I-4")} == dict.fromkeys(
            ("I-1", "I-2", "I-3", "I-4"), 1
        )
        assert library.loans["I-2"][0] == "P1" and "I-1" not in library.loans
        replayed = [r for code, r in library.requests if code == "11" and r.no_block == "Y"]
        assert [r.item_identifier for r in replayed] == ["I-2", "I-3", "I-9", "I-4"]  # in order
        for request in replayed:
            due = parse_timestamp(request.nb_due_date, ZONE)
            assert due is not None and due.isoformat() == told[request.item_identifier]
            if request.item_identifier != "I-9":  # the ILS lent it until the date told
                assert library.loans[request.item_identifier] == ("P1", due)
        checkins = [r for code, r in library.requests if code == "09"]
        assert [(r.item_identifier, r.no_block) for r in checkins] == [("I-1", "Y")]
        refused = second.ask("outbox")["refused"]
        assert [(e["kind"], e["payload"]["barcode"], e["reason"]) for e in refused] == [
            ("checkout", "I-9", "Item checked out")
        ]
        # Online again: a new checkout goes straight to the ILS.
        assert second.ask("checkout P1 I-5")["offline"] is False
        second.quit()
    finally:
        server.stop()


def test_a_kill_in_the_middle_of_a_replay_never_lends_twice(
    tmp_path: Path, kiosks: list[Kiosk]
) -> None:
    library = populate(Library())
    server = Sip2TestServer(library).start()
    try:
        db, url = tmp_path / "kiosk.db", server.url(timeout="5")
        first = Kiosk(db, url)
        kiosks.append(first)
        assert first.ask("signin P2")["ok"] == "P2"
        server.stop()
        for barcode in ("I-5", "I-6"):
            assert first.ask(f"checkout P2 {barcode}")["offline"] is True
        library.slow["I-5"] = 1.0  # the ILS takes its time over the first one
        server.start()
        first.send("replay")
        until(lambda: "11" in library.codes())  # the checkout of I-5 reached the ILS
        first.kill()  # ... and the kiosk dies before the answer
        until(lambda: library.checkouts["I-5"] == 1)  # the ILS did lend it

        second = Kiosk(db, url)
        kiosks.append(second)
        assert second.ask("replay") == {"ok": "replayed", "sent": 2, "left": 0}
        assert (library.checkouts["I-5"], library.checkouts["I-6"]) == (1, 1)
        sent = [r.item_identifier for code, r in library.requests if code == "11"]
        assert sent == ["I-5", "I-6"]  # I-5 was checked (63), not sent again
        second.quit()
    finally:
        server.stop()
