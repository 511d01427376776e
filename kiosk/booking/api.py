"""The booking interface the screens and the CLI use, and the plain data it returns.

Every method is synchronous and blocking on the database only (a few milliseconds; a
write waits at most :data:`kiosk.store.database.BUSY_TIMEOUT_S` for another process's
write lock). Callable from any thread, the UI thread included. Patrons are named by
``ref`` (the local patron id as text, as in :mod:`kiosk.circulation.api`). Times given
and returned are aware datetimes; returned times are in the library's time zone
(``[kiosk] timezone``). Durations are whole minutes. Refusals raise
:class:`~kiosk.domain.errors.DomainError` with a ``booking.*`` message key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from kiosk.booking.equipment_api import EquipmentStatus

#: Slot states in a day grid.
FREE = "free"
BOOKED = "booked"
MINE = "mine"
#: In the past, too soon (lead time), beyond the horizon, or outside opening hours.
UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Resource:
    """A bookable resource and the rules a screen needs to offer it."""

    id: str
    kind: str
    name: str
    slot_minutes: int
    min_minutes: int
    max_minutes: int
    #: A training the patron needs (e.g. ``3d_printer_induction``); empty: none.
    training: str = ""
    #: Its equipment as the equipment controller knows it when this was read (None:
    #: this service has no equipment owner to ask).
    equipment: EquipmentStatus | None = None

    @property
    def bookable_now(self) -> bool:
        """False while its plug is offline, has not answered or is refused (bookings
        are kept; staff are told): ``equipment.reason`` says why."""
        return self.equipment is None or self.equipment.bookable


@dataclass(frozen=True)
class Slot:
    """One slot of a day grid: [starts_at, ends_at) in local time."""

    starts_at: datetime
    ends_at: datetime
    state: str


@dataclass(frozen=True)
class ResourceDay:
    resource: Resource
    #: Empty when the resource is closed that day.
    slots: tuple[Slot, ...]


@dataclass(frozen=True)
class DayGrid:
    day: date
    resources: tuple[ResourceDay, ...]


@dataclass(frozen=True)
class Booking:
    """A booking. ``status``: booked, checked_in, active, ending, completed, no_show,
    cancelled. ``patron_ref`` is None once the patron record is gone."""

    id: int
    resource_id: str
    resource_name: str
    resource_kind: str
    patron_ref: str | None
    starts_at: datetime
    ends_at: datetime
    status: str
    checked_in_at: datetime | None = None
    created_by_staff: bool = False
    #: Starts by itself at its start time (staff said so), whatever its kind's check-in.
    auto_start: bool = False

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class Bookings(Protocol):
    """What the makerspace screens may do with bookings."""

    def resources(self, kind: str | None = None) -> list[Resource]:
        """Active resources (of ``kind``, when given), in config order."""
        ...

    def day(self, day: date, kind: str | None = None, patron: str | None = None) -> DayGrid:
        """The slots of ``day`` (a local date) for each resource; ``patron``'s own
        bookings show as ``mine``."""
        ...

    def get(self, booking_id: int) -> Booking:
        """One booking, in any state; raises ``booking.not_found``."""
        ...

    def running_booking(self, resource_id: str) -> Booking | None:
        """The booking of ``resource_id`` that is running now (active or ending), if any."""
        ...

    def bookings_of(self, patron: str) -> list[Booking]:
        """The patron's bookings that have not ended yet, soonest first."""
        ...

    def book(
        self,
        patron: str,
        resource_id: str,
        starts_at: datetime,
        minutes: int,
        staff: str | None = None,
        auto: bool = False,
    ) -> Booking:
        """Book ``minutes`` from ``starts_at``. A ``staff`` ref of a staff member (or a
        staff patron booking for themselves) overrides the rules, never an overlap;
        only staff may make it start by itself (``auto``)."""
        ...

    def cancel(self, patron: str | None, booking_id: int) -> Booking:
        """Cancel a booking that has not started; ``patron`` None: staff (any booking,
        active ones too)."""
        ...

    def check_in(self, patron: str | None, booking_id: int | None = None) -> Booking:
        """Check the patron in (card tap); without ``booking_id``, the booking whose
        check-in window is open now. ``patron`` None: staff check ``booking_id`` in,
        any time before it ends."""
        ...

    def bookings_on(self, day: date) -> list[Booking]:
        """Every booking starting on local ``day`` (all states), by start then resource."""
        ...

    def extend(self, patron: str, booking_id: int, minutes: int) -> Booking:
        """Make a booking that has not ended longer by ``minutes`` when the time after
        it is free and the rules allow it."""
        ...
