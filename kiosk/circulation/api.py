"""The circulation interface the screens and the CLI use, and the plain data it returns.

Every method is synchronous; the local backend answers in milliseconds, a SIP2
backend may take seconds (callers on the UI thread run it on a worker). Patrons are
named by ``ref``: an opaque string (the local patron id, or the ILS patron barcode), so
a networked implementation can stand in for the in-process one. Times are aware UTC
datetimes; dates are the library's local dates. Money is whole rupiah.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from kiosk.domain.errors import DomainError


@dataclass(frozen=True)
class Patron:
    """A signed-in patron. ``language`` is the language the library system records for
    the patron (SIP2), if any; the kiosk's own remembered choices, language included,
    are ``Services.preferences``.

    ``has_pin``: the patron has a PIN. ``pin_verified``: this sign-in checked it (a
    staff patron signs in only that way, so staff mode can insist on it)."""

    ref: str
    name: str
    patron_group: str
    is_staff: bool
    expires_on: date | None
    card_number: str | None = None
    language: str | None = None
    has_pin: bool = False
    pin_verified: bool = False


@dataclass(frozen=True)
class PatronOverview:
    """What the home screen shows at sign-in: counts, the fines balance, and what stands
    in the patron's way, judged by the backend on the library's date (the screen only
    words it). The card's last day is ``patron.expires_on``."""

    patron: Patron
    loans: int
    overdue: int
    holds_ready: int
    fines_balance: int
    #: Above this balance the patron may not borrow (None: no limit known to the kiosk).
    fines_limit: int | None = None
    #: The fines stop the patron borrowing now (over the limit, or the ILS says so).
    fines_block: bool = False
    #: The card's last day has passed (a backend that still lets the patron in).
    card_expired: bool = False
    #: The card's last day is near (``kiosk.patrons.CARD_EXPIRY_NOTICE_DAYS``).
    card_expiring: bool = False


@dataclass(frozen=True)
class Loan:
    barcode: str
    title: str
    authors: str | None
    #: None when the backend does not say (SIP2 reports no checkout time).
    checked_out_at: datetime | None
    due_at: datetime
    overdue: bool
    renewals: int
    #: How many more renewals the rules allow (None: no limit known, e.g. SIP2).
    renewals_left: int | None = None
    #: Why a renewal asked for now would be refused (the ``circulation.renew_*`` key a
    #: :class:`RenewResult` would carry), None when it would go through or the backend
    #: cannot tell before asking (SIP2: the ILS decides on the renew request itself).
    renew_refusal: str | None = None
    #: The due date as the ILS wrote it, when that is not a SIP2 date: show this text
    #: (``due_at`` is then only as good as the text could be read).
    due_text: str | None = None


@dataclass(frozen=True)
class CheckoutResult:
    barcode: str
    title: str
    due_at: datetime
    #: True when the item's security tag must be set to "on loan" (AFI 0xC2).
    desensitize: bool = True
    #: Lines the ILS asks to print on the receipt (SIP2 AG), already in the language.
    print_lines: tuple[str, ...] = ()
    #: What the ILS asks to show (and speak) to the patron (SIP2 AF), as it wrote it.
    messages: tuple[str, ...] = ()
    #: The due date as the ILS wrote it, when that is not a SIP2 date (see Loan).
    due_text: str | None = None
    #: Taken while the ILS was unreachable: in the outbox, confirmed when it is back
    #: (tell the patron: ``circulation.offline_recorded``).
    offline: bool = False


@dataclass(frozen=True)
class ReturnResult:
    barcode: str
    title: str
    #: The item fills a hold: it goes to the hold shelf, not back to the shelves.
    to_hold_shelf: bool = False
    hold_shelf_location: str | None = None
    was_overdue: bool = False
    #: Overdue fine created by this return, in rupiah (0: none).
    fine: int = 0
    #: True when the item's security tag must be re-armed (AFI 0x07).
    resensitize: bool = True
    print_lines: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()
    offline: bool = False


@dataclass(frozen=True)
class RenewResult:
    barcode: str
    title: str
    ok: bool
    due_at: datetime | None = None
    #: When refused: the message key (``circulation.renew_on_hold`` ...).
    refusal: str | None = None
    #: What the ILS said (SIP2 AF), e.g. why it refused, as it wrote it.
    messages: tuple[str, ...] = ()
    due_text: str | None = None


@dataclass(frozen=True)
class Hold:
    title: str
    status: str  # waiting | ready
    pickup_location: str | None
    shelf_location: str | None
    expires_on: date | None
    barcode: str | None = None

    @property
    def ready(self) -> bool:
        return self.status == "ready"


@dataclass(frozen=True)
class FineLine:
    amount: int
    reason: str  # a message key suffix: overdue | lost | damaged | other
    item_barcode: str | None
    created_at: datetime


@dataclass(frozen=True)
class Fines:
    balance: int
    lines: tuple[FineLine, ...]
    #: Above this balance the patron cannot borrow (None: no limit).
    limit: int | None = None
    #: The ILS's own fine lines as it wrote them (SIP2 AV: no standard layout, so
    #: ``lines`` stays empty and these are shown as text).
    descriptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemInfo:
    barcode: str
    title: str
    authors: str | None
    item_type: str
    status: str
    call_number: str | None
    location: str | None
    due_at: datetime | None = None


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do right now, so that screens hide what it cannot (on SIP2
    from the ILS's status message: its BX list and on-line flags)."""

    online: bool = True
    checkout: bool = True
    checkin: bool = True
    renew: bool = True
    renew_all: bool = True
    item_info: bool = True
    pay: bool = True
    place_hold: bool = False
    cancel_hold: bool = False
    #: Patrons may set their PIN at the kiosk (SIP2 has no PIN change).
    pin_change: bool = True
    #: Checkouts and returns are taken into the outbox while the ILS is unreachable.
    offline_checkouts: bool = False


class Circulation(Protocol):
    """One backend's circulation. Every refusal raises DomainError(key, **params)."""

    def capabilities(self) -> Capabilities:
        """What the backend can do now (no round trip: the SIP2 backend answers from the
        ILS's last status, which its monitor keeps current). Screens read it at sign-in
        and on their periodic status, and hide what it says no to."""
        ...

    def end_session(self, patron: str) -> None:
        """The patron signed out or timed out (SIP2: 35 end session, the session's PIN
        forgotten). Never raises for a network problem; blocking on SIP2."""
        ...

    def sign_in(
        self, *, uid: str | None = None, number: str | None = None, pin: str | None = None
    ) -> Patron:
        """By card key (``uid``) or card number. Raises ``circulation.card_unknown``,
        ``.card_expired``, ``.card_blocked``, ``.card_locked``, ``.pin_required`` (ask
        for the PIN and call again), ``.pin_wrong`` (``tries_left``),
        ``.staff_pin_missing`` (a staff card never signs in without its PIN),
        ``.pin_not_set`` (``[circulation] require_pin`` and the patron has none)."""
        ...

    def set_pin(
        self, patron: str, new_pin: str, old_pin: str | None = None, *, by_staff: bool = False
    ) -> None:
        """Set or change the patron's PIN (4-8 digits). A patron who has a PIN gives the
        old one (a wrong one counts toward the card lock); ``by_staff``: the desk sets
        it for them. Raises ``pin.invalid``, ``pin.old_required``,
        ``circulation.pin_wrong`` / ``.card_locked``. Blocking: scrypt (~50-100 ms)."""
        ...

    def clear_pin(self, patron: str) -> None:
        """Remove the patron's PIN and lift a lock (the desk). SIP2: only for a listed
        staff card, else ``sip2.pin_change_unsupported``."""
        ...

    def find_patron(self, text: str) -> Patron:
        """The patron behind a card number or card key staff typed, without PIN or
        status checks (staff views: ``kiosk circ patron``). Raises
        ``circulation.card_unknown`` / ``.card_not_valid``."""
        ...

    def problems(self, patron: str) -> list[DomainError]:
        """Every block on the account now (empty: in good standing), for staff."""
        ...

    def overview(self, patron: str) -> PatronOverview: ...

    def checkout(self, patron: str, barcode: str) -> CheckoutResult: ...

    def checkin(self, barcode: str) -> ReturnResult:
        """Works without a signed-in patron."""
        ...

    def renew(self, patron: str, barcode: str) -> RenewResult:
        """Never raises for a refusal of the renewal itself: ``ok`` False + ``refusal``."""
        ...

    def renew_all(self, patron: str) -> list[RenewResult]: ...

    def loans(self, patron: str) -> list[Loan]: ...

    def holds(self, patron: str) -> list[Hold]: ...

    def fines(self, patron: str) -> Fines: ...

    def pay(self, patron: str, amount: int, taken_by: str | None = None) -> Fines:
        """Record a payment taken at the desk (staff)."""
        ...

    def item(self, barcode: str) -> ItemInfo: ...


@dataclass(frozen=True)
class LibraryEvent:
    """A workshop or community event. ``seats_left`` None: no capacity limit."""

    id: int
    title_id: str
    title_en: str
    location: str | None
    starts_at: datetime
    ends_at: datetime
    capacity: int | None
    seats_left: int | None
    registered: bool = False
    #: People registered (walk-ins checked in at the door included) and checked in.
    registrations: int = 0
    attended: int = 0
    #: Started and not yet ended, when it was read: registering and unregistering are
    #: closed (walk-ins ask at the door).
    under_way: bool = False

    def title(self, language: str) -> str:
        return self.title_id if language == "id" else self.title_en


@dataclass(frozen=True)
class EventCheckIn:
    """A patron checked in at an event; ``walk_in``: they had not registered."""

    event: LibraryEvent
    walk_in: bool


class Events(Protocol):
    def upcoming(self, patron: str | None = None, days: int = 14) -> list[LibraryEvent]: ...

    def register(self, patron: str, event_id: int) -> LibraryEvent:
        """Raises ``events.full``, ``events.limit_reached``, ``events.already_registered``,
        ``events.past``, ``events.not_found``."""
        ...

    def unregister(self, patron: str, event_id: int) -> LibraryEvent: ...

    def check_in(self, patron: str, event_id: int) -> EventCheckIn:
        """The patron is at the event (staff, or a card tap there): registered or not.
        Raises ``events.not_found``, ``events.check_in_closed`` (``opens``),
        ``events.already_checked_in``."""
        ...

    def check_in_card(self, card: str, event_id: int) -> EventCheckIn:
        """:meth:`check_in` for the patron of a card tapped (its card key) or typed (its
        number), at the event's door by staff. Raises ``circulation.card_unknown`` for a
        card that is not a patron's active card, and :meth:`check_in`'s keys."""
        ...

    def on_day(self, day: date) -> list[LibraryEvent]:
        """Every event (not cancelled) starting on local ``day``, with its counts."""
        ...

    def today(self) -> list[LibraryEvent]:
        """The events (not cancelled, not ended) starting on the library's date today,
        soonest first (the idle screen)."""
        ...


class Feedback(Protocol):
    def submit(self, rating: int, comment: str | None, language: str) -> None:
        """Anonymous: stores the day, the rating 1-5 and the comment, nothing else.
        Raises ``feedback.rating_invalid`` / ``feedback.comment_too_long``."""
        ...


class Usage(Protocol):
    """Anonymous counters per local day, hour, action and detail. The services count
    their own actions (``sign_in``, ``checkout``, ``return``, ``renew``, ``payment``,
    ``event_register``, ``event_unregister``, ``event_checkin``, ``feedback``) and their
    refusals (``refusal`` with the message key); screens count only what happens in the
    UI alone (``receipt``, a session's features and language), so nothing is counted
    twice. Names: :mod:`kiosk.circulation.usage`."""

    def count(self, action: str, detail: str | None = None) -> None:
        """Add one to this hour's anonymous counter for ``action`` (and ``detail``: a
        refusal's key, a feature ...). Raises ValueError for a name that is not a
        lowercase word (a bug)."""
        ...

    def count_session(self, features: Iterable[str], language: str | None) -> None:
        """A session ended (sign-out or timeout): counts it, each feature used in it
        (once each: the accessibility features ``speech``, ``keypad``, ``high_contrast``,
        ``large_text`` and the services opened, ``borrow``, ``return``, ``loans``,
        ``renew``, ``holds``, ``booking``, ``print``, ``event``, ``feedback``, ``pin``)
        and the language it ended in (``id``, ``en``)."""
        ...
