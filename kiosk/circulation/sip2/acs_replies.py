"""Reading what the ACS answered: its codes in the kiosk's words, its money, its dates,
its refusals. No I/O.

Real ILSs vary: an amount may come as ``12500.00``, ``-5.00`` or ``12,500``; a due date
as a SIP2 date or in a form of the ILS's own (then it is shown as written). Nothing
here raises for a strange value: it is read as well as it can be, and logged.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from kiosk.circulation.sip2.codec import Message, parse_timestamp
from kiosk.domain.errors import DomainError
from kiosk.timeutil import Clock

log = logging.getLogger(__name__)

#: Positions of the 63's summary field (one Y asks for that list).
HOLD_ITEMS, OVERDUE_ITEMS, CHARGED_ITEMS, FINE_ITEMS, UNAVAILABLE_HOLDS = 0, 1, 2, 3, 5
#: Patron status positions (24/64) the kiosk acts on.
CHARGE_DENIED, CARD_LOST, EXCESSIVE_FINES, EXCESSIVE_FEES = 0, 4, 10, 11
#: 18's circulation status -> the kiosk's item status words.
ITEM_STATUS = {
    "01": "other",
    "02": "on_order",
    "03": "available",
    "04": "on_loan",
    "05": "on_loan",
    "06": "in_process",
    "07": "on_loan",
    "08": "on_hold_shelf",
    "09": "available",
    "10": "in_transit",
    "11": "claimed_returned",
    "12": "lost",
    "13": "missing",
}
#: 18's circulation statuses of an item out on loan.
CHARGED = ("04", "05", "07")
#: 18's media type (CK) -> the kiosk's item types.
MEDIA_TYPE = {
    "001": "book",
    "002": "magazine",
    "003": "magazine",
    "004": "av",
    "005": "av",
    "006": "av",
    "007": "av",
    "008": "book",
    "009": "book",
    "010": "book",
}
#: SIP2 language codes the kiosk speaks (Bahasa Indonesia has none: 000 unknown).
LANGUAGE_CODES = {"001": "en", "024": "en"}


def summary(position: int) -> str:
    """The 63's summary field asking for the list at ``position``."""
    return " " * position + "Y" + " " * (9 - position)


def status_flag(reply: Message, position: int) -> bool:
    return reply.fixed.get("patron_status", "")[position : position + 1] == "Y"


def count(text: str) -> int:
    return int(text) if text.strip().isdigit() else 0


def amount(text: str) -> int:
    """A SIP2 money text (``12500.00``, ``-5.00``, ``12,500``) -> whole units."""
    cleaned = "".join(c for c in text.strip() if c.isdigit() or c in ".-")
    try:
        return int(Decimal(cleaned).to_integral_value())
    except (InvalidOperation, ValueError):
        log.warning("SIP2 amount %r is not a number", text)
        return 0


def money(reply: Message) -> int:
    """The BV fee amount of a reply (0 when there is none)."""
    value = reply.get("BV")
    return amount(value) if value and value.strip() else 0


def screen_text(reply: Message) -> str:
    """Every AF screen message of a reply as one line ("" when there is none)."""
    return " ".join(m.strip() for m in reply.all("AF") if m.strip())


def refusal(reply: Message) -> DomainError:
    """A refusal in the ILS's own words (``circulation.ils_refused``), or the plain one."""
    message = screen_text(reply)
    if message:
        return DomainError("circulation.ils_refused", message=message)
    return DomainError("circulation.ils_refused_plain")


class Dates:
    """SIP2 dates and the ILS's own date texts in the library's time zone. ``due_time``
    (``HH:MM``) is when a loan due on a day is due, for an ILS that writes a date alone."""

    def __init__(self, zone: str, due_time: str, clock: Clock) -> None:
        self.zone = zone
        self.due_time = due_time
        self.clock = clock

    def due(self, text: str | None) -> tuple[datetime, str | None]:
        """AH -> (due time, the ILS's text when it is not a SIP2 date). A text that
        cannot be read at all leaves the transaction time as ``due_at``: the text is
        what the patron must be shown."""
        now = self.clock()
        if text is None or not text.strip():
            return now, None
        stamp = parse_timestamp(text, self.zone) or parse_timestamp(text.strip(), self.zone)
        if stamp is not None:
            return stamp, None
        written = text.strip()
        try:
            parsed = datetime.fromisoformat(written)
        except ValueError:
            return now, written
        if len(written) <= 10:  # a date alone: due at the library's due time that day
            parsed = datetime.combine(parsed.date(), time.fromisoformat(self.due_time))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=ZoneInfo(self.zone))
        return parsed.astimezone(now.tzinfo), written

    def day(self, text: str | None) -> date | None:
        """A SIP2 date (or a leading YYYYMMDD / ISO date) -> the library's local date."""
        if not text or not text.strip():
            return None
        stamp = parse_timestamp(text, self.zone)
        if stamp is not None:
            return stamp.astimezone(ZoneInfo(self.zone)).date()
        value = text.strip()
        for candidate in (value[:10], value[:8]):
            try:
                return date.fromisoformat(candidate)
            except ValueError:
                continue
        return None
