"""The print service with the simulated printer: the booking, the estimate against the
booking's end, ownership, errors in words, never a second start, the records."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.sim import SimPrinterHost
from kiosk.domain.errors import DeviceError, DomainError, KioskError
from kiosk.domain.events import BookingExtended
from kiosk.i18n import describe
from kiosk.ports import JobOwner
from kiosk.printing.api import HOST, USB, PrintChoice
from kiosk.printing.records import PrintJobRecords
from kiosk.printing.service import PrintService
from tests.booking_support import ADULT, MONDAY, STAFF, TRAINED, local
from tests.printing_support import Rig, make_rig
from tests.support import gcode as samples

#: PrusaSlicer's sample says 1 h 2 min 3 s.
ESTIMATE_S = 3723


class Setup:
    def __init__(self, rig: Rig, stick: Path) -> None:
        self.rig = rig
        self.stick = stick
        self.records = PrintJobRecords(rig.store, rig.config.printing, "maker-1")
        self.records.listen(rig.bus)
        self.service = PrintService(
            rig.config, {"printer-1": rig.printer}, rig.space.service, self.records, rig.clock
        )

    def put(self, name: str, text: str, age_s: float = 0.0) -> Path:
        path = self.stick / name
        path.write_text(text)
        when = time.time() - age_s
        os.utime(path, (when, when))
        return path

    def choice(self, name: str, patron: str | None = TRAINED) -> PrintChoice:
        return next(c for c in self.service.choices(patron, "printer-1") if c.name == name)


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    stick = tmp_path / "usb"
    stick.mkdir()
    extra = f'\n[printing]\nusb_mounts = ["{stick}"]\nmax_upload_mb = 1\n'
    with make_rig(tmp_path, extra) as rig:
        yield Setup(rig, stick)


def refused(call: object, key: str) -> KioskError:
    assert callable(call)
    with pytest.raises(KioskError) as err:
        call()
    assert err.value.key == key, err.value
    return err.value


def thumbnail() -> str:
    return samples.thumbnail_block(samples.png(16, 16), 16, 16)


def test_choices_usb_newest_first_then_the_printers_files(setup: Setup) -> None:
    setup.put("old.gcode", samples.cura(), age_s=3600)
    setup.put("new.gcode", samples.prusaslicer(thumbnail()))
    setup.put("notes.txt", "not g-code")
    refused(lambda: setup.service.choices(TRAINED, "printer-1"), "printing.no_booking")
    setup.rig.booking_running()
    refused(lambda: setup.service.choices(ADULT, "printer-1"), "printing.not_your_booking")
    choices = setup.service.choices(TRAINED, "printer-1")
    listed = [(c.source, c.name) for c in choices]
    assert listed[:2] == [(USB, "new.gcode"), (USB, "old.gcode")]  # newest first
    assert sorted(listed[2:]) == [(HOST, "benchy.gcode"), (HOST, "calibration-cube.gcode")]
    new, old = choices[0], choices[1]
    assert (new.estimated_seconds, new.estimate_source, new.thumbnail) == (
        ESTIMATE_S,
        "slicer",
        True,
    )
    assert new.filament_mm == pytest.approx(1234.56) and new.filament_g is not None
    assert (old.estimated_seconds, old.thumbnail) == (3723, False)  # Cura's ;TIME:
    hosted = {c.name: c for c in choices if c.source == HOST}
    assert hosted["benchy.gcode"].estimate_source == "host"
    assert hosted["benchy.gcode"].estimated_seconds == 5400
    assert setup.service.choices(None, "printer-1") == choices  # staff
    refused(lambda: setup.service.choices(None, "nope"), "printing.unknown_printer")


def test_preview_thumbnail_else_outline(setup: Setup) -> None:
    setup.put("pic.gcode", samples.prusaslicer(thumbnail()))
    setup.put("plain.gcode", samples.prusaslicer())
    setup.rig.booking_running()
    pic = setup.service.preview("printer-1", setup.choice("pic.gcode"))
    assert pic == samples.png(16, 16)
    outline = setup.service.preview("printer-1", setup.choice("plain.gcode"), size=64)
    assert outline is not None and outline.startswith(b"\x89PNG")
    assert outline != pic


def test_start_from_the_stick_records_and_owns_the_job(setup: Setup) -> None:
    setup.put("cube.gcode", samples.cura())  # 1 h 2 min: fits a booking to 11:00
    rig = setup.rig
    booking = rig.booking_running(hour=9, minutes=120)
    choice = setup.choice("cube.gcode")
    plan = setup.service.plan(TRAINED, "printer-1", choice)
    assert (plan.fits, plan.extend_minutes, plan.seconds_left) == (True, 0, 7200)
    sent: list[tuple[int, int]] = []
    started = setup.service.start(TRAINED, "printer-1", choice, lambda a, b: sent.append((a, b)))
    assert (started.booking_id, started.file_name, started.source) == (booking, "cube.gcode", USB)
    assert started.estimated_seconds == ESTIMATE_S and not started.extended
    assert sent and sent[-1][0] == sent[-1][1]
    status = rig.printer.status()
    assert status.printing and status.job is not None
    assert status.job.owner == JobOwner(booking, "maker-1")
    record = setup.records.open_job("printer-1")
    assert record is not None and record.id == started.record_id
    assert (record.booking_id, record.source, record.estimated_seconds) == (booking, USB, 3723)
    assert record.filament_mm == pytest.approx(1730.0)  # Cura: 1.23 m + 0.5 m
    view = setup.service.job(TRAINED, "printer-1")
    assert (view.state, view.file_name, view.booking_id) == ("printing", "cube.gcode", booking)
    assert view.mine and view.can_cancel and not view.foreign
    assert view.hotend_target_c == 210.0
    # Never a second start: the printer prints, and a start under way is refused too.
    refused(lambda: setup.service.start(TRAINED, "printer-1", choice), "printer.busy")
    setup.service._starting["printer-1"].acquire()
    try:
        refused(lambda: setup.service.start(TRAINED, "printer-1", choice), "printing.starting")
    finally:
        setup.service._starting["printer-1"].release()
    assert len(setup.records.recent()) == 1


def test_a_print_longer_than_the_booking_extends_it(setup: Setup) -> None:
    setup.put("long.gcode", samples.prusaslicer())  # 1 h 2 min 3 s
    rig = setup.rig
    booking = rig.booking_running()  # 09:00-10:00
    rig.clock.set(local(*MONDAY, 9, 30))
    choice = setup.choice("long.gcode")
    plan = setup.service.plan(TRAINED, "printer-1", choice)
    assert (plan.fits, plan.extend_minutes, plan.seconds_left) == (False, 60, 1800)
    started = setup.service.start(TRAINED, "printer-1", choice)
    assert started.extended and started.booking_ends_at == local(*MONDAY, 11)
    assert rig.space.service.get(booking).ends_at == local(*MONDAY, 11)
    assert [e.booking_id for e in rig.of(BookingExtended)] == [booking]


def test_a_print_that_cannot_fit_is_refused_with_the_numbers(setup: Setup) -> None:
    setup.put("long.gcode", samples.prusaslicer())
    rig = setup.rig
    rig.space.service.book(STAFF, "printer-1", local(*MONDAY, 10, 30), 60)  # next, at 10:30
    rig.booking_running()
    rig.clock.set(local(*MONDAY, 9, 40))
    error = refused(
        lambda: setup.service.start(TRAINED, "printer-1", setup.choice("long.gcode")),
        "printing.does_not_fit",
    )
    assert describe(error, "en") == (
        "This print needs about 1 h 2 min; your booking ends in 20 min and cannot be made "
        "longer. Choose a shorter print or book a longer time."
    )
    assert "butuh sekitar 1 jam 2 menit; pemesanan Anda berakhir dalam 20 menit" in describe(
        error, "id"
    )
    # Nothing happened: no upload, no record, the booking as it was.
    assert "long.gcode" not in [f.name for f in rig.printer.files()]
    assert setup.records.recent() == [] and not rig.printer.status().printing
    assert rig.of(BookingExtended) == []


def test_a_file_on_the_printer_is_sent_again_as_this_bookings(setup: Setup) -> None:
    rig = setup.rig
    rig.printer.upload("earlier.gcode", samples.cura().encode(), JobOwner(1, "maker-1"))
    booking = rig.booking_running(hour=9, minutes=120)
    choice = setup.choice("earlier.gcode")
    assert (choice.source, choice.booking_id) == (HOST, 1)
    setup.service.start(TRAINED, "printer-1", choice)
    status = rig.printer.status()
    assert status.job is not None and status.job.owner == JobOwner(booking, "maker-1")
    assert rig.printer.read_file("earlier.gcode", 10**6) == samples.cura().encode()
    record = setup.records.open_job("printer-1")
    assert record is not None and (record.source, record.booking_id) == (HOST, booking)


def test_cancel_by_the_owner_or_staff_only(setup: Setup) -> None:
    setup.put("cube.gcode", samples.cura())
    rig = setup.rig
    rig.printer.start(rig.bus)
    rig.booking_running(hour=9, minutes=120)
    refused(lambda: setup.service.cancel(TRAINED, "printer-1"), "printing.nothing_to_cancel")
    setup.service.start(TRAINED, "printer-1", setup.choice("cube.gcode"))
    other = setup.service.job(ADULT, "printer-1")
    assert not other.mine and not other.can_cancel
    error = refused(lambda: setup.service.cancel(ADULT, "printer-1"), "printing.not_yours")
    assert "Printer 3D 1" in describe(error, "en")
    view = setup.service.cancel(TRAINED, "printer-1")
    assert not view.printing
    row = setup.records.recent()[0]
    assert row.outcome == "cancelled"
    # Staff may cancel anyone's print.
    setup.service.start(TRAINED, "printer-1", setup.choice("cube.gcode"))
    assert setup.service.job(None, "printer-1").can_cancel
    setup.service.cancel(None, "printer-1")
    assert [r.outcome for r in setup.records.recent()] == ["cancelled", "cancelled"]
    rig.printer.stop()


def test_a_job_started_on_octoprint_itself_is_in_use(setup: Setup) -> None:
    rig = setup.rig
    rig.booking_running()
    rig.printer.start_print("benchy.gcode")
    view = setup.service.job(TRAINED, "printer-1")
    assert view.foreign and view.booking_id is None and not view.mine
    assert not view.can_cancel and setup.service.job(None, "printer-1").can_cancel


class RefusingHost(SimPrinterHost):
    """Refuses (or loses the answer to) the start itself, after every check passed."""

    key = "printer.busy"

    def start_print(self, path: str) -> None:
        raise DeviceError(self.key, printer=self.resource, file=path)


@pytest.mark.parametrize("key", ["printer.not_operational", "printer.start_unknown"])
def test_a_refused_start_leaves_no_record_an_unknown_one_keeps_it(setup: Setup, key: str) -> None:
    setup.put("cube.gcode", samples.cura())
    host = RefusingHost(resource="printer-1")
    host.key = key
    setup.service.printers["printer-1"] = host
    setup.rig.booking_running(hour=9, minutes=120)
    error = refused(
        lambda: setup.service.start(TRAINED, "printer-1", setup.choice("cube.gcode")), key
    )
    assert error.params["printer"] == "Printer 3D 1"  # named as patrons know it
    kept = setup.records.open_job("printer-1")
    assert (kept is not None) == (key == "printer.start_unknown")


def test_printer_errors_are_said_and_nothing_starts(setup: Setup) -> None:
    path = setup.put("cube.gcode", samples.cura())
    rig = setup.rig
    rig.booking_running(hour=9, minutes=120)
    choice = setup.choice("cube.gcode")
    for mode, key in (
        ("offline", "printer.unreachable"),
        ("wrong_key", "printer.wrong_key"),
        ("not_operational", "printer.not_operational"),
    ):
        rig.printer.fail(mode)
        error = refused(lambda: setup.service.start(TRAINED, "printer-1", choice), key)
        assert "Printer 3D 1" in describe(error, "en") and "Printer 3D 1" in describe(error, "id")
    rig.printer.fail(None)
    path.unlink()  # the stick was pulled out after the list was shown
    refused(lambda: setup.service.start(TRAINED, "printer-1", choice), "printing.not_on_usb")
    big = setup.put("big.gcode", samples.cura() + ";" * 1_100_000)
    refused(
        lambda: setup.service.start(TRAINED, "printer-1", setup.choice("big.gcode")),
        "printer.file_too_large",
    )
    big.unlink()
    assert setup.records.recent() == [] and not rig.printer.status().printing
    with pytest.raises(DomainError):
        setup.service.start(
            TRAINED,
            "printer-1",
            PrintChoice(USB, "/etc/passwd", "passwd", None, None, None, None, None, "none"),
        )


def test_printers_of_the_patron(setup: Setup) -> None:
    assert setup.service.printers_of(TRAINED) == ()
    setup.rig.booking_running()
    assert setup.service.printers_of(TRAINED) == ("printer-1",)
    assert setup.service.printers_of(ADULT) == ()
    assert setup.service.printers_of("not-a-local-patron") == ()
