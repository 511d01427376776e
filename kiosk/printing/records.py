"""The print job records (``print_jobs``): one row per job a kiosk started.

A row is opened when a job starts (:meth:`PrintJobRecords.started`) and closed once with
its outcome when the printer says it ended (:meth:`PrintJobRecords.ended`, also done by
:meth:`PrintJobRecords.listen` from the bus). Filament used is the job's estimate, or
the part of it printed before a cancel or failure, in millimetres and in grams with the
configured filament (``[printing]``). No patron id is kept: the booking links the two
while it exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.bus import EventBus, Unsubscribe
from kiosk.config import PrintingSection
from kiosk.domain.events import PrintEnded
from kiosk.printing.filament import grams
from kiosk.store import Store
from kiosk.timeutil import Clock, from_db, to_db, utcnow

#: Where a job's file came from: a USB stick on the kiosk, or the printer's own host.
SOURCES = ("usb", "host")


@dataclass(frozen=True)
class PrintJobRecord:
    """One row of ``print_jobs``. Times are aware UTC; ``outcome`` is None while the job
    runs, then ``done``, ``failed``, ``cancelled`` or ``unknown`` (the kiosk did not see
    the end, e.g. it was restarted meanwhile)."""

    id: int
    resource: str
    booking_id: int | None
    kiosk_id: str
    file_name: str
    source: str
    outcome: str | None
    started_at: datetime
    ended_at: datetime | None
    estimated_seconds: int | None
    filament_mm: float | None
    filament_g: float | None


class PrintJobRecords:
    """Writes and reads ``print_jobs`` on one store. Thread-safe (the store serialises)."""

    def __init__(
        self, store: Store, printing: PrintingSection, kiosk_id: str, clock: Clock = utcnow
    ) -> None:
        self.store = store
        self.printing = printing
        self.kiosk_id = kiosk_id
        self.clock = clock

    def started(
        self,
        resource: str,
        file_name: str,
        booking_id: int | None,
        source: str,
        estimated_seconds: int | None = None,
        filament_mm: float | None = None,
    ) -> PrintJobRecord:
        """Open the row of a job that is starting on ``resource``. A row left open on that
        printer (its end was never seen) is closed first as ``unknown``, with no filament
        figure: how much of it printed is not known (as :meth:`ended` without a
        completion, and as migration 0009 closed the first schema's open rows)."""
        if source not in SOURCES:
            raise ValueError(f"source is one of {SOURCES}, not {source!r}")
        now = to_db(self.clock())
        with self.store.transaction() as db:
            db.execute(
                "UPDATE print_jobs SET outcome = 'unknown', ended_at = ?, filament_mm = NULL, "
                "filament_g = NULL WHERE resource_id = ? AND ended_at IS NULL",
                [now, resource],
            )
            cursor = db.execute(
                """INSERT INTO print_jobs (resource_id, booking_id, kiosk_id, file_name, source,
                       started_at, estimated_seconds, filament_mm, filament_g)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    resource,
                    booking_id,
                    self.kiosk_id,
                    file_name,
                    source,
                    now,
                    estimated_seconds,
                    filament_mm,
                    self._grams(filament_mm),
                ],
            )
            row_id = cursor.lastrowid
        record = self.get(int(row_id or 0))
        assert record is not None
        return record

    def ended(
        self, resource: str, outcome: str, completion: float | None = None
    ) -> PrintJobRecord | None:
        """Close the open row of ``resource`` with ``outcome`` (``done``, ``failed``,
        ``cancelled``); ``completion`` in percent scales the filament of an unfinished
        job (unknown: no filament figure). None when no row was open (a job the kiosk
        did not start)."""
        with self.store.transaction() as db:
            row = db.execute(
                "SELECT id, filament_mm FROM print_jobs WHERE resource_id = ? AND ended_at IS NULL",
                [resource],
            ).fetchone()
            if row is None:
                return None
            row_id, estimate = row
            used: float | None = estimate
            if outcome != "done" and estimate is not None:
                used = None if completion is None else estimate * min(completion, 100.0) / 100.0
            db.execute(
                """UPDATE print_jobs SET outcome = ?, ended_at = ?, filament_mm = ?, filament_g = ?
                   WHERE id = ?""",
                [outcome, to_db(self.clock()), used, self._grams(used), row_id],
            )
        return self.get(row_id)

    def forget(self, record_id: int) -> None:
        """Remove the row of a job that never started (the printer refused the start):
        the printer printed nothing, so there is nothing to report."""
        with self.store.transaction() as db:
            db.execute("DELETE FROM print_jobs WHERE id = ? AND ended_at IS NULL", [record_id])

    def open_job(self, resource: str) -> PrintJobRecord | None:
        """The job the kiosk started on ``resource`` that has not ended yet."""
        rows = self._select("WHERE resource_id = ? AND ended_at IS NULL", [resource])
        return rows[0] if rows else None

    def get(self, record_id: int) -> PrintJobRecord | None:
        rows = self._select("WHERE id = ?", [record_id])
        return rows[0] if rows else None

    def recent(self, limit: int = 50) -> list[PrintJobRecord]:
        """The latest jobs first."""
        return self._select("ORDER BY started_at DESC, id DESC LIMIT ?", [limit])

    def listen(self, bus: EventBus) -> Unsubscribe:
        """Close rows from the printers' own end events (on the publishing thread)."""

        def on_ended(event: PrintEnded) -> None:
            self.ended(event.resource, event.outcome, event.completion)

        return bus.subscribe(PrintEnded, on_ended)

    # -- inside ------------------------------------------------------------------------
    def _grams(self, length_mm: float | None) -> float | None:
        if length_mm is None:
            return None
        p = self.printing
        return round(grams(length_mm, p.filament_diameter_mm, p.filament_density_g_cm3), 2)

    def _select(self, where: str, params: list[Any]) -> list[PrintJobRecord]:
        with self.store.lock:
            cursor = self.store.conn.execute(
                f"""SELECT id, resource_id, booking_id, kiosk_id, file_name, source, outcome,
                       started_at, ended_at, estimated_seconds, filament_mm, filament_g
                    FROM print_jobs {where}""",
                params,
            )
            names = [c[0] for c in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        return [
            PrintJobRecord(
                id=r["id"],
                resource=r["resource_id"],
                booking_id=r["booking_id"],
                kiosk_id=r["kiosk_id"],
                file_name=r["file_name"],
                source=r["source"],
                outcome=r["outcome"],
                started_at=from_db(r["started_at"]),
                ended_at=from_db(r["ended_at"]) if r["ended_at"] else None,
                estimated_seconds=r["estimated_seconds"],
                filament_mm=r["filament_mm"],
                filament_g=r["filament_g"],
            )
            for r in rows
        ]
