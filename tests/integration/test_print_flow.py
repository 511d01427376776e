"""The print flow against a real OctoPrint 1.11 and its virtual printer: a patron's
print through the print service, a print that outlasts its booking (finished or
cancelled), heaters off and the power cut through the simulated plug only once the
hotend has cooled, a printer that stops answering mid-print, a wrong key, the CLI.

The booking side runs on a clock the test moves (short bookings); the printer heats,
prints and cools in its own real time (the virtual printer heats ~10 C/s and cools
~2 C/s: the samples heat to 60 C, so cooling to the default 50 C takes about 5 s).
"""

from __future__ import annotations

import gc
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.octoprint import OctoPrintHost
from devices.sim import SimSwitch
from kiosk.booking.engine import Makerspace, build_equipment, build_makerspace
from kiosk.bus import EventBus
from kiosk.cli import main
from kiosk.config import Config
from kiosk.domain.errors import KioskError
from kiosk.domain.events import (
    EquipmentFault,
    Event,
    PrintCancelled,
    PrintDone,
    PrintFailed,
    PrintOverrun,
)
from kiosk.i18n import describe
from kiosk.pins import hash_pin
from kiosk.ports import DeviceUrl, EquipmentSwitch, PrinterHost, PrinterStatus, SwitchReply
from kiosk.printing.api import PrintChoice
from kiosk.printing.records import PrintJobRecords
from kiosk.printing.service import PrintService
from kiosk.store import Store
from tests.booking_support import (
    ADULT,
    MONDAY,
    STAFF,
    TRAINED,
    FakeClock,
    local,
    make_config,
    make_store,
)
from tests.support import gcode as samples
from tests.support.octoprint import OctoPrintServer
from tests.support.waiting import Recorder, eventually

pytestmark = pytest.mark.integration

#: Hot enough to be kept on, cool again in about 5 s.
PRINT_C = 60


def part(dwell_ms: int = 300, layers: int = 4, seconds: int = 60) -> str:
    """Heats to 60 C and prints a small square with dwells (a few seconds of real
    time); Cura's estimate comment says ``seconds``. It leaves its heater on at the end,
    as many slicers' end code does not turn it off: the kiosk must."""
    thumb = samples.thumbnail_block(samples.png(24, 24), 24, 24)
    moves = samples.square_moves(side=20, layers=layers, dwell_ms=dwell_ms)
    return f"{thumb};TIME:{seconds}\nM104 S{PRINT_C}\nM109 S{PRINT_C}\n{moves}"


class WatchedPlug(SimSwitch):
    """A simulated plug that notes what the printer's host said at each OFF."""

    def __init__(self, printer: PrinterHost) -> None:
        super().__init__(resource="printer-1")
        self.printer = printer
        self.at_off: list[PrinterStatus] = []

    def set(self, on: bool, timeout: float = 2.0) -> SwitchReply:
        if not on:
            self.at_off.append(self.printer.status())
        return super().set(on, timeout)


class Flow:
    """A makerspace whose printer-1 is the real OctoPrint, on a simulated plug, with
    its threads running (scheduler, equipment controller, overrun policy, the host's
    watcher) and the print service over it."""

    def __init__(self, tmp_path: Path, server: OctoPrintServer, extra: str = "") -> None:
        self.stick = tmp_path / "usb"
        self.stick.mkdir(exist_ok=True)
        self.config: Config = make_config(
            extra=f'\n[printing]\nusb_mounts = ["{self.stick}"]\n{extra}'
        )
        self.store: Store = make_store(tmp_path / "k.db", self.config)
        self.clock = FakeClock(local(*MONDAY, 8, 50))
        self.bus = EventBus()
        self.recorder = Recorder(self.bus)
        self.host = OctoPrintHost.from_url(
            DeviceUrl.parse(server.url()),
            "printer-1",
            server.api_key,
            poll_seconds=1.0,
            timeout=3.0,
        )
        #: The plug asks its own host what the printer says at each OFF.
        self.witness = OctoPrintHost.from_url(
            DeviceUrl.parse(server.url()), "printer-1", server.api_key, timeout=3.0
        )
        self.plug = WatchedPlug(self.witness)
        switches: dict[str, EquipmentSwitch] = {"printer-1": self.plug}
        printers: dict[str, PrinterHost] = {"printer-1": self.host}
        equipment = build_equipment(self.config, self.bus, switches, printers)
        equipment.watch()
        self.plug.start(self.bus)
        self.space: Makerspace = build_makerspace(
            self.store, self.config, self.bus, equipment, clock=self.clock
        )
        self.records = PrintJobRecords(self.store, self.config.printing, self.config.kiosk.id)
        self.records.listen(self.bus)
        self.service = PrintService(
            self.config, printers, self.space.service, self.records, self.clock
        )
        self.host.start(self.bus)
        self.space.start()

    def close(self) -> None:
        self.space.stop()
        self.host.stop()
        self.witness.stop()
        self.store.close()

    def booking(self, patron: str = TRAINED, minutes: int = 60) -> int:
        """A booking of printer-1 from 09:00, checked in and started (the plug on)."""
        svc = self.space.service
        booking = svc.book(patron, "printer-1", local(*MONDAY, 9), minutes)
        svc.check_in(patron, booking.id)
        self.clock.set(local(*MONDAY, 9))
        self.space.scheduler.wake()
        assert eventually(lambda: self.plug.commands == [True], 5)
        return booking.id

    def end_booking(self) -> None:
        self.clock.set(local(*MONDAY, 10))
        self.space.scheduler.wake()

    def choice(self, name: str, text: str) -> PrintChoice:
        (self.stick / name).write_text(text)
        return next(c for c in self.service.choices(TRAINED, "printer-1") if c.name == name)

    def of(self, kind: type[Event]) -> list[Event]:
        return self.recorder.of(kind)

    def wait(self, predicate: object, timeout: float = 30.0) -> None:
        assert callable(predicate)
        assert eventually(predicate, timeout), "timed out"


@pytest.fixture
def flow(octoprint: OctoPrintServer, tmp_path: Path) -> Iterator[Flow]:
    f = Flow(tmp_path, octoprint)
    try:
        yield f
    finally:
        f.close()
        gc.collect()


def printing(host: PrinterHost) -> bool:
    return host.status().printing


def test_a_print_that_outlasts_its_booking_finishes_then_cools_then_the_power_goes(
    flow: Flow,
) -> None:
    booking = flow.booking()
    following = flow.space.service.book(ADULT, "printer-1", local(*MONDAY, 10, 30), 60, staff=STAFF)
    started = flow.service.start(TRAINED, "printer-1", flow.choice("part.gcode", part()))
    assert started.booking_id == booking
    flow.wait(lambda: printing(flow.host), 15)
    view = flow.service.job(TRAINED, "printer-1")
    assert view.mine and view.can_cancel and view.file_name == "part.gcode"
    flow.end_booking()  # the print is still heating or printing
    flow.wait(lambda: bool(flow.of(PrintOverrun)), 10)
    (warning,) = flow.of(PrintOverrun)
    assert isinstance(warning, PrintOverrun)
    assert (warning.booking_id, warning.policy, warning.next_booking_id) == (
        booking,
        "finish",
        following.id,
    )
    assert flow.space.service.get(booking).status == "completed"
    assert flow.plug.commands == [True]  # printing: never cut
    # The warning comes from the overrun policy; the controller's own reconcile (its
    # thread) asks the printer and marks it busy soon after.
    flow.wait(lambda: flow.space.equipment.equipment_state("printer-1").printer_busy, 5)
    assert flow.plug.commands == [True]
    flow.wait(lambda: bool(flow.of(PrintDone)), 60)
    # Done: the heaters go off at once; the plug only once the hotend is at 50 C or less.
    flow.wait(lambda: flow.host.status().hotend_target_c == 0.0, 5)
    done_at = time.monotonic()
    flow.wait(lambda: flow.plug.commands == [True, False], 30)
    cooled_in = time.monotonic() - done_at
    (at_off,) = flow.plug.at_off
    assert at_off.online and not at_off.printing and not at_off.paused
    assert at_off.hotend_c is not None and at_off.hotend_c <= 50.0
    assert cooled_in >= 2.0  # it waited for the hotend to cool (60 -> 50 C at 2 C/s)
    (row,) = flow.records.recent()
    assert (row.outcome, row.booking_id, row.source) == ("done", booking, "usb")
    assert not flow.space.equipment.equipment_state("printer-1").printer_busy


def test_overrun_cancel_cancels_cools_and_cuts(octoprint: OctoPrintServer, tmp_path: Path) -> None:
    flow = Flow(tmp_path, octoprint, 'overrun = "cancel"\n')
    try:
        booking = flow.booking()
        flow.service.start(
            TRAINED, "printer-1", flow.choice("long.gcode", part(dwell_ms=500, layers=20))
        )
        flow.wait(lambda: (flow.host.status().hotend_c or 0) >= PRINT_C - 1, 15)
        flow.end_booking()
        flow.wait(lambda: bool(flow.of(PrintCancelled)), 15)
        (warning,) = flow.of(PrintOverrun)
        assert isinstance(warning, PrintOverrun) and warning.policy == "cancel"
        (cancelled,) = flow.of(PrintCancelled)
        assert isinstance(cancelled, PrintCancelled) and cancelled.booking_id == booking
        flow.wait(lambda: flow.plug.commands == [True, False], 30)
        (at_off,) = flow.plug.at_off
        assert at_off.hotend_c is not None and at_off.hotend_c <= 50.0 and not at_off.printing
        (row,) = flow.records.recent()
        assert row.outcome == "cancelled"
    finally:
        flow.close()


def test_a_printer_that_stops_answering_mid_print_is_never_cut_blind(
    own_octoprint: OctoPrintServer, tmp_path: Path
) -> None:
    server = own_octoprint
    flow = Flow(tmp_path, server)
    try:
        flow.booking()
        flow.service.start(
            TRAINED, "printer-1", flow.choice("long.gcode", part(dwell_ms=500, layers=20))
        )
        flow.wait(lambda: printing(flow.host), 15)
        time.sleep(1.0)  # the watcher has seen it printing
        server.stop()
        flow.end_booking()
        flow.wait(lambda: bool(flow.of(EquipmentFault)), 20)
        (told,) = flow.of(EquipmentFault)
        assert isinstance(told, EquipmentFault) and told.key == "printing.kept_on_unreachable"
        time.sleep(1.5)  # several busy rechecks (every 0.5 s here)
        assert flow.plug.commands == [True]
        state = flow.space.equipment.equipment_state("printer-1")
        assert state.printer_busy and state.on is True
        server.start()  # back without its printer: the job is lost, nothing hot is known
        flow.wait(lambda: bool(flow.of(PrintFailed)), 30)
        flow.wait(lambda: flow.plug.commands == [True, False], 30)
        (row,) = flow.records.recent()
        assert row.outcome == "failed"
    finally:
        flow.close()


def test_wrong_key_is_said_and_nothing_starts(octoprint: OctoPrintServer, tmp_path: Path) -> None:
    flow = Flow(tmp_path, octoprint)
    try:
        flow.booking()
        choice = flow.choice("part.gcode", part())
        wrong = OctoPrintHost.from_url(
            DeviceUrl.parse(octoprint.url()), "printer-1", "WRONG-KEY", timeout=3.0
        )
        flow.service.printers["printer-1"] = wrong
        with pytest.raises(KioskError) as err:
            flow.service.start(TRAINED, "printer-1", choice)
        assert err.value.key == "printer.wrong_key"
        assert describe(err.value, "en").startswith("Printer 3D 1 refused the kiosk")
        assert "Printer 3D 1 menolak kios ini" in describe(err.value, "id")
        with pytest.raises(KioskError):
            flow.service.choices(TRAINED, "printer-1")
        wrong.stop()
        assert flow.records.recent() == [] and not printing(flow.host)
        assert octoprint.get("api/files").json()["files"] == []
    finally:
        flow.close()


def test_the_cli_prints_and_cancels_on_the_real_printer(
    octoprint: OctoPrintServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stick = tmp_path / "usb"
    stick.mkdir()
    (stick / "part.gcode").write_text(part(dwell_ms=500, layers=20))
    db = tmp_path / "k.db"
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f"""
[kiosk]
id = "maker-1"
[database]
path = "{db}"
[printing]
usb_mounts = ["{stick}"]
[[resources]]
id = "printer-1"
kind = "3d_printer"
name = "Printer 3D 1"
printer = "{octoprint.url()}"
"""
    )
    monkeypatch.setenv("KIOSK_OCTOPRINT_KEYS_PRINTER_1", octoprint.api_key)
    from kiosk import config as config_module
    from kiosk.booking.service import BookingService
    from kiosk.timeutil import utcnow

    loaded = config_module.load(config)
    store = make_store(db, loaded)
    with store.transaction() as tx:
        tx.execute("UPDATE patrons SET pin_hash = ? WHERE id = ?", [hash_pin("2468"), STAFF])
    booking = BookingService(store, loaded).book(TRAINED, "printer-1", utcnow(), 120, staff=STAFF)
    with store.transaction() as tx:
        tx.execute("UPDATE bookings SET status = 'active' WHERE id = ?", [booking.id])
    store.close()
    base = ["--config", str(config), "--lang", "en"]
    argv = ["printers", "print", "printer-1", str(stick / "part.gcode"), "--card", "PLU-0002"]
    assert main([*argv, "--json", *base]) == 0
    started = json.loads(capsys.readouterr().out)
    assert started["booking_id"] == booking.id and started["source"] == "usb"
    assert eventually(lambda: str(octoprint.state()["state"]).startswith("Printing"), 15)
    assert main([*argv, *base]) == 1  # never a second start
    assert "busy printing" in capsys.readouterr().err
    assert main(["printers", "cancel", "printer-1", "--card", "PLU-0001", *base]) == 1
    assert "not yours" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("2468\n"))
    staff = ["printers", "cancel", "printer-1", "--staff", "PLU-0003", "--pin-stdin"]
    assert main([*staff, *base]) == 0
    assert capsys.readouterr().out.strip() == "printer-1: part.gcode cancelled."
    assert eventually(lambda: str(octoprint.state()["state"]).startswith("Operational"), 15)


def test_powered_on_octoprint_is_asked_to_connect(flow: Flow, octoprint: OctoPrintServer) -> None:
    octoprint.post("api/connection", {"command": "disconnect"})
    flow.wait(lambda: flow.host.status().state == "disconnected", 10)
    flow.booking()  # the plug goes on: OctoPrint is asked to connect to its printer
    flow.wait(lambda: flow.host.status().state == "idle", 20)


def test_a_print_started_on_octoprint_itself_is_in_use_not_booked_here(
    flow: Flow, octoprint: OctoPrintServer
) -> None:
    import requests

    flow.booking()
    requests.post(  # someone at OctoPrint's own page: no owner, no record at the kiosk
        f"{octoprint.base_url}/api/files/local",
        files={"file": ("theirs.gcode", part(dwell_ms=500, layers=20).encode())},
        data={"print": "true"},
        headers={"X-Api-Key": octoprint.api_key},
        timeout=5,
    ).raise_for_status()
    equipment = flow.space.equipment
    flow.wait(lambda: equipment.equipment_state("printer-1").printer_foreign, 15)
    view = flow.service.job(TRAINED, "printer-1")
    assert view.foreign and not view.mine and not view.can_cancel
    flow.end_booking()
    time.sleep(1.5)  # several rechecks
    assert flow.plug.commands == [True]  # in use: never cut
    assert flow.of(PrintOverrun) == []  # and never cancelled by the overrun policy
    flow.service.cancel(None, "printer-1")  # staff may
    flow.wait(lambda: flow.plug.commands == [True, False], 30)
    assert not equipment.equipment_state("printer-1").printer_foreign
