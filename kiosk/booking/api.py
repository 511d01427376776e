"""The booking interface the screens and the CLI use, and the plain data it returns.

Every method is synchronous and blocking on the database only (a few milliseconds; a
write waits at most :data:`kiosk.store.database.BUSY_TIMEOUT_S` for another process's
write lock). Callable from any thread, the UI thread included. Patrons are named by
``ref`` (the local patron id as text, as in :mod:`kiosk.circulation.api`). Times given
and returned are aware datetimes; returned times are in the library's time zone
(``[kiosk] timezone``). Durations are whole minutes. Refusals raise
:class:`~kiosk.domain.errors.DomainError` with a ``booking.*`` message key.

The answers carry what a screen shows, decided by the service as of the moment it
answered: which durations a resource and each free slot offer, whether a resource can
be booked right now and why not, a booking's check-in window and whether its patron may
check in or cancel it now. A screen compares and formats; it applies no rule. Plain
frozen data in and out (a hub serves the same interface over HTTP).
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
#: In the past, too soon (lead time), beyond the horizon, outside opening hours, or
#: free but too short for the shortest booking before the next one or closing time.
UNAVAILABLE = "unavailable"

#: Where a booking stands with its check-in (:attr:`Booking.check_in`): its window opens
#: later, it is open now, or there is nothing to check in (checked in, started, ended,
#: cancelled, or the window has passed).
CHECK_IN_LATER = "later"
CHECK_IN_OPEN = "open"
CHECK_IN_NONE = ""


@dataclass(frozen=True)
class Resource:
    """A bookable resource and the rules a screen needs to offer it."""

    id: str
    kind: str
    name: str
    slot_minutes: int
    min_minutes: int
    max_minutes: int
    #: The lengths a booking of it may have: whole slots from the minimum to the maximum.
    durations: tuple[int, ...] = ()
    #: A training the patron needs (e.g. ``3d_printer_induction``); empty: none.
    training: str = ""
    #: Its equipment as the equipment controller knows it when this was read (None:
    #: this service has no equipment owner to ask).
    equipment: EquipmentStatus | None = None
    #: False while its plug is offline, has not answered or is refused (bookings are
    #: kept; staff are told) ...
    bookable_now: bool = True
    #: ... and why, as a message key (``equipment.reason.offline`` ...; "" when it is).
    not_bookable_reason: str = ""
    #: Why the patron the answer is for may not book it at all, as the booking would be
    #: refused (``booking.training_needed``, ``booking.group_not_allowed``; translate it
    #: with ``resource`` = :attr:`name`); "" when they may, or no patron was asked about.
    #: Their free slots then offer no durations: the refusal comes first, not after a
    #: slot and a duration were picked.
    refusal: str = ""


@dataclass(frozen=True)
class Slot:
    """One slot of a day grid: [starts_at, ends_at) in local time. ``durations``: the
    lengths a booking starting here may have now (whole slots, as far as the time after
    it is free and open; empty when nothing can start here, e.g. the resource cannot be
    booked right now)."""

    starts_at: datetime
    ends_at: datetime
    state: str
    durations: tuple[int, ...] = ()


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
    #: The patron's check-in window [opens, closes) while the booking waits for one
    #: (status ``booked``), else None.
    check_in_opens: datetime | None = None
    check_in_closes: datetime | None = None
    #: :data:`CHECK_IN_LATER`, :data:`CHECK_IN_OPEN` or :data:`CHECK_IN_NONE`.
    check_in: str = CHECK_IN_NONE
    #: Its patron may cancel it now (it has not started).
    may_cancel: bool = False

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass(frozen=True)
class BookingView:
    """What a patron's booking screen shows, in one answer: a day of every resource's
    slots, the patron's own bookings, and the days the screen may move to."""

    #: The library's date now.
    today: date
    #: The day shown (``grid.day``): every resource, in config order.
    grid: DayGrid
    #: The patron's bookings that have not ended, soonest first.
    mine: tuple[Booking, ...]
    #: The day before and after the one shown, when a booking could be made on them
    #: (None: the first or the last bookable day is shown).
    previous_day: date | None
    next_day: date | None
    #: The grid's resources, in config order.
    resources: tuple[Resource, ...] = ()


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

    def view(self, patron: str, day: date | None = None) -> BookingView:
        """The booking screen's answer for ``patron``: ``day`` (default: today, the
        library's date; clamped to the bookable days) with every resource's slots, and
        the patron's bookings. Raises ``booking.unknown_patron``."""
        ...

    def waiting(self) -> list[Booking]:
        """Today's bookings that still wait for a check-in and have not ended (what
        staff may check in for the patron), by start then resource."""
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
        """Cancel a booking that has not started (``Booking.may_cancel``); ``patron``
        None: staff (any booking that has not ended, active ones too)."""
        ...

    def check_in(self, patron: str | None, booking_id: int | None = None) -> Booking:
        """Check the patron in; without ``booking_id``, the booking whose check-in window
        is open now (``booking.nothing_to_check_in`` when there is none). ``patron``
        None: staff check ``booking_id`` in, any time before it ends."""
        ...

    def arrive(self, patron: str) -> Booking | None:
        """The patron's card tap at sign-in: check in the booking whose check-in window
        is open now, if there is one (None, the usual answer, is not a refusal)."""
        ...

    def bookings_on(self, day: date) -> list[Booking]:
        """Every booking starting on local ``day`` (all states), by start then resource."""
        ...

    def extend(self, patron: str, booking_id: int, minutes: int) -> Booking:
        """Make a booking that has not ended longer by ``minutes`` when the time after
        it is free and the rules allow it."""
        ...

    def check_extend(self, patron: str, booking_id: int, minutes: int) -> None:
        """Raise what :meth:`extend` would refuse, changing nothing (a print's plan
        says before Start whether its booking can be made longer)."""
        ...
