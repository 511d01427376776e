"""The print pane, end to end: the real print service over the demo database and the
session's simulated printer (``printer-1``), G-code files on a USB stick folder the test
makes. Touches and keys in; what the patron sees and hears out. The booking side runs at
next Monday's fixed clock; the printer on its own clock, which the test moves."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import Config
from tests.support import gcode
from tests.ui.conftest import UI, monday_booking
from tests.ui.test_booking_screen import booking_config

pytestmark = pytest.mark.ui

PRINTER = "printer-1"


@dataclass
class Setup:
    ui: UI
    bookings: Any
    printer: Any
    stick: Path
    ref: str = ""
    booking_id: int = 0

    def move(self, minutes: int) -> None:
        self.bookings.clock.moment += timedelta(minutes=minutes)

    def printer_time(self, seconds: float) -> None:
        """The printer's own clock moves on (a print takes ``print_seconds``)."""
        base = self._base
        self.printer.clock = lambda: base + seconds

    _base: float = 0.0


def print_config(stick: Path) -> Config:
    config = booking_config()
    return replace(config, printing=replace(config.printing, usb_mounts=[str(stick)]))


def write_stick(stick: Path) -> None:
    """Two files: the newer with a PrusaSlicer thumbnail and estimate (1 h 2 min 3 s,
    1.23 m, 3.68 g), the older a Cura file without a picture (3723 s)."""
    stick.mkdir(parents=True, exist_ok=True)
    cube = stick / "cube.gcode"
    cube.write_text(gcode.prusaslicer(gcode.thumbnail_block(gcode.png(32, 32), 32, 32)))
    vase = stick / "vase.gcode"
    vase.write_text(gcode.cura())
    now = time.time()
    os.utime(vase, (now - 3600, now - 3600))
    os.utime(cube, (now - 60, now - 60))


@pytest.fixture
def setup(ui: UI, tmp_path: Path) -> Iterator[Setup]:
    stick = tmp_path / "usb"
    write_stick(stick)
    bookings = monday_booking(ui, print_config(stick))
    printer = ui.devices.printers[PRINTER]
    found = Setup(ui=ui, bookings=bookings, printer=printer, stick=stick)
    found._base = time.monotonic()
    original = printer.clock
    found.printer_time(0)
    try:
        yield found
    finally:
        printer.finish()  # the session's printer is idle for the next test
        printer.clock = original
        printer.fail(None)
        ui.settle()


def running_booking(s: Setup, minutes: int = 120, kind: str = "ok") -> None:
    """The signed-in patron (first ordinary one: trained) has printer-1 booked from
    09:30 for ``minutes``, checked in; the clock at 09:31, the booking running."""
    ui = s.ui
    ui.tap_card(kind)
    s.ref = ui.app.session.ref
    start = s.bookings.clock.moment.replace(minute=30)
    booking = s.bookings.book(s.ref, PRINTER, start, minutes)
    s.bookings.check_in(s.ref, booking.id)
    s.move(11)
    assert ui.kiosk.makerspace is not None
    ui.kiosk.makerspace.scheduler.tick()
    ui.settle()
    s.booking_id = booking.id


def open_from_home(s: Setup) -> Any:
    ui = s.ui
    ui.app.go("home")
    ui.settle()
    home = ui.screen
    assert home.name == "home"
    ui.tap(home.ids.print)
    ui.settle()
    assert ui.app.current == "print"
    return ui.screen


def rows(screen: Any) -> list[Any]:
    return list(reversed(screen.ids.choices_box.children))


def spoken(ui: UI) -> list[str]:
    speaker = ui.kiosk.speaker
    assert speaker is not None
    return [text for text, _lang in speaker.spoken]  # type: ignore[attr-defined]


def test_home_offers_print_only_while_the_patrons_printer_booking_runs(setup: Setup) -> None:
    ui = setup.ui
    ui.tap_card("ok")
    home = ui.screen
    assert home.ids.print.parent is None  # not in the grid: no booking runs
    ui.app.session_control.sign_out("sign_out")
    ui.settle()
    running_booking(setup)
    ui.app.go("home")
    ui.settle()
    assert ui.screen.ids.print.parent is not None
    assert ui.screen.ids.print.text == "Cetak 3D"


def test_choose_a_file_with_pictures_plan_start_watch_and_finish(setup: Setup) -> None:
    ui = setup.ui
    running_booking(setup)
    ui.app.speech.set_speech_mode(True, announce=False)
    screen = open_from_home(setup)
    ui.wait(lambda: not screen.looking and len(rows(screen)) >= 3)
    ui.settle()
    found = rows(screen)
    titles = [r.title for r in found]
    # USB files newest first, then those on the printer.
    assert titles[:2] == ["cube.gcode", "vase.gcode"]
    assert "calibration-cube.gcode" in titles[2:] and "benchy.gcode" in titles[2:]
    cube = found[0]
    assert "USB" in cube.detail and "sekitar 1 jam 2 menit" in cube.detail
    assert "filamen 1,2 m (4 g)" in cube.detail
    # Every file has a picture: the slicer's thumbnail, else the outline of its moves.
    ui.wait(lambda: all(r.texture is not None for r in rows(screen)[:2]))
    assert cube.texture.size == (32, 32)
    assert "Printer 3D 1" in screen.ids.printer_label.text

    ui.tap(cube.ids.choose)
    ui.wait(lambda: screen.plan is not None)
    ui.settle()
    assert screen.pane == "plan"
    # 09:31, the booking ends 11:30: 1 h 59 min left for a print of about 1 h 2 min.
    assert screen.plan_text == (
        "Muat dalam pemesanan Anda: cetakan ini butuh sekitar 1 jam 2 menit; "
        "pemesanan Anda berakhir pukul 11.30 (sisa 1 jam 59 menit)."
    )
    assert any(screen.plan_text in text for text in spoken(ui))

    ui.tap(screen.ids.start)
    ui.wait(lambda: screen.pane == "printing" and screen.view is not None)
    ui.settle()
    assert screen.message == "cube.gcode mulai dicetak."
    assert screen.job_title == "cube.gcode"
    assert screen.can_cancel and screen.ids.cancel_print.opacity == 1
    # Half way on the printer's clock: the bus brings the progress (no polling here).
    setup.printer_time(60)
    ui.wait(lambda: screen.completion >= 49, timeout=5)
    ui.settle()
    assert "50%" in screen.progress_text and "Sedang mencetak" in screen.progress_text
    assert "Sisa sekitar" in screen.progress_text
    assert screen.temps_text.startswith("Nozel ")

    setup.printer.finish()
    ui.wait(lambda: screen.ended)
    ui.settle()
    assert screen.message.startswith("cube.gcode selesai dicetak.")
    assert screen.message in spoken(ui)
    assert screen.completion == 100 and not screen.can_cancel
    ui.tap(screen.ids.another)
    assert screen.pane == "choose"


def test_a_print_longer_than_the_booking_says_how_much_longer_it_becomes(setup: Setup) -> None:
    ui = setup.ui
    running_booking(setup, minutes=60)
    screen = open_from_home(setup)
    ui.wait(lambda: not screen.looking and len(rows(screen)) >= 2)
    ui.tap(rows(screen)[0].ids.choose)
    ui.wait(lambda: screen.plan is not None)
    ui.settle()
    assert screen.plan.extend_minutes == 30
    assert "diperpanjang 30 menit" in screen.plan_text
    assert "berakhir dalam 59 menit" in screen.plan_text
    ui.tap(screen.ids.start)
    ui.wait(lambda: screen.pane == "printing" and not screen.busy)
    ui.settle()
    assert screen.message == (
        "cube.gcode mulai dicetak. Pemesanan Anda diperpanjang sampai pukul 11.00."
    )


def test_a_print_that_cannot_fit_is_refused_with_the_numbers(setup: Setup) -> None:
    ui = setup.ui
    running_booking(setup, minutes=60)
    ui.app.speech.set_speech_mode(True, announce=False)
    # The printer is booked from 11:00 already: this booking (to 10:30, and its buffer)
    # cannot be made 30 minutes longer.
    start = setup.bookings.clock.moment.replace(hour=11, minute=0)
    setup.bookings.book(setup.ref, PRINTER, start, 60)
    screen = open_from_home(setup)
    ui.wait(lambda: not screen.looking and len(rows(screen)) >= 2)
    ui.tap(rows(screen)[0].ids.choose)
    ui.wait(lambda: screen.plan is not None)
    ui.tap(screen.ids.start)
    ui.wait(lambda: not screen.busy)
    ui.settle()
    assert screen.pane == "choose"
    assert screen.message_mark == "refused"
    assert screen.message.startswith(
        "Cetakan ini butuh sekitar 1 jam 2 menit; pemesanan Anda berakhir dalam 59 menit "
        "dan tidak bisa diperpanjang."
    )
    assert screen.message in spoken(ui)
    assert setup.printer.status().state == "idle"  # nothing was sent or started
