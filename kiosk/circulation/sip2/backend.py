"""The circulation interface on the library's ILS, over SIP2.

Every method is synchronous and makes one or a few round trips to the ACS (a list of
loans: one 63 for the list and one 17 per item), so callers on the UI thread run it on
a worker (``Services.local`` is False). Thread-safe: the client keeps one request in
flight.

The ILS decides; the kiosk reports. Refusals carry the ILS's own words: an AF screen
message becomes ``circulation.ils_refused`` with ``message``; AF and AG of a success
travel in the result (``messages``, ``print_lines``). Patrons are named by the ILS's
patron identifier (AA), which is their ``ref``. Sign-in and PINs: :mod:`.sign_in`.

While the ILS is unreachable and ``offline_checkouts`` is on, sign-in, checkout and
return go to :class:`~kiosk.circulation.offline.OfflineDesk`; the outbox is replayed
in order (:mod:`.replay`) when the ILS answers again, and before any new checkout or
return, so that the ILS sees everything in the order it happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar
from zoneinfo import ZoneInfo

from kiosk.circulation.api import (
    Capabilities,
    CheckoutResult,
    Fines,
    Hold,
    ItemInfo,
    Loan,
    Patron,
    PatronOverview,
    RenewResult,
    ReturnResult,
)
from kiosk.circulation.offline import OfflineDesk
from kiosk.circulation.pin_lock import MemoryCounts, PinLock
from kiosk.circulation.sip2.accounts import Accounts
from kiosk.circulation.sip2.acs_replies import Dates, refusal
from kiosk.circulation.sip2.client import AcsStatus, Sip2Client, Sip2UnreachableError
from kiosk.circulation.sip2.codec import Message, Sip2ProtocolError, value_problem
from kiosk.circulation.sip2.lookup import Lookup
from kiosk.circulation.sip2.replay import Delivery
from kiosk.circulation.sip2.sc_messages import ScMessages
from kiosk.circulation.sip2.settings import Sip2Settings
from kiosk.circulation.sip2.sign_in import Sip2SignIn
from kiosk.circulation.staff_cards import StaffCards
from kiosk.circulation.usage import add_usage
from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.outbox import Outbox, ReplayReport
from kiosk.store import Store
from kiosk.timeutil import Clock, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")

#: The outbox target of this backend.
TARGET = "sip2"


class Sip2Circulation:
    """The :class:`~kiosk.circulation.api.Circulation` of the SIP2 backend.

    ``client`` may be given (tests, benchmarks); by default one is made from
    ``[backend] url``. :meth:`start` starts its monitor thread (keep-alive, status,
    reconnect, outbox replay); the first call starts it too. :meth:`close` stops it.
    """

    def __init__(
        self,
        store: Store,
        config: Config,
        password: str | None,
        clock: Clock = utcnow,
        client: Sip2Client | None = None,
    ) -> None:
        self.settings = client.settings if client else Sip2Settings.from_url(config.backend.url)
        self.config = config
        self.clock = clock
        self.zone = config.kiosk.timezone
        self.client = client or Sip2Client(self.settings, password)
        self.client.on_online = self._on_online
        self.outbox = Outbox(store, TARGET, clock)
        section = config.circulation
        pin_lock = PinLock(MemoryCounts(), section.pin_max_tries, section.pin_lock_minutes, clock)
        self.offline = OfflineDesk(
            store,
            config,
            self.outbox,
            pin_lock,
            clock,
            pin_required=self.settings.pin == "required",
        )
        self.messages = ScMessages(
            self.settings,
            self.zone,
            clock,
            english=config.kiosk.language == "en",
            kiosk_id=config.kiosk.id,
        )
        self.lookup = Lookup(self.client, self.messages)
        self.dates = Dates(self.zone, section.due_time, clock)
        self.staff = StaffCards(store, config, clock)
        self.signing = Sip2SignIn(self.lookup, self.dates, pin_lock, self.staff, self.offline)
        self.delivery = Delivery(self.lookup, self.zone)
        self.accounts = Accounts(self.lookup, self.dates, self.signing, section.hold_shelf)

    # -- lifecycle and what the ILS supports ------------------------------------------
    def start(self) -> None:
        """Start the monitor (keep-alive, status, reconnect, outbox replay)."""
        self.client.start()

    def close(self) -> None:
        self.client.close()

    def acs_status(self) -> AcsStatus | None:
        """The ACS's last 98 (None before the first connection)."""
        return self.client.status

    def capabilities(self) -> Capabilities:
        """What the screens may offer now, from the ACS's last 98 (its BX and on-line
        flags; no round trip: the monitor keeps it current)."""
        status = self.client.status

        def supports(name: str) -> bool:
            return status is None or status.supports(name)

        offline = self.offline.enabled
        circulating = status is None or status.online
        return Capabilities(
            online=self.client.online,
            checkout=offline or (supports("checkout") and circulating and _ok(status, "checkout")),
            checkin=offline or (supports("checkin") and circulating and _ok(status, "checkin")),
            renew=supports("renew"),
            renew_all=supports("renew_all") or supports("renew"),
            item_info=supports("item_information"),
            pay=supports("fee_paid"),
            place_hold=supports("hold"),
            cancel_hold=supports("hold"),
            pin_change=False,
            offline_checkouts=offline,
        )

    # -- patrons ----------------------------------------------------------------------
    def sign_in(
        self, *, uid: str | None = None, number: str | None = None, pin: str | None = None
    ) -> Patron:
        patron = self.signing.sign_in(uid=uid, number=number, pin=pin)
        if not patron.is_staff:  # a staff card is counted by the kiosk's own records
            self._count("sign_in")
        return patron

    def find_patron(self, text: str) -> Patron:
        """A patron by the card number or card key staff typed: no PIN, no checks."""
        return self.signing.find(text)

    def set_pin(
        self, patron: str, new_pin: str, old_pin: str | None = None, *, by_staff: bool = False
    ) -> None:
        """Only for a listed staff card (its PIN is the kiosk's own). SIP2 has no
        message that changes a patron's PIN: the ILS keeps it (its own patron pages
        or the desk change it); :meth:`capabilities` says so and the screens hide
        "Set my PIN"."""
        card = self.staff.entry(number=patron)
        if card is None:
            raise _not_a_staff_card(patron, by_staff)
        self.staff.set_pin(card, new_pin, old_pin, by_staff=by_staff)

    def clear_pin(self, patron: str) -> None:
        """Only for a listed staff card (see :meth:`set_pin`)."""
        card = self.staff.entry(number=patron)
        if card is None:
            raise _not_a_staff_card(patron, by_staff=True)
        self.staff.clear_pin(card)

    def end_session(self, patron: str) -> None:
        """The patron signed out: 35 end session (when the ACS has it), and the PIN
        kept for the session is forgotten. Never raises for a network problem."""
        pin = self.signing.forget(patron)
        status = self.client.status
        if status is not None and not status.supports("end_session"):
            return
        try:
            self.client.request(self.messages.end_session(patron, pin), "36", repeatable=True)
        except (Sip2UnreachableError, Sip2ProtocolError) as exc:
            log.info("SIP2 end session not sent: %s", exc)

    def problems(self, patron: str) -> list[DomainError]:
        """Every block the ILS reports on the account (patron status, 23/24)."""
        return self.accounts.problems(patron, self._pin(patron))

    # -- overview and lists -----------------------------------------------------------
    def overview(self, patron: str) -> PatronOverview:
        return self.accounts.overview(patron, self._pin(patron))

    def loans(self, patron: str) -> list[Loan]:
        return self.accounts.loans(patron, self._pin(patron))

    def holds(self, patron: str) -> list[Hold]:
        """Ready holds (AS: available for pickup) first, then those still waiting (CD)."""
        return self.accounts.holds(patron, self._pin(patron))

    def fines(self, patron: str) -> Fines:
        return self.accounts.fines(patron, self._pin(patron))

    def item(self, barcode: str) -> ItemInfo:
        return self.accounts.item(self._barcode(barcode))

    # -- checkout and return ----------------------------------------------------------
    def checkout(self, patron: str, barcode: str) -> CheckoutResult:
        code = self._barcode(barcode)

        def online() -> CheckoutResult:
            self._must_circulate("checkout")
            message = self.messages.checkout(patron, code, self._pin(patron))
            reply = self.client.request(message, "12", repeatable=False)
            if reply.fixed["ok"] != "1":
                raise refusal(reply)
            due_at, due_text = self.dates.due(reply.get("AH"))
            return CheckoutResult(
                barcode=reply.text("AB") or code,
                title=reply.text("AJ") or code,
                due_at=due_at,
                desensitize=reply.fixed["desensitize"] != "N",
                print_lines=reply.all("AG"),
                messages=reply.all("AF"),
                due_text=due_text,
            )

        return self._online_or_queued(
            "checkout",
            online,
            lambda in_doubt: self.offline.checkout(patron, code, in_doubt=in_doubt),
        )

    def checkin(self, barcode: str) -> ReturnResult:
        """Return an item; works without a signed-in patron."""
        code = self._barcode(barcode)

        def online() -> ReturnResult:
            self._must_circulate("checkin")
            reply = self.client.request(self.messages.checkin(code), "10", repeatable=False)
            if reply.fixed["ok"] != "1":
                raise refusal(reply)
            # CV alert type (2.00 extension): 01 hold for this library, 02 for another.
            to_shelf = reply.fixed["alert"] == "Y" and reply.text("CV") == "01"
            return ReturnResult(
                barcode=reply.text("AB") or code,
                title=reply.text("AJ") or code,
                to_hold_shelf=to_shelf,
                hold_shelf_location=(reply.text("CL") or self.config.circulation.hold_shelf)
                if to_shelf
                else None,
                resensitize=reply.fixed["resensitize"] == "Y",
                print_lines=reply.all("AG"),
                messages=reply.all("AF"),
            )

        return self._online_or_queued(
            "return", online, lambda in_doubt: self.offline.checkin(code, in_doubt=in_doubt)
        )

    def _online_or_queued(
        self, action: str, online: Callable[[], T], queued: Callable[[bool], T]
    ) -> T:
        """Older offline entries go first; then the ILS, or the outbox when it is
        unreachable (and offline circulation is on)."""
        self.start()
        if self.outbox.has_open():
            self.replay()
        try:
            if self.outbox.has_open():
                raise Sip2UnreachableError("older offline entries are still waiting")
            result = online()
        except Sip2UnreachableError as exc:
            if not self.offline.enabled:
                raise
            result = queued(exc.maybe_done)
        self._count(action)
        return result

    def _must_circulate(self, what: str) -> None:
        status = self.client.status
        if status is not None and (not status.online or not _ok(status, what)):
            raise Sip2UnreachableError(f"the ILS says {what} is not possible now (98)")

    # -- renew ------------------------------------------------------------------------
    def renew(self, patron: str, barcode: str) -> RenewResult:
        code = self._barcode(barcode)
        self.lookup.must_support("renew")
        message = self.messages.renew(patron, code, self._pin(patron))
        reply = self.client.request(message, "30", repeatable=False)
        title = reply.text("AJ") or code
        if reply.fixed["ok"] != "1":
            return RenewResult(
                barcode=code,
                title=title,
                ok=False,
                refusal="circulation.renew_refused",
                messages=reply.all("AF"),
            )
        due_at, due_text = self.dates.due(reply.get("AH"))
        self._count("renew")
        return RenewResult(
            barcode=code,
            title=title,
            ok=True,
            due_at=due_at,
            messages=reply.all("AF"),
            due_text=due_text,
        )

    def renew_all(self, patron: str) -> list[RenewResult]:
        """65 renew all when the ACS has it (then 17 for each item's new due date);
        otherwise one 29 per loan."""
        if not self.lookup.status().supports("renew_all"):
            return [self.renew(patron, loan.barcode) for loan in self.loans(patron)]
        message = self.messages.renew_all(patron, self._pin(patron))
        reply = self.client.request(message, "66", repeatable=False)
        results = []
        for barcode in reply.all("BM"):
            info = self.lookup.item(barcode)
            due_at, due_text = self.dates.due(info.get("AH"))
            self._count("renew")
            results.append(
                RenewResult(barcode, info.text("AJ") or barcode, True, due_at, due_text=due_text)
            )
        for barcode in reply.all("BN"):
            results.append(
                RenewResult(
                    barcode,
                    self.lookup.title_of(barcode),
                    False,
                    refusal="circulation.renew_refused",
                    messages=reply.all("AF"),
                )
            )
        return results

    # -- holds and fees ---------------------------------------------------------------
    def place_hold(
        self,
        patron: str,
        *,
        barcode: str | None = None,
        title: str | None = None,
        pickup: str | None = None,
    ) -> Hold:
        """15 hold (+) on a copy (``barcode``) or a title (``title``, the ILS's title
        identifier). Raises ``circulation.ils_unsupported`` when BX has no hold."""
        reply = self._hold("+", patron, barcode, title, pickup)
        return Hold(
            title=reply.text("AJ") or title or barcode or "",
            status="waiting",
            pickup_location=reply.text("BS") or pickup,
            shelf_location=None,
            expires_on=self.dates.day(reply.get("BW")),
            barcode=reply.text("AB") or barcode,
        )

    def cancel_hold(
        self, patron: str, *, barcode: str | None = None, title: str | None = None
    ) -> None:
        """15 hold (-). Raises ``circulation.ils_unsupported`` when BX has no hold."""
        self._hold("-", patron, barcode, title, None)

    def _hold(
        self, mode: str, patron: str, barcode: str | None, title: str | None, pickup: str | None
    ) -> Message:
        self.lookup.must_support("hold")
        if not barcode and not title:
            raise DomainError("circulation.item_not_found", barcode="")
        message = self.messages.hold(
            mode,
            patron,
            self._pin(patron),
            barcode=self._barcode(barcode) if barcode else None,
            title=self._clean(title) if title else None,
            pickup=self._clean(pickup) if pickup else None,
        )
        reply = self.client.request(message, "16", repeatable=False)
        if reply.fixed["ok"] != "1":
            raise refusal(reply)
        return reply

    def pay(self, patron: str, amount: int, taken_by: str | None = None) -> Fines:
        """37 fee paid (cash taken at the desk) when the ACS supports it."""
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise DomainError("circulation.amount_invalid")
        self.lookup.must_support("fee_paid")
        message = self.messages.fee_paid(patron, self._pin(patron), amount)
        reply = self.client.request(message, "38", repeatable=False)
        if reply.fixed["payment_accepted"] != "Y":
            raise refusal(reply)
        self._count("payment")
        return self.fines(patron)

    # -- the outbox -------------------------------------------------------------------
    def replay(self) -> ReplayReport:
        """Send what the outbox holds, in order (also run by the monitor thread when
        the ILS answers again)."""
        return self.outbox.replay(self.delivery)

    def refused_entries(self) -> list[dict[str, object]]:
        """Offline checkouts and returns the ILS refused on replay, with its reason,
        oldest first, as plain data for staff (``kiosk circ outbox``)."""
        return [entry.as_dict() for entry in self.outbox.refusals()]

    def _on_online(self) -> None:
        # Reachable but saying it is off line (98): replaying now would only collect
        # refusals that are not the patrons' fault.
        if self.client.online and self.outbox.has_open():
            report = self.replay()
            log.info("SIP2 outbox replay: %s", report)

    # -- helpers ----------------------------------------------------------------------
    def _count(self, action: str) -> None:
        """The anonymous usage counter, in the kiosk's own database."""
        with self.outbox.store.transaction() as db:
            add_usage(db, self.clock().astimezone(ZoneInfo(self.zone)), action)

    def _pin(self, patron: str) -> str | None:
        return self.signing.pin_of(patron)

    def _barcode(self, barcode: str) -> str:
        code = barcode.strip()
        if not code or value_problem(code, self.settings.framing):
            raise DomainError("circulation.item_not_found", barcode=code)
        return code

    def _clean(self, text: str) -> str:
        value = text.strip()
        if value_problem(value, self.settings.framing):
            raise DomainError("circulation.item_not_found", barcode=value)
        return value


def _not_a_staff_card(patron: str, by_staff: bool) -> DomainError:
    """At the desk: which cards the kiosk keeps PINs for; a patron: ask the desk."""
    if by_staff:
        return DomainError("sip2.pin_not_staff_card", card=patron)
    return DomainError("sip2.pin_change_unsupported")


def _ok(status: AcsStatus | None, what: str) -> bool:
    if status is None:
        return True
    return status.checkout if what == "checkout" else status.checkin
