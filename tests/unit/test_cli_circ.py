"""``kiosk circ`` on the demo database, for each demo card kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(tmp_path / "demo.db")
    assert main(["init", "--demo", "--db", path]) == 0
    capsys.readouterr()
    return path


def run(db: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["circ", *argv, "--db", db, "--lang", "en"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_patron_for_every_demo_card_kind(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(db, capsys, "patron", "PLU-0001")
    assert code == 0
    assert "Andi Pratama (PLU-0001) - Adult" in out
    assert "OVERDUE" in out
    assert "ready at Rak Pesanan" in out
    code, out, _ = run(db, capsys, "patron", "PLU-0003")  # expired: shown with the reason
    assert code == 0
    assert "! Your card expired on" in out
    code, out, _ = run(db, capsys, "patron", "PLU-0004")
    assert "! You owe Rp 75,000 in fines, more than the limit of Rp 50,000." in out
    code, out, _ = run(db, capsys, "patron", "0419C4F07A5B80")  # by card key
    assert "Moh. Rizal Lasahido (PLU-0005)" in out
    code, out, _ = run(db, capsys, "patron", "PLU-0006", "--json")
    data = json.loads(out)
    assert data["patron"]["is_staff"] is True
    assert data["problems"] == []
    code, _, err = run(db, capsys, "patron", "NOPE")
    assert code == 1
    assert "This card is not registered" in err


def test_checkout_for_every_demo_card_kind(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(db, capsys, "checkout", "PLU-0001", "B00005")
    assert code == 0
    assert out.startswith("Checked out: Edensor (B00005), due ")
    code, _, err = run(db, capsys, "checkout", "PLU-0003", "B00009")
    assert code == 1
    assert "Your card expired" in err
    code, _, err = run(db, capsys, "checkout", "PLU-0004", "B00009")
    assert (code, "more than the limit" in err) == (1, True)
    code, _, err = run(db, capsys, "checkout", "PLU-0005", "B00009")
    assert (code, err.strip()) == (1, "Please enter your PIN.")
    code, _, err = run(db, capsys, "checkout", "PLU-0005", "B00009", "--pin", "9999")
    warning, refusal = err.strip().splitlines()  # --pin is seen by ps: it warns
    assert (code, refusal) == (1, "Wrong PIN. Tries left: 4.")
    assert "--pin-stdin" in warning
    code, out, _ = run(db, capsys, "checkout", "PLU-0005", "B00009", "--pin", "2580")
    assert code == 0
    code, out, _ = run(db, capsys, "checkout", "04B8E2176D4C80", "B00011", "--pin", "1357")
    assert (code, "Jejak Langkah" in out) == (0, True)
    code, out, err = run(db, capsys, "checkout", "PLU-0002", "B00013", "B00093", "B00003")
    assert code == 1
    assert "Rumah Kaca" in out
    assert "for use in the library only" in err
    assert "still on loan to someone else" in err


def test_checkin_renew_fines_pay(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    # B00003 is on loan to PLU-0005 and held for PLU-0009: renewing it is refused.
    code, _, err = run(db, capsys, "renew", "PLU-0005", "B00003", "--pin", "2580")
    assert code == 1
    assert "another patron is waiting" in err
    code, out, _ = run(db, capsys, "checkin", "B00003")
    assert code == 0
    assert "Put it on the hold shelf: Rak Pesanan" in out
    code, out, _ = run(db, capsys, "checkin", "B00105")  # 5 days overdue for PLU-0001
    assert "Overdue fine: Rp" in out
    code, _, err = run(db, capsys, "checkin", "B00105")
    assert (code, "is not on loan" in err) == (1, True)
    code, out, err = run(db, capsys, "renew", "PLU-0002")
    assert code == 1  # both of its loans are overdue
    assert err.count("because it is overdue") == 2
    code, out, _ = run(db, capsys, "fines", "PLU-0004", "--json")
    assert json.loads(out)["balance"] == 75_000
    code, out, _ = run(db, capsys, "pay", "PLU-0004", "Rp 25.000", "--taken-by", "Kartini")
    assert code == 0
    assert "Payment of Rp 25,000 from Nurhayati Lamarauna recorded." in out
    assert "Unpaid fines: Rp 50,000" in out
    code, _, err = run(db, capsys, "pay", "PLU-0004", "60000")
    assert (code, "more than the fines owed (Rp 50,000)" in err) == (1, True)
    code, out, _ = run(db, capsys, "checkout", "PLU-0004", "B00009")  # at the limit now
    assert code == 0
    code, out, _ = run(db, capsys, "renew", "PLU-0007")
    assert (code, out.strip()) == (0, "No loans to renew.")


def test_refusal_in_indonesian_by_default(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["circ", "checkout", "PLU-0003", "B00009", "--db", db]) == 1
    assert "Masa berlaku kartu Anda habis" in capsys.readouterr().err


def test_every_command_is_documented() -> None:
    from tests.conftest import REPO

    doc = (REPO / "docs" / "circulation.md").read_text(encoding="utf-8")
    for action in ("patron", "checkout", "checkin", "renew", "fines", "pay"):
        assert f"kiosk circ {action}" in doc, action
    for option in ("--format", "--delimiter", "--dry-run", "--skip-invalid", "--pin"):
        assert option in doc, option
    assert "kiosk import patrons|items|biblio|cards" in doc


def test_a_missing_database_is_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "typo.db"
    assert main(["circ", "patron", "PLU-0001", "--db", str(path), "--lang", "en"]) == 2
    assert "does not exist (or is empty). Create it first: kiosk init --db" in (
        capsys.readouterr().err
    )
    assert not path.exists()
