"""A staff override of a resource's power, and what the bookings say without it.

Staff may switch a plug against its bookings (turn a printer on to clean it with no
booking now, or off during a booking because something smokes). The equipment
controller then keeps the plug as staff left it until staff switch it back or the
next booking boundary (a start or an end of one of the resource's bookings), after
which the bookings rule again. A booking made later that starts earlier brings that
boundary forward; a booking cancelled after the override was set does not push it
back (the boundary only ever comes sooner).

The override is a row in ``equipment_overrides`` (migration ``0011_staff_override``),
so a restart of the kiosk during an override keeps the plug as staff left it instead
of switching it back at the first reconcile. An override that has reached its
boundary is deleted the first time it is read afterwards.

Functions here take the store and ``now`` and block briefly on the database; the
equipment controller calls them from its jobs and from the staff's switch command.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from kiosk.store import Store
from kiosk.store.schema import HOLDING_BOOKING_STATES
from kiosk.timeutil import from_db, to_db


@dataclass(frozen=True)
class StaffOverride:
    """Staff's switching of ``resource_id`` to ``on`` at ``set_at`` (aware UTC), held
    until ``until`` (the next booking boundary; None: none booked, so until staff
    switch it back)."""

    resource_id: str
    on: bool
    set_at: datetime
    until: datetime | None


@dataclass(frozen=True)
class Power:
    """What one resource's power should be: ``bookings`` (on while a booking is active
    or ending) and the staff ``override`` that beats it while it holds."""

    bookings: bool
    override: StaffOverride | None = None

    @property
    def on(self) -> bool:
        return self.override.on if self.override is not None else self.bookings


def _bookings_want(conn: sqlite3.Connection, resource: str) -> bool:
    # The holding-states term lets SQLite use the small partial index.
    row = conn.execute(
        f"SELECT 1 FROM bookings WHERE resource_id = ? AND status IN "
        f"{HOLDING_BOOKING_STATES} AND status IN ('active', 'ending') LIMIT 1",
        [resource],
    ).fetchone()
    return row is not None


def _boundary(conn: sqlite3.Connection, resource: str, after: datetime) -> datetime | None:
    """The first start or end of a holding booking of ``resource`` after ``after``."""
    moment = to_db(after)
    row = conn.execute(
        f"""SELECT min(CASE WHEN starts_at > :t THEN starts_at ELSE ends_at END) AS at
            FROM bookings WHERE resource_id = :r AND ends_at > :t
              AND status IN {HOLDING_BOOKING_STATES}""",
        {"t": moment, "r": resource},
    ).fetchone()
    return from_db(row["at"]) if row["at"] else None


def power(store: Store, resource: str, now: datetime) -> Power:
    """What ``resource``'s power should be at ``now`` (reads only, unless an override
    has reached its boundary: it is deleted then, in one short transaction)."""
    with store.lock:
        conn = store.conn
        bookings = _bookings_want(conn, resource)
        row = conn.execute(
            "SELECT power, set_at, until FROM equipment_overrides WHERE resource_id = ?",
            [resource],
        ).fetchone()
        if row is None:
            return Power(bookings)
        set_at = from_db(row["set_at"])
        stored = from_db(row["until"]) if row["until"] else None
        later = _boundary(conn, resource, set_at)
        until = min((t for t in (stored, later) if t is not None), default=None)
        if until is None or now < until:
            return Power(bookings, StaffOverride(resource, bool(row["power"]), set_at, until))
        with store.transaction() as db:
            db.conn.execute(
                "DELETE FROM equipment_overrides WHERE resource_id = ? AND set_at = ?",
                [resource, row["set_at"]],
            )
        return Power(bookings)


def set_override(store: Store, resource: str, on: bool, now: datetime) -> Power:
    """Staff switch ``resource`` to ``on`` at ``now``: an override when that is not
    what the bookings say, else none (switching back ends an override)."""
    with store.transaction() as db:
        bookings = _bookings_want(db.conn, resource)
        if on == bookings:
            db.conn.execute("DELETE FROM equipment_overrides WHERE resource_id = ?", [resource])
            return Power(bookings)
        until = _boundary(db.conn, resource, now)
        db.conn.execute(
            """INSERT INTO equipment_overrides (resource_id, power, set_at, until)
               VALUES (?, ?, ?, ?)
               ON CONFLICT (resource_id) DO UPDATE SET power = excluded.power,
                 set_at = excluded.set_at, until = excluded.until""",
            [resource, int(on), to_db(now), to_db(until) if until is not None else None],
        )
        return Power(bookings, StaffOverride(resource, on, now, until))
