"""``kiosk printers print|cancel`` on a simulated printer: signed in like a card tap,
the patron's running booking checked like the print pane does (a real OctoPrint:
tests/integration/test_print_flow.py)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk import config as config_module
from kiosk.booking.service import BookingService
from kiosk.cli import main
from kiosk.pins import hash_pin
from kiosk.printing.records import PrintJobRecords
from tests.booking_support import STAFF, TRAINED, make_store
from tests.support import gcode as samples


class Kiosk:
    def __init__(self, tmp_path: Path) -> None:
        self.stick = tmp_path / "usb"
        self.stick.mkdir()
        self.db = tmp_path / "k.db"
        self.path = tmp_path / "kiosk.toml"
        self.path.write_text(
            f"""
[kiosk]
id = "maker-1"
language = "en"

[database]
path = "{self.db}"

[printing]
usb_mounts = ["{self.stick}"]

[[resources]]
id = "printer-1"
kind = "3d_printer"
name = "Printer 3D 1"
printer = "sim://"
"""
        )
        self.config = config_module.load(self.path)
        store = make_store(self.db, self.config)
        with store.transaction() as db:  # staff sign in only with a PIN
            db.execute("UPDATE patrons SET pin_hash = ? WHERE id = ?", [hash_pin("2468"), STAFF])
        store.close()

    def booking(self, minutes: int = 120) -> int:
        """A running booking of printer-1 for the trained patron (as the scheduler
        leaves it at its start)."""
        store = make_store(self.db, self.config)
        try:
            start = datetime.now(UTC) - timedelta(minutes=5)
            service = BookingService(store, self.config)
            booking = service.book(TRAINED, "printer-1", start, minutes, staff=STAFF)
            with store.transaction() as db:
                db.execute("UPDATE bookings SET status = 'active' WHERE id = ?", [booking.id])
            return booking.id
        finally:
            store.close()

    def run(self, *argv: str) -> int:
        return main([*argv, "--config", str(self.path), "--lang", "en"])

    def records(self) -> list[tuple[str, int | None, str | None]]:
        store = make_store(self.db, self.config)
        try:
            rows = PrintJobRecords(store, self.config.printing, "maker-1").recent()
            return [(r.file_name, r.booking_id, r.outcome) for r in rows]
        finally:
            store.close()


@pytest.fixture
def kiosk(tmp_path: Path) -> Kiosk:
    return Kiosk(tmp_path)


def test_print_from_the_stick_in_the_patrons_booking(
    kiosk: Kiosk, capsys: pytest.CaptureFixture[str]
) -> None:
    cube = kiosk.stick / "cube.gcode"
    cube.write_text(samples.cura())
    argv = ("printers", "print", "printer-1", str(cube), "--card", "PLU-0002")
    assert kiosk.run(*argv) == 1
    assert "No booking of Printer 3D 1 is running now" in capsys.readouterr().err
    booking = kiosk.booking()
    assert kiosk.run(*argv) == 0
    assert capsys.readouterr().out.strip() == (
        f"Printing cube.gcode on printer-1 (booking {booking}): about 1 h 2 min."
    )
    assert kiosk.records() == [("cube.gcode", booking, None)]  # running


def test_print_refusals_in_words(
    kiosk: Kiosk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kiosk.booking()
    elsewhere = tmp_path / "home.gcode"
    elsewhere.write_text(samples.cura())
    base = ("printers", "print", "printer-1")
    assert kiosk.run(*base, str(elsewhere), "--card", "PLU-0002") == 1
    assert "home.gcode is not a G-code file on the USB stick" in capsys.readouterr().err
    assert kiosk.run(*base, "nowhere.gcode", "--card", "PLU-0002") == 1
    assert "nowhere.gcode is no longer on printer-1" in capsys.readouterr().err
    assert kiosk.run(*base, "benchy.gcode", "--card", "PLU-0001") == 1  # not their booking
    assert "booked by someone else" in capsys.readouterr().err
    assert kiosk.run(*base, "benchy.gcode", "--card", "PLU-9999") == 1
    capsys.readouterr()
    assert kiosk.run("printers", "print", "printer-7", "benchy.gcode", "--card", "PLU-0002") == 1
    assert "no 3D printer called printer-7" in capsys.readouterr().err
    assert kiosk.records() == []


def test_print_a_file_on_the_printer_json(kiosk: Kiosk, capsys: pytest.CaptureFixture[str]) -> None:
    booking = kiosk.booking()
    argv = ("printers", "print", "printer-1", "benchy.gcode", "--card", "PLU-0002", "--json")
    assert kiosk.run(*argv) == 0
    started = json.loads(capsys.readouterr().out)
    assert (started["booking_id"], started["file_name"], started["source"]) == (
        booking,
        "benchy.gcode",
        "host",
    )
    assert started["estimated_seconds"] == 5400 and not started["extended"]


def test_cancel_needs_the_owner_or_a_staff_card_with_its_pin(
    kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    kiosk.booking()
    # A fresh simulated printer in each command prints nothing: nothing to cancel.
    assert kiosk.run("printers", "cancel", "printer-1", "--card", "PLU-0002") == 1
    assert "Nothing is printing on Printer 3D 1" in capsys.readouterr().err
    assert kiosk.run("printers", "cancel", "printer-1", "--staff", "PLU-0002") == 1
    assert "PLU-0002 is not a staff card" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("1357\n"))
    assert kiosk.run("printers", "cancel", "printer-1", "--staff", "PLU-0003", "--pin-stdin") == 1
    assert "PIN" in capsys.readouterr().err  # the wrong PIN
    monkeypatch.setattr("sys.stdin", io.StringIO("2468\n"))
    assert kiosk.run("printers", "cancel", "printer-1", "--staff", "PLU-0003", "--pin-stdin") == 1
    assert "Nothing is printing" in capsys.readouterr().err  # signed in: on to the printer
    assert kiosk.run("printers", "cancel", "printer-1") == 2  # --card or --staff
