"""Circulation while a networked backend (the ILS over SIP2, later the hub) is
unreachable: what commercial self-check machines call store-and-forward.

- Sign-in only for cards that signed in online within ``offline_card_days``, from a
  local cache of what that sign-in returned: card key and number, name, language and
  the scrypt hash of the PIN the ILS accepted. Never loans or history. Entries older
  than ``offline_card_days`` are deleted whenever the cache is written.
- Checkouts go into the outbox with the due date the offline rules give
  (``offline_loan_days``, moved to an opening day like any due date), at most
  ``offline_max_items`` per patron until the backend is back; returns likewise. The
  backend replays them in order (:meth:`kiosk.outbox.Outbox.replay`).

Synchronous, a few milliseconds (an outbox write is fsync'd; a PIN check is scrypt).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kiosk.circulation.api import CheckoutResult, Patron, ReturnResult
from kiosk.circulation.pin_lock import Attempt, PinLock
from kiosk.circulation.rules import Rules
from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.outbox import Outbox, OutboxEntry
from kiosk.pins import hash_pin, verify_pin
from kiosk.store import Store
from kiosk.timeutil import Clock, from_db, to_db


@dataclass(frozen=True)
class CachedCard:
    patron_ref: str
    card_key: str | None
    card_number: str
    name: str
    language: str | None
    pin_hash: str | None
    seen_at: datetime


class OfflineDesk:
    """``pin_required``: the backend always asks for a PIN, so a cached card without a
    PIN hash cannot sign in offline."""

    def __init__(
        self,
        store: Store,
        config: Config,
        outbox: Outbox,
        pin_lock: PinLock,
        clock: Clock,
        *,
        pin_required: bool = False,
    ) -> None:
        self.store = store
        self.section = config.backend
        self.outbox = outbox
        self.pin_lock = pin_lock
        self.clock = clock
        self.pin_required = pin_required
        self.rules = Rules(config.circulation, config.kiosk.timezone)

    @property
    def enabled(self) -> bool:
        return self.section.offline_checkouts

    # -- the card cache --------------------------------------------------------------
    def remember(self, patron: Patron, *, uid: str | None, pin: str | None) -> None:
        """After an online sign-in: keep what offline sign-in needs. ``pin``: the PIN
        the ILS just accepted (None: none was checked). A PIN this kiosk cannot hash
        (not 4-8 digits) removes the card from the cache instead, so that it never
        signs in offline without one."""
        if not self.enabled:
            return
        ref = patron.ref
        now = self.clock()
        pin_hash = None
        if pin:
            known = self.card(ref)
            if known is not None and known.pin_hash and verify_pin(pin, known.pin_hash):
                pin_hash = known.pin_hash
            else:
                try:
                    pin_hash = hash_pin(pin)
                except ValueError:
                    self.forget(ref)
                    return
        key = uid.upper() if uid else None
        with self.store.transaction() as db:
            self._prune(db, now)
            if key is not None:
                db.execute(
                    """UPDATE offline_cards SET card_key = NULL
                       WHERE card_key = ? AND patron_ref <> ?""",
                    [key, ref],
                )
            db.execute(
                """INSERT INTO offline_cards
                     (patron_ref, card_key, card_number, name, language, pin_hash, seen_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(patron_ref) DO UPDATE SET
                     card_key = coalesce(excluded.card_key, card_key),
                     card_number = excluded.card_number, name = excluded.name,
                     language = excluded.language, pin_hash = excluded.pin_hash,
                     seen_at = excluded.seen_at""",
                [
                    ref,
                    key,
                    patron.card_number or ref,
                    patron.name,
                    patron.language,
                    pin_hash,
                    to_db(now),
                ],
            )

    def forget(self, ref: str) -> None:
        with self.store.transaction() as db:
            db.execute("DELETE FROM offline_cards WHERE patron_ref = ?", [ref])

    def card(self, ref: str) -> CachedCard | None:
        return self._find("patron_ref = ?", ref)

    def _prune(self, db: Any, now: datetime) -> None:
        oldest = now - timedelta(days=self.section.offline_card_days)
        db.execute("DELETE FROM offline_cards WHERE seen_at < ?", [to_db(oldest)])

    def _find(self, where: str, value: str) -> CachedCard | None:
        with self.store.lock:
            row = self.store.conn.execute(
                f"""SELECT patron_ref, card_key, card_number, name, language, pin_hash, seen_at
                    FROM offline_cards WHERE {where}""",
                [value],
            ).fetchone()
        if row is None:
            return None
        return CachedCard(
            row["patron_ref"],
            row["card_key"],
            row["card_number"],
            row["name"],
            row["language"],
            row["pin_hash"],
            from_db(row["seen_at"]),
        )

    # -- offline circulation ---------------------------------------------------------
    def sign_in(
        self,
        *,
        uid: str | None,
        number: str | None,
        pin: str | None,
        attempt: Attempt | None = None,
    ) -> Patron:
        """Sign in from the cache. Raises ``circulation.offline_card_unknown`` for a
        card not seen online recently enough, else the PIN refusals of any sign-in.
        ``attempt``: this PIN was already counted against the card (the online try
        that found the backend unreachable); it is checked here instead."""
        if uid:
            key = uid.strip().upper()
            card = self._find("card_key = ?", key)
        elif number:
            key = number.strip()
            card = self._find("card_number = ?", key) or self.card(key)
        else:
            key, card = "", None
        now = self.clock()
        if card is None or card.seen_at < now - timedelta(days=self.section.offline_card_days):
            raise DomainError("circulation.offline_card_unknown")
        if attempt is None:
            self.pin_lock.refuse_if_locked(key)
        if card.pin_hash:
            if not pin:
                raise DomainError("circulation.pin_required")
            counted = attempt or self.pin_lock.attempt(key)
            if not verify_pin(pin, card.pin_hash):
                self.pin_lock.failed(counted)
            self.pin_lock.passed(counted)
        elif self.pin_required:
            raise DomainError("circulation.offline_card_unknown")
        return Patron(
            ref=card.patron_ref,
            name=card.name,
            patron_group="",
            is_staff=False,
            expires_on=None,
            card_number=card.card_number,
            language=card.language,
            has_pin=bool(card.pin_hash),
            pin_verified=bool(card.pin_hash),
        )

    def checkout(self, patron: str, barcode: str, *, in_doubt: bool = False) -> CheckoutResult:
        """Queue a checkout. ``in_doubt``: it was sent to the ILS once and may have
        arrived (the replay checks before sending it again)."""
        code = barcode.strip()
        holder = self._holders().get(code)
        if holder == patron:
            raise DomainError("circulation.item_already_yours", title=code)
        if holder is not None:
            raise DomainError("circulation.item_on_loan", title=code)
        mine = sum(1 for who in self._holders().values() if who == patron)
        if mine >= self.section.offline_max_items:
            raise DomainError("circulation.offline_limit", limit=self.section.offline_max_items)
        now = self.clock()
        due = self.rules.due_at(now, self.section.offline_loan_days)
        payload = {"patron": patron, "barcode": code, "at": to_db(now), "due": to_db(due)}
        self.outbox.add("checkout", payload, in_doubt=in_doubt)
        return CheckoutResult(barcode=code, title=code, due_at=from_db(to_db(due)), offline=True)

    def checkin(self, barcode: str, *, in_doubt: bool = False) -> ReturnResult:
        """Queue a return; the tag is re-armed (the item is back in the building)."""
        code = barcode.strip()
        payload = {"barcode": code, "at": to_db(self.clock())}
        self.outbox.add("checkin", payload, in_doubt=in_doubt)
        return ReturnResult(barcode=code, title=code, offline=True)

    def _holders(self) -> dict[str, str]:
        """Item -> patron, for items whose last queued action is an offline checkout."""
        holders: dict[str, str] = {}
        for entry in self.outbox.open_entries():
            _apply(holders, entry)
        return holders


def cached_name(store: Store, patron_ref: str) -> str | None:
    """The name the offline card cache holds for a patron (staff lists: whose offline
    loan the ILS refused), if it still holds them."""
    with store.lock:
        row = store.conn.execute(
            "SELECT name FROM offline_cards WHERE patron_ref = ?", [patron_ref]
        ).fetchone()
    return str(row["name"]) if row else None


def _apply(holders: dict[str, str], entry: OutboxEntry) -> None:
    barcode = str(entry.payload.get("barcode", ""))
    if entry.kind == "checkout":
        holders[barcode] = str(entry.payload.get("patron", ""))
    elif entry.kind == "checkin":
        holders.pop(barcode, None)
