"""Per-reader conversions from what a reader reports to the card key.

The card key (DESIGN.md "Defaults and identifiers") is the card's UID as uppercase hex
of its bytes, no separators: what PC/SC ``FF CA 00 00 00`` returns. Many readers report
something else; each reader's URL names a ``convert=`` setting:

========== ==================================================================
``hex``    the reader sends the UID in hex (any case, ``:``/``-``/space allowed)
``hex-rev`` hex, but the bytes in reverse order (little-endian readers)
``dec``    the UID as a decimal number (10 digits for a 4-byte UID), big-endian
``dec-rev`` decimal of the bytes in reverse order (most cheap USB readers)
``number`` not a UID at all: the printed card number (barcode); kept as typed
========== ==================================================================

Pure functions: no I/O, safe on any thread.
"""

from __future__ import annotations

import re

CONVERSIONS = ("hex", "hex-rev", "dec", "dec-rev", "number")

_SEPARATORS = re.compile(r"[\s:\-]")
_HEX = re.compile(r"^(?:[0-9A-F]{2}){1,16}$")
_DEC = re.compile(r"^[0-9]{1,39}$")
#: A printed card number: letters, digits and a few separators, like SLiMS member ids.
_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._/\-]{0,39}$")


def check_conversion(name: str) -> str:
    """``name`` if it is a known conversion, else ValueError naming the choices."""
    if name not in CONVERSIONS:
        raise ValueError(f"convert= one of {', '.join(CONVERSIONS)}, not {name!r}")
    return name


def to_card_key(text: str, conversion: str = "hex", size: int = 0) -> str | None:
    """The card key for ``text`` as the reader reported it, or None when ``text`` is
    not a valid read for ``conversion`` (the caller drops and counts it).

    ``size`` is the UID length in bytes for the decimal conversions (0: the fewest
    bytes that hold the number, at least 4).
    """
    text = text.strip()
    if conversion in ("hex", "hex-rev"):
        compact = _SEPARATORS.sub("", text).upper()
        if not _HEX.match(compact):
            return None
        if conversion == "hex-rev":
            compact = bytes.fromhex(compact)[::-1].hex().upper()
        return compact
    if conversion in ("dec", "dec-rev"):
        if not _DEC.match(text):
            return None
        value = int(text)
        length = size or max(4, (value.bit_length() + 7) // 8)
        if value.bit_length() > length * 8 or length > 16:
            return None
        raw = value.to_bytes(length, "big")
        if conversion == "dec-rev":
            raw = raw[::-1]
        return raw.hex().upper()
    raise ValueError(f"no card key for conversion {conversion!r}")


def to_card_number(text: str) -> str | None:
    """A printed card number as typed, or None when it does not look like one."""
    text = text.strip()
    return text if _NUMBER.match(text) else None


def valid_barcode(text: str) -> str | None:
    """An item barcode (printable ASCII, 1-64 chars, no spaces inside), or None."""
    text = text.strip()
    if not 0 < len(text) <= 64:
        return None
    if not all(33 <= ord(c) < 127 for c in text):
        return None
    return text
