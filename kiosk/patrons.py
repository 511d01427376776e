"""Patrons in one place: what a patron ref names, the card behind a card key or card
number, the patron's record in the kiosk's own database, and whether their standing
lets them borrow or book.

Cards: a tap says whether it carries a card key (the RFID UID) or a card number (see
``CardTapped``); staff and the CLI type either. A text that looks like hex is tried as a
card key first, then as a card number, so ``PLU-0001`` and ``04A1B2C3D4E580`` both work.
A card number is taken as people type it (:func:`loose_number`): when it matches no
card exactly, case, spaces and missing or extra hyphens are forgiven if the result
matches exactly one card (``plu 0002`` and ``PLU0002`` find ``PLU-0002``); a text that
matches several that way is refused (``circulation.card_ambiguous``), never guessed.
The cards looked for are the number's printed forms (:func:`printed_forms`: up to three
hyphens or one space, in capitals or small letters), on the card number's index.

Standing (blocked, card lost, card expired, fines over the limit) is judged on the
library's date in its time zone (``[kiosk] timezone``), never the host's: a card that
expires today is valid until the library's midnight, whatever zone the host runs in.
Every backend judges it here (the local one from its records, SIP2 from the ILS's
patron status flags) and so does the booking service.
"""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.domain.errors import DomainError
from kiosk.money import Rupiah
from kiosk.store import Store
from kiosk.timeutil import from_db


# -- references ------------------------------------------------------------------------
def local_id(ref: int | str | None) -> int | None:
    """The local patron id a ref names (its text form, e.g. ``"12"``), or None when it
    names none (an ILS barcode, garbage)."""
    if isinstance(ref, bool) or ref is None:
        return None
    if isinstance(ref, int):
        return ref if ref > 0 else None
    text = str(ref).strip()
    return int(text) if text.isascii() and text.isdigit() else None


def require_local_id(ref: int | str | None, key: str = "circulation.patron_unknown") -> int:
    """:func:`local_id`, or DomainError ``key`` when the ref names no local patron."""
    pid = local_id(ref)
    if pid is None:
        raise DomainError(key)
    return pid


def library_date(now: datetime, zone: str | ZoneInfo) -> date:
    """The library's date at the aware instant ``now``."""
    return now.astimezone(zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)).date()


# -- cards ----------------------------------------------------------------------------
_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})+$")


@dataclass(frozen=True)
class CardRecord:
    card_id: int
    patron_id: int
    card_key: str | None
    card_number: str | None
    status: str


def normalise_key(text: str) -> str | None:
    """A card key typed with separators or lowercase (``04:a1:b2``) -> ``04A1B2``."""
    compact = re.sub(r"[\s:\-]", "", text.strip())
    return compact.upper() if _HEX.match(compact) else None


#: What a typed card number may differ in from the printed one besides case: spaces and
#: hyphens (ASCII, and the dashes and no-break space a phone keyboard or a copied text
#: brings).
_LOOSE_DROPPED = (" ", "\t", "\u00a0", "-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014")
_LOOSE_TABLE = {ord(char): None for char in _LOOSE_DROPPED}
#: A printed number has at most this many hyphens (``2023-01-0001``, ``PLU-2023-01-7``).
MAX_HYPHENS = 3
#: No card number is longer: a longer text is matched exactly only (the printed forms of
#: a 10,000-character text would be tens of millions).
MAX_LOOSE_LENGTH = 32


def loose_number(text: str) -> str:
    """A card number as compared when typed loosely: ``plu 00-02`` -> ``PLU0002``."""
    return text.strip().translate(_LOOSE_TABLE).upper()


def printed_forms(loose: str) -> list[str]:
    """Every way a card number of loose form ``loose`` may be printed: with up to
    :data:`MAX_HYPHENS` hyphens (or one space) between its characters, in capitals or
    small letters. Looked up on the card number's index, these find the card without a
    pass over every card (with 100,000 cards: about a millisecond, not half a second)."""
    if len(loose) > MAX_LOOSE_LENGTH:
        return [loose]
    inner = range(1, len(loose))
    # Long numbers get fewer hyphens, so that the forms stay in the hundreds.
    most = MAX_HYPHENS if len(loose) <= 16 else 2
    forms = {loose}
    for count in range(1, most + 1):
        for cuts in itertools.combinations(inner, count):
            parts = [loose[i:j] for i, j in zip((0, *cuts), (*cuts, len(loose)), strict=True)]
            forms.add("-".join(parts))
    forms |= {f"{loose[:i]} {loose[i:]}" for i in inner}
    return sorted(forms | {form.lower() for form in forms})


_CARD_QUERY = "SELECT id, patron_id, card_key, card_number, status FROM cards WHERE "


def find_card(
    store: Store, *, uid: str | None = None, number: str | None = None, text: str | None = None
) -> CardRecord | None:
    """The card for a card key, a card number, or free ``text`` (either). A number (or
    a text that is not a known card key) matches exactly first, then loosely (see the
    module's docstring). Raises ``circulation.card_ambiguous`` when the loose form fits
    several cards."""
    conn = store.conn
    row = None
    if uid is not None:
        row = conn.execute(_CARD_QUERY + "card_key = ?", [uid.upper()]).fetchone()
    elif number is not None:
        row = _by_number(conn, number)
    elif text is not None:
        key = normalise_key(text)
        if key is not None:
            row = conn.execute(_CARD_QUERY + "card_key = ?", [key]).fetchone()
        if row is None:
            row = _by_number(conn, text)
    if row is None:
        return None
    return CardRecord(
        row["id"], row["patron_id"], row["card_key"], row["card_number"], row["status"]
    )


def _by_number(conn: sqlite3.Connection, typed: str) -> sqlite3.Row | None:
    exact = conn.execute(_CARD_QUERY + "card_number = ?", [typed.strip()]).fetchone()
    if exact is not None:
        return exact
    loose = loose_number(typed)
    if not loose or len(loose) > MAX_LOOSE_LENGTH:
        return None
    # Only when nothing matched exactly (a number typed loosely): its printed forms.
    forms = printed_forms(loose)
    marks = ",".join("?" * len(forms))
    rows = conn.execute(_CARD_QUERY + f"card_number IN ({marks}) LIMIT 2", forms).fetchall()
    if len(rows) > 1:
        raise DomainError("circulation.card_ambiguous", typed=typed.strip())
    return rows[0] if rows else None


# -- the record -----------------------------------------------------------------------
@dataclass(frozen=True)
class PatronRecord:
    """One row of ``patrons`` with its group's staff flag, read by column name."""

    id: int
    name: str
    patron_group: str
    is_staff: bool
    expires_on: date | None
    blocked: bool
    pin_hash: str | None
    pin_failures: int
    locked_until: datetime | None
    keeps_history: bool
    trained_on: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> PatronRecord:
        return cls(
            id=int(row["id"]),
            name=str(row["name"]),
            patron_group=str(row["patron_group"]),
            is_staff=bool(row["is_staff"]),
            expires_on=date.fromisoformat(row["expires_on"]) if row["expires_on"] else None,
            blocked=bool(row["blocked"]),
            pin_hash=row["pin_hash"],
            pin_failures=int(row["pin_failures"] or 0),
            locked_until=from_db(row["locked_until"]) if row["locked_until"] else None,
            keeps_history=bool(row["keeps_history"]),
            trained_on=_trained(row["trained_on"]),
        )

    @property
    def standing(self) -> Standing:
        """What the kiosk's own records say of the account (the balance is not read
        here: pass it with ``balance=`` when fines matter)."""
        return Standing(blocked=self.blocked, expires_on=self.expires_on)


_SELECT = """SELECT p.id, p.name, p.patron_group, g.is_staff, p.expires_on, p.blocked,
                    p.pin_hash, p.pin_failures, p.locked_until, p.keeps_history,
                    p.trained_on
             FROM patrons p JOIN patron_groups g ON g.code = p.patron_group
             WHERE p.id = ?"""


def read_patron(db: Any, patron_id: int) -> PatronRecord | None:
    """The patron's record (None: no such patron). ``db``: a connection or a
    transaction's sqlite-utils database."""
    row = db.execute(_SELECT, [patron_id]).fetchone()
    return PatronRecord.from_row(row) if row is not None else None


def balance(db: Any, patron_id: int) -> int:
    """Fines minus payments, in whole rupiah."""
    row = db.execute(
        """SELECT (SELECT coalesce(sum(amount), 0) FROM fines WHERE patron_id = :p)
                - (SELECT coalesce(sum(amount), 0) FROM payments WHERE patron_id = :p)
                AS balance""",
        {"p": patron_id},
    ).fetchone()
    return int(row["balance"])


def _trained(text: str | None) -> frozenset[str]:
    try:
        found = json.loads(text or "[]")
    except ValueError:
        return frozenset()
    return frozenset(str(x) for x in found) if isinstance(found, list) else frozenset()


# -- standing -------------------------------------------------------------------------
#: A card whose last day falls within this many days of the library's date is named
#: on Home at sign-in ("valid until ..."), so the patron can renew it before it stops.
CARD_EXPIRY_NOTICE_DAYS = 30


@dataclass(frozen=True)
class Standing:
    """What decides whether a patron may borrow (and book), as the kiosk's records or
    the ILS's patron status say. ``fines_limit`` None: no limit known to the kiosk;
    ``fines_over``: the ILS itself says the fines are too high (it knows its limit)."""

    blocked: bool = False
    lost: bool = False
    expires_on: date | None = None
    balance: int = 0
    fines_limit: int | None = None
    fines_over: bool = False

    def problems(self, today: date, *, fines: bool = True) -> list[DomainError]:
        """Every block on the account on the library's date ``today``, in the order a
        patron can best act on them (empty: in good standing)."""
        found: list[DomainError] = []
        if self.lost:
            found.append(DomainError("circulation.card_lost"))
        if self.blocked:
            found.append(DomainError("circulation.card_blocked"))
        if self.expires_on is not None and self.expires_on < today:
            found.append(DomainError("circulation.card_expired", expired_on=self.expires_on))
        if fines and self.fines_over:
            found.append(DomainError("circulation.ils_fines", balance=Rupiah(self.balance)))
        elif fines and self.fines_limit is not None and self.balance > self.fines_limit:
            found.append(
                DomainError(
                    "circulation.fines_over_limit",
                    balance=Rupiah(self.balance),
                    limit=Rupiah(self.fines_limit),
                )
            )
        return found

    @property
    def fines_block(self) -> bool:
        """The fines stop the patron borrowing (over the limit, or the ILS says so)."""
        over_limit = self.fines_limit is not None and self.balance > self.fines_limit
        return self.fines_over or over_limit

    def card_expired(self, today: date) -> bool:
        return self.expires_on is not None and self.expires_on < today

    def card_expiring(self, today: date) -> bool:
        """The card's last day is near (within :data:`CARD_EXPIRY_NOTICE_DAYS`)."""
        last = self.expires_on
        notice = timedelta(days=CARD_EXPIRY_NOTICE_DAYS)
        return last is not None and today <= last <= today + notice

    def check(self, today: date, *, fines: bool = True) -> None:
        """Raise the first of :meth:`problems`."""
        found = self.problems(today, fines=fines)
        if found:
            raise found[0]
