"""Library events (workshops, storytelling, classes): listing and registration.

Registration checks and writes run in one ``BEGIN IMMEDIATE`` transaction, so two
kiosks cannot both take the last seat.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from kiosk.circulation.api import LibraryEvent
from kiosk.circulation.local import patron_id
from kiosk.circulation.usage import add_usage
from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.store import Store
from kiosk.timeutil import Clock, from_db, to_db, utcnow

_SELECT = """
    SELECT e.id, e.title_id, e.title_en, e.location, e.starts_at, e.ends_at, e.capacity,
           (SELECT count(*) FROM registrations r WHERE r.event_id = e.id),
           EXISTS (SELECT 1 FROM registrations r WHERE r.event_id = e.id AND r.patron_id = ?)
    FROM events e"""


class LocalEvents:
    """:class:`~kiosk.circulation.api.Events` on SQLite."""

    def __init__(self, store: Store, config: Config, clock: Clock = utcnow) -> None:
        self.store = store
        self.config = config
        self.clock = clock

    @staticmethod
    def _event(row: Any) -> LibraryEvent:
        capacity = row[6]
        return LibraryEvent(
            id=row[0],
            title_id=row[1],
            title_en=row[2],
            location=row[3],
            starts_at=from_db(row[4]),
            ends_at=from_db(row[5]),
            capacity=capacity,
            seats_left=None if capacity is None else max(0, capacity - row[7]),
            registered=bool(row[8]),
        )

    def upcoming(self, patron: str | None = None, days: int = 14) -> list[LibraryEvent]:
        """Events not yet ended that start within ``days``, soonest first."""
        pid = patron_id(patron) if patron is not None else -1
        now = self.clock()
        with self.store.lock:
            rows = self.store.conn.execute(
                _SELECT + " WHERE e.cancelled = 0 AND e.ends_at > ? AND e.starts_at < ?"
                " ORDER BY e.starts_at, e.id",
                [pid, to_db(now), to_db(now + timedelta(days=days))],
            ).fetchall()
        return [self._event(r) for r in rows]

    def _load(self, db: Any, pid: int, event_id: int) -> Any:
        row = db.execute(_SELECT + " WHERE e.id = ?", [pid, event_id]).fetchone()
        if (
            row is None
            or db.execute("SELECT cancelled FROM events WHERE id = ?", [event_id]).fetchone()[0]
        ):
            raise DomainError("events.not_found")
        return row

    def register(self, patron: str, event_id: int) -> LibraryEvent:
        pid = patron_id(patron)
        with self.store.transaction() as db:
            now = self.clock()
            if db.execute("SELECT 1 FROM patrons WHERE id = ?", [pid]).fetchone() is None:
                raise DomainError("circulation.patron_unknown")
            row = self._load(db, pid, event_id)
            if from_db(row[4]) <= now:
                raise DomainError("events.past")
            if row[8]:
                raise DomainError("events.already_registered")
            if row[6] is not None and row[7] >= row[6]:
                raise DomainError("events.full")
            limit = self.config.events.max_per_patron
            mine = db.execute(
                """SELECT count(*) FROM registrations r JOIN events e ON e.id = r.event_id
                   WHERE r.patron_id = ? AND e.ends_at > ? AND e.cancelled = 0""",
                [pid, to_db(now)],
            ).fetchone()[0]
            if mine >= limit:
                raise DomainError("events.limit_reached", limit=limit)
            db.execute(
                "INSERT INTO registrations (event_id, patron_id, registered_at) VALUES (?, ?, ?)",
                [event_id, pid, to_db(now)],
            )
            add_usage(db, _local_day(self.config, now), "event_register")
            return self._event(self._load(db, pid, event_id))

    def unregister(self, patron: str, event_id: int) -> LibraryEvent:
        """Raises ``events.not_registered``, ``events.past``, ``events.not_found``."""
        pid = patron_id(patron)
        with self.store.transaction() as db:
            now = self.clock()
            row = self._load(db, pid, event_id)
            if not row[8]:
                raise DomainError("events.not_registered")
            if from_db(row[4]) <= now:
                raise DomainError("events.past")
            db.execute(
                "DELETE FROM registrations WHERE event_id = ? AND patron_id = ?", [event_id, pid]
            )
            add_usage(db, _local_day(self.config, now), "event_unregister")
            return self._event(self._load(db, pid, event_id))


def _local_day(config: Config, moment: datetime) -> Any:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(config.kiosk.timezone)).date()
