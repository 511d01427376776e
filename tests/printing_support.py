"""A makerspace with one simulated 3D printer on a simulated plug, for the printing
rules (power, overrun, the print service). The booking side runs on a clock the test
moves; the printer on its own clock (``seconds``)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from devices.sim import SimPrinterHost, SimSwitch
from kiosk.booking.engine import Makerspace, build_equipment, build_makerspace
from kiosk.bus import EventBus
from kiosk.config import Config
from kiosk.domain.events import Event
from kiosk.ports import EquipmentSwitch, PrinterHost
from kiosk.store import Store
from tests.booking_support import MONDAY, TRAINED, FakeClock, local, make_config, make_store

E = TypeVar("E", bound=Event)


class Rig:
    def __init__(self, tmp_path: Path, extra: str = "") -> None:
        self.config: Config = make_config(extra=extra)
        self.store: Store = make_store(tmp_path / "k.db", self.config)
        self.clock = FakeClock(local(*MONDAY, 7, 0))
        self.bus = EventBus()
        self.events: list[Event] = []
        self.bus.subscribe(Event, self.events.append)
        self.plug = SimSwitch(resource="printer-1")
        self.printer = SimPrinterHost(resource="printer-1")
        self.base = time.monotonic()
        self.now = [self.base]
        self.printer.clock = lambda: self.now[0]
        switches: dict[str, EquipmentSwitch] = {"printer-1": self.plug}
        printers: dict[str, PrinterHost] = {"printer-1": self.printer}
        equipment = build_equipment(self.config, self.bus, switches, printers)
        equipment.watch()
        self.plug.start(self.bus)
        self.space: Makerspace = build_makerspace(
            self.store, self.config, self.bus, equipment, clock=self.clock
        )

    def seconds(self, s: float) -> None:
        """The printer's own time moves on."""
        self.now[0] = self.base + s

    def booking_running(self, patron: str = TRAINED, hour: int = 9, minutes: int = 60) -> int:
        """A booking of printer-1 from ``hour``, checked in and started (plug on)."""
        svc = self.space.service
        booking = svc.book(patron, "printer-1", local(*MONDAY, hour), minutes)
        self.clock.set(local(*MONDAY, hour))
        svc.check_in(patron, booking.id)
        self.space.scheduler.tick()
        assert self.space.equipment.apply("printer-1")
        return booking.id

    def booking_over(self, hour: int = 10, minute: int = 0) -> None:
        self.clock.set(local(*MONDAY, hour, minute))
        self.space.scheduler.tick()

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]


@contextmanager
def make_rig(tmp_path: Path, extra: str = "") -> Iterator[Rig]:
    """A rig, its threads stopped and its store closed after."""
    r = Rig(tmp_path, extra)
    try:
        yield r
    finally:
        r.space.stop()
        r.store.close()
