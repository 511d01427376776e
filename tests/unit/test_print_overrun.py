"""A print that outlasts its booking ([printing] overrun), with the simulated printer:
the booking side on a clock the test moves, the printer on its own clock."""

from __future__ import annotations

from pathlib import Path

from kiosk.domain.events import EquipmentFault, PrintCancelled, PrintOverrun
from kiosk.ports import JobOwner
from kiosk.printing.records import PrintJobRecords
from tests.booking_support import ADULT, MONDAY, STAFF, local
from tests.printing_support import Rig, make_rig
from tests.support.waiting import eventually

CANCEL = '\n[printing]\noverrun = "cancel"\n'


def print_in(rig: Rig, booking: int, name: str = "part.gcode") -> PrintJobRecords:
    """The kiosk's way: upload with the owner, open the record, start."""
    records = PrintJobRecords(rig.store, rig.config.printing, "maker-1")
    rig.printer.upload(name, b"G28\n", JobOwner(booking, "maker-1"))
    records.started("printer-1", name, booking, "usb", 120, 500.0)
    rig.printer.start_print(name)
    return records


def next_booking(rig: Rig) -> int:
    """Ani's booking right after (10:30: the printers keep a 15-minute buffer)."""
    svc = rig.space.service
    with rig.store.transaction() as db:  # Ani needs the induction to book a printer
        db.execute("UPDATE patrons SET trained_on = '[\"3d_printer\"]' WHERE id = ?", [ADULT])
    return svc.book(ADULT, "printer-1", local(*MONDAY, 10, 30), 60).id


def test_finish_keeps_it_on_and_warns_the_next_booking(tmp_path: Path) -> None:
    with make_rig(tmp_path) as rig:
        overrun = rig.space.overrun
        assert overrun is not None and overrun.policy == "finish"
        booking = rig.booking_running()
        following = next_booking(rig)
        print_in(rig, booking)
        rig.seconds(60)
        assert overrun.check("printer-1") is None  # its booking runs: nothing to say
        rig.booking_over()
        warning = overrun.check("printer-1")
        assert warning is not None
        assert (warning.booking_id, warning.policy, warning.file_name) == (
            booking,
            "finish",
            "part.gcode",
        )
        assert warning.time_left == 60
        assert (warning.next_booking_id, warning.next_status) == (following, "booked")
        assert warning.next_starts_at == local(*MONDAY, 10, 30)
        assert overrun.check("printer-1") is None  # told once
        assert not rig.space.equipment.apply("printer-1")  # never cut mid-print
        assert rig.printer.status().printing
        # The next patron arrives while it still prints: warned again, and powered.
        rig.clock.set(local(*MONDAY, 10, 20))
        rig.space.service.check_in(ADULT, following)
        rig.booking_over(10, 30)  # their booking starts
        rig.seconds(90)
        again = overrun.check("printer-1")
        assert again is not None and again.next_status == "active"
        assert rig.space.equipment.apply("printer-1")  # the start: ON again
        assert False not in rig.plug.commands  # never off
        assert len(rig.of(PrintOverrun)) == 2


def test_cancel_cancels_it_then_cools_and_cuts(tmp_path: Path) -> None:
    with make_rig(tmp_path, CANCEL) as rig:
        overrun = rig.space.overrun
        assert overrun is not None
        rig.printer.start(rig.bus)
        booking = rig.booking_running()
        records = print_in(rig, booking)
        records.listen(rig.bus)
        rig.seconds(60)
        rig.booking_over()
        warning = overrun.check("printer-1")
        assert warning is not None and warning.policy == "cancel"
        assert warning.next_booking_id is None
        assert not rig.printer.status().printing
        (cancelled,) = rig.of(PrintCancelled)
        assert cancelled.booking_id == booking
        row = records.recent()[0]
        assert row.outcome == "cancelled" and row.filament_mm == 250.0  # half of it
        eq = rig.space.equipment
        assert not eq.apply("printer-1")  # hot: heaters off, kept on
        assert rig.printer.status().hotend_target_c == 0.0
        rig.seconds(60 + 100)
        assert eq.apply("printer-1")
        assert rig.plug.commands == [True, False]
        rig.printer.stop()


def test_never_a_job_that_is_not_the_kiosks(tmp_path: Path) -> None:
    with make_rig(tmp_path, CANCEL) as rig:
        overrun = rig.space.overrun
        assert overrun is not None
        rig.booking_running()
        rig.printer.start_print("benchy.gcode")  # started on OctoPrint itself
        rig.booking_over()
        assert overrun.check("printer-1") is None
        assert rig.printer.status().printing
        # Nor one another kiosk uploaded.
        rig.printer.cancel()
        rig.printer.upload("theirs.gcode", b"G28\n", JobOwner(1, "lobby-2"))
        rig.printer.start_print("theirs.gcode")
        assert overrun.check("printer-1") is None
        assert rig.printer.status().printing


def test_a_cancel_the_host_missed_is_sent_when_it_answers(tmp_path: Path) -> None:
    with make_rig(tmp_path, CANCEL) as rig:
        rig.printer.start(rig.bus)
        rig.space.start()  # the threads: scheduler, controller, overrun policy
        booking = rig.booking_running(patron=STAFF)
        print_in(rig, booking)
        rig.seconds(30)
        rig.printer.status()  # seen printing
        rig.printer.fail("offline")
        rig.booking_over()  # the scheduler thread ends the booking
        assert eventually(lambda: bool(rig.of(EquipmentFault)), 5)  # kept on, staff told
        assert rig.of(PrintOverrun) == [] and False not in rig.plug.commands
        rig.printer.fail(None)  # answers again: the watch says so on the bus
        rig.printer.status()
        assert eventually(lambda: bool(rig.of(PrintCancelled)), 5)
        assert rig.of(PrintOverrun)[0].booking_id == booking
        rig.printer.stop()
