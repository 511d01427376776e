"""Staff cards on a backend that has no staff flag (the ILS over SIP2: its patron
information says nothing of staff).

The cards are listed in ``[backend] staff_cards`` (card numbers or card keys, as on the
card). Their PINs are the kiosk's own, set at the desk with ``kiosk circ pin set``, and
kept in the kiosk's own database as a patron of a staff group with that card: the same
rows, the same scrypt hashing (:mod:`kiosk.pins`) and the same card lock
(:mod:`kiosk.circulation.pin_lock`, counted in the row) as staff on the local backend,
so there is one way to check a staff PIN. A listed card never reaches staff mode
without its PIN (``circulation.staff_pin_missing`` until one is set).

Synchronous; a PIN check is scrypt (50-100 ms on a Pi). Works while the ILS is down.
"""

from __future__ import annotations

from dataclasses import replace

from kiosk.circulation.api import Patron
from kiosk.circulation.local import LocalCirculation
from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.patrons import find_card, normalise_key
from kiosk.store import Store
from kiosk.timeutil import Clock, to_db


def _canonical(card: str) -> str:
    """A card key in any spelling (``04:a1:b2``) -> ``04A1B2``; a card number as is."""
    return normalise_key(card) or card.strip()


class StaffCards:
    def __init__(self, store: Store, config: Config, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.listed = tuple(config.backend.staff_cards)
        #: The kiosk's own patron records: where a staff card's PIN and lock live.
        self.records = LocalCirculation(store, config, clock)

    def entry(self, *, uid: str | None = None, number: str | None = None) -> str | None:
        """The listed staff card a tapped card key or a typed number is (None: not
        a staff card)."""
        given = uid or number
        if not given or not given.strip():
            return None
        wanted = _canonical(given)
        return next((card for card in self.listed if _canonical(card) == wanted), None)

    def sign_in(self, card: str, pin: str | None) -> Patron:
        """Check the staff card's own PIN. ``ref`` and ``card_number`` are the card as
        listed (the ILS knows the person by it, if it knows them at all). Raises
        ``circulation.staff_pin_missing``, ``.pin_required``, ``.pin_wrong``,
        ``.card_locked``."""
        if self._record(card) is None:
            raise DomainError("circulation.staff_pin_missing", card=card)
        patron = self.records.sign_in(number=card, pin=pin)
        if not (patron.is_staff and patron.pin_verified):
            raise DomainError("circulation.staff_pin_missing", card=card)  # not a staff row
        return replace(patron, ref=card, card_number=card)

    def set_pin(self, card: str, new_pin: str, old_pin: str | None, *, by_staff: bool) -> None:
        """Raises ``pin.invalid``, ``pin.old_required``, ``circulation.pin_wrong``,
        ``.card_locked``, ``circulation.staff_card_taken``."""
        pid = self._record(card)
        if pid is None:
            pid = self._add_record(card)
        self.records.set_pin(str(pid), new_pin, old_pin, by_staff=by_staff)

    def clear_pin(self, card: str) -> None:
        """The card then cannot open staff mode until a PIN is set again."""
        pid = self._record(card)
        if pid is not None:
            self.records.clear_pin(str(pid))

    def patron(self, card: str) -> Patron:
        """The kiosk's record of a listed staff card (a bare one before its first PIN),
        for staff views."""
        pid = self._record(card)
        if pid is None:
            return Patron(card, card, "staff", True, None, card_number=card)
        return replace(self.records.patron(str(pid)), ref=card, card_number=card)

    def has_pin(self, card: str) -> bool:
        pid = self._record(card)
        return pid is not None and self.records.patron(str(pid)).has_pin

    def _record(self, card: str) -> int | None:
        """The kiosk's staff record of a listed card (None before its first PIN).
        Raises ``circulation.staff_card_taken`` when the card is a patron's that is not
        staff (a local patron database kept from before the ILS)."""
        with self.store.lock:
            found = find_card(self.store, number=card)
            if found is None:
                return None
            row = self.store.conn.execute(
                """SELECT g.is_staff FROM patrons p JOIN patron_groups g
                   ON g.code = p.patron_group WHERE p.id = ?""",
                [found.patron_id],
            ).fetchone()
        if not row or not row["is_staff"]:
            raise DomainError("circulation.staff_card_taken", card=card)
        return found.patron_id

    def _add_record(self, card: str) -> int:
        with self.store.transaction() as db:
            # The staff group every database starts with (migration 0002), should a
            # library have removed it.
            db.execute(
                """INSERT OR IGNORE INTO patron_groups (code, name_id, name_en, is_staff)
                   VALUES ('staff', 'Staf', 'Staff', 1)"""
            )
            group = db.execute(
                "SELECT code FROM patron_groups WHERE is_staff = 1 ORDER BY code <> 'staff' LIMIT 1"
            ).fetchone()
            if group is None:
                raise DomainError("circulation.staff_card_taken", card=card)
            cursor = db.execute(
                "INSERT INTO patrons (name, patron_group, created_at) VALUES (?, ?, ?)",
                [card, group["code"], to_db(self.clock())],
            )
            pid = int(cursor.lastrowid or 0)
            db.execute("INSERT INTO cards (patron_id, card_number) VALUES (?, ?)", [pid, card])
        return pid
