"""What a resource's 3D printer allows its plug: the equipment controller asks here
before it cuts a printer's power, and after it has powered one on.

A printer may lose power only when it is neither printing nor paused and its hotend is
at or below ``[printing] cooldown_c``. A printer whose host does not answer counts as
what it was when last seen: printing, paused or hot keeps it on, and so does a job
this kiosk started whose end it has not seen (its open record survives a restart of
the kiosk, the host's memory of "last seen" does not). A job started outside the kiosk
("in use, not booked here") keeps it on too. Never blind: in doubt, the power stays on
and staff are told.

Every method here is blocking (the printer's host is asked over the network): the
controller calls them on its worker threads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from kiosk.domain.errors import KioskError
from kiosk.ports import DEFAULT_COOLDOWN_C, PrinterHost, PrinterStatus
from kiosk.printing.ownership import started_elsewhere
from kiosk.printing.records import PrintJobRecord

log = logging.getLogger(__name__)


class OpenJobs(Protocol):
    """The kiosk's records of running jobs (:class:`~kiosk.printing.records.PrintJobRecords`)."""

    def open_job(self, resource: str) -> PrintJobRecord | None: ...


@dataclass(frozen=True)
class PrinterVerdict:
    """What the printer of one resource says about its power.

    ``busy``: cutting power now would ruin a print or leave a hot nozzle (or cannot be
    known to be safe: ``unreachable``); ``foreign``: a job started outside the kiosk runs.
    """

    status: PrinterStatus
    busy: bool
    foreign: bool

    @property
    def unreachable(self) -> bool:
        return not self.status.online


class PrinterPower:
    """The power rules of every resource's printer (resources without one are not here)."""

    def __init__(
        self,
        printers: dict[str, PrinterHost],
        cooldown_c: float = DEFAULT_COOLDOWN_C,
        jobs: OpenJobs | None = None,
    ) -> None:
        self.printers = printers
        self.cooldown_c = cooldown_c
        #: Set once the store is open (the makerspace); until then only the host's word.
        self.jobs = jobs

    def __contains__(self, resource: str) -> bool:
        return resource in self.printers

    def verdict(self, resource: str, cool: bool = False) -> PrinterVerdict:
        """Ask the printer now. ``cool``: its booking is over, so heaters still on while
        no job runs are turned off (a patron who preheated and left)."""
        printer = self.printers[resource]
        status = printer.status()  # never raises: offline is a status
        try:
            record = self.jobs.open_job(resource) if self.jobs is not None else None
            unsure = False
        except Exception:  # a locked or broken database must not make a printer look idle
            log.exception("%s: the open print job could not be read", resource)
            record, unsure = None, True
        if not status.online:
            busy = status.last_seen_busy or record is not None or unsure
            return PrinterVerdict(status, busy, foreign=False)
        foreign = started_elsewhere(status, record)
        busy = status.busy_at(self.cooldown_c)
        active = status.printing or status.paused
        if cool and not active and _heating(status):
            self.cool_down(resource)
        return PrinterVerdict(status, busy, foreign)

    def after_job(self, resource: str) -> None:
        """A job has ended: heaters off, unless a new job is already on the printer (a
        patron quick to start the next print must not have it cooled mid-print)."""
        status = self.printers[resource].status()
        if status.online and not (status.printing or status.paused) and _heating(status):
            self.cool_down(resource)

    def cool_down(self, resource: str) -> bool:
        """Heaters to 0; False when the host could not be told (it is asked again at the
        next look)."""
        try:
            self.printers[resource].cool_down()
        except KioskError as exc:
            log.warning("%s: heaters not turned off (%s)", resource, exc.key)
            return False
        return True

    def connect(self, resource: str) -> bool:
        """Ask the host to connect to its printer (just powered on); False when it could
        not be asked."""
        try:
            self.printers[resource].connect()
        except KioskError as exc:
            log.warning("%s: the printer's host was not asked to connect (%s)", resource, exc.key)
            return False
        return True


def _heating(status: PrinterStatus) -> bool:
    """A heater is on (its target above 0)."""
    return bool(status.hotend_target_c) or bool(status.bed_target_c)
