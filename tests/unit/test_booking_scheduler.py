"""The scheduler's state machine and the equipment controller, with simulated plugs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.sim import SimPrinterHost, SimSwitch
from kiosk.booking.engine import Makerspace, build_equipment, build_makerspace
from kiosk.booking.scheduler import Scheduler, short_name
from kiosk.bus import EventBus
from kiosk.config import Config
from kiosk.domain.events import (
    BookingEnded,
    BookingEnding,
    BookingNoShow,
    BookingStarted,
    EquipmentFault,
    Event,
)
from kiosk.ports import EquipmentSwitch, PrinterHost
from kiosk.store import Store
from tests.booking_support import ADULT, MONDAY, TRAINED, FakeClock, local, make_config, make_store


class Rig:
    def __init__(self, tmp_path: Path) -> None:
        self.config: Config = make_config()
        self.store: Store = make_store(tmp_path / "k.db", self.config)
        self.clock = FakeClock(local(*MONDAY, 7, 0))
        self.bus = EventBus()
        self.events: list[Event] = []
        self.bus.subscribe(Event, self.events.append)
        self.switches: dict[str, SimSwitch] = {
            "printer-1": SimSwitch(resource="printer-1"),
            "pc-1": SimSwitch(resource="pc-1"),
        }
        self.printer = SimPrinterHost(resource="printer-1")
        self.space = self.build()

    def build(self) -> Makerspace:
        switches: dict[str, EquipmentSwitch] = dict(self.switches)
        printers: dict[str, PrinterHost] = {"printer-1": self.printer}
        equipment = build_equipment(self.config, self.bus, switches, printers)
        equipment.watch()  # as a kiosk does: before its plugs start
        for switch in self.switches.values():
            switch.start(self.bus)
        return build_makerspace(self.store, self.config, self.bus, equipment, clock=self.clock)

    def of(self, kind: type[Event]) -> list[Event]:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = Rig(tmp_path)
    yield r
    r.store.close()


def test_short_name() -> None:
    assert short_name("Budi Santoso Wijaya") == "Budi S."
    assert short_name("Ani") == "Ani"
    assert short_name("") == ""


def test_lifecycle_with_warnings_and_power(rig: Rig) -> None:
    svc, sched, eq = rig.space.service, rig.space.scheduler, rig.space.equipment
    b = svc.book(TRAINED, "printer-1", local(*MONDAY, 9), 60)
    rig.clock.set(local(*MONDAY, 8, 55))
    svc.check_in(TRAINED)
    assert sched.tick() == []
    rig.clock.set(local(*MONDAY, 9, 0))
    (started,) = sched.tick()
    assert isinstance(started, BookingStarted)
    assert started.display_name == "Budi S."
    assert svc.get(b.id).status == "active"
    assert eq.apply("printer-1")
    assert rig.switches["printer-1"].commands == [True]
    rig.clock.set(local(*MONDAY, 9, 51))
    (warn10,) = sched.tick()
    assert isinstance(warn10, BookingEnding)
    assert warn10.minutes_left == 10
    assert sched.tick() == []  # said once
    rig.clock.set(local(*MONDAY, 9, 59))
    (warn2,) = sched.tick()
    assert isinstance(warn2, BookingEnding)
    assert warn2.minutes_left == 2
    assert svc.get(b.id).status == "ending"
    rig.clock.set(local(*MONDAY, 10, 0))
    (ended,) = sched.tick()
    assert isinstance(ended, BookingEnded)
    assert svc.get(b.id).status == "completed"
    assert eq.apply("printer-1")
    assert rig.switches["printer-1"].commands == [True, False]


def test_no_show_frees_the_slot(rig: Rig) -> None:
    svc, sched = rig.space.service, rig.space.scheduler
    b = svc.book(ADULT, "pc-1", local(*MONDAY, 9), 60)
    rig.clock.set(local(*MONDAY, 9, 9))
    assert sched.tick() == []
    rig.clock.set(local(*MONDAY, 9, 10))
    (event,) = sched.tick()
    assert isinstance(event, BookingNoShow)
    assert svc.get(b.id).status == "no_show"
    # The rest of the hour can be booked by someone else now.
    svc.book(TRAINED, "pc-1", local(*MONDAY, 9, 30), 30)


def test_restart_mid_booking_rebuilds_from_database(rig: Rig) -> None:
    svc = rig.space.service
    b = svc.book(ADULT, "pc-1", local(*MONDAY, 9), 60)
    rig.clock.set(local(*MONDAY, 9, 5))
    svc.check_in(ADULT)
    rig.space.scheduler.tick()
    rig.clock.set(local(*MONDAY, 9, 52))
    rig.space.scheduler.tick()  # the 10-minute warning
    # "Restart": a new scheduler on the same database; it must not repeat the warning.
    fresh = Scheduler(rig.store, rig.bus, svc.rules, rig.clock)
    assert fresh.tick() == []
    # Down from 09:53 to 10:20: it completes the booking it missed the end of.
    rig.clock.set(local(*MONDAY, 10, 20))
    (ended,) = fresh.tick()
    assert isinstance(ended, BookingEnded)
    assert svc.get(b.id).status == "completed"


def test_printer_busy_is_never_cut(rig: Rig) -> None:
    svc, sched, eq = rig.space.service, rig.space.scheduler, rig.space.equipment
    base = time.monotonic()
    now = [base]
    rig.printer.clock = lambda: now[0]
    svc.book(TRAINED, "printer-1", local(*MONDAY, 9), 60)
    rig.clock.set(local(*MONDAY, 9))
    svc.check_in(TRAINED)
    sched.tick()
    assert eq.apply("printer-1")
    rig.printer.start_print("calibration-cube.gcode")
    now[0] = base + 30.0  # hot now
    rig.clock.set(local(*MONDAY, 10))
    sched.tick()
    assert not eq.apply("printer-1")  # printing: kept on
    assert rig.switches["printer-1"].commands == [True]
    rig.printer.finish()
    assert not eq.apply("printer-1")  # done but hot: cooling down, kept on
    now[0] = base + 200.0
    assert eq.apply("printer-1")  # cold: cut
    assert rig.switches["printer-1"].commands == [True, False]


def test_unconfirmed_command_alerts_staff_and_keeps_the_booking(rig: Rig) -> None:
    svc, sched, eq = rig.space.service, rig.space.scheduler, rig.space.equipment
    rig.switches["pc-1"].fail("drop_ack")
    b = svc.book(ADULT, "pc-1", local(*MONDAY, 9), 60)
    rig.clock.set(local(*MONDAY, 9))
    svc.check_in(ADULT)
    sched.tick()
    assert not eq.apply("pc-1")
    assert rig.switches["pc-1"].commands == [True, True]  # two attempts configured
    (fault,) = rig.of(EquipmentFault)
    assert isinstance(fault, EquipmentFault)
    assert fault.key == "equipment.no_echo"
    assert svc.get(b.id).status == "active"


def test_threads_drive_it_end_to_end(rig: Rig) -> None:
    svc = rig.space.service
    rig.clock.set(local(*MONDAY, 8, 59))
    svc.book(ADULT, "pc-1", local(*MONDAY, 9), 60)
    rig.space.start()
    try:
        rig.clock.set(local(*MONDAY, 9, 1))
        svc.check_in(ADULT)  # wakes the scheduler: started at once
        deadline = time.monotonic() + 3
        while rig.switches["pc-1"].commands != [True] and time.monotonic() < deadline:
            time.sleep(0.01)
        assert rig.switches["pc-1"].commands == [True]
        pc = svc.resources("computer")[0]
        assert pc.bookable_now
        assert pc.equipment is not None and pc.equipment.on is True
    finally:
        rig.space.stop()
