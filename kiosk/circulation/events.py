"""Library events (workshops, storytelling, classes): listing, registration and
check-in at the event.

Registration checks and writes run in one ``BEGIN IMMEDIATE`` transaction, so two
kiosks cannot both take the last seat. Check-in marks the registration attended; a
patron who had not registered is checked in as a walk-in (a registration made at the
door, outside the capacity: they are in the room already).
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.circulation.api import EventCheckIn, LibraryEvent
from kiosk.circulation.usage import add_usage
from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.patrons import find_card, library_date
from kiosk.patrons import require_local_id as patron_id
from kiosk.store import Store
from kiosk.timeutil import Clock, from_db, to_db, utcnow

_SELECT = """
    SELECT e.id, e.title_id, e.title_en, e.location, e.starts_at, e.ends_at, e.capacity,
           e.cancelled,
           (SELECT count(*) FROM registrations r WHERE r.event_id = e.id) AS registrations,
           EXISTS (SELECT 1 FROM registrations r WHERE r.event_id = e.id AND r.patron_id = ?)
             AS registered,
           (SELECT count(*) FROM registrations r
            WHERE r.event_id = e.id AND r.attended_at IS NOT NULL) AS attended
    FROM events e"""

#: Check-in opens this long before an event starts ...
CHECK_IN_EARLY = timedelta(minutes=60)
#: ... and stays open this long after it ends (staff entering a paper list late).
CHECK_IN_LATE = timedelta(hours=24)


class LocalEvents:
    """:class:`~kiosk.circulation.api.Events` on SQLite."""

    def __init__(self, store: Store, config: Config, clock: Clock = utcnow) -> None:
        self.store = store
        self.config = config
        self.clock = clock

    @staticmethod
    def _event(row: sqlite3.Row, now: datetime) -> LibraryEvent:
        """The event of ``row`` as it stands at ``now`` (one instant for a whole list)."""
        capacity = row["capacity"]
        starts_at, ends_at = from_db(row["starts_at"]), from_db(row["ends_at"])
        return LibraryEvent(
            id=row["id"],
            title_id=row["title_id"],
            title_en=row["title_en"],
            location=row["location"],
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
            seats_left=None if capacity is None else max(0, capacity - row["registrations"]),
            registered=bool(row["registered"]),
            registrations=row["registrations"],
            attended=row["attended"],
            under_way=starts_at <= now < ends_at,
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
        return [self._event(r, now) for r in rows]

    def _load(self, db: Any, pid: int, event_id: int) -> sqlite3.Row:
        row = db.execute(_SELECT + " WHERE e.id = ?", [pid, event_id]).fetchone()
        if row is None or row["cancelled"]:
            raise DomainError("events.not_found")
        return row

    def register(self, patron: str, event_id: int) -> LibraryEvent:
        pid = patron_id(patron)
        with self.store.transaction() as db:
            now = self.clock()
            if db.execute("SELECT 1 FROM patrons WHERE id = ?", [pid]).fetchone() is None:
                raise DomainError("circulation.patron_unknown")
            row = self._load(db, pid, event_id)
            if from_db(row["starts_at"]) <= now:
                raise DomainError("events.past")
            if row["registered"]:
                raise DomainError("events.already_registered")
            if row["capacity"] is not None and row["registrations"] >= row["capacity"]:
                raise DomainError("events.full")
            limit = self.config.events.max_per_patron
            mine = db.execute(
                """SELECT count(*) AS n FROM registrations r JOIN events e ON e.id = r.event_id
                   WHERE r.patron_id = ? AND e.ends_at > ? AND e.cancelled = 0""",
                [pid, to_db(now)],
            ).fetchone()["n"]
            if mine >= limit:
                raise DomainError("events.limit_reached", limit=limit)
            db.execute(
                "INSERT INTO registrations (event_id, patron_id, registered_at) VALUES (?, ?, ?)",
                [event_id, pid, to_db(now)],
            )
            add_usage(db, _local(self.config, now), "event_register")
            return self._event(self._load(db, pid, event_id), now)

    def unregister(self, patron: str, event_id: int) -> LibraryEvent:
        """Raises ``events.not_registered``, ``events.past``, ``events.not_found``."""
        pid = patron_id(patron)
        with self.store.transaction() as db:
            now = self.clock()
            row = self._load(db, pid, event_id)
            if not row["registered"]:
                raise DomainError("events.not_registered")
            if from_db(row["starts_at"]) <= now:
                raise DomainError("events.past")
            db.execute(
                "DELETE FROM registrations WHERE event_id = ? AND patron_id = ?", [event_id, pid]
            )
            add_usage(db, _local(self.config, now), "event_unregister")
            return self._event(self._load(db, pid, event_id), now)

    def check_in(self, patron: str, event_id: int) -> EventCheckIn:
        pid = patron_id(patron)
        with self.store.transaction() as db:
            now = self.clock()
            if db.execute("SELECT 1 FROM patrons WHERE id = ?", [pid]).fetchone() is None:
                raise DomainError("circulation.patron_unknown")
            row = self._load(db, pid, event_id)
            opens = from_db(row["starts_at"]) - CHECK_IN_EARLY
            if not opens <= now <= from_db(row["ends_at"]) + CHECK_IN_LATE:
                raise DomainError("events.check_in_closed", opens=_local(self.config, opens))
            walk_in = not row["registered"]
            if walk_in:
                db.execute(
                    """INSERT INTO registrations (event_id, patron_id, registered_at,
                         attended_at, walk_in) VALUES (?, ?, ?, ?, 1)""",
                    [event_id, pid, to_db(now), to_db(now)],
                )
            else:
                changed = db.execute(
                    """UPDATE registrations SET attended_at = ?
                       WHERE event_id = ? AND patron_id = ? AND attended_at IS NULL""",
                    [to_db(now), event_id, pid],
                ).rowcount
                if not changed:
                    raise DomainError("events.already_checked_in")
            add_usage(db, _local(self.config, now), "event_checkin")
            return EventCheckIn(self._event(self._load(db, pid, event_id), now), walk_in)

    def check_in_card(self, card: str, event_id: int) -> EventCheckIn:
        with self.store.lock:
            found = find_card(self.store, text=card)
        if found is None or found.status != "active":
            raise DomainError("circulation.card_unknown")
        return self.check_in(str(found.patron_id), event_id)

    def today(self) -> list[LibraryEvent]:
        now = self.clock()
        return [
            e for e in self.on_day(library_date(now, self.config.kiosk.timezone)) if e.ends_at > now
        ]

    def on_day(self, day: date) -> list[LibraryEvent]:
        zone = ZoneInfo(self.config.kiosk.timezone)
        start = datetime.combine(day, time(0), zone)
        now = self.clock()
        with self.store.lock:
            rows = self.store.conn.execute(
                _SELECT + " WHERE e.cancelled = 0 AND e.starts_at >= ? AND e.starts_at < ?"
                " ORDER BY e.starts_at, e.id",
                [-1, to_db(start), to_db(start + timedelta(days=1))],
            ).fetchall()
        return [self._event(r, now) for r in rows]


def _local(config: Config, moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(config.kiosk.timezone))
