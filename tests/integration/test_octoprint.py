"""The OctoPrint adapter against a real OctoPrint 1.11 with its virtual printer.

One server serves the whole session (tests/support/octoprint.py); a test that stops
the server gets its own. Prints are a few seconds of real printer time: the virtual
printer heats ~10 C/s and dwells as the G-code says.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.octoprint import OctoPrintHost
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
from kiosk.ports import DeviceUrl, JobOwner, PrinterHost
from kiosk.printing.gcode import read_info
from tests.support import gcode as samples
from tests.support.octoprint import OctoPrintServer
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import Recorder, eventually

pytestmark = pytest.mark.integration

OWNER = JobOwner(booking_id=42, kiosk_id="makerspace-1")
#: The kiosk's [printing] options for these tests: a quicker poll, a shorter timeout.
OPTIONS = {"poll_seconds": 1.0, "timeout": 3.0}


def short_print(dwell_ms: int = 120, layers: int = 2) -> bytes:
    """Heats to 30 C (about 1 s), then a small square with a dwell after each side."""
    thumb = samples.thumbnail_block(samples.png(32, 32), 32, 32)
    moves = samples.square_moves(side=20, layers=layers, dwell_ms=dwell_ms)
    return (thumb + "M104 S30\nM109 S30\n" + moves + "M104 S0\n").encode()


#: Hosts made by the running test, stopped after it (their sessions closed).
_HOSTS: list[OctoPrintHost] = []


@pytest.fixture(autouse=True)
def _stop_hosts() -> Iterator[None]:
    yield
    while _HOSTS:
        _HOSTS.pop().stop()
    gc.collect()  # a socket left open shows up now, as this test's error (warnings are errors)


def host_for(
    server: OctoPrintServer,
    options: str = "",
    key: str | None = None,
    port: int | None = None,
    max_upload_bytes: int | None = None,
) -> OctoPrintHost:
    url = server.url(options)
    if port is not None:
        url = url.replace(f":{server.port}", f":{port}")
    host = OctoPrintHost.from_url(
        DeviceUrl.parse(url),
        "printer-1",
        key or server.api_key,
        max_upload_bytes=max_upload_bytes,
        **OPTIONS,
    )
    _HOSTS.append(host)
    return host


def wait_for(predicate: object, timeout: float = 15.0) -> None:
    assert callable(predicate)
    assert eventually(predicate, timeout), "timed out"


def test_files_upload_with_owner_and_status(octoprint: OctoPrintServer) -> None:
    host = host_for(octoprint)
    assert isinstance(host, PrinterHost)
    ok, reason = host.check()
    assert ok and "OctoPrint 1.11" in reason and "Operational" in reason
    wait_for(lambda: host.status().hotend_c is not None)
    status = host.status()
    assert (status.online, status.state, status.connected) == (True, "idle", True)
    data = short_print()
    sent: list[tuple[int, int]] = []
    stored = host.upload("cube.gcode", data, OWNER, lambda done, total: sent.append((done, total)))
    assert stored.path == "cube.gcode" and stored.owner == OWNER
    assert sent[-1] == (len(data), len(data))
    files = host.files()
    assert [f.path for f in files] == ["cube.gcode"]
    assert files[0].owner == OWNER and files[0].size_bytes == len(data)
    # OctoPrint analyses the file in the background: its estimate comes a little later.
    wait_for(lambda: host.files()[0].estimated_seconds is not None)
    assert host.files()[0].filament_mm is not None
    head = host.read_file("cube.gcode", 4096)
    assert head == data[:4096]
    assert read_info(head).thumbnail() is not None  # a host file's thumbnail, from its head
    with pytest.raises(DeviceError) as err:
        host.read_file("missing.gcode", 100)
    assert err.value.key == "printer.file_not_found"
    host.select("cube.gcode")
    assert octoprint.state()["job"]["file"]["path"] == "cube.gcode"  # type: ignore[index]
    assert str(octoprint.state()["state"]).startswith("Operational")  # selected, not printing


@pytest.mark.parametrize("options", ["", "push=off"], ids=["push", "polling"])
def test_print_progress_and_done_reach_the_bus(octoprint: OctoPrintServer, options: str) -> None:
    bus = EventBus()
    recorder = Recorder(bus, PrintProgress, PrintEnded, DeviceStatus)
    host = host_for(octoprint, options)
    host.start(bus)
    try:
        wait_for(lambda: host.mode == ("poll" if options else "push"))
        host.upload("cube.gcode", short_print(dwell_ms=250), OWNER)
        host.start_print("cube.gcode")
        assert recorder.wait_for(lambda: bool(recorder.of(PrintEnded)), timeout=30)
        time.sleep(1.5)  # a second end event would come now
        assert host.mode == ("poll" if options else "push")
    finally:
        host.stop()
    ended = recorder.of(PrintEnded)
    assert [type(e) for e in ended] == [PrintDone]
    done = ended[0]
    assert (done.resource, done.file_name, done.booking_id, done.kiosk_id) == (
        "printer-1",
        "cube.gcode",
        42,
        "makerspace-1",
    )
    assert done.completion == 100.0
    printing = [p for p in recorder.of(PrintProgress) if p.state == "printing"]
    assert printing, "progress while printing"
    assert all(p.file_name == "cube.gcode" for p in printing)
    completions = [p.completion for p in printing if p.completion is not None]
    assert completions == sorted(completions) and len(set(completions)) >= 2
    assert any(p.hotend_c is not None and p.hotend_c >= 29 for p in printing)
    assert any(p.hotend_target_c == 30.0 for p in printing)
    assert recorder.of(DeviceStatus)[0].ok
    status = host.status()
    assert status.state == "idle" and status.job is not None
    assert status.job.completion == 100.0 and status.job.owner == OWNER


def test_cancel_is_one_cancelled_event_and_heaters_go_off(octoprint: OctoPrintServer) -> None:
    bus = EventBus()
    recorder = Recorder(bus, PrintEnded)
    host = host_for(octoprint)
    host.start(bus)
    try:
        wait_for(lambda: host.mode == "push")
        host.upload("long.gcode", short_print(dwell_ms=400, layers=8), OWNER)
        host.start_print("long.gcode")
        wait_for(lambda: (host.status().job or _nothing()).completion not in (None, 0.0))
        running = host.status()
        assert running.printing and running.busy
        host.cancel()
        assert recorder.wait_for(lambda: bool(recorder.of(PrintEnded)), timeout=15)
        time.sleep(1.5)
        host.cancel()  # nothing left to cancel: no error
        host.cool_down()
        wait_for(lambda: host.status().hotend_target_c == 0.0)
        hot = host.status().hotend_c
        assert hot is not None
        wait_for(lambda: (host.status().hotend_c or 99) < hot, timeout=10)  # cooling
    finally:
        host.stop()
    ended = recorder.of(PrintEnded)
    assert [type(e) for e in ended] == [PrintCancelled]  # not followed by a PrintFailed
    assert ended[0].booking_id == 42
    assert ended[0].completion is not None and 0 < ended[0].completion < 100


def _nothing() -> object:
    class Empty:
        completion = None

    return Empty()


def test_a_second_start_is_refused_and_the_job_goes_on(octoprint: OctoPrintServer) -> None:
    host = host_for(octoprint)
    host.upload("long.gcode", short_print(dwell_ms=400, layers=8), OWNER)
    host.start_print("long.gcode")
    wait_for(lambda: host.status().printing)
    for attempt in (lambda: host.start_print("long.gcode"), lambda: host.select("long.gcode")):
        with pytest.raises(DeviceError) as err:
            attempt()
        assert err.value.key == "printer.busy"
    with pytest.raises(DeviceError) as err:
        host.upload("long.gcode", b"G28\n", OWNER)
    assert err.value.key == "printer.upload_in_use"
    status = host.status()
    assert status.printing and status.job is not None and status.job.path == "long.gcode"
    host.cancel()


def test_a_lost_answer_to_start_is_never_sent_again(octoprint: OctoPrintServer) -> None:
    proxy = TcpProxy(octoprint.port)
    try:
        host = host_for(octoprint, port=proxy.port)
        host.upload("long.gcode", short_print(dwell_ms=400, layers=8), OWNER)
        proxy.drop_answers(1.0)  # the printer starts; its "204" never arrives
        host.start_print("long.gcode")  # returns: it asked whether printing started
        assert proxy.count(b"POST /api/files/local/long.gcode") == 1
        assert str(octoprint.state()["state"]).startswith("Printing")
        host.cancel()
    finally:
        proxy.close()


def test_wrong_key_is_refused_and_never_logged(
    octoprint: OctoPrintServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "WRONG-" + octoprint.api_key[::-1]
    host = host_for(octoprint, key=wrong)
    status = host.status()
    assert (status.online, status.problem) == (False, "printer.wrong_key")
    for call in (host.files, host.check, lambda: host.start_print("x.gcode")):
        with pytest.raises(DeviceError) as err:
            call()
        assert err.value.key == "printer.wrong_key"
        assert wrong not in f"{err.value} {err.value!r}"
    bus = EventBus()
    recorder = Recorder(bus, DeviceStatus)
    host.start(bus)
    try:
        assert recorder.wait_for(lambda: bool(recorder.of(DeviceStatus)), timeout=10)
    finally:
        host.stop()
    assert (recorder.of(DeviceStatus)[0].ok, recorder.of(DeviceStatus)[0].detail) == (
        False,
        "printer.wrong_key",
    )
    good = host_for(octoprint)
    good.upload("cube.gcode", short_print(), OWNER)
    good.files()
    assert wrong not in caplog.text and octoprint.api_key not in caplog.text


def test_not_operational_and_refused_uploads(octoprint: OctoPrintServer) -> None:
    host = host_for(octoprint)
    host.upload("cube.gcode", short_print(), OWNER)
    octoprint.post("api/connection", {"command": "disconnect"})
    wait_for(lambda: host.status().state == "disconnected")
    assert not host.status().connected and host.status().online
    with pytest.raises(DeviceError) as err:
        host.start_print("cube.gcode")
    assert err.value.key == "printer.not_operational"
    with pytest.raises(DeviceError) as err:
        host.cool_down()
    assert err.value.key == "printer.not_operational"
    host.connect()
    wait_for(lambda: host.status().state == "idle")
    with pytest.raises(DeviceError) as err:
        host.upload("notes.txt", b"not g-code", OWNER)
    assert (err.value.key, err.value.params["file"]) == ("printer.upload_wrong_type", "notes.txt")
    with pytest.raises(DeviceError) as err:
        host.start_print("missing.gcode")
    assert err.value.key == "printer.file_not_found"


def test_too_large_and_a_stick_pulled_out_leave_nothing(
    octoprint: OctoPrintServer, tmp_path: Path
) -> None:
    limited = host_for(octoprint, max_upload_bytes=1000)
    with pytest.raises(DeviceError) as err:
        limited.upload("cube.gcode", short_print(layers=20), OWNER)
    assert err.value.key == "printer.file_too_large"
    assert err.value.params["limit_mb"] == "0.0"
    stick = tmp_path / "big.gcode"
    stick.write_bytes(short_print(layers=20) * 300)  # a few MB: many chunks
    assert stick.stat().st_size > 1_000_000

    def pull_out(done: int, total: int) -> None:
        if done > 200_000 and stick.exists():
            with stick.open("r+b") as handle:  # the stick is gone: the file ends early
                handle.truncate(100_000)

    host = host_for(octoprint)
    with pytest.raises(DeviceError) as err:
        host.upload("big.gcode", stick, OWNER, pull_out)
    assert (err.value.key, err.value.params["file"]) == ("printer.source_gone", "big.gcode")
    assert [f.path for f in host.files()] == []
    stick.unlink()
    with pytest.raises(DeviceError) as err:
        host.upload("big.gcode", stick, OWNER)
    assert err.value.key == "printer.source_gone"


def test_host_unreachable(octoprint: OctoPrintServer) -> None:
    from tests.conftest import free_port

    host = host_for(octoprint, port=free_port())
    status = host.status()
    assert (status.online, status.state, status.problem) == (
        False,
        "offline",
        "printer.unreachable",
    )
    with pytest.raises(DeviceError) as err:
        host.files()
    assert err.value.key == "printer.unreachable"


def test_server_stopped_mid_print(own_octoprint: OctoPrintServer) -> None:
    server = own_octoprint
    bus = EventBus()
    recorder = Recorder(bus, PrintEnded, DeviceStatus)
    host = host_for(server)
    host.start(bus)
    try:
        wait_for(lambda: host.mode == "push")
        host.upload("long.gcode", short_print(dwell_ms=400, layers=8), OWNER)
        host.start_print("long.gcode")
        wait_for(lambda: host.status().printing)
        time.sleep(1.0)  # the watcher has seen it printing
        server.stop()
        assert recorder.wait_for(
            lambda: any(not e.ok for e in recorder.of(DeviceStatus)), timeout=15
        )
        status = host.status()
        assert not status.online and status.busy, "never taken for a cold idle printer"
        assert recorder.of(PrintEnded) == []  # not known yet: no outcome guessed
        server.start()  # OctoPrint comes back without the printer: the job is lost
        assert recorder.wait_for(lambda: bool(recorder.of(PrintEnded)), timeout=30)
        assert recorder.wait_for(lambda: recorder.of(DeviceStatus)[-1].ok, timeout=10)
    finally:
        host.stop()
    ended = recorder.of(PrintEnded)
    assert [type(e) for e in ended] == [PrintFailed]
    failed = ended[0]
    assert isinstance(failed, PrintFailed) and failed.reason == "printer.failed_lost"
    assert failed.booking_id == 42
