"""The circulation interface on the library's ILS, over SIP2.

Every method is synchronous and makes one or a few round trips to the ACS (a list of
loans: one 63 for the list and one 17 per item), so callers on the UI thread run it on
a worker (``Services.local`` is False). Thread-safe: the client keeps one request in
flight.

The ILS decides; the kiosk reports. Refusals carry the ILS's own words: an AF screen
message becomes ``circulation.ils_refused`` with ``message``; AF and AG of a success
travel in the result (``messages``, ``print_lines``). Patrons are named by the ILS's
patron identifier (AA), which is their ``ref``.

PINs: with ``pin=ils`` (the default) the patron's PIN (or a blank one) always goes out
as AD at sign-in, and the ILS's CQ decides: CQ=N is ``pin_required`` for a blank PIN
and ``pin_wrong`` for a wrong one; no CQ means the ILS does not check PINs. With
``pin=required`` a blank PIN never goes out and only CQ=Y signs in. BL=N (unknown,
expired ...) is ``circulation.card_not_valid``.

While the ILS is unreachable and ``offline_checkouts`` is on, sign-in, checkout and
return go to :class:`~kiosk.circulation.offline.OfflineDesk`; the outbox is replayed
in order (no block Y, the nb due date shown to the patron) when the ILS answers again,
and before any new checkout or return, so that the ILS sees everything in the order it
happened.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
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
from kiosk.circulation.pin_tries import PinTries
from kiosk.circulation.sip2.client import AcsStatus, Sip2Client, Sip2UnreachableError
from kiosk.circulation.sip2.codec import (
    BLANK_DATE,
    Message,
    Sip2ProtocolError,
    parse_timestamp,
    timestamp,
    value_problem,
)
from kiosk.circulation.sip2.settings import Sip2Settings
from kiosk.circulation.usage import add_usage
from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.money import Rupiah
from kiosk.outbox import Outbox, OutboxEntry, ReplayReport
from kiosk.store import Store
from kiosk.timeutil import Clock, from_db, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")

#: The outbox target of this backend.
TARGET = "sip2"
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
        self.tries = PinTries(section.pin_max_tries, section.pin_lock_minutes, clock)
        self.offline = OfflineDesk(
            store,
            config,
            self.outbox,
            self.tries,
            clock,
            pin_required=self.settings.pin == "required",
        )
        self._pins: dict[str, str] = {}
        self._pins_lock = threading.Lock()
        self._started = False

    # -- lifecycle and what the ILS supports ------------------------------------------
    def start(self) -> None:
        """Start the monitor (keep-alive, status, reconnect, outbox replay)."""
        if not self._started:
            self._started = True
            self.client.start()

    def close(self) -> None:
        self.client.close()
        self._started = False

    def acs_status(self) -> AcsStatus | None:
        """The ACS's last 98 (None before the first connection)."""
        return self.client.status

    def capabilities(self) -> Capabilities:
        """What the screens may offer now, from the ACS's BX and on-line flags."""
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

    # -- sign-in ----------------------------------------------------------------------
    def set_pin(
        self, patron: str, new_pin: str, old_pin: str | None = None, *, by_staff: bool = False
    ) -> None:
        """SIP2 has no message that changes a PIN: the ILS keeps it (its own patron
        pages or the desk change it). :meth:`capabilities` says so, and the screens hide
        "Set my PIN"."""
        raise DomainError("sip2.pin_change_unsupported")

    def sign_in(
        self, *, uid: str | None = None, number: str | None = None, pin: str | None = None
    ) -> Patron:
        card = uid.strip().upper() if uid else (number or "").strip()
        if not card or value_problem(card, self.settings.framing):
            raise DomainError("circulation.card_unknown")
        self.tries.check(card)
        policy = self.settings.pin
        if policy == "required" and not pin:
            raise DomainError("circulation.pin_required")  # a blank PIN never goes out
        if pin and value_problem(pin, self.settings.framing):
            self.tries.failed(card)
        sent_pin = None if policy == "off" else (pin or "")
        try:
            reply = self._patron_reply(card, sent_pin)
        except Sip2UnreachableError:
            if self.offline.enabled:
                return self.offline.sign_in(uid=uid, number=number, pin=pin)
            raise
        valid = reply.get("BL")
        if (valid is not None and valid.strip() != "Y") or (valid is None and not reply.text("AE")):
            raise DomainError("circulation.card_not_valid")
        if _status_flag(reply, CARD_LOST):
            raise DomainError("circulation.card_lost")
        verified = self._check_pin(card, reply.get("CQ"), pin, policy)
        self.tries.passed(card)
        patron = self._patron(reply, card)
        with self._pins_lock:
            self._pins.clear()
            if pin and policy != "off":
                self._pins[patron.ref] = pin
        self.offline.remember(patron, uid=uid, pin=pin if verified else None)
        self._count("sign_in")
        return patron

    def _check_pin(self, card: str, cq: str | None, pin: str | None, policy: str) -> bool:
        """Whether the ILS verified a PIN; raises when it must not sign in."""
        if policy == "off":
            return False
        if cq is None:
            if policy == "required":
                raise DomainError("circulation.pin_not_checked")
            return False  # the ILS does not check PINs
        if cq.strip() == "Y":
            return bool(pin)
        if not pin:
            raise DomainError("circulation.pin_required")
        self.tries.failed(card)

    def end_session(self, patron: str) -> None:
        """The patron signed out: 35 end session (when the ACS has it), and the PIN
        kept for the session is forgotten. Never raises for a network problem."""
        with self._pins_lock:
            pin = self._pins.pop(patron, None)
        status = self.client.status
        if status is not None and not status.supports("end_session"):
            return
        message = Message(
            "35",
            {"transaction_date": self._now()},
            (("AO", self.settings.institution), ("AA", patron), ("AC", ""), *_pin_field(pin)),
        )
        try:
            self.client.request(message, "36", repeatable=True)
        except (Sip2UnreachableError, Sip2ProtocolError) as exc:
            log.info("SIP2 end session not sent: %s", exc)

    def problems(self, patron: str) -> list[DomainError]:
        """Every block the ILS reports on the account (patron status, 23/24)."""
        reply = self._status_reply(patron)
        found: list[DomainError] = []
        if _status_flag(reply, CARD_LOST):
            found.append(DomainError("circulation.card_lost"))
        if _status_flag(reply, CHARGE_DENIED):
            found.append(DomainError("circulation.card_blocked"))
        if _status_flag(reply, EXCESSIVE_FINES) or _status_flag(reply, EXCESSIVE_FEES):
            found.append(DomainError("circulation.ils_fines", balance=Rupiah(_money(reply))))
        return found

    # -- overview and lists -----------------------------------------------------------
    def overview(self, patron: str) -> PatronOverview:
        reply = self._patron_reply(patron, self._pin(patron))
        counts = reply.fixed
        return PatronOverview(
            patron=self._patron(reply, patron),
            loans=_count(counts["charged_items_count"]),
            overdue=_count(counts["overdue_items_count"]),
            holds_ready=_count(counts["hold_items_count"]),
            fines_balance=_money(reply),
        )

    def loans(self, patron: str) -> list[Loan]:
        charged = self._list(patron, CHARGED_ITEMS, "AU")
        overdue = set(self._list(patron, OVERDUE_ITEMS, "AT"))
        now = self.clock()
        result = []
        for barcode in charged:
            info = self._item_reply(barcode)
            due_at, due_text = self._due(info.get("AH"))
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

    def holds(self, patron: str) -> list[Hold]:
        """Ready holds (AS: available for pickup) first, then those still waiting (CD)."""
        result = []
        for value in self._list(patron, HOLD_ITEMS, "AS"):
            info = self._item_reply(value)
            result.append(
                Hold(
                    title=info.text("AJ") or value,
                    status="ready",
                    pickup_location=info.text("AP") or None,
                    shelf_location=info.text("AP") or self.config.circulation.hold_shelf,
                    expires_on=self._day(info.get("CM")),
                    barcode=value,
                )
            )
        for value in self._list(patron, UNAVAILABLE_HOLDS, "CD"):
            result.append(
                Hold(
                    title=self._title_of(value),
                    status="waiting",
                    pickup_location=None,
                    shelf_location=None,
                    expires_on=None,
                )
            )
        return result

    def fines(self, patron: str) -> Fines:
        reply = self._patron_reply(patron, self._pin(patron), _summary(FINE_ITEMS))
        limit = reply.get("CC")
        return Fines(
            balance=_money(reply),
            lines=(),
            limit=_amount(limit) if limit else None,
            descriptions=reply.all("AV"),
        )

    def item(self, barcode: str) -> ItemInfo:
        code = self._barcode(barcode)
        info = self._item_reply(code)
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
            due_at=self._due(due)[0] if due and due.strip() else None,
        )

    # -- checkout and return ----------------------------------------------------------
    def checkout(self, patron: str, barcode: str) -> CheckoutResult:
        code = self._barcode(barcode)

        def online() -> CheckoutResult:
            self._must_circulate("checkout")
            reply = self.client.request(
                self._checkout_message(patron, code), "12", repeatable=False
            )
            if reply.fixed["ok"] != "1":
                raise _refusal(reply)
            due_at, due_text = self._due(reply.get("AH"))
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
            now = self._now()
            reply = self.client.request(
                self._checkin_message(code, now, now), "10", repeatable=False
            )
            if reply.fixed["ok"] != "1":
                raise _refusal(reply)
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

    def _checkout_message(
        self, patron: str, code: str, at: str | None = None, due: str = BLANK_DATE
    ) -> Message:
        return Message(
            "11",
            {
                "sc_renewal_policy": "N",
                "no_block": "N" if at is None else "Y",
                "transaction_date": at or self._now(),
                "nb_due_date": due,
            },
            (
                ("AO", self.settings.institution),
                ("AA", patron),
                ("AB", code),
                ("AC", ""),
                *_pin_field(self._pin(patron)),
            ),
        )

    def _checkin_message(
        self, code: str, at: str, returned: str, *, replay: bool = False
    ) -> Message:
        return Message(
            "09",
            {"no_block": "Y" if replay else "N", "transaction_date": at, "return_date": returned},
            (
                ("AP", self.settings.location),
                ("AO", self.settings.institution),
                ("AB", code),
                ("AC", ""),
            ),
        )

    # -- renew ------------------------------------------------------------------------
    def renew(self, patron: str, barcode: str) -> RenewResult:
        code = self._barcode(barcode)
        self._must_support("renew")
        message = Message(
            "29",
            {
                "third_party_allowed": "N",
                "no_block": "N",
                "transaction_date": self._now(),
                "nb_due_date": BLANK_DATE,
            },
            (
                ("AO", self.settings.institution),
                ("AA", patron),
                *_pin_field(self._pin(patron)),
                ("AB", code),
                ("AC", ""),
            ),
        )
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
        due_at, due_text = self._due(reply.get("AH"))
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
        if not self._status().supports("renew_all"):
            return [self.renew(patron, loan.barcode) for loan in self.loans(patron)]
        message = Message(
            "65",
            {"transaction_date": self._now()},
            (
                ("AO", self.settings.institution),
                ("AA", patron),
                *_pin_field(self._pin(patron)),
                ("AC", ""),
            ),
        )
        reply = self.client.request(message, "66", repeatable=False)
        results = []
        for barcode in reply.all("BM"):
            info = self._item_reply(barcode)
            due_at, due_text = self._due(info.get("AH"))
            self._count("renew")
            results.append(
                RenewResult(barcode, info.text("AJ") or barcode, True, due_at, due_text=due_text)
            )
        for barcode in reply.all("BN"):
            results.append(
                RenewResult(
                    barcode,
                    self._title_of(barcode),
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
            expires_on=self._day(reply.get("BW")),
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
        self._must_support("hold")
        if not barcode and not title:
            raise DomainError("circulation.item_not_found", barcode="")
        fields: list[tuple[str, str]] = [("AO", self.settings.institution), ("AA", patron)]
        if pickup:
            fields.append(("BS", self._clean(pickup)))
        fields.append(("BY", "3" if barcode else "2"))
        fields += _pin_field(self._pin(patron))
        if barcode:
            fields.append(("AB", self._barcode(barcode)))
        if title:
            fields.append(("AJ", self._clean(title)))
        fields.append(("AC", ""))
        message = Message("15", {"hold_mode": mode, "transaction_date": self._now()}, tuple(fields))
        reply = self.client.request(message, "16", repeatable=False)
        if reply.fixed["ok"] != "1":
            raise _refusal(reply)
        return reply

    def pay(self, patron: str, amount: int, taken_by: str | None = None) -> Fines:
        """37 fee paid (cash taken at the desk) when the ACS supports it."""
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise DomainError("circulation.amount_invalid")
        self._must_support("fee_paid")
        stamp = self._now()
        message = Message(
            "37",
            {
                "transaction_date": stamp,
                "fee_type": "01",
                "payment_type": "00",
                "currency_type": self.settings.currency,
            },
            (
                ("BV", str(amount)),
                ("AO", self.settings.institution),
                ("AA", patron),
                ("AC", ""),
                *_pin_field(self._pin(patron)),
                ("BK", f"{self.config.kiosk.id}-{stamp.replace(' ', '')}"),
            ),
        )
        reply = self.client.request(message, "38", repeatable=False)
        if reply.fixed["payment_accepted"] != "Y":
            raise _refusal(reply)
        self._count("payment")
        return self.fines(patron)

    # -- the outbox -------------------------------------------------------------------
    def replay(self) -> ReplayReport:
        """Send what the outbox holds, in order (also run by the monitor thread when
        the ILS answers again)."""
        return self.outbox.replay(self._deliver)

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

    def _deliver(self, entry: OutboxEntry) -> str | None:
        payload = entry.payload
        barcode = str(payload.get("barcode", ""))
        try:
            if entry.kind == "checkout":
                patron = str(payload["patron"])
                if entry.in_doubt and barcode in self._list(patron, CHARGED_ITEMS, "AU"):
                    return None  # it arrived before the connection (or the kiosk) died
                at = timestamp(from_db(str(payload["at"])), self.zone)
                due = timestamp(from_db(str(payload["due"])), self.zone)
                message = self._checkout_message(patron, barcode, at, due)
                reply = self.client.request(message, "12", repeatable=False)
            elif entry.kind == "checkin":
                if (
                    entry.in_doubt
                    and self._item_reply(barcode).fixed["circulation_status"] not in CHARGED
                ):
                    return None
                at = timestamp(from_db(str(payload["at"])), self.zone)
                message = self._checkin_message(barcode, at, at, replay=True)
                reply = self.client.request(message, "10", repeatable=False)
            else:
                return f"unknown outbox entry kind {entry.kind!r}"
        except Sip2ProtocolError as exc:
            # Garbled after sending: it may have been carried out; check next time.
            raise Sip2UnreachableError(exc.reason, maybe_done=True) from None
        if reply.fixed["ok"] == "1":
            return None
        return (
            " ".join(m.strip() for m in reply.all("AF") if m.strip()) or "refused (no reason given)"
        )

    # -- helpers ----------------------------------------------------------------------
    def _count(self, action: str) -> None:
        """The anonymous usage counter, in the kiosk's own database."""
        with self.outbox.store.transaction() as db:
            add_usage(db, self.clock().astimezone(ZoneInfo(self.zone)), action)

    def _now(self) -> str:
        return timestamp(self.clock(), self.zone)

    def _pin(self, patron: str) -> str | None:
        with self._pins_lock:
            return self._pins.get(patron)

    def _language(self) -> str:
        return "001" if self.config.kiosk.language == "en" else "000"

    def _patron_reply(self, patron: str, pin: str | None, summary: str = " " * 10) -> Message:
        """63 patron information (or 23 patron status when the ACS lacks 63 and no
        list is asked for)."""
        status = self._status()
        if not status.supports("patron_information"):
            if summary.strip() or not status.supports("patron_status"):
                raise DomainError("circulation.ils_unsupported")
            return self._status_reply(patron, pin)
        fields = [("AO", self.settings.institution), ("AA", patron), ("AC", "")]
        fields += _pin_field(pin)
        if summary.strip():
            fields += [("BP", "1"), ("BQ", "999")]
        message = Message(
            "63",
            {"language": self._language(), "transaction_date": self._now(), "summary": summary},
            tuple(fields),
        )
        return self.client.request(message, "64", repeatable=True)

    def _status_reply(self, patron: str, pin: str | None = None) -> Message:
        self.start()
        message = Message(
            "23",
            {"language": self._language(), "transaction_date": self._now()},
            (
                ("AO", self.settings.institution),
                ("AA", patron),
                ("AC", ""),
                ("AD", pin if pin is not None else (self._pin(patron) or "")),
            ),
        )
        return self.client.request(message, "24", repeatable=True)

    def _list(self, patron: str, position: int, field_id: str) -> list[str]:
        reply = self._patron_reply(patron, self._pin(patron), _summary(position))
        return [value.strip() for value in reply.all(field_id) if value.strip()]

    def _item_reply(self, barcode: str) -> Message:
        self.start()
        message = Message(
            "17",
            {"transaction_date": self._now()},
            (("AO", self.settings.institution), ("AB", barcode), ("AC", "")),
        )
        return self.client.request(message, "18", repeatable=True)

    def _title_of(self, value: str) -> str:
        """The title of an item id from a list; lists may hold titles already."""
        if value_problem(value, self.settings.framing):
            return value
        return self._item_reply(value).text("AJ") or value

    def _must_support(self, name: str) -> None:
        if not self._status().supports(name):
            raise DomainError("circulation.ils_unsupported")

    def _status(self) -> AcsStatus:
        """The ACS's status, connecting first when there has been no 98 yet (what the
        ILS supports decides which message to send)."""
        self.start()
        status = self.client.status
        return status if status is not None else self.client.refresh_status()

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

    def _patron(self, reply: Message, fallback: str) -> Patron:
        ref = reply.text("AA") or fallback
        return Patron(
            ref=ref,
            name=reply.text("AE") or ref,
            patron_group=reply.text("PC"),
            is_staff=False,
            expires_on=self._day(reply.get("PA")),
            card_number=ref,
            language=LANGUAGE_CODES.get(reply.fixed.get("language", "")),
        )

    def _due(self, text: str | None) -> tuple[datetime, str | None]:
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
        zone = ZoneInfo(self.zone)
        if len(written) <= 10:  # a date alone: due at the library's due time that day
            parsed = datetime.combine(
                parsed.date(), time.fromisoformat(self.config.circulation.due_time)
            )
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zone)
        return parsed.astimezone(now.tzinfo), written

    def _day(self, text: str | None) -> date | None:
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


def _ok(status: AcsStatus | None, what: str) -> bool:
    if status is None:
        return True
    return status.checkout if what == "checkout" else status.checkin


def _pin_field(pin: str | None) -> tuple[tuple[str, str], ...]:
    return (("AD", pin),) if pin is not None else ()


def _summary(position: int) -> str:
    return " " * position + "Y" + " " * (9 - position)


def _status_flag(reply: Message, position: int) -> bool:
    return reply.fixed.get("patron_status", "")[position : position + 1] == "Y"


def _count(text: str) -> int:
    return int(text) if text.strip().isdigit() else 0


def _amount(text: str) -> int:
    """A SIP2 money text (``12500.00``, ``-5.00``, ``12,500``) -> whole units."""
    cleaned = "".join(c for c in text.strip() if c.isdigit() or c in ".-")
    try:
        return int(Decimal(cleaned).to_integral_value())
    except (InvalidOperation, ValueError):
        log.warning("SIP2 amount %r is not a number", text)
        return 0


def _money(reply: Message) -> int:
    value = reply.get("BV")
    return _amount(value) if value and value.strip() else 0


def _refusal(reply: Message) -> DomainError:
    message = " ".join(m.strip() for m in reply.all("AF") if m.strip())
    if message:
        return DomainError("circulation.ils_refused", message=message)
    return DomainError("circulation.ils_refused_plain")
