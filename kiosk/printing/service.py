"""The print service: the patron's print during their booking, from a file to a running,
recorded job. See :mod:`kiosk.printing.api` for the interface; this is its in-process
implementation over the kiosk's printers, its bookings and its print job records.

A start goes in an order that leaves nothing half-done: every check first (the booking
is the patron's and running, the printer answers, is connected and idle, the file is
readable and not too large); then the booking is made longer if the estimate needs it
(refused with the numbers when it cannot be); then the file is sent with the booking as
its owner (a file already on the printer is sent again when another booking uploaded
it, so that the printer's own record names the right booking); then the record is
opened and the print started with one request, never repeated. A start the printer
refuses removes the record again; a start it did not confirm keeps it (the record is
closed when the end is seen, or as "unknown").
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.booking.api import Booking, Bookings
from kiosk.config import Config
from kiosk.domain.errors import DeviceError, DomainError
from kiosk.formatting import Duration
from kiosk.ports import JobOwner, PrinterHost, PrinterStatus, PrintFile
from kiosk.printing.api import (
    HOST,
    USB,
    PrintChoice,
    PrinterView,
    PrintPlan,
    PrintStarted,
    UploadProgress,
)
from kiosk.printing.estimate import Estimate, estimate
from kiosk.printing.gcode import GcodeInfo, outline_png, read_info
from kiosk.printing.ownership import job_booking, started_elsewhere
from kiosk.printing.records import PrintJobRecords
from kiosk.printing.usb import UsbFile, list_gcode, on_stick
from kiosk.timeutil import Clock, utcnow

log = logging.getLogger(__name__)

#: Bytes read from the start of a file on a printer's host for its picture and the
#: slicer's comments at the head (OrcaSlicer, Cura; PrusaSlicer's are at the end, where
#: OctoPrint's own analysis stands in).
HOST_HEAD_BYTES = 1_000_000
#: Bytes of the head of each file on a USB stick read for the list (slicers put their
#: pictures in the first few hundred kilobytes; the estimates at the head or the end).
LIST_HEAD_BYTES = 1_000_000
#: Bookings of a printer in which its patron may print.
RUNNING = ("active", "ending")


class PrintService:
    """Printing on ``printers`` (resource id -> host) within ``bookings``."""

    def __init__(
        self,
        config: Config,
        printers: dict[str, PrinterHost],
        bookings: Bookings,
        records: PrintJobRecords,
        clock: Clock = utcnow,
    ) -> None:
        self.config = config
        self.printing = config.printing
        self.printers = printers
        self.bookings = bookings
        self.records = records
        self.clock = clock
        self.zone = ZoneInfo(config.kiosk.timezone)
        self._names = {r.id: r.name or r.id for r in config.resources}
        self._starting: dict[str, threading.Lock] = {r: threading.Lock() for r in printers}
        self._locks_lock = threading.Lock()

    # -- reading -----------------------------------------------------------------------
    def printers_of(self, patron: str) -> tuple[str, ...]:
        try:
            bookings = self.bookings.bookings_of(patron)
        except DomainError:  # a patron the bookings do not know (e.g. only on the ILS)
            return ()
        mine = [b.resource_id for b in bookings if b.status in RUNNING]
        return tuple(r for r in mine if r in self.printers)

    def choices(self, patron: str | None, resource_id: str) -> tuple[PrintChoice, ...]:
        host = self._host(resource_id)
        self._booking(patron, resource_id)
        found = [self._usb_choice(f) for f in list_gcode(self.printing.usb_mounts)]
        with self._named(resource_id):
            files = host.files()
        found += [self._host_choice(f) for f in files]
        return tuple(c for c in found if c is not None)

    def preview(self, resource_id: str, choice: PrintChoice, size: int = 240) -> bytes | None:
        source: Path | bytes
        if choice.source == USB:
            source = on_stick(self.printing.usb_mounts, choice.ref)
        else:
            with self._named(resource_id):
                source = self._host(resource_id).read_file(choice.ref, HOST_HEAD_BYTES)
        try:
            thumbnail = read_info(source).thumbnail()
            if thumbnail is not None:
                return thumbnail.png()
        except (OSError, ValueError) as exc:  # pulled out; a picture that cannot be read
            log.info("no thumbnail for %s: %s", choice.name, exc)
        try:
            return outline_png(source, size)
        except OSError as exc:
            log.info("no outline for %s: %s", choice.name, exc)
            return None

    def plan(self, patron: str | None, resource_id: str, choice: PrintChoice) -> PrintPlan:
        self._host(resource_id)
        booking = self._booking(patron, resource_id)
        found = self._estimate(resource_id, choice)
        return self._plan(resource_id, booking, choice, found)

    def job(self, patron: str | None, resource_id: str) -> PrinterView:
        host = self._host(resource_id)
        return self._view(patron, resource_id, host.status())

    # -- acting ------------------------------------------------------------------------
    def start(
        self,
        patron: str | None,
        resource_id: str,
        choice: PrintChoice,
        progress: UploadProgress | None = None,
    ) -> PrintStarted:
        host = self._host(resource_id)
        name = self._names.get(resource_id, resource_id)
        with self._locks_lock:
            lock = self._starting.setdefault(resource_id, threading.Lock())
        if not lock.acquire(blocking=False):
            raise DomainError("printing.starting", printer=name)
        try:
            with self._named(resource_id):
                return self._start(patron, resource_id, host, choice, progress)
        finally:
            lock.release()

    def cancel(self, patron: str | None, resource_id: str) -> PrinterView:
        host = self._host(resource_id)
        with self._named(resource_id):
            view = self._view(patron, resource_id, host.status())
            if not view.online:
                raise DeviceError(view.problem or "printer.unreachable", printer=resource_id)
            if view.state not in ("printing", "paused"):
                raise DomainError("printing.nothing_to_cancel", printer=view.name)
            if not view.can_cancel:
                raise DomainError("printing.not_yours", printer=view.name)
            host.cancel()
            return self._view(patron, resource_id, host.status())

    # -- inside ------------------------------------------------------------------------
    def _start(
        self,
        patron: str | None,
        resource_id: str,
        host: PrinterHost,
        choice: PrintChoice,
        progress: UploadProgress | None,
    ) -> PrintStarted:
        booking = self._booking(patron, resource_id)
        self._ready(resource_id, host.status())
        stick, host_file, info = self._source(resource_id, choice)
        found = estimate(info, host_file)
        plan = self._plan(resource_id, booking, choice, found)
        extended = False
        if plan.extend_minutes:
            booking = self._extend(booking, plan, found)
            extended = True
        owner = JobOwner(booking.id, self.config.kiosk.id)
        if stick is not None:
            path = host.upload(choice.name, stick, owner, progress).path
        elif host_file is not None and host_file.owner != owner:
            # On the host already, uploaded outside this booking: sent again with this
            # booking as its owner, so that the host's own record (and every event about
            # the job) names the right booking.
            size = host_file.size_bytes or self.printing.max_upload_bytes + 1
            data = host.read_file(host_file.path, size)
            path = host.upload(choice.name, data, owner, progress).path
        else:
            assert host_file is not None
            path = host_file.path
        record = self.records.started(
            resource_id, choice.name, booking.id, choice.source, found.seconds, found.filament_mm
        )
        try:
            host.start_print(path)
        except DeviceError as exc:
            if exc.key != "printer.start_unknown":
                self.records.forget(record.id)  # refused: nothing printed
            raise
        log.info("%s: %s started in booking %s", resource_id, choice.name, booking.id)
        return PrintStarted(
            resource_id=resource_id,
            booking_id=booking.id,
            file_name=choice.name,
            source=choice.source,
            record_id=record.id,
            estimated_seconds=found.seconds,
            booking_ends_at=booking.ends_at,
            extended=extended,
        )

    def _host(self, resource_id: str) -> PrinterHost:
        host = self.printers.get(resource_id)
        if host is None:
            raise DomainError("printing.unknown_printer", resource=resource_id)
        return host

    def _booking(self, patron: str | None, resource_id: str) -> Booking:
        """The printer's running booking; the patron's own (staff: anyone's)."""
        name = self._names.get(resource_id, resource_id)
        booking = self.bookings.running_booking(resource_id)
        if booking is None or booking.status not in RUNNING:
            raise DomainError("printing.no_booking", printer=name)
        if patron is not None and booking.patron_ref != patron:
            raise DomainError("printing.not_your_booking", printer=name)
        return booking

    def _ready(self, resource_id: str, status: PrinterStatus) -> None:
        """The printer can take a job now (else the host's own refusal, in words)."""
        if not status.online:
            raise DeviceError(status.problem or "printer.unreachable", printer=resource_id)
        if status.printing or status.paused:
            raise DeviceError("printer.busy", printer=resource_id)
        if not status.connected:
            raise DeviceError("printer.not_operational", printer=resource_id)

    def _source(
        self, resource_id: str, choice: PrintChoice
    ) -> tuple[Path | None, PrintFile | None, GcodeInfo]:
        """(the file on the stick, or the host's entry of it; what the file says about
        itself), after checking that it is there and not too large."""
        if choice.source == USB:
            path = on_stick(self.printing.usb_mounts, choice.ref)
            try:
                size, info = path.stat().st_size, read_info(path)
            except OSError:
                raise DomainError("printing.usb_unreadable", file=choice.name) from None
            self._check_size(resource_id, choice.name, size)
            return path, None, info
        if choice.source != HOST:
            raise ValueError(f"a choice from {USB!r} or {HOST!r}, not {choice.source!r}")
        host = self._host(resource_id)
        entry = next((f for f in host.files() if f.path == choice.ref), None)
        if entry is None:
            raise DeviceError("printer.file_not_found", printer=resource_id, file=choice.name)
        self._check_size(resource_id, choice.name, entry.size_bytes or 0)
        return None, entry, read_info(host.read_file(entry.path, HOST_HEAD_BYTES))

    def _check_size(self, resource_id: str, name: str, size: int) -> None:
        """Before the booking is touched: a file above ``max_upload_mb`` is never sent."""
        limit = self.printing.max_upload_bytes
        if size > limit:
            raise DeviceError(
                "printer.file_too_large",
                printer=resource_id,
                file=name,
                size_mb=f"{size / 1_000_000:.1f}",
                limit_mb=f"{limit / 1_000_000:.1f}",
            )

    def _estimate(self, resource_id: str, choice: PrintChoice) -> Estimate:
        with self._named(resource_id):
            _, host_file, info = self._source(resource_id, choice)
        return estimate(info, host_file)

    def _plan(
        self, resource_id: str, booking: Booking, choice: PrintChoice, found: Estimate
    ) -> PrintPlan:
        now = self.clock()
        left = max(0, int((booking.ends_at - now).total_seconds()))
        over = 0 if found.seconds is None else found.seconds - left
        minutes = 0
        if over > 0:
            slot = self._slot_minutes(resource_id)
            minutes = math.ceil(over / 60 / slot) * slot
        return PrintPlan(
            resource_id=resource_id,
            booking_id=booking.id,
            choice=choice,
            booking_ends_at=booking.ends_at.astimezone(self.zone),
            seconds_left=left,
            fits=over <= 0,
            extend_minutes=minutes,
            can_extend=minutes == 0 or self._may_extend(booking, minutes),
        )

    def _may_extend(self, booking: Booking, minutes: int) -> bool:
        """Whether :meth:`_extend` would succeed now (the same checks, nothing written)."""
        if booking.patron_ref is None:
            return False
        try:
            self.bookings.check_extend(booking.patron_ref, booking.id, minutes)
        except DomainError:
            return False
        return True

    def _slot_minutes(self, resource_id: str) -> int:
        for resource in self.bookings.resources():
            if resource.id == resource_id:
                return resource.slot_minutes
        raise DomainError("printing.unknown_printer", resource=resource_id)

    def _extend(self, booking: Booking, plan: PrintPlan, found: Estimate) -> Booking:
        """The booking made longer, as its patron would ask; else refused with the
        numbers."""
        try:
            if booking.patron_ref is None:
                raise DomainError("booking.unknown_patron")
            return self.bookings.extend(booking.patron_ref, booking.id, plan.extend_minutes)
        except DomainError as exc:
            log.info("booking %s not extended for a print: %s", booking.id, exc.key)
            raise DomainError(
                "printing.does_not_fit",
                needs=Duration(found.seconds or 0),
                left=Duration(plan.seconds_left),
            ) from None

    def _view(self, patron: str | None, resource_id: str, status: PrinterStatus) -> PrinterView:
        name = self._names.get(resource_id, resource_id)
        running = self.bookings.running_booking(resource_id)
        ends = running.ends_at.astimezone(self.zone) if running is not None else None
        if not status.online:
            return PrinterView(
                resource_id, name, status.state, False, status.problem, booking_ends_at=ends
            )
        job = status.job
        active = status.printing or status.paused
        record = self.records.open_job(resource_id) if active else None
        booking_id = job_booking(job, record, self.config.kiosk.id) if active else None
        mine = booking_id is not None and (patron is None or self._owned_by(booking_id, patron))
        return PrinterView(
            resource_id=resource_id,
            name=name,
            state=status.state,
            online=True,
            file_name=job.name if job is not None else None,
            completion=job.completion if job is not None else None,
            time_left=job.time_left if job is not None and active else None,
            print_seconds=job.print_seconds if job is not None else None,
            estimated_seconds=job.estimated_seconds if job is not None else None,
            hotend_c=status.hotend_c,
            hotend_target_c=status.hotend_target_c,
            bed_c=status.bed_c,
            bed_target_c=status.bed_target_c,
            booking_id=booking_id,
            mine=mine,
            foreign=started_elsewhere(status, record),
            can_cancel=status.state in ("printing", "paused") and (patron is None or mine),
            booking_ends_at=ends,
        )

    def _owned_by(self, booking_id: int, patron: str) -> bool:
        try:
            return self.bookings.get(booking_id).patron_ref == patron
        except DomainError:
            return False  # the booking is gone

    def _usb_choice(self, f: UsbFile) -> PrintChoice | None:
        try:
            info = read_info(f.path, LIST_HEAD_BYTES)
        except OSError:  # pulled out while it was listed
            return None
        found = estimate(info)
        return PrintChoice(
            source=USB,
            ref=str(f.path),
            name=f.name,
            size_bytes=f.size_bytes,
            modified_at=f.modified_at.astimezone(self.zone),
            estimated_seconds=found.seconds,
            filament_mm=found.filament_mm,
            filament_g=found.filament_g(self.printing),
            estimate_source=found.source,
            thumbnail=info.thumbnail() is not None,
        )

    def _host_choice(self, f: PrintFile) -> PrintChoice:
        found = estimate(None, f)
        return PrintChoice(
            source=HOST,
            ref=f.path,
            name=f.name,
            size_bytes=f.size_bytes,
            modified_at=f.uploaded_at.astimezone(self.zone) if f.uploaded_at else None,
            estimated_seconds=found.seconds,
            filament_mm=found.filament_mm,
            filament_g=found.filament_g(self.printing),
            estimate_source=found.source,
            booking_id=f.owner.booking_id if f.owner is not None else None,
        )

    @contextmanager
    def _named(self, resource_id: str) -> Iterator[None]:
        """The printer's errors name it as patrons know it (its name, not its id)."""
        try:
            yield
        except DeviceError as exc:
            if exc.params.get("printer") == resource_id:
                exc.params["printer"] = self._names.get(resource_id, resource_id)
            raise
