"""A patron's account as the ILS reports it: blocks, counts, loans, holds, fines, and
what it says of an item. Reads only.

The 63's lists carry item identifiers only, so a list costs one 63 and one 17 per item
(for the title and due date). ``pin`` is the PIN the patron gave at sign-in (sent as AD:
some ILSs want it with every request), or None.

Blocking (round trips); thread-safe.
"""

from __future__ import annotations

from kiosk.circulation.api import Fines, Hold, ItemInfo, Loan, PatronOverview
from kiosk.circulation.sip2.acs_replies import (
    CARD_LOST,
    CHARGE_DENIED,
    CHARGED_ITEMS,
    EXCESSIVE_FEES,
    EXCESSIVE_FINES,
    FINE_ITEMS,
    HOLD_ITEMS,
    ITEM_STATUS,
    MEDIA_TYPE,
    OVERDUE_ITEMS,
    UNAVAILABLE_HOLDS,
    Dates,
    amount,
    count,
    money,
    status_flag,
    summary,
)
from kiosk.circulation.sip2.lookup import Lookup
from kiosk.circulation.sip2.sign_in import Sip2SignIn
from kiosk.domain.errors import DomainError
from kiosk.patrons import Standing, library_date


class Accounts:
    def __init__(self, lookup: Lookup, dates: Dates, signing: Sip2SignIn, hold_shelf: str) -> None:
        self.lookup = lookup
        self.dates = dates
        self.signing = signing
        #: Where ready holds wait when the ILS names no place.
        self.hold_shelf = hold_shelf

    def problems(self, patron: str, pin: str | None) -> list[DomainError]:
        """Every block the ILS reports on the account (patron status, 23/24)."""
        reply = self.lookup.patron_status(patron, pin)
        standing = Standing(
            lost=status_flag(reply, CARD_LOST),
            blocked=status_flag(reply, CHARGE_DENIED),
            balance=money(reply),
            fines_over=status_flag(reply, EXCESSIVE_FINES) or status_flag(reply, EXCESSIVE_FEES),
        )
        # The ILS judged the card's validity itself (no expiry date in a 24).
        return standing.problems(library_date(self.dates.clock(), self.dates.zone))

    def overview(self, patron: str, pin: str | None) -> PatronOverview:
        reply = self.lookup.patron(patron, pin)
        counts = reply.fixed
        person = self.signing.patron(reply, patron)
        # The ILS knows its own fines limit: its status flags say whether it is passed.
        standing = Standing(
            expires_on=person.expires_on,
            balance=money(reply),
            fines_over=status_flag(reply, EXCESSIVE_FINES) or status_flag(reply, EXCESSIVE_FEES),
        )
        today = library_date(self.dates.clock(), self.dates.zone)
        return PatronOverview(
            patron=person,
            loans=count(counts["charged_items_count"]),
            overdue=count(counts["overdue_items_count"]),
            holds_ready=count(counts["hold_items_count"]),
            fines_balance=standing.balance,
            fines_block=standing.fines_block,
            card_expired=standing.card_expired(today),
            card_expiring=standing.card_expiring(today),
        )

    def loans(self, patron: str, pin: str | None) -> list[Loan]:
        charged = self.lookup.patron_list(patron, pin, CHARGED_ITEMS, "AU")
        overdue = set(self.lookup.patron_list(patron, pin, OVERDUE_ITEMS, "AT"))
        now = self.dates.clock()
        result = []
        for barcode in charged:
            info = self.lookup.item(barcode)
            due_at, due_text = self.dates.due(info.get("AH"))
            result.append(
                Loan(
                    barcode=barcode,
                    title=info.text("AJ") or barcode,
                    authors=None,
                    checked_out_at=None,
                    due_at=due_at,
                    overdue=barcode in overdue or (due_text is None and due_at < now),
                    renewals=0,
                    due_text=due_text,
                )
            )
        return result

    def holds(self, patron: str, pin: str | None) -> list[Hold]:
        """Ready holds (AS: available for pickup) first, then those still waiting (CD)."""
        result = []
        for value in self.lookup.patron_list(patron, pin, HOLD_ITEMS, "AS"):
            info = self.lookup.item(value)
            result.append(
                Hold(
                    title=info.text("AJ") or value,
                    status="ready",
                    pickup_location=info.text("AP") or None,
                    shelf_location=info.text("AP") or self.hold_shelf,
                    expires_on=self.dates.day(info.get("CM")),
                    barcode=value,
                )
            )
        for value in self.lookup.patron_list(patron, pin, UNAVAILABLE_HOLDS, "CD"):
            result.append(
                Hold(
                    title=self.lookup.title_of(value),
                    status="waiting",
                    pickup_location=None,
                    shelf_location=None,
                    expires_on=None,
                )
            )
        return result

    def fines(self, patron: str, pin: str | None) -> Fines:
        """The balance (BV), the limit (CC) and the ILS's own fine lines (AV) as text."""
        reply = self.lookup.patron(patron, pin, summary(FINE_ITEMS))
        limit = reply.get("CC")
        return Fines(
            balance=money(reply),
            lines=(),
            limit=amount(limit) if limit else None,
            descriptions=tuple(line.strip() for line in reply.all("AV") if line.strip()),
        )

    def item(self, code: str) -> ItemInfo:
        """``code`` already checked for the wire. An 18 without a title is an item the
        ILS does not know: ``circulation.item_not_found``."""
        info = self.lookup.item(code)
        if not info.text("AJ"):
            raise DomainError("circulation.item_not_found", barcode=code)
        due = info.get("AH")
        return ItemInfo(
            barcode=info.text("AB") or code,
            title=info.text("AJ"),
            authors=None,
            item_type=MEDIA_TYPE.get(info.text("CK"), "other"),
            status=ITEM_STATUS.get(info.fixed["circulation_status"], "other"),
            call_number=info.text("CS") or None,
            location=info.text("AQ") or info.text("AP") or None,
            due_at=self.dates.due(due)[0] if due and due.strip() else None,
        )
