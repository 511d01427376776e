"""The print interface the screens and the CLI use, and the plain data it returns.

A patron prints during their booking of a 3D printer that is running now (the booking
screen's "Print", or Home while such a booking runs): they choose a G-code file from a
USB stick on the kiosk or from the printer's own OctoPrint, see its picture and
estimate, start it, watch it and may cancel it. Staff may do the same for any printer.

Patrons are named by ``ref`` (as in :mod:`kiosk.booking.api`); ``patron=None`` means
staff (the caller has checked the staff sign-in). Times are aware datetimes in the
library's zone; durations whole seconds. Refusals raise
:class:`~kiosk.domain.errors.DomainError` (``printing.*``, ``booking.*``) or
:class:`~kiosk.domain.errors.DeviceError` (``printer.*``: what the printer's host said),
each with its message key; translate them with :func:`kiosk.i18n.describe`.

Every method marked *blocking* asks a printer's host over the network or reads a USB
stick (a few seconds; an upload as long as the file needs): call it on a worker, never
on the UI thread. Live progress comes on the bus meanwhile
(:class:`~kiosk.domain.events.PrintProgress`, ``PrintDone``/``PrintFailed``/
``PrintCancelled``, ``PrintOverrun``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

#: Where a file comes from (as :data:`kiosk.printing.records.SOURCES`).
USB, HOST = "usb", "host"


@dataclass(frozen=True)
class PrintChoice:
    """A G-code file a patron may print.

    ``source`` is ``usb`` (a stick on this kiosk) or ``host`` (already on the printer's
    OctoPrint); ``ref`` names it for :meth:`Printing.start` and :meth:`Printing.preview`
    (the path on the stick, or the path on the host); ``name`` is for people.
    ``estimated_seconds`` and the filament come from the slicer's comments or OctoPrint's
    analysis (``estimate_source``: ``slicer``, ``host`` or ``none``). ``thumbnail``: the
    slicer embedded a picture (None: not looked at yet, for a file on the host; the
    preview then tries). ``booking_id``: the booking that uploaded a host file.
    """

    source: str
    ref: str
    name: str
    size_bytes: int | None
    modified_at: datetime | None
    estimated_seconds: int | None
    filament_mm: float | None
    filament_g: float | None
    estimate_source: str
    thumbnail: bool | None = None
    booking_id: int | None = None


@dataclass(frozen=True)
class PrintPlan:
    """What starting a file would do now, before the patron presses Start.

    ``booking_ends_at`` and ``seconds_left``: the running booking's end and the time to
    it; ``fits``: the estimate ends before that (True when there is no estimate);
    ``extend_minutes``: the booking would be made this much longer at the start (0 when
    it fits; whole slots); ``can_extend``: whether the booking can be made that much
    longer now (False: the start would be refused with the numbers).
    """

    resource_id: str
    booking_id: int
    choice: PrintChoice
    booking_ends_at: datetime
    seconds_left: int
    fits: bool
    extend_minutes: int
    can_extend: bool = True


@dataclass(frozen=True)
class PrintStarted:
    """A print the printer has started. ``record_id`` is its row in the print job
    records; ``booking_ends_at`` the booking's end (later than before when ``extended``).
    A start the printer did not confirm raises ``printer.start_unknown`` instead."""

    resource_id: str
    booking_id: int
    file_name: str
    source: str
    record_id: int
    estimated_seconds: int | None
    booking_ends_at: datetime
    extended: bool


@dataclass(frozen=True)
class PrinterView:
    """A printer and its job as a screen shows it.

    ``state`` is one of :data:`kiosk.ports.PRINTER_STATES`; ``online`` False with
    ``problem`` (a message key: ``printer.unreachable``, ``printer.wrong_key``) when its
    host does not answer. The job: ``file_name``, ``completion`` (percent),
    ``time_left`` and ``print_seconds`` (seconds), ``estimated_seconds``; temperatures in
    degrees Celsius (actual and target). ``booking_id``: the booking the job belongs to
    (None: not known); ``mine``: it is the asking patron's (for staff: any kiosk job);
    ``foreign``: started outside the kiosk ("in use, not booked here");
    ``can_cancel``: the asker may cancel it now. ``booking_ends_at``: the end of the
    printer's running booking (None: none runs).
    """

    resource_id: str
    name: str
    state: str
    online: bool
    problem: str | None = None
    file_name: str | None = None
    completion: float | None = None
    time_left: int | None = None
    print_seconds: int | None = None
    estimated_seconds: int | None = None
    hotend_c: float | None = None
    hotend_target_c: float | None = None
    bed_c: float | None = None
    bed_target_c: float | None = None
    booking_id: int | None = None
    mine: bool = False
    foreign: bool = False
    can_cancel: bool = False
    booking_ends_at: datetime | None = None

    @property
    def printing(self) -> bool:
        """A job is on the printer (printing, paused or being cancelled)."""
        return self.state in ("printing", "paused", "cancelling")


#: ``progress(sent, total)`` in bytes while a file goes to the printer (on the caller's
#: thread).
UploadProgress = Callable[[int, int], None]


class Printing(Protocol):
    """What the print pane and the CLI may do with the 3D printers."""

    def printers_of(self, patron: str) -> tuple[str, ...]:
        """The printers (resource ids) whose running booking is ``patron``'s, for Home's
        "Print" while such a booking runs. Quick (the database only); any thread."""
        ...

    def choices(self, patron: str | None, resource_id: str) -> tuple[PrintChoice, ...]:
        """Blocking. The G-code files on the USB sticks (newest first), then those on the
        printer's host (newest first; none when it does not answer). Refused unless
        ``patron`` has the printer's running booking (staff: any)."""
        ...

    def preview(self, resource_id: str, choice: PrintChoice, size: int = 240) -> bytes | None:
        """Blocking. The picture of a file as PNG: the slicer's thumbnail, else the
        outline of its moves seen from above (``size`` pixels square, transparent);
        None when there is neither."""
        ...

    def plan(self, patron: str | None, resource_id: str, choice: PrintChoice) -> PrintPlan:
        """Blocking (reads the file's head). What :meth:`start` would do: fits, or the
        booking made longer by ``extend_minutes``."""
        ...

    def start(
        self,
        patron: str | None,
        resource_id: str,
        choice: PrintChoice,
        progress: UploadProgress | None = None,
    ) -> PrintStarted:
        """Blocking (the upload). Checks the booking and the printer, extends the booking
        when the print would outlast it (refused with the numbers when it cannot:
        ``printing.does_not_fit``), sends the file with the booking as its owner, starts
        it once and records it. Never a second start: a start already under way on the
        printer is refused (``printing.starting``), and so is a printer that prints."""
        ...

    def job(self, patron: str | None, resource_id: str) -> PrinterView:
        """Blocking. The printer and its job now (for the pane's first look; the bus
        brings the changes after)."""
        ...

    def cancel(self, patron: str | None, resource_id: str) -> PrinterView:
        """Blocking. Cancel the job on the printer: its owner's patron or staff only
        (``printing.not_yours``); ``printing.nothing_to_cancel`` when none runs."""
        ...
