"""Finding the patron behind a card: by card key (RFID UID) or card number.

Staff and the CLI type either; a tap says which it is (see ``CardTapped``). A text that
looks like hex is tried as a card key first, then as a card number, so ``PLU-0001`` and
``04A1B2C3D4E580`` both work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kiosk.store import Store

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


def find_card(
    store: Store, *, uid: str | None = None, number: str | None = None, text: str | None = None
) -> CardRecord | None:
    """The card for a card key, a card number, or free ``text`` (either)."""
    conn = store.conn
    query = "SELECT id, patron_id, card_key, card_number, status FROM cards WHERE "
    row = None
    if uid is not None:
        row = conn.execute(query + "card_key = ?", [uid.upper()]).fetchone()
    elif number is not None:
        row = conn.execute(query + "card_number = ?", [number.strip()]).fetchone()
    elif text is not None:
        key = normalise_key(text)
        if key is not None:
            row = conn.execute(query + "card_key = ?", [key]).fetchone()
        if row is None:
            row = conn.execute(query + "card_number = ?", [text.strip()]).fetchone()
    if row is None:
        return None
    return CardRecord(
        row["id"], row["patron_id"], row["card_key"], row["card_number"], row["status"]
    )
