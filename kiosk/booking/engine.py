"""The makerspace as one unit: the booking service, its scheduler, the equipment
controller and the 3D printers' overrun policy, built together and started and stopped
together."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.booking.equipment import EquipmentController
from kiosk.booking.scheduler import Scheduler
from kiosk.booking.service import BookingService
from kiosk.bus import EventBus
from kiosk.config import Config
from kiosk.ports import EquipmentSwitch, PrinterHost
from kiosk.printing.overrun import OverrunPolicy
from kiosk.printing.records import PrintJobRecords
from kiosk.store import Store
from kiosk.timeutil import Clock, utcnow


@dataclass
class Makerspace:
    service: BookingService
    scheduler: Scheduler
    equipment: EquipmentController
    #: What happens to a print that outlasts its booking (None: no printers).
    overrun: OverrunPolicy | None = None

    def start(self) -> None:
        """Start the equipment controller (first reconcile), the overrun policy and the
        scheduler thread; returns at once."""
        self.equipment.start()
        if self.overrun is not None:
            self.overrun.start()
        self.scheduler.start()

    def stop(self) -> None:
        """Stop the threads; blocks at most a few seconds (a running switch command, a
        printer's host asked)."""
        self.scheduler.stop()
        if self.overrun is not None:
            self.overrun.stop()
        self.equipment.stop()


def build_equipment(
    config: Config,
    bus: EventBus,
    switches: dict[str, EquipmentSwitch],
    printers: dict[str, PrinterHost],
    store: Store | None = None,
) -> EquipmentController:
    """The one owner of equipment state, with the configured timeouts and retries
    (without a store it only watches: the CLI, ``kiosk doctor``)."""
    section = config.bookings
    return EquipmentController(
        store,
        bus,
        switches,
        printers,
        resources=[r.id for r in config.resources],
        timeout=section.switch_timeout_seconds,
        attempts=section.switch_attempts,
        backoff=section.switch_backoff_seconds,
        reconcile_seconds=section.reconcile_seconds,
        cooldown_c=config.printing.cooldown_c,
    )


def build_makerspace(
    store: Store,
    config: Config,
    bus: EventBus,
    equipment: EquipmentController,
    clock: Clock = utcnow,
) -> Makerspace:
    """The booking service and scheduler over ``store``; ``equipment`` (the kiosk's
    one owner of equipment state) is given the store and so starts switching, and the
    print job records (a job of this kiosk whose end was not seen keeps its printer on)."""
    equipment.store = store
    equipment.clock = clock
    records = PrintJobRecords(store, config.printing, config.kiosk.id)
    equipment.printer_power.jobs = records
    service = BookingService(store, config, clock, bus, equipment=equipment)
    scheduler = Scheduler(store, bus, service.rules, clock, config.bookings.tick_seconds)
    service.add_listener(scheduler.wake)
    overrun = None
    if equipment.printers:
        overrun = OverrunPolicy(
            store, bus, equipment.printers, records, config.printing.overrun, clock
        )
    return Makerspace(service, scheduler, equipment, overrun)
