"""The booking scheduler: moves each booking through its states as the clock runs.

booked -> checked_in (card tap or staff, :meth:`BookingService.check_in`) -> active (at
the start time) -> ending (a warning at each configured "minutes left") -> completed; or
no_show (nobody checked in within the window) or cancelled. A booking of a kind with
``checkin = "auto"``, or one made to start by itself (``auto_start``), goes from booked
to active at its start time and is never a no-show.

All its state is in the database (``status``, ``warned_minutes``), so after a restart a
:meth:`Scheduler.tick` with the current clock does whatever was missed: a booking that
ended while the kiosk was down is completed (and its equipment cut by the equipment
controller's reconcile), a missed no-show is released, only the most recent warning is
repeated. Events are published after each transition commits, on the scheduler's thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from kiosk.booking.rules import Rules
from kiosk.bus import EventBus
from kiosk.domain.events import (
    BookingEnded,
    BookingEnding,
    BookingNoShow,
    BookingStarted,
    Event,
)
from kiosk.store import Store
from kiosk.timeutil import Clock, from_db, to_db, utcnow

log = logging.getLogger(__name__)


def short_name(name: str) -> str:
    """``"Budi Santoso Wijaya"`` -> ``"Budi S."``: enough for a lock screen, no more."""
    parts = name.split()
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0][:16]
    return f"{parts[0][:16]} {parts[1][0]}."


class Scheduler:
    """Drives bookings by the clock. :meth:`tick` is one pass (tests call it directly);
    :meth:`start` runs it on its own thread every ``tick_seconds`` and whenever
    :meth:`wake` is called (e.g. after a late check-in)."""

    def __init__(
        self,
        store: Store,
        bus: EventBus,
        rules: Callable[[str], Rules],
        clock: Clock = utcnow,
        tick_seconds: float = 5.0,
    ) -> None:
        self.store = store
        self.bus = bus
        self.rules = rules
        self.clock = clock
        self.tick_seconds = tick_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- thread -----------------------------------------------------------------------
    def start(self) -> None:
        """Start the scheduler thread (returns at once); the first tick runs at once."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="booking-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread; blocks until the current tick has finished."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def wake(self) -> None:
        """Ask for a tick now (any thread; returns at once)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                # A broken tick must not stop the scheduler: the next one retries.
                log.exception("booking scheduler tick failed")
            self._wake.wait(self.tick_seconds)
            self._wake.clear()

    # -- one pass ---------------------------------------------------------------------
    def tick(self) -> list[Event]:
        """Apply every transition due at ``clock()``; returns the events published."""
        now = self.clock()
        events: list[Event] = []
        with self.store.transaction() as db:
            rows = db.conn.execute(
                """SELECT b.id, b.resource_id, b.starts_at, b.ends_at, b.status,
                          b.warned_minutes, p.name, b.auto_start
                   FROM bookings b LEFT JOIN patrons p ON p.id = b.patron_id
                   WHERE b.status IN ('booked', 'checked_in', 'active', 'ending')
                     AND b.starts_at <= ?""",
                [to_db(now + timedelta(minutes=1))],
            ).fetchall()
            for row in rows:
                bid, resource, status = row["id"], row["resource_id"], row["status"]
                warned, name, auto = row["warned_minutes"], row["name"], row["auto_start"]
                start, end = from_db(row["starts_at"]), from_db(row["ends_at"])
                rules = self.rules(resource)
                if status == "booked" and (auto or rules.checkin == "auto"):
                    status = "checked_in"  # starts by itself: as if checked in
                new = self._next(bid, resource, start, end, status, warned, name, rules, now)
                if new is None:
                    continue
                new_status, event, warned_now = new
                db.conn.execute(
                    "UPDATE bookings SET status = ?, warned_minutes = ?, ended_at = "
                    "CASE WHEN ? IN ('completed', 'no_show') THEN ? ELSE ended_at END "
                    "WHERE id = ?",
                    [new_status, warned_now, new_status, to_db(now), bid],
                )
                if event is not None:
                    events.append(event)
        for event in events:
            self.bus.publish(event)
        return events

    def _next(
        self,
        bid: int,
        resource: str,
        start: datetime,
        end: datetime,
        status: str,
        warned: int | None,
        name: str | None,
        rules: Rules,
        now: datetime,
    ) -> tuple[str, Event | None, int | None] | None:
        """(new status, event, warned_minutes) for one booking, or None: nothing due."""
        if status == "booked":
            if now >= end or now >= start + timedelta(minutes=rules.no_show_minutes):
                return (
                    "no_show",
                    BookingNoShow(booking_id=bid, resource=resource, ends_at=end),
                    warned,
                )
            return None
        if now >= end:
            return "completed", BookingEnded(booking_id=bid, resource=resource, ends_at=end), warned
        if status == "checked_in":
            if now < start:
                return None
            return (
                "active",
                BookingStarted(
                    booking_id=bid,
                    resource=resource,
                    ends_at=end,
                    display_name=short_name(name or ""),
                ),
                warned,
            )
        left = (end - now).total_seconds() / 60.0
        crossed = [w for w in rules.warnings_minutes if left <= w]
        if crossed:
            threshold = min(crossed)
            if warned is None or threshold < warned:
                return (
                    "ending",
                    BookingEnding(
                        booking_id=bid, resource=resource, ends_at=end, minutes_left=threshold
                    ),
                    threshold,
                )
        return None
