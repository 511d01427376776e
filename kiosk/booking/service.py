"""The in-process booking service: rules checked in one IMMEDIATE transaction, overlap
refused by the database trigger (so it holds across kiosk processes too).

See :mod:`kiosk.booking.api` for the interface; this module is its SQLite
implementation.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.booking.api import (
    BOOKED,
    CHECK_IN_LATER,
    CHECK_IN_NONE,
    CHECK_IN_OPEN,
    FREE,
    MINE,
    UNAVAILABLE,
    Booking,
    BookingView,
    DayGrid,
    Resource,
    ResourceDay,
    Slot,
)
from kiosk.booking.equipment_api import EquipmentStates, EquipmentStatus
from kiosk.booking.rules import Rules, rules_for
from kiosk.bus import EventBus
from kiosk.config import Config, ResourceConfig
from kiosk.domain.errors import DomainError
from kiosk.domain.events import BookingCancelled, BookingCheckedIn, BookingExtended, Event
from kiosk.patrons import PatronRecord, library_date, local_id, read_patron, require_local_id
from kiosk.store import Store
from kiosk.store.schema import HOLDING_BOOKING_STATES
from kiosk.timeutil import Clock, from_db, to_db, utcnow

#: States a patron or the scheduler still acts on.
OPEN_STATES = ("booked", "checked_in", "active", "ending")
#: States in which a booking's patron may still cancel it (before it starts).
PATRON_CANCELLABLE = ("booked", "checked_in")

_BOOKING_COLUMNS = """b.id, b.resource_id, r.name AS resource_name, r.kind AS resource_kind,
    b.patron_id, b.starts_at, b.ends_at, b.status, b.checked_in_at, b.created_by_staff,
    b.auto_start"""

#: The patron module's refusals as the booking service words them.
_STANDING_KEYS = {
    "circulation.card_blocked": "booking.patron_blocked",
    "circulation.card_expired": "booking.card_expired",
}


class BookingService:
    """Bookings over one :class:`~kiosk.store.Store`.

    ``equipment`` is the owner of equipment state (the equipment controller): each
    :class:`Resource` carries its status, read when the resource is read.
    ``on_change`` is called (on the caller's thread) after every write so that the
    scheduler can act at once, e.g. start a booking checked in late.
    """

    def __init__(
        self,
        store: Store,
        config: Config,
        clock: Clock = utcnow,
        bus: EventBus | None = None,
        equipment: EquipmentStates | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.bus = bus
        self.zone = ZoneInfo(config.kiosk.timezone)
        self.equipment = equipment
        self._configs: dict[str, ResourceConfig] = {r.id: r for r in config.resources}
        self._rules: dict[str, Rules] = {r.id: rules_for(config, r) for r in config.resources}
        self._listeners: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    # -- reading ----------------------------------------------------------------------
    def rules(self, resource_id: str) -> Rules:
        try:
            return self._rules[resource_id]
        except KeyError:
            raise DomainError("booking.unknown_resource", resource=resource_id) from None

    def resources(self, kind: str | None = None) -> list[Resource]:
        return [self._resource(r) for r in self.config.resources if kind is None or r.kind == kind]

    def _resource(self, r: ResourceConfig) -> Resource:
        rules = self._rules[r.id]
        status = self._equipment(r.id)
        reason = status.reason if status is not None else ""
        return Resource(
            id=r.id,
            kind=r.kind,
            name=r.name or r.id,
            slot_minutes=rules.slot_minutes,
            min_minutes=rules.min_minutes,
            max_minutes=rules.max_minutes,
            durations=_durations(rules),
            training=rules.training,
            equipment=status,
            bookable_now=not reason,
            not_bookable_reason=reason,
        )

    def _equipment(self, resource_id: str) -> EquipmentStatus | None:
        if self.equipment is None:
            return None
        try:
            return self.equipment.equipment_state(resource_id)
        except DomainError:
            return None  # an owner that does not know this resource: nothing to say

    def day(self, day: date, kind: str | None = None, patron: str | None = None) -> DayGrid:
        """One query for every resource's holding bookings of the day (served by the
        partial index ``bookings_holding``, so past history does not slow it down)."""
        now = self.clock()
        day_start = datetime.combine(day, time(0), self.zone)
        day_end = day_start + timedelta(days=1)
        chosen = [r for r in self.config.resources if kind is None or r.kind == kind]
        ids = [r.id for r in chosen]
        held: dict[str, list[tuple[datetime, datetime, bool]]] = {i: [] for i in ids}
        if ids:
            marks = ",".join("?" * len(ids))
            # Widened by a day: a booking's buffer may reach into this day.
            rows = self._rows(
                f"""SELECT resource_id, starts_at, COALESCE(hold_until, ends_at) AS held_until,
                           patron_id
                    FROM bookings
                    WHERE resource_id IN ({marks}) AND status IN {HOLDING_BOOKING_STATES}
                      AND starts_at < ? AND starts_at >= ?""",
                [*ids, to_db(day_end), to_db(day_start - timedelta(days=1))],
            )
            for row in rows:
                held[row["resource_id"]].append(
                    (
                        from_db(row["starts_at"]),
                        from_db(row["held_until"]),
                        patron is not None and str(row["patron_id"]) == patron,
                    )
                )
        holder = self._holder(patron)
        grids = []
        # Slot times are shared by resources with the same hours and slot length.
        patterns: dict[tuple[int, int, int], list[tuple[datetime, datetime, int]]] = {}
        # Slots are immutable: one object per (times, state), shared between resources.
        shared: dict[tuple[datetime, datetime, str, tuple[int, ...]], Slot] = {}
        for r in chosen:
            rules = self._rules[r.id]
            resource = self._resource(r)
            if holder is not None and not holder.is_staff:  # staff override these rules
                resource = replace(resource, refusal=_not_allowed(holder, rules))
            opening = rules.opening(day)
            if opening is None:
                grids.append(ResourceDay(resource, ()))
                continue
            key = (opening[0], opening[1], rules.slot_minutes)
            times = patterns.get(key)
            if times is None:
                times = []
                minute, step = opening[0], rules.slot_minutes
                while minute + step <= opening[1]:
                    times.append(
                        (
                            day_start + timedelta(minutes=minute),
                            day_start + timedelta(minutes=minute + step),
                            minute,
                        )
                    )
                    minute += step
                patterns[key] = times
            earliest, latest = self._window(rules, now)
            # Minutes after local midnight; past and future limits likewise.
            first_ok = (earliest - day_start).total_seconds() / 60.0
            last_ok = (latest - day_start).total_seconds() / 60.0
            spans = [
                ((b - day_start).total_seconds() / 60.0, (u - day_start).total_seconds() / 60.0, m)
                for b, u, m in held[r.id]
            ]
            slots = []
            step = rules.slot_minutes
            for start, end, minute in times:
                state = FREE
                for b_start, b_until, mine in spans:
                    if b_start < minute + step and minute < b_until:
                        state = MINE if mine else BOOKED
                        break
                if state == FREE and (minute < first_ok or minute > last_ok):
                    state = UNAVAILABLE
                fits: tuple[int, ...] = ()
                if state == FREE:
                    fits = _fitting(rules, minute, opening[1], spans)
                    if not fits:
                        state = UNAVAILABLE  # too short a gap for the shortest booking
                offered = fits if resource.bookable_now and not resource.refusal else ()
                slot = shared.get((start, end, state, offered))
                if slot is None:
                    slot = shared[(start, end, state, offered)] = Slot(start, end, state, offered)
                slots.append(slot)
            grids.append(ResourceDay(resource, tuple(slots)))
        return DayGrid(day, tuple(grids))

    def _holder(self, patron: str | None) -> PatronRecord | None:
        """The record of the patron a grid is for (None: no patron, or none known)."""
        pid = local_id(patron)
        if pid is None:
            return None
        with self.store.lock:
            return read_patron(self.store.conn, pid)

    def view(self, patron: str, day: date | None = None) -> BookingView:
        now = self.clock()
        today = library_date(now, self.zone)
        last = today + timedelta(days=self._horizon())
        shown = min(max(day or today, today), last)
        grid = self.day(shown, patron=patron)
        mine = tuple(self._bookings_of(patron, now))
        return BookingView(
            today=today,
            grid=grid,
            mine=mine,
            previous_day=shown - timedelta(days=1) if shown > today else None,
            next_day=shown + timedelta(days=1) if shown < last else None,
            resources=tuple(day.resource for day in grid.resources),
        )

    def _horizon(self) -> int:
        """The furthest day ahead any resource may be booked."""
        return max((rules.horizon_days for rules in self._rules.values()), default=0)

    def waiting(self) -> list[Booking]:
        now = self.clock()
        today = library_date(now, self.zone)
        return [b for b in self.bookings_on(today) if b.status == "booked" and b.ends_at > now]

    def _window(self, rules: Rules, now: datetime) -> tuple[datetime, datetime]:
        """Earliest and latest allowed start for a booking made ``now`` (aware)."""
        if rules.lead_minutes:
            earliest = now + timedelta(minutes=rules.lead_minutes)
        else:
            # No lead time: the slot running now may still be booked (a walk-in).
            earliest = now - timedelta(minutes=rules.slot_minutes) + timedelta(seconds=1)
        last_day = now.astimezone(self.zone).date() + timedelta(days=rules.horizon_days)
        latest = datetime.combine(last_day, time(23, 59, 59), self.zone)
        return earliest, latest

    def get(self, booking_id: int) -> Booking:
        rows = self._rows(
            f"""SELECT {_BOOKING_COLUMNS} FROM bookings b JOIN resources r
                ON r.id = b.resource_id WHERE b.id = ?""",
            [booking_id],
        )
        if not rows:
            raise DomainError("booking.not_found", booking=booking_id)
        return self._booking(rows[0], self.clock())

    def running_booking(self, resource_id: str) -> Booking | None:
        rows = self._rows(
            f"""SELECT {_BOOKING_COLUMNS} FROM bookings b JOIN resources r
                ON r.id = b.resource_id
                WHERE b.resource_id = ? AND b.status IN {HOLDING_BOOKING_STATES}
                  AND b.status IN ('active', 'ending') LIMIT 1""",
            [resource_id],
        )
        return self._booking(rows[0], self.clock()) if rows else None

    def bookings_of(self, patron: str) -> list[Booking]:
        return self._bookings_of(patron, self.clock())

    def _bookings_of(self, patron: str, now: datetime) -> list[Booking]:
        pid = require_local_id(patron, "booking.unknown_patron")
        marks = ",".join("?" * len(OPEN_STATES))
        rows = self._rows(
            f"""SELECT {_BOOKING_COLUMNS} FROM bookings b JOIN resources r
                ON r.id = b.resource_id
                WHERE b.patron_id = ? AND b.status IN ({marks}) ORDER BY b.starts_at""",
            [pid, *OPEN_STATES],
        )
        return [self._booking(row, now) for row in rows]

    def bookings_on(self, day: date) -> list[Booking]:
        """Every booking starting on local ``day`` (all states), by start then resource."""
        start = datetime.combine(day, time(0), self.zone)
        rows = self._rows(
            f"""SELECT {_BOOKING_COLUMNS} FROM bookings b JOIN resources r
                ON r.id = b.resource_id
                WHERE b.starts_at >= ? AND b.starts_at < ?
                ORDER BY b.starts_at, b.resource_id""",
            [to_db(start), to_db(start + timedelta(days=1))],
        )
        now = self.clock()
        return [self._booking(row, now) for row in rows]

    def _rows(self, sql: str, params: list[Any]) -> list[sqlite3.Row]:
        # The connection is shared with the scheduler's thread: one statement at a time.
        with self.store.lock:
            return self.store.conn.execute(sql, params).fetchall()

    def _booking(self, row: sqlite3.Row, now: datetime) -> Booking:
        """A booking as of ``now``: its check-in window and what its patron may do."""
        starts_at = from_db(row["starts_at"]).astimezone(self.zone)
        ends_at = from_db(row["ends_at"]).astimezone(self.zone)
        status = row["status"]
        checked_in = row["checked_in_at"]
        opens = closes = None
        check_in = CHECK_IN_NONE
        if status == "booked":
            opens, closes = self._check_in_window(row["resource_id"], starts_at, ends_at)
            if now < opens:
                check_in = CHECK_IN_LATER
            elif now < closes:
                check_in = CHECK_IN_OPEN
        return Booking(
            id=row["id"],
            resource_id=row["resource_id"],
            resource_name=row["resource_name"],
            resource_kind=row["resource_kind"],
            patron_ref=None if row["patron_id"] is None else str(row["patron_id"]),
            starts_at=starts_at,
            ends_at=ends_at,
            status=status,
            checked_in_at=from_db(checked_in).astimezone(self.zone) if checked_in else None,
            created_by_staff=bool(row["created_by_staff"]),
            auto_start=bool(row["auto_start"]),
            check_in_opens=opens,
            check_in_closes=closes,
            check_in=check_in,
            may_cancel=status in PATRON_CANCELLABLE and now < starts_at,
        )

    def _check_in_window(
        self, resource_id: str, starts_at: datetime, ends_at: datetime
    ) -> tuple[datetime, datetime]:
        """[opens, closes): from ``check_in_early_minutes`` before the start until
        ``no_show_minutes`` after it (and never past the end)."""
        rules = self._rules.get(resource_id)
        early = rules.check_in_early_minutes if rules else 0
        late = rules.no_show_minutes if rules else 0
        opens = starts_at - timedelta(minutes=early)
        return opens, min(starts_at + timedelta(minutes=late), ends_at)

    # -- writing ----------------------------------------------------------------------
    def book(
        self,
        patron: str,
        resource_id: str,
        starts_at: datetime,
        minutes: int,
        staff: str | None = None,
        auto: bool = False,
    ) -> Booking:
        if starts_at.tzinfo is None:
            raise ValueError("starts_at must be an aware datetime")
        rules = self.rules(resource_id)
        resource = self._configs[resource_id]
        now = self.clock()
        if minutes <= 0:
            raise DomainError("booking.too_short", minutes=rules.min_minutes)
        _check_sane(starts_at, minutes, now)  # before any date arithmetic can overflow
        start = starts_at.astimezone(UTC).replace(microsecond=0)
        end = start + timedelta(minutes=minutes)
        with self.store.transaction() as db:
            conn = db.conn
            today = library_date(now, self.zone)
            holder = _patron(conn, patron, today)
            override = holder.is_staff
            if staff is not None and staff != patron:
                override = _patron(conn, staff, today).is_staff
                if not override:
                    raise DomainError("booking.not_staff")
            if auto and not override:
                raise DomainError("booking.auto_needs_staff")
            if end <= now:
                raise DomainError("booking.in_past")
            if not override:
                self._check_new(conn, holder, resource, rules, start, end, minutes, now)
            try:
                cursor = conn.execute(
                    """INSERT INTO bookings (resource_id, patron_id, starts_at, ends_at,
                         hold_until, status, created_at, created_by_staff, kiosk_id,
                         auto_start)
                       VALUES (?, ?, ?, ?, ?, 'booked', ?, ?, ?, ?)""",
                    [
                        resource_id,
                        holder.id,
                        to_db(start),
                        to_db(end),
                        to_db(end + timedelta(minutes=rules.buffer_minutes)),
                        to_db(now),
                        # True exactly when staff made it (and so could skip the rules).
                        int(override),
                        self.config.kiosk.id,
                        int(auto),
                    ],
                )
            except sqlite3.IntegrityError as exc:
                raise _overlap(exc) from None
            booking_id = int(cursor.lastrowid or 0)
        self._changed()
        return self.get(booking_id)

    def _check_new(
        self,
        conn: sqlite3.Connection,
        holder: PatronRecord,
        resource: ResourceConfig,
        rules: Rules,
        start: datetime,
        end: datetime,
        minutes: int,
        now: datetime,
    ) -> None:
        """Every rule for a new booking, in the order a patron can best act on."""
        not_allowed = _not_allowed(holder, rules)
        if not_allowed:
            raise DomainError(not_allowed, resource=resource.name or resource.id)
        if minutes < rules.min_minutes:
            raise DomainError("booking.too_short", minutes=rules.min_minutes)
        if minutes > rules.max_minutes:
            raise DomainError("booking.too_long", minutes=rules.max_minutes)
        if minutes % rules.slot_minutes:
            raise DomainError("booking.whole_slots", minutes=rules.slot_minutes)
        earliest, latest = self._window(rules, now)
        if start < earliest:
            raise DomainError("booking.too_soon", minutes=rules.lead_minutes)
        if start > latest:
            raise DomainError("booking.too_far", days=rules.horizon_days)
        self._check_hours(rules, start, end)
        self._check_limits(conn, holder.id, resource, rules, start, minutes, exclude=None)

    def _check_hours(self, rules: Rules, start: datetime, end: datetime) -> None:
        local_start = start.astimezone(self.zone)
        day = local_start.date()
        opening = rules.opening(day)
        if opening is None:
            raise DomainError("booking.closed_day")
        midnight = datetime.combine(day, time(0), self.zone)
        opens = midnight + timedelta(minutes=opening[0])
        closes = midnight + timedelta(minutes=opening[1])
        if start < opens or end > closes:
            # Local aware times: the message writes them in its language (08.00 / 08:00).
            raise DomainError("booking.outside_hours", opens=opens, closes=closes)
        if ((start - opens).total_seconds() // 60) % rules.slot_minutes:
            raise DomainError("booking.whole_slots", minutes=rules.slot_minutes)

    def _check_limits(
        self,
        conn: sqlite3.Connection,
        patron_id: int,
        resource: ResourceConfig,
        rules: Rules,
        start: datetime,
        minutes: int,
        exclude: int | None,
    ) -> None:
        """Per-patron limits, counted over the resources of the same kind; cancelled
        bookings and no-shows do not count. ``minutes`` is what the action adds."""
        kind_ids = [r.id for r in self.config.resources if r.kind == resource.kind]
        local_day = start.astimezone(self.zone).date()
        week_start = local_day - timedelta(days=local_day.weekday())
        for first, days, max_count, max_minutes, key in (
            (local_day, 1, rules.max_bookings_per_day, rules.max_minutes_per_day, "day"),
            (week_start, 7, rules.max_bookings_per_week, rules.max_minutes_per_week, "week"),
        ):
            lo = datetime.combine(first, time(0), self.zone)
            hi = lo + timedelta(days=days)
            marks = ",".join("?" * len(kind_ids))
            taken = conn.execute(
                f"""SELECT count(*) AS count, COALESCE(sum(
                        (julianday(ends_at) - julianday(starts_at)) * 1440.0), 0) AS minutes
                    FROM bookings
                    WHERE patron_id = ? AND resource_id IN ({marks})
                      AND status NOT IN ('cancelled', 'no_show')
                      AND starts_at >= ? AND starts_at < ? AND id IS NOT ?""",
                [patron_id, *kind_ids, to_db(lo), to_db(hi), exclude],
            ).fetchone()
            count, used = taken["count"], taken["minutes"]
            added = 0 if exclude is not None else 1
            if max_count and count + added > max_count:
                raise DomainError(f"booking.limit_count_{key}", count=max_count)
            if max_minutes and round(used) + minutes > max_minutes:
                raise DomainError(f"booking.limit_minutes_{key}", minutes=max_minutes)

    def cancel(self, patron: str | None, booking_id: int) -> Booking:
        with self.store.transaction() as db:
            booking = self.get(booking_id)
            if patron is not None and booking.patron_ref != patron:
                raise DomainError("booking.not_yours")
            allowed = booking.may_cancel if patron is not None else booking.status in OPEN_STATES
            if not allowed:
                raise DomainError("booking.cannot_cancel", status=booking.status)
            db.conn.execute(
                "UPDATE bookings SET status = 'cancelled', ended_at = ? WHERE id = ?",
                [to_db(self.clock()), booking_id],
            )
        self._publish(BookingCancelled, booking)
        self._changed()
        return self.get(booking_id)

    def arrive(self, patron: str) -> Booking | None:
        return self._check_in(patron, None)

    def check_in(self, patron: str | None, booking_id: int | None = None) -> Booking:
        booking = self._check_in(patron, booking_id)
        if booking is None:
            raise DomainError("booking.nothing_to_check_in")
        return booking

    def _check_in(self, patron: str | None, booking_id: int | None) -> Booking | None:
        """The check-in of :meth:`check_in`; None when no booking of the patron's has its
        window open now (only without ``booking_id``)."""
        now = self.clock()
        with self.store.transaction() as db:
            if booking_id is None:
                mine = self._bookings_of(patron, now) if patron is not None else []
                candidates = [b for b in mine if b.status == "booked"]
            else:
                candidates = [self.get(booking_id)]
            for booking in candidates:
                if patron is not None and booking.patron_ref != patron:
                    raise DomainError("booking.not_yours")
                if booking.status != "booked" or (patron is None and now >= booking.ends_at):
                    raise DomainError("booking.cannot_check_in", status=booking.status)
                if patron is None or booking.check_in == CHECK_IN_OPEN:
                    # Staff may check in any booking that has not ended (the window is
                    # the patron's; the scheduler starts it at its start time).
                    db.conn.execute(
                        "UPDATE bookings SET status = 'checked_in', checked_in_at = ? WHERE id = ?",
                        [to_db(now), booking.id],
                    )
                    break
                if booking_id is not None:
                    raise DomainError("booking.check_in_closed", opens=booking.check_in_opens)
            else:
                return None
        self._publish(BookingCheckedIn, booking)
        self._changed()
        return self.get(booking.id)

    def extend(self, patron: str, booking_id: int, minutes: int) -> Booking:
        self._extend(patron, booking_id, minutes, write=True)
        updated = self.get(booking_id)
        self._publish(BookingExtended, updated)
        self._changed()
        return updated

    def check_extend(self, patron: str, booking_id: int, minutes: int) -> None:
        try:
            self._extend(patron, booking_id, minutes, write=False)
        except _WouldExtendError:
            return

    def _extend(self, patron: str, booking_id: int, minutes: int, *, write: bool) -> None:
        """Every check of :meth:`extend` and its UPDATE (the overlap trigger is one of
        them); without ``write`` the transaction is rolled back at the end
        (:class:`_WouldExtendError`), so nothing changes."""
        now = self.clock()
        with self.store.transaction() as db:
            booking = self.get(booking_id)
            if booking.patron_ref != patron:
                raise DomainError("booking.not_yours")
            if booking.status not in OPEN_STATES or booking.ends_at <= now:
                raise DomainError("booking.cannot_extend", status=booking.status)
            rules = self.rules(booking.resource_id)
            resource = self._configs[booking.resource_id]
            holder = _patron(db.conn, patron, library_date(now, self.zone))
            if minutes > 0:
                _check_sane(booking.starts_at, booking.minutes + minutes, now)
            new_end = booking.ends_at + timedelta(minutes=minutes)
            if not holder.is_staff:
                if minutes <= 0 or minutes % rules.slot_minutes:
                    raise DomainError("booking.whole_slots", minutes=rules.slot_minutes)
                if booking.minutes + minutes > rules.max_minutes:
                    raise DomainError("booking.too_long", minutes=rules.max_minutes)
                self._check_hours(rules, booking.starts_at, new_end)
                self._check_limits(
                    db.conn, holder.id, resource, rules, booking.starts_at, minutes, booking.id
                )
            try:
                db.conn.execute(
                    "UPDATE bookings SET ends_at = ?, hold_until = ?, warned_minutes = NULL, "
                    "status = CASE status WHEN 'ending' THEN 'active' ELSE status END "
                    "WHERE id = ?",
                    [
                        to_db(new_end),
                        to_db(new_end + timedelta(minutes=rules.buffer_minutes)),
                        booking_id,
                    ],
                )
            except sqlite3.IntegrityError as exc:
                if "booking.overlap" in str(exc):
                    raise DomainError("booking.next_slot_taken") from None
                raise
            if not write:
                raise _WouldExtendError

    # -- plumbing ---------------------------------------------------------------------
    def add_listener(self, listener: Callable[[], None]) -> None:
        """``listener()`` runs after every write, on the writer's thread (keep it quick)."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    def _publish(self, event_type: type[Event], booking: Booking) -> None:
        if self.bus is not None:
            self.bus.publish(
                event_type(  # type: ignore[call-arg]
                    booking_id=booking.id,
                    resource=booking.resource_id,
                    ends_at=booking.ends_at.astimezone(UTC),
                )
            )


#: What no booking may exceed, staff override or not: a week long, five years ahead
#: (staff block-book far ahead; nobody books for the year 9999).
SANE_MAX_MINUTES = 7 * 24 * 60
SANE_HORIZON_DAYS = 5 * 366


def _check_sane(starts_at: datetime, minutes: int, now: datetime) -> None:
    """Refuse a booking no one means (10^9 minutes, the year 9999), whoever makes it."""
    if starts_at - now > timedelta(days=SANE_HORIZON_DAYS):
        raise DomainError("booking.too_far", days=SANE_HORIZON_DAYS)
    if minutes > SANE_MAX_MINUTES:
        raise DomainError("booking.too_long", minutes=SANE_MAX_MINUTES)


def _durations(rules: Rules) -> tuple[int, ...]:
    """Whole slots from the minimum to the maximum length."""
    step = rules.slot_minutes
    return tuple(range(rules.min_minutes, rules.max_minutes + 1, step)) or (rules.min_minutes,)


def _fitting(
    rules: Rules, minute: int, closes: int, spans: list[tuple[float, float, bool]]
) -> tuple[int, ...]:
    """The lengths a booking starting ``minute`` after local midnight may have: it ends
    by closing time, and neither it nor its buffer overlaps a held span (as the
    database's overlap trigger would refuse). Every length from the minimum up to the
    first that does not fit."""
    fits = []
    for minutes in _durations(rules):
        end = minute + minutes
        held_until = end + rules.buffer_minutes
        if end > closes or any(s < held_until and minute < u for s, u, _ in spans):
            break
        fits.append(minutes)
    return tuple(fits)


def _not_allowed(holder: PatronRecord, rules: Rules) -> str:
    """Why ``holder`` may not book a resource of ``rules`` at all (a ``booking.*`` key
    taking the resource's name), "" when they may. Told early in every grid for a
    patron (``Resource.refusal``) and checked again at booking."""
    if rules.groups and holder.patron_group not in rules.groups:
        return "booking.group_not_allowed"
    if rules.training and rules.training not in holder.trained_on:
        return "booking.training_needed"
    return ""


def _patron(conn: sqlite3.Connection, ref: str, today: date) -> PatronRecord:
    """The patron's record, refused when blocked or expired on the library's ``today``."""
    record = read_patron(conn, require_local_id(ref, "booking.unknown_patron"))
    if record is None:
        raise DomainError("booking.unknown_patron")
    problems = record.standing.problems(today, fines=False)
    if problems:
        raise DomainError(_STANDING_KEYS[problems[0].key])
    return record


def _overlap(exc: sqlite3.IntegrityError) -> Exception:
    if "booking.overlap" in str(exc):
        return DomainError("booking.overlap")
    return exc


class _WouldExtendError(Exception):
    """:meth:`BookingService.check_extend`: every check passed; roll the UPDATE back."""
