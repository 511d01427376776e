"""Money: whole rupiah, read and written the one way (CLI, receipts, screens, messages).

Rupiah have no minor unit, so a written amount never has a decimal part. Format, per
language (Babel's grouping for the language, the symbol always ``Rp``):

- ``id``: ``Rp 75.000`` (Indonesian grouping with ``.``)
- ``en``: ``Rp 75,000`` (English grouping with ``,``)

Reading accepts either grouping in either language, because staff type what they
see on a receipt or a bank slip: ``5000``, ``5.000``, ``5,000`` (optionally after
``Rp`` or ``IDR``) are five thousand. A ``.`` or ``,`` is valid only between groups of
exactly three ASCII digits, so ``5000.5``, ``5.00``, ``-5`` and ``²³`` are refused,
never read as 50,005 or 5. (Babel's own parser is not used for reading: it follows one
locale's decimal sign, and for ``id`` would read ``5,000`` as five.)

In a translated message, pass an amount as :class:`Rupiah`: the translation formats
it in the message's language (see :func:`kiosk.i18n.translate`).
"""

from __future__ import annotations

import re

from kiosk.domain.errors import DomainError
from kiosk.formatting import number

#: The largest amount the kiosk reads (a trillion rupiah): far above any fine, far
#: below SQLite's 64-bit integers.
MAX_AMOUNT = 10**12

_PLAIN = re.compile(r"[0-9]+")
_GROUPED = re.compile(r"[1-9][0-9]{0,2}(?:(?P<sep>[.,])[0-9]{3})(?:(?P=sep)[0-9]{3})*")
_PREFIX = re.compile(r"^(?:rp\.?|idr)\s*", re.IGNORECASE)


class Rupiah(int):
    """An amount of whole rupiah passed to a message; written in its language."""


def rupiah(amount: int, language: str) -> str:
    """``Rp 75.000`` (id) / ``Rp 75,000`` (en)."""
    return "Rp " + number(int(amount), language)


def parse(text: str) -> int:
    """Whole rupiah greater than 0 from what staff typed; raises ``money.invalid``."""
    compact = _PREFIX.sub("", text.strip()).strip()
    if _PLAIN.fullmatch(compact) and (compact == "0" or not compact.startswith("0")):
        value = int(compact)
    elif _GROUPED.fullmatch(compact):
        value = int(compact.replace(".", "").replace(",", ""))
    else:
        raise DomainError("money.invalid", text=_shown(text))
    if not 0 < value <= MAX_AMOUNT:
        raise DomainError("money.invalid", text=_shown(text))
    return value


def _shown(text: str) -> str:
    """The refused text as it may be printed: no control characters, not endless."""
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= 40 else clean[:39] + "…"
