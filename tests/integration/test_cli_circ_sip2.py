"""Every ``kiosk circ`` command on the SIP2 backend, against the real pysip2 server
(issue 16 item 3): the commands speak the circulation interface, print what the ILS
said, keep PINs only for staff cards, and list the offline entries the ILS refused."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk import bootstrap
from kiosk.cli import main
from kiosk.config import load
from tests.support import peers
from tests.support.kiosks import open_test_kiosk

peers.module("pysip2", "pip install .[test]")  # the SIP2 test server's codec

from tests.support.sip2_library import (  # noqa: E402
    PASSWORD,
    ZONE,
    Library,
    Sip2TestServer,
    populate,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


@pytest.fixture
def library(sip2_server: Sip2TestServer) -> Library:
    lib = populate(sip2_server.library)
    lib.patron("S-1", "Ibu Kartini")
    lib.patron("P6", "Andi", fines=75_000)
    return lib


@pytest.fixture
def desk(
    sip2_server: Sip2TestServer, library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """``--config`` and ``--db`` of a SIP2 kiosk (offline circulation on, one staff
    card), the password in the environment."""
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[backend]\nkind = "sip2"\nurl = "{sip2_server.url()}"\noffline_checkouts = true\n'
        'staff_cards = ["S-1"]\n',
        encoding="utf-8",
    )
    db = tmp_path / "kiosk.db"
    assert main(["init", "--db", str(db)]) == 0
    monkeypatch.setenv("KIOSK_SIP2_PASSWORD", PASSWORD)
    return ["--config", str(config), "--db", str(db), "--lang", "en"]


def run(
    capsys: pytest.CaptureFixture[str], desk: list[str], *argv: str, stdin: str = ""
) -> tuple[int, str, str]:
    capsys.readouterr()
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = main([*argv, *desk])
    finally:
        sys.stdin = old
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_checkout_checkin_and_renew_print_what_the_ils_said(
    desk: list[str], library: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, desk, "circ", "checkout", "P1", "I-1", "I-9", "--pin-stdin",
                         stdin="1234\n")  # fmt: skip
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("Checked out: Buku 1 (I-1), due ")
    assert "The library system says: Selamat membaca" in lines[1]
    due_iso = library.loans["I-9"][1].astimezone(ZoneInfo(ZONE)).date().isoformat()
    assert f"Checked out: Buku 9 (I-9), due {due_iso}" in out  # the ILS's own date text
    assert library.loans["I-1"][0] == "P1"
    # A wrong PIN: one line, nothing lent.
    code, _, err = run(capsys, desk, "circ", "checkout", "P1", "I-2", "--pin-stdin",
                       stdin="9999\n")  # fmt: skip
    assert code == 1 and "wrong" in err.lower() and "I-2" not in library.loans
    code, out, err = run(capsys, desk, "circ", "checkin", "I-1")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Returned: Buku 1 (I-1)",
        "  The library system says: Terima kasih",
    ]
    library.lend("I-4", "P2", datetime.now(UTC) + timedelta(days=3))
    code, out, err = run(capsys, desk, "circ", "renew", "P2", "I-4", "--json")
    renewed = json.loads(out)["renewals"][0]
    assert (code, renewed["ok"], renewed["barcode"]) == (0, True, "I-4")
    library.items["I-4"].renewable = False
    code, _out, err = run(capsys, desk, "circ", "renew", "P2", "I-4")
    assert code == 1 and "Item on hold for another patron" in err  # the ILS's reason
    code, out, err = run(capsys, desk, "circ", "renew", "P2")  # 65 renew all
    assert code == 1 and "Buku 4 (I-4): The library system did not renew this item." in err


def test_patron_fines_and_pay(
    desk: list[str], library: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    library.lend("I-5", "P6", datetime.now(UTC) - timedelta(days=2))
    code, out, _ = run(capsys, desk, "circ", "patron", "P6")
    assert code == 0
    assert out.startswith("Andi (P6)")
    assert "Loans (1):" in out and "Buku 5" in out and "OVERDUE" in out
    assert "Your fines or fees are too high" in out  # the ILS's block, in words
    assert "Denda keterlambatan Rp 75000" in out  # the ILS's own fine line
    code, out, _ = run(capsys, desk, "circ", "fines", "P6", "--json")
    fines = json.loads(out)
    assert (fines["balance"], fines["limit"]) == (75_000, 50_000)
    assert fines["descriptions"] == ["Denda keterlambatan Rp 75000"]
    code, out, _ = run(capsys, desk, "circ", "pay", "P6", "25.000", "--taken-by", "Ani")
    assert code == 0 and "Rp 25,000" in out and "Unpaid fines: Rp 50,000" in out
    code, _, err = run(capsys, desk, "circ", "pay", "P6", "90000")
    assert code == 1 and "Amount is more than the fines" in err
    code, _, err = run(capsys, desk, "circ", "patron", "NOBODY")
    assert code == 1 and err.strip().startswith("This card cannot be used now")


def test_pins_at_the_desk_only_for_staff_cards(
    desk: list[str], library: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, desk, "circ", "pin", "set", "P1", "--pin-stdin", stdin="4826\n")
    assert code == 1 and "[backend] staff_cards" in err and len(err.splitlines()) == 1
    code, _, err = run(capsys, desk, "circ", "pin", "clear", "P2")
    assert code == 1 and "not a staff card" in err
    code, out, _ = run(capsys, desk, "circ", "pin", "set", "S-1", "--pin-stdin", stdin="4826\n")
    assert (code, out.strip()) == (0, "PIN set for Ibu Kartini (S-1).")
    assert "4826" not in out
    code, out, _ = run(capsys, desk, "circ", "patron", "S-1", "--json")
    patron = json.loads(out)["patron"]
    assert (patron["is_staff"], patron["has_pin"]) == (True, True)
    code, out, _ = run(capsys, desk, "circ", "pin", "clear", "S-1")
    assert code == 0 and "staff mode" in out  # no PIN: no staff mode, it says so


def test_outbox_lists_refused_replays_and_resolves_them(
    desk: list[str], library: Library, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = load(Path(desk[1]))
    kiosk = open_test_kiosk(config, desk[3])
    assert kiosk.services is not None
    backend = kiosk.services.circulation
    try:
        backend.sign_in(number="P1", pin="1234")  # cached for offline sign-in: the name
        offline = backend.offline  # type: ignore[attr-defined]
        offline.checkout("P1", "I-3")  # taken while the ILS was unreachable
        offline.checkout("P1", "I-6")
        offline.checkin("I-8")
        library.lend("I-3", "P2", datetime.now(UTC) + timedelta(days=5))  # lent meanwhile
        report = backend.replay()  # type: ignore[attr-defined]
        assert (report.sent, report.refused) == (1, 2)
    finally:
        bootstrap.close_kiosk(kiosk)  # the CLI below opens the database itself
    code, out, _ = run(capsys, desk, "circ", "outbox")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Offline checkouts and returns the library system refused (2):"
    assert "checkout  item I-3, patron P1 (Siti Aminah): Item checked out" in lines[1]
    assert "return  item I-8, patron -: Item not checked out" in lines[2]
    assert lines[3] == "Still waiting to be sent: 0"
    code, out, _ = run(capsys, desk, "circ", "outbox", "--json")
    data = json.loads(out)
    refused = data["refused"]
    assert [(r["kind"], r["payload"]["barcode"], r["reason"]) for r in refused] == [
        ("checkout", "I-3", "Item checked out"),
        ("checkin", "I-8", "Item not checked out"),
    ]
    assert refused[0]["patron_name"] == "Siti Aminah" and data["waiting"] == 0
    first = refused[0]["id"]
    code, out, _ = run(capsys, desk, "circ", "outbox", "resolve", str(first), "--by", "Ani")
    assert (code, out.strip()) == (0, f"Entry {first} marked as sorted out by Ani.")
    code, _, err = run(capsys, desk, "circ", "outbox", "resolve", str(first), "--by", "Ani")
    assert (code, err.strip()) == (1, f"Entry {first} is not in the list of refusals.")
    code, out, _ = run(capsys, desk, "circ", "outbox", "--json")
    assert [r["payload"]["barcode"] for r in json.loads(out)["refused"]] == ["I-8"]
