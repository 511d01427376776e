"""A print still running when its booking is over: ``[printing] overrun`` decides.

- ``finish``: the print goes on. The equipment controller keeps the printer powered
  until it is done and has cooled (:mod:`kiosk.booking.printer_power`), so the next
  booking of that printer never sees its power cut mid-print; that booking is warned
  (:class:`~kiosk.domain.events.PrintOverrun`) when the first booking ends, and again
  when it starts while the print still runs.
- ``cancel``: the print is cancelled (staff and the screens are told first, with the
  same event); its end turns the heaters off and the controller cuts the power once the
  hotend has cooled.

Only the kiosk's own jobs are touched (:func:`kiosk.printing.ownership.job_booking`): a
job started on OctoPrint itself is never cancelled here. The state lives in the
database and on the printer, so each look re-reads both; events only say when to look:
a booking ending, cancelled or starting, a printer's host answering again (a cancel it
could not be sent is sent then), and the start (a kiosk restarted meanwhile).

Threads: bus handlers only queue a look; looks run one at a time on this policy's own
worker (each asks a printer's host over the network).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from kiosk.bus import EventBus, Unsubscribe
from kiosk.domain.errors import KioskError
from kiosk.domain.events import (
    BookingCancelled,
    BookingEnded,
    BookingEvent,
    BookingStarted,
    DeviceStatus,
    PrintOverrun,
)
from kiosk.ports import PrinterHost
from kiosk.printing.ownership import job_booking
from kiosk.printing.records import PrintJobRecords
from kiosk.store import Store
from kiosk.timeutil import Clock, from_db, to_db, utcnow

log = logging.getLogger(__name__)

#: ``[printing] overrun`` values.
POLICIES = ("finish", "cancel")
#: Bookings a printer is still holding (the job's own booking is not over yet).
_RUNNING = ("active", "ending")
#: Bookings that may come next.
_COMING = ("booked", "checked_in", "active", "ending")


class OverrunPolicy:
    """Applies ``policy`` to every printer in ``printers`` (resource id -> host)."""

    def __init__(
        self,
        store: Store,
        bus: EventBus,
        printers: dict[str, PrinterHost],
        records: PrintJobRecords,
        policy: str,
        clock: Clock = utcnow,
    ) -> None:
        if policy not in POLICIES:
            raise ValueError(f"overrun is one of {POLICIES}, not {policy!r}")
        self.store = store
        self.bus = bus
        self.printers = printers
        self.records = records
        self.policy = policy
        self.clock = clock
        self._told: set[tuple[Any, ...]] = set()
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._unsubscribes: list[Unsubscribe] = []

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        """Follow the bookings and the printers; look at every printer once. Returns at once."""
        if self._pool is not None or not self.printers:
            return
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="print-overrun")
        for kind in (BookingEnded, BookingCancelled, BookingStarted):
            self._unsubscribes.append(self.bus.subscribe(kind, self._on_booking))
        self._unsubscribes.append(self.bus.subscribe(DeviceStatus, self._on_device))
        for resource in self.printers:
            self._queue(resource)

    def stop(self) -> None:
        """Stop following; waits for a look in progress (bounded by the host's timeout)."""
        for unsubscribe in self._unsubscribes:
            unsubscribe()
        self._unsubscribes.clear()
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _on_booking(self, event: BookingEvent) -> None:
        if event.resource in self.printers:
            self._queue(event.resource)

    def _on_device(self, event: DeviceStatus) -> None:
        if event.kind != "printer" or not event.ok:
            return
        for resource, printer in self.printers.items():
            if getattr(printer, "name", None) == event.device:
                self._queue(resource)

    def _queue(self, resource: str) -> None:
        pool = self._pool
        if pool is None:
            return
        with contextlib.suppress(RuntimeError):  # shut down: the kiosk is stopping
            pool.submit(self._look, resource)

    def _look(self, resource: str) -> None:
        try:
            self.check(resource)
        except Exception:  # one printer's trouble must not stop the policy
            log.exception("%s: overrun check failed", resource)

    # -- the rule ----------------------------------------------------------------------
    def check(self, resource: str) -> PrintOverrun | None:
        """Look at ``resource`` now and apply the policy (blocking: asks its host).
        Returns the warning published by this look, if any."""
        status = self.printers[resource].status()
        job = status.job
        if not status.online or not (status.printing or status.paused) or job is None:
            return None
        record = self.records.open_job(resource)
        booking_id = job_booking(job, record, self.records.kiosk_id)
        if booking_id is None or self._still_booked(booking_id):
            return None  # not the kiosk's job, or its booking is not over
        job_key = record.id if record is not None else job.path
        following = self._next_booking(resource, booking_id)
        told = (job_key, booking_id, *(following or (None, None, None)))
        if self.policy == "cancel":
            told = (job_key, booking_id)  # the next booking finds it cancelled
        warning = None
        with self._lock:
            new = told not in self._told
            self._told.add(told)
        if new:
            warning = PrintOverrun(
                resource=resource,
                booking_id=booking_id,
                file_name=job.name,
                policy=self.policy,
                time_left=job.time_left,
                next_booking_id=following[0] if following else None,
                next_starts_at=following[1] if following else None,
                next_status=following[2] if following else None,
            )
            log.info("%s: %s outlasts booking %s (%s)", resource, job.name, booking_id, self.policy)
            self.bus.publish(warning)
        if self.policy == "cancel":
            try:
                self.printers[resource].cancel()
            except KioskError as exc:
                # Sent again when the host answers again (or the next booking event).
                log.warning("%s: the overrunning print was not cancelled (%s)", resource, exc.key)
        return warning

    def _still_booked(self, booking_id: int) -> bool:
        with self.store.lock:
            row = self.store.conn.execute(
                "SELECT status FROM bookings WHERE id = ?", [booking_id]
            ).fetchone()
        return row is not None and row[0] in _RUNNING

    def _next_booking(self, resource: str, after: int) -> tuple[int, datetime, str] | None:
        """(id, start as aware UTC, status) of the printer's next booking not yet over."""
        marks = ",".join("?" * len(_COMING))
        with self.store.lock:
            row = self.store.conn.execute(
                f"""SELECT id, starts_at, status FROM bookings
                    WHERE resource_id = ? AND id != ? AND status IN ({marks}) AND ends_at > ?
                    ORDER BY starts_at LIMIT 1""",
                [resource, after, *_COMING, to_db(self.clock())],
            ).fetchone()
        if row is None:
            return None
        return int(row[0]), from_db(row[1]), str(row[2])
