"""A small in-memory implementation of the circulation, events and feedback
interfaces (kiosk/circulation/api.py), for UI tests that must not depend on a backend.

It follows the documented contract: refusals raise DomainError with the documented
message keys; renewals report ``ok``/``refusal`` instead of raising.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from kiosk.circulation.api import (
    CheckoutResult,
    Fines,
    Hold,
    ItemInfo,
    LibraryEvent,
    Loan,
    Patron,
    PatronOverview,
    RenewResult,
    ReturnResult,
)
from kiosk.domain.errors import DomainError
from kiosk.services import Services


class FakeLibrary:
    """Patrons by card key and number; items by barcode; loans, holds, events."""

    def __init__(self) -> None:
        now = datetime.now(UTC)
        self.now = now
        self.patrons = {
            "1": Patron("1", "Andi Pratama", "adult", False, date(2030, 1, 1), "PLU-0001"),
            "5": Patron("5", "Moh. Rizal", "adult", False, date(2030, 1, 1), "PLU-0005"),
            "6": Patron("6", "Ibu Kartini", "staff", True, date(2030, 1, 1), "PLU-0006"),
        }
        self.cards = {
            "04A1B2C3D4E580": "1",
            "PLU-0001": "1",
            "0419C4F07A5B80": "5",
            "PLU-0005": "5",
            "04B8E2176D4C80": "6",
            "PLU-0006": "6",
        }
        self.expired = {"047D3F9B2C1180", "PLU-0003"}
        self.pins = {"5": "2580", "6": "1357"}
        self.titles = {
            "B00001": "Laskar Pelangi",
            "B00004": "Sang Pemimpi",
            "B00005": "Edensor",
            "B00003": "Laskar Pelangi",
            "B00105": "Nineteen Eighty-Four",
        }
        self.on_loan: dict[str, tuple[str, datetime, int]] = {
            "B00001": ("1", now + timedelta(days=11), 0),
            "B00105": ("1", now - timedelta(days=5), 0),
        }
        self.held = {"B00003": "Rak Pesanan 4"}
        self.damaged = {"B00026"}
        self.events = [
            LibraryEvent(1, "Lokakarya Cetak 3D", "3D Printing Workshop", "Makerspace",
                         now + timedelta(hours=2), now + timedelta(hours=4), 12, 3),
            LibraryEvent(2, "Klub Buku", "Book Club", "Ruang Baca",
                         now + timedelta(days=2), now + timedelta(days=2, hours=2), 2, 0),
        ]
        self.feedback: list[tuple[int, str | None, str]] = []
        self.counts: dict[str, int] = {}

    # -- Circulation -------------------------------------------------------------
    def sign_in(self, *, uid: str | None = None, number: str | None = None,
                pin: str | None = None) -> Patron:
        card = uid or number or ""
        if card in self.expired:
            raise DomainError("circulation.card_expired")
        ref = self.cards.get(card)
        if ref is None:
            raise DomainError("circulation.card_unknown")
        wanted = self.pins.get(ref)
        if wanted is not None:
            if pin is None:
                raise DomainError("circulation.pin_required")
            if pin != wanted:
                raise DomainError("circulation.pin_wrong", tries_left=2)
        return self.patrons[ref]

    def overview(self, patron: str) -> PatronOverview:
        loans = self.loans_of(patron)
        return PatronOverview(self.patrons[patron], len(loans),
                              sum(1 for x in loans if x.overdue), 1 if patron == "1" else 0, 0)

    def loans_of(self, patron: str) -> list[Loan]:
        return [
            Loan(b, self.titles.get(b, b), None, self.now - timedelta(days=3), due,
                 due < self.now, renewals, 2 - renewals)
            for b, (p, due, renewals) in self.on_loan.items() if p == patron
        ]

    def checkout(self, patron: str, barcode: str) -> CheckoutResult:
        if barcode in self.damaged:
            raise DomainError("circulation.item_not_loanable", barcode=barcode)
        if barcode not in self.titles:
            raise DomainError("circulation.item_not_found", barcode=barcode)
        if barcode in self.on_loan:
            raise DomainError("circulation.item_on_loan", barcode=barcode)
        due = self.now + timedelta(days=14)
        self.on_loan[barcode] = (patron, due, 0)
        return CheckoutResult(barcode, self.titles[barcode], due)

    def checkin(self, barcode: str) -> ReturnResult:
        if barcode not in self.titles:
            raise DomainError("circulation.item_not_found", barcode=barcode)
        loan = self.on_loan.pop(barcode, None)
        shelf = self.held.get(barcode)
        return ReturnResult(barcode, self.titles[barcode], to_hold_shelf=shelf is not None,
                            hold_shelf_location=shelf,
                            was_overdue=bool(loan and loan[1] < self.now))

    def renew(self, patron: str, barcode: str) -> RenewResult:
        p, due, renewals = self.on_loan[barcode]
        if due < self.now:
            return RenewResult(barcode, self.titles[barcode], False,
                               refusal="circulation.renew_overdue")
        new = due + timedelta(days=14)
        self.on_loan[barcode] = (p, new, renewals + 1)
        return RenewResult(barcode, self.titles[barcode], True, new)

    def renew_all(self, patron: str) -> list[RenewResult]:
        return [self.renew(patron, x.barcode) for x in self.loans_of(patron)]

    def loans(self, patron: str) -> list[Loan]:
        return self.loans_of(patron)

    def holds(self, patron: str) -> list[Hold]:
        if patron != "1":
            return []
        return [
            Hold("Negeri 5 Menara", "ready", "Meja Layanan", "Rak Pesanan 5",
                 date.today() + timedelta(days=6)),
            Hold("Ronggeng Dukuh Paruk", "waiting", "Meja Layanan", None, None),
        ]

    def fines(self, patron: str) -> Fines:
        return Fines(0, ())

    def pay(self, patron: str, amount: int, taken_by: str | None = None) -> Fines:
        return Fines(0, ())

    def item(self, barcode: str) -> ItemInfo:
        return ItemInfo(barcode, self.titles[barcode], None, "book", "available", None, None)

    # -- Events ------------------------------------------------------------------
    def upcoming(self, patron: str | None = None, days: int = 14) -> list[LibraryEvent]:
        end = self.now + timedelta(days=days)
        return [e for e in self.events if e.starts_at <= end]

    def register(self, patron: str, event_id: int) -> LibraryEvent:
        event = next(e for e in self.events if e.id == event_id)
        if event.seats_left == 0:
            raise DomainError("events.full")
        return self._swap(replace(event, registered=True,
                                  seats_left=(event.seats_left or 1) - 1))

    def unregister(self, patron: str, event_id: int) -> LibraryEvent:
        event = next(e for e in self.events if e.id == event_id)
        return self._swap(replace(event, registered=False,
                                  seats_left=(event.seats_left or 0) + 1))

    def _swap(self, event: LibraryEvent) -> LibraryEvent:
        self.events = [event if e.id == event.id else e for e in self.events]
        return event

    # -- Feedback, Usage ---------------------------------------------------------
    def submit(self, rating: int, comment: str | None, language: str) -> None:
        if not 1 <= rating <= 5:
            raise DomainError("feedback.rating_invalid")
        self.feedback.append((rating, comment, language))

    def count(self, action: str) -> None:
        self.counts[action] = self.counts.get(action, 0) + 1


def fake_services() -> tuple[Services, FakeLibrary]:
    library = FakeLibrary()
    return Services(circulation=library, events=library, feedback=library, usage=library), library
