"""The simulated printer host behaves like OctoPrint's: files with owners, refusals with
the same message keys, heating and cooling, and one end event per job."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.sim import SimPrinterHost
from kiosk.bus import EventBus
from kiosk.domain.errors import DeviceError
from kiosk.domain.events import (
    DeviceStatus,
    PrintCancelled,
    PrintDone,
    PrintEnded,
    PrintFailed,
    PrintProgress,
)
from kiosk.ports import JobOwner, PrinterHost
from tests.support.waiting import Recorder

OWNER = JobOwner(booking_id=7, kiosk_id="makerspace-1")


@pytest.fixture
def rig() -> tuple[SimPrinterHost, Recorder, list[float]]:
    now = [1000.0]
    printer = SimPrinterHost(resource="printer-1", print_seconds=100.0)
    printer.clock = lambda: now[0]
    printer._since = now[0]
    bus = EventBus()
    recorder = Recorder(bus, PrintProgress, PrintEnded, DeviceStatus)
    printer._bus, printer.started = bus, True  # events without the ticker thread
    return printer, recorder, now


def test_it_is_a_printer_host() -> None:
    assert isinstance(SimPrinterHost(), PrinterHost)


def test_upload_start_progress_and_done_with_owner(
    rig: tuple[SimPrinterHost, Recorder, list[float]],
) -> None:
    printer, recorder, now = rig
    sent: list[tuple[int, int]] = []
    stored = printer.upload("cube.gcode", b"G28\nG1 X10\n", OWNER, lambda a, b: sent.append((a, b)))
    assert stored.owner == OWNER and stored.size_bytes == 11
    assert sent == [(11, 11)]
    assert printer.files()[0].path == "cube.gcode"  # newest first
    printer.start_print("cube.gcode")
    now[0] += 50
    status = printer.status()
    assert status.printing and status.busy
    assert status.job is not None and status.job.owner == OWNER
    assert status.job.completion == pytest.approx(50.0)
    assert status.job.time_left == 50
    assert status.hotend_c == pytest.approx(210.0)
    progress = recorder.of(PrintProgress)[-1]
    assert (progress.state, progress.completion, progress.file_name) == (
        "printing",
        50.0,
        "cube.gcode",
    )
    now[0] += 60
    status = printer.status()
    assert status.state == "idle"
    done = recorder.of(PrintEnded)
    assert [type(e) for e in done] == [PrintDone]
    assert (done[0].booking_id, done[0].kiosk_id, done[0].completion) == (7, "makerspace-1", 100.0)
    printer.status()
    assert len(recorder.of(PrintEnded)) == 1  # one end event per job


def test_refusals_carry_the_octoprint_keys(
    rig: tuple[SimPrinterHost, Recorder, list[float]], tmp_path: Path
) -> None:
    printer, _, _ = rig
    with pytest.raises(DeviceError) as err:
        printer.start_print("missing.gcode")
    assert err.value.key == "printer.file_not_found"
    with pytest.raises(DeviceError) as err:
        printer.upload("notes.txt", b"hello", OWNER)
    assert err.value.key == "printer.upload_wrong_type"
    printer.start_print("benchy.gcode")
    with pytest.raises(DeviceError) as err:
        printer.start_print("calibration-cube.gcode")
    assert err.value.key == "printer.busy"
    with pytest.raises(DeviceError) as err:
        printer.upload("benchy.gcode", b"G28", OWNER)
    assert err.value.key == "printer.upload_in_use"
    with pytest.raises(DeviceError) as err:
        printer.upload("gone.gcode", tmp_path / "gone.gcode", OWNER)
    assert err.value.key == "printer.source_gone"
    printer.max_upload_bytes = 10
    with pytest.raises(DeviceError) as err:
        printer.upload("big.gcode", b"G1 X1\n" * 10, OWNER)
    assert err.value.key == "printer.file_too_large"
    assert "big.gcode" not in {f.path for f in printer.files()}


def test_cancel_and_print_error_end_the_job_once(
    rig: tuple[SimPrinterHost, Recorder, list[float]],
) -> None:
    printer, recorder, now = rig
    printer.start_print("benchy.gcode")
    now[0] += 10
    printer.cancel()
    printer.status()
    printer.start_print("benchy.gcode")
    printer.fail("print_error")
    assert printer.status().state == "error"
    printer.fail(None)
    printer.status()
    ended = recorder.of(PrintEnded)
    assert [type(e) for e in ended] == [PrintCancelled, PrintFailed]
    assert ended[0].completion == pytest.approx(10.0)
    assert isinstance(ended[1], PrintFailed) and ended[1].reason == "printer.failed_error"


def test_not_operational_wrong_key_and_offline(
    rig: tuple[SimPrinterHost, Recorder, list[float]],
) -> None:
    printer, recorder, now = rig
    printer.disconnect()
    assert printer.status().state == "disconnected"
    with pytest.raises(DeviceError) as err:
        printer.start_print("benchy.gcode")
    assert err.value.key == "printer.not_operational"
    printer.connect()
    printer.start_print("benchy.gcode")
    now[0] += 5
    printer.status()
    printer.fail("offline")
    status = printer.status()
    assert not status.online and status.problem == "printer.unreachable"
    assert status.busy, "last seen printing: never taken for idle"
    printer.fail("wrong_key")
    assert printer.status().problem == "printer.wrong_key"
    with pytest.raises(DeviceError) as err:
        printer.files()
    assert err.value.key == "printer.wrong_key"
    health = [(e.ok, e.detail) for e in recorder.of(DeviceStatus)]
    assert health == [(True, ""), (False, "printer.unreachable")]


def test_heats_and_cools_like_the_virtual_printer(
    rig: tuple[SimPrinterHost, Recorder, list[float]],
) -> None:
    printer, _, now = rig
    printer.start_print("benchy.gcode")
    now[0] += 30
    assert printer.status().hotend_c == pytest.approx(210.0)
    printer.finish()
    printer.cool_down()
    now[0] += 30  # 2 C/s for 30 s: 150 C, still too hot to cut
    status = printer.status()
    assert not status.printing and status.hotend_c == pytest.approx(150.0)
    assert status.busy and status.busy_at(200.0) is False
    now[0] += 140
    assert not printer.status().busy


def test_ticker_publishes_progress_once_started() -> None:
    bus = EventBus()
    recorder = Recorder(bus, PrintProgress)
    printer = SimPrinterHost(resource="printer-1")
    printer.start(bus)
    try:
        printer.start_print("benchy.gcode")
        assert recorder.wait_for(lambda: len(recorder.of(PrintProgress)) >= 2, timeout=5)
    finally:
        printer.stop()
