"""The print pane on a real OctoPrint 1.11 with its virtual printer (the session's
server, tests/support/octoprint.py): the patron's touches start a real print, its
progress arrives over OctoPrint's push socket and is drawn, and Cancel stops it."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from devices.octoprint import OctoPrintHost
from kiosk.ports import DeviceUrl
from kiosk.printing.service import PrintService
from tests.support import gcode
from tests.support.octoprint import OctoPrintServer
from tests.ui.conftest import UI, monday_booking
from tests.ui.test_print_pane import (
    PRINTER,
    confirm_dialog,
    open_from_home,
    print_config,
    rows,
)

pytestmark = [pytest.mark.ui, pytest.mark.integration]


def slow_part() -> str:
    """Heats to 40 C, then prints a small square with dwells (about 15 s of the virtual
    printer's time), with a thumbnail and Cura's estimate (20 min)."""
    thumb = gcode.thumbnail_block(gcode.png(24, 24), 24, 24)
    moves = gcode.square_moves(side=20, layers=6, dwell_ms=600)
    return f"{thumb};TIME:1200\nM104 S40\nM109 S40\n{moves}"


def test_the_pane_starts_a_real_print_shows_its_progress_and_cancels_it(
    ui: UI, octoprint: OctoPrintServer, tmp_path: Path
) -> None:
    stick = tmp_path / "usb"
    stick.mkdir()
    (stick / "part.gcode").write_text(slow_part())
    config = print_config(stick)
    bookings = monday_booking(ui, config)
    host = OctoPrintHost.from_url(
        DeviceUrl.parse(octoprint.url()), PRINTER, octoprint.api_key, poll_seconds=1.0, timeout=3.0
    )
    host.start(ui.kiosk.bus)  # its events reach the app's dispatcher like any device's
    services = ui.app.services
    try:
        space, records = ui.kiosk.makerspace, ui.kiosk.print_jobs
        assert space is not None and records is not None
        # The kiosk's print service, with printer-1 the real OctoPrint.
        real = PrintService(config, {PRINTER: host}, space.service, records, ui.kiosk.clock)
        ui.app.services = replace(services, printing=real)
        ui.tap_card("ok")
        ref = ui.app.session.ref
        booking = bookings.book(ref, PRINTER, bookings.clock.moment.replace(minute=30), 120)
        bookings.check_in(ref, booking.id)
        bookings.clock.moment = bookings.clock.moment.replace(minute=31)
        space.scheduler.tick()

        screen = open_from_home(ui)
        ui.wait(lambda: not screen.looking and len(rows(screen)) >= 1, timeout=15)
        (row,) = [r for r in rows(screen) if r.title == "part.gcode"]
        assert "USB" in row.detail and "sekitar 20 menit" in row.detail
        ui.wait(lambda: row.texture is not None, timeout=10)
        ui.tap(row.ids.choose)
        ui.wait(lambda: screen.plan is not None, timeout=10)
        assert screen.plan_text.startswith("Muat dalam pemesanan Anda")
        ui.tap(screen.ids.start)
        ui.wait(lambda: screen.pane == "printing" and not screen.busy, timeout=20)
        assert screen.message == "part.gcode mulai dicetak."
        # OctoPrint's own progress, pushed over its socket, drawn on the pane.
        ui.wait(lambda: 0 < screen.completion < 100, timeout=30)
        assert "%" in screen.progress_text and screen.temps_text.startswith("Nozel ")
        assert host.status().printing
        ui.wait(lambda: screen.can_cancel, timeout=10)
        ui.tap(screen.ids.cancel_print)
        ui.tap(confirm_dialog().ids.yes)
        ui.wait(lambda: screen.ended, timeout=20)
        assert screen.message == "part.gcode dibatalkan."
        deadline = time.monotonic() + 10
        while host.status().printing and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not host.status().printing
    finally:
        host.stop()
        ui.app.services = services
