"""SIP2 frames <-> messages, with sequence numbers and checksums. No I/O.

A frame is ``CC`` (two-digit command code) + fixed-width fields + variable fields
(``XXvalue|``, a two-character id, the separator) + an optional ``AY<seq>AZ<4 hex>``
trailer; the transport strips the CR (or CRLF) that ends it.

Strict where the 3M spec is strict: a known command code, whole fixed fields, a
checksum that adds up, no NUL, two-character field ids. Tolerant where real ACSs
differ: fields in any order, repeated or unknown fields (all kept, in wire order), a
last field without its separator, empty pieces between separators, replies without a
trailer, bytes that are not valid in the agreed character set (replaced, not fatal).
Every problem with a frame raises :class:`Sip2ProtocolError` and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from kiosk.domain.errors import DeviceError


class Sip2ProtocolError(DeviceError):
    """The ACS sent something that is not SIP2, or not the answer that was asked for."""

    def __init__(self, reason: str) -> None:
        super().__init__("sip2.protocol_error", reason=reason)
        self.reason = reason


class ChecksumError(Sip2ProtocolError):
    """A frame whose AZ checksum does not add up: the SC asks for it again with 97."""


#: Fixed-width fields after the command code, in wire order: (name, width).
_DATE = ("transaction_date", 18)
FIXED: dict[str, tuple[tuple[str, int], ...]] = {
    # SC -> ACS
    "93": (("uid_algorithm", 1), ("pwd_algorithm", 1)),
    "99": (("status_code", 1), ("max_print_width", 3), ("protocol_version", 4)),
    "97": (),
    "23": (("language", 3), _DATE),
    "63": (("language", 3), _DATE, ("summary", 10)),
    "11": (("sc_renewal_policy", 1), ("no_block", 1), _DATE, ("nb_due_date", 18)),
    "09": (("no_block", 1), _DATE, ("return_date", 18)),
    "29": (("third_party_allowed", 1), ("no_block", 1), _DATE, ("nb_due_date", 18)),
    "65": (_DATE,),
    "17": (_DATE,),
    "15": (("hold_mode", 1), _DATE),
    "37": (_DATE, ("fee_type", 2), ("payment_type", 2), ("currency_type", 3)),
    "35": (_DATE,),
    "01": (("card_retained", 1), _DATE),
    "19": (_DATE,),
    "25": (_DATE,),
    # ACS -> SC
    "94": (("ok", 1),),
    "98": (
        ("online_status", 1),
        ("checkin_ok", 1),
        ("checkout_ok", 1),
        ("acs_renewal_policy", 1),
        ("status_update_ok", 1),
        ("offline_ok", 1),
        ("timeout_period", 3),
        ("retries_allowed", 3),
        ("date_time_sync", 18),
        ("protocol_version", 4),
    ),
    "96": (),
    "24": (("patron_status", 14), ("language", 3), _DATE),
    "64": (
        ("patron_status", 14),
        ("language", 3),
        _DATE,
        ("hold_items_count", 4),
        ("overdue_items_count", 4),
        ("charged_items_count", 4),
        ("fine_items_count", 4),
        ("recall_items_count", 4),
        ("unavailable_holds_count", 4),
    ),
    "12": (("ok", 1), ("renewal_ok", 1), ("magnetic_media", 1), ("desensitize", 1), _DATE),
    "10": (("ok", 1), ("resensitize", 1), ("magnetic_media", 1), ("alert", 1), _DATE),
    "30": (("ok", 1), ("renewal_ok", 1), ("magnetic_media", 1), ("desensitize", 1), _DATE),
    "66": (("ok", 1), ("renewed_count", 4), ("unrenewed_count", 4), _DATE),
    "18": (("circulation_status", 2), ("security_marker", 2), ("fee_type", 2), _DATE),
    "16": (("ok", 1), ("available", 1), _DATE),
    "38": (("payment_accepted", 1), _DATE),
    "36": (("end_session", 1), _DATE),
    "20": (("item_properties_ok", 1), _DATE),
    "26": (("patron_status", 14), ("language", 3), _DATE),
}

#: Control messages: they carry a checksum but no sequence number.
CONTROL = ("96", "97")
_FIELD_ID = re.compile(r"^[A-Za-z0-9]{2}$")
_HEX = frozenset(b"0123456789ABCDEFabcdef")
#: Longest frame the transport accepts before it gives up on a peer (a 64 with a few
#: hundred items is ~60 KB).
MAX_FRAME = 1 << 20


@dataclass(frozen=True)
class Framing:
    """How frames look on this site's wire (from the ``sip2://`` URL)."""

    encoding: str = "cp850"
    separator: str = "|"
    checksums: bool = True
    #: What ends the frames the kiosk sends; both are accepted from the ACS.
    terminator: bytes = b"\r"


@dataclass(frozen=True)
class Message:
    """One SIP2 message: its code, fixed fields by name, variable fields in wire order
    (repeated and unknown ones kept)."""

    code: str
    fixed: Mapping[str, str] = field(default_factory=dict)
    fields: tuple[tuple[str, str], ...] = ()

    def get(self, field_id: str) -> str | None:
        """The first value of ``field_id``, or None when the field is absent."""
        for fid, value in self.fields:
            if fid == field_id:
                return value
        return None

    def text(self, field_id: str) -> str:
        """The first value of ``field_id``, stripped; "" when absent."""
        return (self.get(field_id) or "").strip()

    def all(self, field_id: str) -> tuple[str, ...]:
        """Every value of a repeatable field (AF, AG, AU ...), in wire order."""
        return tuple(value for fid, value in self.fields if fid == field_id)


@dataclass(frozen=True)
class Decoded:
    message: Message
    #: AY of the frame (None: no trailer or no AY in it).
    sequence: int | None
    #: True when the frame carried an AZ checksum (which then added up).
    checksummed: bool


def checksum(prefix: bytes) -> str:
    """The AZ value for every byte from the first through ``AZ``: the two's
    complement of the 16-bit sum, 4 uppercase hex digits."""
    return f"{-sum(prefix) & 0xFFFF:04X}"


def checksum_ok(body: bytes) -> bool:
    """A frame (without CR) that ends in ``AZ`` + 4 hex digits adds up to zero."""
    if len(body) < 6 or body[-6:-4] != b"AZ" or not all(b in _HEX for b in body[-4:]):
        return False
    return (sum(body[:-4]) + int(body[-4:], 16)) & 0xFFFF == 0


def value_problem(value: str, framing: Framing) -> str | None:
    """Why ``value`` cannot travel in a variable field (None: it can)."""
    if framing.separator in value:
        return "contains the field separator"
    if any(c in value for c in "\r\n\x00"):
        return "contains a line break or NUL"
    try:
        data = value.encode(framing.encoding)
    except UnicodeEncodeError:
        return f"has characters that {framing.encoding} cannot carry"
    if len(data) > 255:
        return "is longer than 255 bytes"
    return None


def encode(message: Message, framing: Framing, sequence: int | None = None) -> bytes:
    """A whole frame, terminator included. ``sequence`` (0-9) is needed when checksums
    are on, except for the 96/97 control messages. Raises ValueError for a message
    the kiosk should never build (wrong widths, a value that cannot travel)."""
    layout = FIXED.get(message.code)
    if layout is None:
        raise ValueError(f"unknown SIP2 command {message.code!r}")
    parts = [message.code]
    for name, width in layout:
        value = message.fixed.get(name, "")
        if len(value) != width:
            raise ValueError(f"{message.code} {name} must be {width} characters, not {value!r}")
        parts.append(value)
    for fid, value in message.fields:
        problem = value_problem(value, framing)
        if not _FIELD_ID.match(fid) or fid in ("AY", "AZ") or problem:
            raise ValueError(f"{message.code} field {fid} {problem or 'has a bad id'}")
        parts.append(fid + value + framing.separator)
    try:
        body = "".join(parts).encode(framing.encoding)
    except UnicodeEncodeError as exc:
        raise ValueError(str(exc)) from None
    if framing.checksums:
        if message.code in CONTROL:
            body += b"AZ"
        else:
            if sequence is None or not 0 <= sequence <= 9:
                raise ValueError("a sequence number 0-9 is needed with checksums")
            body += b"AY%dAZ" % sequence
        body += checksum(body).encode("ascii")
    return body + framing.terminator


def decode(frame: bytes, framing: Framing) -> Decoded:
    """Parse one frame (terminator optional). Raises :class:`ChecksumError` for a
    checksum that does not add up, :class:`Sip2ProtocolError` for anything else."""
    body = frame.rstrip(b"\r\n").lstrip(b"\n")
    if b"\x00" in body:
        raise Sip2ProtocolError("NUL byte in a frame")
    if b"\r" in body:
        raise Sip2ProtocolError("CR inside a frame")
    sequence: int | None = None
    checksummed = False
    if len(body) >= 6 and body[-6:-4] == b"AZ" and all(b in _HEX for b in body[-4:]):
        if not checksum_ok(body):
            raise ChecksumError("checksum does not add up")
        checksummed = True
        body = body[:-6]
    if len(body) >= 3 and body[-3:-1] == b"AY" and 0x30 <= body[-1] <= 0x39:
        sequence = body[-1] - 0x30  # (an ACS with checksums off may still send AY)
        body = body[:-3]
    code_bytes = body[:2]
    if len(code_bytes) < 2 or not code_bytes.isdigit():
        raise Sip2ProtocolError("no two-digit command code")
    code = code_bytes.decode("ascii")
    layout = FIXED.get(code)
    if layout is None:
        raise Sip2ProtocolError(f"unknown command {code}")
    text = body[2:].decode(framing.encoding, errors="replace")
    fixed: dict[str, str] = {}
    pos = 0
    for name, width in layout:
        value = text[pos : pos + width]
        if len(value) != width:
            raise Sip2ProtocolError(f"{code}: fixed field {name} cut short")
        fixed[name] = value
        pos += width
    return Decoded(Message(code, fixed, _fields(text[pos:], framing, code)), sequence, checksummed)


def _fields(text: str, framing: Framing, code: str) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    pieces = text.split(framing.separator)
    for index, piece in enumerate(pieces):
        if not piece or (index == len(pieces) - 1 and not piece.strip()):
            continue  # "||" or what follows the last separator
        fid = piece[:2]
        if not _FIELD_ID.match(fid):
            raise Sip2ProtocolError(f"{code}: {piece[:8]!r} is not a field")
        if fid in ("AY", "AZ"):
            # Only the trailer may hold these: a damaged trailer, not a field.
            raise Sip2ProtocolError(f"{code}: {fid} outside the trailer")
        found.append((fid, piece[2:]))
    return tuple(found)


# -- dates ----------------------------------------------------------------------------
#: ``YYYYMMDDZZZZHHMMSS``: ZZZZ four blanks for the library's local time.
_STAMP = re.compile(r"^(\d{8})(.{4})(\d{6})$")
BLANK_DATE = " " * 18


def timestamp(moment: datetime, zone: str) -> str:
    """An aware time as a SIP2 date in the library's local time (blank zone)."""
    local = moment.astimezone(ZoneInfo(zone))
    return local.strftime("%Y%m%d") + "    " + local.strftime("%H%M%S")


def parse_timestamp(text: str, zone: str) -> datetime | None:
    """A SIP2 date -> aware UTC time; None when ``text`` is not one. A blank zone is the
    library's local time, ``Z``/``UTC``/``GMT`` is UTC; other zone names (which the
    spec leaves open) are read as local time too."""
    match = _STAMP.match(text)
    if match is None:
        return None
    day, tz, clock = match.groups()
    try:
        naive = datetime.strptime(day + clock, "%Y%m%d%H%M%S")
    except ValueError:
        return None
    if tz.strip() in ("Z", "UTC", "GMT"):
        return naive.replace(tzinfo=UTC)
    return naive.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
