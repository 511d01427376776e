"""ISO 28560-3 tag data: the fixed-length ("Danish data model") basic block.

Layout of the 32-byte basic block (ISO 15693 tag user memory, blocks 0-7 of 4 bytes):

====== ===== ==========================================================
offset bytes field
====== ===== ==========================================================
0      1     version (high nibble, 1) and type of usage (low nibble)
1      1     number of parts in the set ("of m")
2      1     part number ("part n")
3      16    primary item identifier, ASCII, NUL padded
19     2     CRC-16/CCITT (poly 0x1021, init 0xFFFF), least significant byte first,
             over bytes 0-18 and 21-31 followed by two NUL bytes
21     2     country of the owner library (ISO 3166-1 alpha-2)
23     9     ISIL of the owner library, ASCII, NUL padded
====== ===== ==========================================================

Some readers hand back each 4-byte block in reverse byte order; :func:`decode` tries
that order too when the CRC does not match. Optional blocks after byte 32 are ignored.
Pure functions: safe on any thread.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass

from kiosk.domain.tags import ItemTag

BLOCK_SIZE = 4
BASIC_BLOCK = 32
VERSION = 1

#: Type of usage (low nibble of byte 0).
USAGE_ACQUISITION = 0
USAGE_CIRCULATING = 1
USAGE_NOT_CIRCULATING = 2
USAGE_DISCARDED = 7
USAGE_PATRON_CARD = 8


class TagDataError(ValueError):
    """The bytes are not a valid ISO 28560-3 basic block (the reason says why)."""


@dataclass(frozen=True)
class TagData:
    """The fields of a basic block. ``part``/``parts`` say "part n of m"."""

    item_id: str
    part: int = 1
    parts: int = 1
    country: str = ""
    isil: str = ""
    usage: int = USAGE_CIRCULATING


def crc(block: bytes) -> int:
    """The CRC of a 32-byte basic block (the two CRC bytes themselves are skipped)."""
    if len(block) < BASIC_BLOCK:
        raise TagDataError(f"a basic block is {BASIC_BLOCK} bytes, got {len(block)}")
    return binascii.crc_hqx(block[:19] + block[21:BASIC_BLOCK] + b"\x00\x00", 0xFFFF)


def _text(raw: bytes, field: str) -> str:
    value = raw.split(b"\x00", 1)[0]
    if raw[len(value) :].strip(b"\x00"):
        raise TagDataError(f"{field}: bytes after the NUL padding")
    try:
        text = value.decode("ascii")
    except UnicodeDecodeError:
        raise TagDataError(f"{field}: not ASCII") from None
    if not text.isprintable():
        raise TagDataError(f"{field}: control characters")
    return text


def _pad(text: str, size: int, field: str) -> bytes:
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise TagDataError(f"{field}: ASCII only, not {text!r}") from None
    if len(raw) > size or not text.isprintable() or "\x00" in text:
        raise TagDataError(f"{field}: at most {size} printable characters, not {text!r}")
    return raw.ljust(size, b"\x00")


def encode(tag: TagData) -> bytes:
    """The 32-byte basic block for ``tag``. Raises TagDataError for values that do
    not fit (item id over 16 chars, ISIL over 9, part outside 1..parts, ...)."""
    if not tag.item_id:
        raise TagDataError("item id: required")
    if not 1 <= tag.parts <= 255 or not 1 <= tag.part <= tag.parts:
        raise TagDataError(f"part {tag.part} of {tag.parts}: needs 1 <= part <= parts <= 255")
    if not 0 <= tag.usage <= 15:
        raise TagDataError(f"type of usage: 0-15, not {tag.usage}")
    if tag.country and len(tag.country) != 2:
        raise TagDataError(f"country: two letters, not {tag.country!r}")
    block = bytearray(BASIC_BLOCK)
    block[0] = (VERSION << 4) | tag.usage
    block[1] = tag.parts
    block[2] = tag.part
    block[3:19] = _pad(tag.item_id, 16, "item id")
    block[21:23] = _pad(tag.country, 2, "country")
    block[23:32] = _pad(tag.isil, 9, "ISIL")
    block[19:21] = crc(bytes(block)).to_bytes(2, "little")
    return bytes(block)


def reverse_blocks(data: bytes) -> bytes:
    """Each 4-byte block's bytes reversed (how some readers return tag memory)."""
    return b"".join(data[i : i + BLOCK_SIZE][::-1] for i in range(0, len(data), BLOCK_SIZE))


def decode(data: bytes) -> TagData:
    """Decode a basic block (extra bytes after it are ignored).

    Raises TagDataError when it is too short, the CRC does not match in either block
    order, the version is not 1, or a field is malformed.
    """
    data = bytes(data)
    if len(data) < BASIC_BLOCK:
        raise TagDataError(f"a basic block is {BASIC_BLOCK} bytes, got {len(data)}")
    block = data[:BASIC_BLOCK]
    if crc(block) != int.from_bytes(block[19:21], "little"):
        block = reverse_blocks(block)
        if crc(block) != int.from_bytes(block[19:21], "little"):
            raise TagDataError("CRC does not match")
    version, usage = block[0] >> 4, block[0] & 0x0F
    if version != VERSION:
        raise TagDataError(f"version {version}, only version 1 is known")
    parts, part = block[1], block[2]
    if not 1 <= part <= parts:
        raise TagDataError(f"part {part} of {parts}")
    item_id = _text(block[3:19], "item id")
    if not item_id:
        raise TagDataError("item id: empty")
    country = _text(block[21:23], "country")
    isil = _text(block[23:32], "ISIL")
    return TagData(item_id=item_id, part=part, parts=parts, country=country, isil=isil, usage=usage)


#: Application Family Identifier values for library items (ISO 28560-1): the security
#: gates alarm on AFI_SECURED; a checked-out item carries AFI_ON_LOAN.
AFI_SECURED = 0x07
AFI_ON_LOAN = 0xC2


def tag_from_memory(uid: str, memory: bytes, afi: int) -> ItemTag:
    """What a pad reports for a tag: decoded ISO 28560-3 fields, or an empty item id
    when the memory is not a valid basic block (the flows say it cannot be read)."""
    try:
        data = decode(memory)
    except TagDataError:
        return ItemTag(uid=uid, item_id="", secured=afi != AFI_ON_LOAN)
    return ItemTag(
        uid=uid,
        item_id=data.item_id,
        part=data.part,
        parts=data.parts,
        country=data.country,
        isil=data.isil,
        secured=afi != AFI_ON_LOAN,
    )
