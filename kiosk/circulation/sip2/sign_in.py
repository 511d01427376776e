"""Who is at the kiosk, on the ILS: sign-in, the PIN rules, staff cards, and the PIN
kept for the length of one patron's session.

PINs: with ``pin=ils`` (the default) the patron's PIN (or a blank one) always goes out
as AD, and the ILS's CQ decides: CQ=N is ``pin_required`` for a blank PIN and
``pin_wrong`` for a wrong one; no CQ means the ILS does not check PINs. With
``pin=required`` a blank PIN never goes out and only CQ=Y signs in. BL=N (unknown,
expired ...) is ``circulation.card_not_valid``. Every typed PIN is counted against the
card before it goes out (:mod:`kiosk.circulation.pin_lock`), so parallel attempts
cannot try more than ``pin_max_tries`` PINs at the ILS.

Staff cards (``[backend] staff_cards``) sign in with the kiosk's own PIN
(:mod:`kiosk.circulation.staff_cards`), the ILS only adding their name if it knows them.
While the ILS is unreachable and offline circulation is on, other cards sign in from
the offline card cache (:mod:`kiosk.circulation.offline`).

Blocking (a round trip; scrypt for staff and offline cards). Thread-safe.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace

from kiosk.circulation.api import Patron
from kiosk.circulation.offline import OfflineDesk
from kiosk.circulation.pin_lock import Attempt, PinLock
from kiosk.circulation.sip2.acs_replies import CARD_LOST, LANGUAGE_CODES, Dates, status_flag
from kiosk.circulation.sip2.client import Sip2UnreachableError
from kiosk.circulation.sip2.codec import Message, Sip2ProtocolError, value_problem
from kiosk.circulation.sip2.lookup import Lookup
from kiosk.circulation.staff_cards import StaffCards
from kiosk.domain.errors import DomainError

log = logging.getLogger(__name__)


class Sip2SignIn:
    def __init__(
        self,
        lookup: Lookup,
        dates: Dates,
        pin_lock: PinLock,
        staff: StaffCards,
        offline: OfflineDesk,
    ) -> None:
        self.lookup = lookup
        self.settings = lookup.client.settings
        self.dates = dates
        self.pin_lock = pin_lock
        self.staff = staff
        self.offline = offline
        self._pins: dict[str, str] = {}
        self._pins_lock = threading.Lock()

    def sign_in(self, *, uid: str | None, number: str | None, pin: str | None) -> Patron:
        card = card_text(uid=uid, number=number)
        if not card or value_problem(card, self.settings.framing):
            raise DomainError("circulation.card_unknown")
        staff_card = self.staff.entry(uid=uid, number=number)
        if staff_card is not None:
            return self._staff(staff_card, pin)
        self.pin_lock.refuse_if_locked(card)
        policy = self.settings.pin
        if policy == "required" and not pin:
            raise DomainError("circulation.pin_required")  # a blank PIN never goes out
        attempt = None
        if pin and policy != "off":
            attempt = self.pin_lock.attempt(card)  # counted before the ILS sees it
            if value_problem(pin, self.settings.framing):
                self.pin_lock.failed(attempt)
        try:
            reply = self.lookup.patron(card, None if policy == "off" else (pin or ""))
        except Sip2UnreachableError:
            if self.offline.enabled:
                return self.offline.sign_in(uid=uid, number=number, pin=pin, attempt=attempt)
            raise
        if not valid_patron(reply):
            raise DomainError("circulation.card_not_valid")
        if status_flag(reply, CARD_LOST):
            raise DomainError("circulation.card_lost")
        verified = self._pin_outcome(reply.get("CQ"), pin, attempt)
        patron = self.patron(reply, card)
        with self._pins_lock:
            self._pins.clear()  # one patron at a kiosk at a time
            if pin and policy != "off":
                self._pins[patron.ref] = pin
        self.offline.remember(patron, uid=uid, pin=pin if verified else None)
        return replace(patron, has_pin=verified, pin_verified=verified)

    def _pin_outcome(self, cq: str | None, pin: str | None, attempt: Attempt | None) -> bool:
        """Whether the ILS verified a PIN; raises when the patron must not sign in."""
        policy = self.settings.pin
        if policy == "off":
            return False
        if cq is None:
            if policy == "required":
                raise DomainError("circulation.pin_not_checked")
            if attempt is not None:
                self.pin_lock.passed(attempt)
            return False  # the ILS does not check PINs
        if cq.strip() == "Y":
            if attempt is not None:
                self.pin_lock.passed(attempt)
            return attempt is not None
        if attempt is None:
            raise DomainError("circulation.pin_required")
        self.pin_lock.failed(attempt)

    def _staff(self, card: str, pin: str | None) -> Patron:
        """A listed staff card: the kiosk's own PIN decides; the ILS, if it knows the
        card and answers, gives the name and language."""
        patron = self.staff.sign_in(card, pin)
        with self._pins_lock:
            self._pins.clear()
        try:
            reply = self.lookup.patron(card, None)
        except (Sip2UnreachableError, Sip2ProtocolError, DomainError) as exc:
            log.info("SIP2: staff card %s signed in without the ILS: %s", card, exc)
            return patron
        if not valid_patron(reply):
            return patron
        known = self.patron(reply, card)
        return replace(patron, name=known.name, language=known.language or patron.language)

    def find(self, text: str) -> Patron:
        """A patron for staff at the desk (no PIN, no checks): the ILS's record, or
        the kiosk's own record of a listed staff card the ILS does not know."""
        card = text.strip()
        if not card or value_problem(card, self.settings.framing):
            raise DomainError("circulation.card_unknown")
        staff_card = self.staff.entry(number=card)
        try:
            reply = self.lookup.patron(card, None)
        except Sip2UnreachableError:
            if staff_card is None:
                raise
            return self.staff.patron(staff_card)
        if not valid_patron(reply):
            if staff_card is not None:
                return self.staff.patron(staff_card)
            raise DomainError("circulation.card_not_valid")
        patron = self.patron(reply, card)
        if staff_card is not None:
            patron = replace(patron, is_staff=True, has_pin=self.staff.has_pin(staff_card))
        return patron

    def patron(self, reply: Message, fallback: str) -> Patron:
        ref = reply.text("AA") or fallback
        return Patron(
            ref=ref,
            name=reply.text("AE") or ref,
            patron_group=reply.text("PC"),
            is_staff=False,
            expires_on=self.dates.day(reply.get("PA")),
            card_number=ref,
            language=LANGUAGE_CODES.get(reply.fixed.get("language", "")),
        )

    # -- the session's PIN --------------------------------------------------------------
    def pin_of(self, patron: str) -> str | None:
        """The PIN the signed-in patron gave (sent as AD with their requests)."""
        with self._pins_lock:
            return self._pins.get(patron)

    def forget(self, patron: str) -> str | None:
        """The session ended: the PIN is forgotten (returned for the 35)."""
        with self._pins_lock:
            return self._pins.pop(patron, None)


def valid_patron(reply: Message) -> bool:
    """BL=Y; an ACS that sends no BL (a 23 of some ILSs) at least names the patron."""
    valid = reply.get("BL")
    return valid.strip() == "Y" if valid is not None else bool(reply.text("AE"))


def card_text(*, uid: str | None, number: str | None) -> str:
    """What names a card to the ILS: a card key in uppercase, a number as typed."""
    return uid.strip().upper() if uid else (number or "").strip()
