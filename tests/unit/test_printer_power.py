"""Power safety of 3D printers: the equipment controller with a simulated printer and
simulated plugs (the rules; the real OctoPrint is in tests/integration)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.sim import SimPrinterHost
from kiosk.booking.engine import build_equipment, build_makerspace
from kiosk.bus import EventBus
from kiosk.domain.events import EquipmentChanged, EquipmentFault
from kiosk.ports import JobOwner, PrinterHost
from kiosk.printing.records import PrintJobRecords
from tests.booking_support import make_config, make_store
from tests.printing_support import Rig, make_rig
from tests.support.waiting import eventually


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    with make_rig(tmp_path) as r:
        yield r


def test_an_unreachable_printer_last_seen_printing_is_never_cut(rig: Rig) -> None:
    eq = rig.space.equipment
    rig.booking_running()
    rig.printer.start_print("calibration-cube.gcode")
    rig.seconds(30)
    assert rig.printer.status().printing  # seen printing
    rig.printer.fail("offline")
    rig.booking_over()
    assert not eq.apply("printer-1")
    assert rig.plug.commands == [True]
    assert eq.equipment_state("printer-1").printer_busy
    (told,) = [e for e in rig.events if isinstance(e, EquipmentFault)]
    assert told.key == "printing.kept_on_unreachable"
    assert not eq.apply("printer-1")  # still kept on, staff told once
    assert len([e for e in rig.events if isinstance(e, EquipmentFault)]) == 1
    rig.printer.fail(None)  # back: the print went on and finished meanwhile
    rig.seconds(200)
    assert not eq.apply("printer-1")  # done, heaters turned off, still hot
    assert rig.printer.status().hotend_target_c == 0.0
    rig.seconds(400)  # cooled
    assert eq.apply("printer-1")
    assert rig.plug.commands == [True, False]
    assert not eq.equipment_state("printer-1").printer_busy


def test_after_a_restart_an_open_job_keeps_an_unreachable_printer_on(
    rig: Rig, tmp_path: Path
) -> None:
    """The host's "last seen" is gone with the kiosk's restart; the record is not."""
    booking = rig.booking_running()
    records = PrintJobRecords(rig.store, rig.config.printing, "maker-1")
    records.started("printer-1", "part.gcode", booking, "usb", 3600, 1000.0)
    fresh = SimPrinterHost(resource="printer-1", fail="offline")  # never seen answering
    rig.space.equipment.printers["printer-1"] = fresh
    rig.booking_over()
    assert not rig.space.equipment.apply("printer-1")
    assert rig.plug.commands == [True]
    records.ended("printer-1", "done")
    fresh.fail(None)
    assert rig.space.equipment.apply("printer-1")  # answers: idle and cold
    assert rig.plug.commands == [True, False]


def test_hot_after_the_booking_heaters_off_then_cut_when_cool(rig: Rig) -> None:
    eq = rig.space.equipment
    rig.booking_running()
    rig.printer.start_print("calibration-cube.gcode")
    rig.seconds(30)
    rig.printer.cancel()  # the patron cancelled; the nozzle is at 210 C
    rig.booking_over()
    assert not eq.apply("printer-1")
    status = rig.printer.status()
    assert status.hotend_target_c == 0.0 and (status.hotend_c or 0) > 50
    assert eq.equipment_state("printer-1").printer_busy
    rig.seconds(30 + (210 - 51) / 2)  # cooling 2 C/s: 51 C, still above 50
    assert not eq.apply("printer-1")
    rig.seconds(30 + (210 - 49) / 2)
    assert eq.apply("printer-1")
    assert rig.plug.commands == [True, False]


def test_a_job_started_outside_the_kiosk_is_in_use_and_never_cut(rig: Rig) -> None:
    eq = rig.space.equipment
    booking = rig.booking_running()
    rig.printer.start_print("benchy.gcode")  # on OctoPrint itself: no owner, no record
    rig.seconds(10)
    assert eq.apply("printer-1", force=False)
    state = eq.equipment_state("printer-1")
    assert state.printer_foreign and state.printer_busy
    assert any(isinstance(e, EquipmentChanged) for e in rig.events)
    rig.booking_over()
    assert not eq.apply("printer-1")
    assert rig.plug.commands == [True]
    rig.printer.cancel()
    assert not eq.apply("printer-1")  # heaters off now; hot
    rig.seconds(10 + 100)
    assert eq.apply("printer-1")
    assert not eq.equipment_state("printer-1").printer_foreign
    # A job the kiosk uploaded (owner in its metadata) is not foreign.
    rig.printer.upload("mine.gcode", b"G28\n", JobOwner(booking, "maker-1"))
    rig.printer.start_print("mine.gcode")
    assert not eq.printer_power.verdict("printer-1").foreign


def test_powered_on_the_host_is_asked_to_connect(rig: Rig) -> None:
    rig.printer.disconnect()  # switched off: OctoPrint has no printer
    assert rig.printer.status().state == "disconnected"
    rig.booking_running()  # the plug goes on
    assert rig.printer.status().state == "idle"
    rig.printer.disconnect()  # the USB cable was out for a moment
    assert rig.space.equipment.apply("printer-1", force=False)  # a reconcile
    assert rig.printer.status().state == "idle"


def test_a_job_that_ends_turns_the_heaters_off_at_once(rig: Rig) -> None:
    rig.printer.start(rig.bus)
    rig.space.start()
    try:
        booking = rig.booking_running()
        rig.printer.upload("mine.gcode", b"G28\n", JobOwner(booking, "maker-1"))
        rig.printer.start_print("mine.gcode")
        rig.seconds(30)
        assert rig.printer.status().hotend_target_c == 210.0
        rig.printer.finish()  # PrintDone, while the booking still runs
        assert eventually(lambda: rig.printer.status().hotend_target_c == 0.0)
        assert False not in rig.plug.commands  # the booking goes on: still powered
    finally:
        rig.space.stop()
        rig.printer.stop()


def test_a_printer_without_a_plug_is_watched_too(tmp_path: Path) -> None:
    config = make_config(
        extra='\n[[resources]]\nid = "printer-2"\nkind = "3d_printer"\nprinter = "sim://"\n'
    )
    store = make_store(tmp_path / "k.db", config)
    bus = EventBus()
    printer = SimPrinterHost(resource="printer-2")
    printers: dict[str, PrinterHost] = {"printer-2": printer}
    eq = build_equipment(config, bus, {}, printers)
    build_makerspace(store, config, bus, eq)
    try:
        printer.start_print("benchy.gcode")
        assert eq.apply("printer-2")
        assert eq.equipment_state("printer-2").printer_foreign
    finally:
        store.close()


def test_a_new_job_is_never_cooled_by_the_end_of_the_last(rig: Rig) -> None:
    """A patron quick to start the next print: the previous job's end comes late."""
    rig.booking_running()
    rig.printer.start_print("benchy.gcode")
    rig.seconds(5)
    rig.space.equipment.printer_power.after_job("printer-1")
    assert rig.printer.status().hotend_target_c == 210.0
    rig.printer.cancel()
    rig.space.equipment.printer_power.after_job("printer-1")
    assert rig.printer.status().hotend_target_c == 0.0
