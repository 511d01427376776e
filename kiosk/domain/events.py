"""Events published on the bus: small frozen dataclasses, safe to hand across threads.

Device adapters publish them from their own threads; the dispatcher hands them to the
UI thread. Each event says in its fields what it carries, nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from kiosk.domain.tags import ItemTag


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every bus event. ``at`` is the UTC time the event was made."""

    at: datetime = field(default_factory=_now, compare=False)


@dataclass(frozen=True, kw_only=True)
class CardTapped(Event):
    """A library card was read.

    Exactly one of ``uid`` (the **card key**: the RFID UID as uppercase hex, no
    separators) or ``number`` (the printed card number, e.g. a SLiMS member_id) is set.
    ``reader`` names the reader that saw it.
    """

    reader: str
    uid: str | None = None
    number: str | None = None

    def __post_init__(self) -> None:
        if (self.uid is None) == (self.number is None):
            raise ValueError("CardTapped carries exactly one of uid or number")
        if self.uid is not None:
            if not self.uid or self.uid != self.uid.upper() or not _is_hex(self.uid):
                raise ValueError(f"card key must be uppercase hex, got {self.uid!r}")
        elif not self.number:
            raise ValueError("card number must not be empty")


def _is_hex(text: str) -> bool:
    return all(c in "0123456789ABCDEF" for c in text) and len(text) % 2 == 0


@dataclass(frozen=True, kw_only=True)
class ItemScanned(Event):
    """An item barcode was scanned (barcode scanner or typed)."""

    scanner: str
    barcode: str


@dataclass(frozen=True, kw_only=True)
class TagsRead(Event):
    """The RFID item pad now holds exactly these tags (empty when cleared)."""

    pad: str
    tags: tuple[ItemTag, ...]


@dataclass(frozen=True, kw_only=True)
class DeviceStatus(Event):
    """A device's health changed. ``detail`` is a message key (``device.offline``...);
    ``reason`` the technical cause in words, for staff (e.g. the serial port's error)."""

    device: str
    kind: str
    ok: bool
    detail: str = ""
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class EquipmentState(Event):
    """What a switch adapter heard about a piece of equipment. The equipment controller
    merges these into its record (the one owner of equipment state): read it there.

    ``on``: the power state this message reports (None: it says nothing about power).
    ``online``: True when the device answered or announced itself, False when its Last
    Will says offline, None when nothing can be known (the broker connection is lost).
    ``device``: the id the device spoke with ("" when the kiosk concluded it itself).
    ``problem``: a message key when the device refused (``equipment.no_channel``) or
    cannot be reached (``equipment.broker_lost``).
    """

    resource: str
    on: bool | None
    online: bool | None
    device: str = ""
    problem: str = ""


@dataclass(frozen=True, kw_only=True)
class EquipmentChanged(Event):
    """The equipment controller's record of ``resource`` changed (liveness, power,
    problem, fault or busy printer): screens read the new status from the owner."""

    resource: str


@dataclass(frozen=True, kw_only=True)
class EquipmentFault(Event):
    """Equipment did not do what it was told; staff must look. ``key`` is a message key.
    ``resource`` is "" for a notice about every plug at once (the broker restarted)."""

    resource: str
    key: str


@dataclass(frozen=True, kw_only=True)
class PrintProgress(Event):
    """A 3D printer's job progress or temperatures changed.

    ``state`` is one of :data:`kiosk.ports.PRINTER_STATES`; ``file_name`` the job's file
    (None when there is no job); ``completion`` in percent 0-100, ``time_left`` in
    seconds; temperatures in degrees Celsius (actual and target).
    """

    resource: str
    state: str
    completion: float | None = None
    time_left: int | None = None
    hotend_c: float | None = None
    hotend_target_c: float | None = None
    bed_c: float | None = None
    bed_target_c: float | None = None
    file_name: str | None = None


@dataclass(frozen=True, kw_only=True)
class PrintEnded(Event):
    """A print job ended; published once per job. Subscribe to this base for all three.

    ``booking_id`` and ``kiosk_id`` are the job's owner when the kiosk uploaded its file
    (else None); ``print_seconds`` how long it ran; ``completion`` in percent (100 for a
    finished job, None when not known). ``outcome`` is ``done``, ``failed`` or
    ``cancelled`` (:data:`kiosk.ports.PRINT_OUTCOMES`).
    """

    outcome = ""
    resource: str
    file_name: str
    booking_id: int | None = None
    kiosk_id: str | None = None
    print_seconds: int | None = None
    completion: float | None = None


@dataclass(frozen=True, kw_only=True)
class PrintDone(PrintEnded):
    """The print finished."""

    outcome = "done"


@dataclass(frozen=True, kw_only=True)
class PrintFailed(PrintEnded):
    """The print stopped on its own: ``reason`` is a message key
    (``printer.failed_error``: the printer reported an error; ``printer.failed_lost``:
    the host lost the printer or restarted)."""

    outcome = "failed"
    reason: str = "printer.failed_error"


@dataclass(frozen=True, kw_only=True)
class PrintCancelled(PrintEnded):
    """Someone cancelled the print (at the kiosk or on the host itself)."""

    outcome = "cancelled"


@dataclass(frozen=True, kw_only=True)
class PrintOverrun(Event):
    """A print is still running after its booking ended (``[printing] overrun``).

    ``policy`` says what the kiosk does: ``finish`` keeps the printer on until the print
    is done and has cooled (its power is never cut mid-print); ``cancel`` cancels it,
    then it cools and loses power. ``booking_id`` is the booking the print belongs to;
    ``next_booking_id`` the printer's next booking, warned by this event (None: there is
    none), with ``next_starts_at`` (aware UTC) and ``next_status`` (``booked``,
    ``checked_in``, ``active``: published again when that booking starts while the print
    still runs). ``time_left`` in seconds as the printer estimates it (None: unknown).
    For the screens (the next patron's booking), speech and staff alerts.
    """

    resource: str
    booking_id: int
    file_name: str
    policy: str
    time_left: int | None = None
    next_booking_id: int | None = None
    next_starts_at: datetime | None = None
    next_status: str | None = None


@dataclass(frozen=True, kw_only=True)
class SessionWarning(Event):
    """The signed-in patron has been idle: the session ends in ``seconds_left`` seconds
    unless they ask for more time. ``key`` is the message the accessibility layer
    speaks, in ``language``. Published by the touchscreen app on its UI thread."""

    key: str
    seconds_left: int
    language: str


@dataclass(frozen=True, kw_only=True)
class SessionEnded(Event):
    """The patron's session ended: ``reason`` is ``sign_out`` (they pressed it),
    ``timeout`` or ``staff``. Listeners drop everything they held about the patron."""

    reason: str


# -- makerspace bookings (published by the booking scheduler and service) -------------
@dataclass(frozen=True, kw_only=True)
class BookingEvent(Event):
    """Base of the booking events. ``ends_at`` is the booking's end (aware UTC)."""

    booking_id: int
    resource: str
    ends_at: datetime


@dataclass(frozen=True, kw_only=True)
class BookingCheckedIn(BookingEvent):
    """The patron tapped their card for this booking (it starts at its start time)."""


@dataclass(frozen=True, kw_only=True)
class BookingStarted(BookingEvent):
    """The booking is active: its equipment is to be powered and unlocked now.

    ``display_name`` is a shortened name for a public computer's lock screen.
    """

    display_name: str = ""


@dataclass(frozen=True, kw_only=True)
class BookingEnding(BookingEvent):
    """A warning before the end: ``minutes_left`` is the configured threshold crossed."""

    minutes_left: int


@dataclass(frozen=True, kw_only=True)
class BookingEnded(BookingEvent):
    """The booking is over (completed); its equipment is to be cut (unless busy)."""


@dataclass(frozen=True, kw_only=True)
class BookingNoShow(BookingEvent):
    """Nobody checked in within the check-in window: the slot is free again."""


@dataclass(frozen=True, kw_only=True)
class BookingCancelled(BookingEvent):
    """The patron or staff cancelled the booking."""


@dataclass(frozen=True, kw_only=True)
class BookingExtended(BookingEvent):
    """The booking now ends later (``ends_at`` is the new end)."""
