"""The ``[backend] url`` of a SIP2 site, read into plain settings.

``sip2://USER@HOST:PORT?institution=...&location=...`` (plain TCP) or ``sip2s://``
(TLS from the first byte, as stunnel in front of Koha or Evergreen offers). The
password is never in the URL: it comes from the secrets file (``sip2_password``) or
``KIOSK_SIP2_PASSWORD``. Query keys (all optional but ``institution``):

=================  =========  ===========================================================
key                default    meaning
=================  =========  ===========================================================
institution                   AO institution id (required)
location           ""         CP location code sent at login, AP at checkin
encoding           cp850      character set agreed with the ILS (``utf-8`` ...)
checksums          on         AY/AZ error detection (``on``/``off``)
separator          ``|``      field separator (URL-encode it: ``%7C``; ``|`` works too)
terminator         cr         what ends the frames the kiosk sends (``cr`` or ``crlf``)
timeout            10         seconds to wait for an answer (and to connect)
keepalive          60         seconds between SC status (99) messages
retry              15         seconds between attempts to reach an unreachable ILS
pin                ils        ``ils``: a PIN when the ILS checks one (CQ); ``required``:
                              always a PIN, the ILS must confirm it; ``off``: never
currency           IDR        BH currency sent with a fee paid (37)
ca_file            ""         CA bundle for ``sip2s://`` (default: the system's)
=================  =========  ===========================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from kiosk.circulation.sip2.codec import Framing

SCHEMES = ("sip2", "sip2s")
_KEYS = (
    "institution",
    "location",
    "encoding",
    "checksums",
    "separator",
    "terminator",
    "timeout",
    "keepalive",
    "retry",
    "pin",
    "currency",
    "ca_file",
)
DEFAULT_PORT = 6001

PinPolicy = Literal["ils", "required", "off"]


@dataclass(frozen=True)
class Sip2Settings:
    host: str
    port: int
    tls: bool
    #: CN login user id; empty: the ACS wants no login (93 is not sent).
    user: str
    institution: str
    location: str = ""
    framing: Framing = field(default_factory=Framing)
    timeout: float = 10.0
    keepalive: float = 60.0
    retry: float = 15.0
    pin: PinPolicy = "ils"
    currency: str = "IDR"
    ca_file: str = ""

    @classmethod
    def from_url(cls, raw: str) -> Sip2Settings:
        """Raises ValueError("what was expected") for a URL that cannot be used."""
        parts = urlsplit(raw)
        if parts.scheme not in SCHEMES:
            raise ValueError(f"a sip2:// or sip2s:// URL, not {raw!r}")
        if parts.password is not None:
            raise ValueError(
                "no password in the URL (put it in the secrets file as sip2_password "
                "or in KIOSK_SIP2_PASSWORD)"
            )
        try:
            host, port = parts.hostname, parts.port
        except ValueError:
            raise ValueError(f"a port number from 1 to 65535 in {raw!r}") from None
        if not host:
            raise ValueError(
                f"a host in the URL, such as sip2://kiosk@ils.example:6001, not {raw!r}"
            )
        try:
            query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
        except ValueError:
            raise ValueError(f"a well-formed query string in {raw!r}") from None
        params = {k: v[-1] for k, v in query.items()}
        unknown = sorted(set(params) - set(_KEYS))
        if unknown:
            raise ValueError(f"URL keys among {', '.join(_KEYS)}; {unknown[0]!r} is unknown")
        institution = params.get("institution", "")
        if not institution:
            raise ValueError("institution=... in the URL (the ILS's AO institution id)")
        framing = Framing(
            encoding=_encoding(params.get("encoding", "cp850")),
            separator=_separator(params.get("separator", "|")),
            checksums=_switch("checksums", params.get("checksums", "on")),
            terminator=_terminator(params.get("terminator", "cr")),
        )
        pin = params.get("pin", "ils")
        if pin not in ("ils", "required", "off"):
            raise ValueError(f"pin=ils, pin=required or pin=off, not pin={pin}")
        currency = params.get("currency", "IDR")
        if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
            raise ValueError(f"a three-letter currency code such as IDR, not {currency!r}")
        return cls(
            host=host,
            port=port or DEFAULT_PORT,
            tls=parts.scheme == "sip2s",
            user=unquote(parts.username or ""),
            institution=institution,
            location=params.get("location", ""),
            framing=framing,
            timeout=_seconds("timeout", params.get("timeout", "10")),
            keepalive=_seconds("keepalive", params.get("keepalive", "60")),
            retry=_seconds("retry", params.get("retry", "15")),
            pin=pin,  # type: ignore[arg-type]  # checked just above
            currency=currency,
            ca_file=params.get("ca_file", ""),
        )


def _encoding(name: str) -> str:
    import codecs

    try:
        codecs.lookup(name)
    except LookupError:
        raise ValueError(f"a character set Python knows (cp850, utf-8 ...), not {name!r}") from None
    if "A".encode(name) != b"A" or "|0".encode(name) != b"|0":
        raise ValueError(f"an ASCII-compatible character set, not {name!r}")
    return name


def _separator(text: str) -> str:
    if len(text) != 1 or not text.isprintable() or text.isalnum() or text == " ":
        raise ValueError(f"one printable character that is not a letter or digit, not {text!r}")
    return text


def _switch(name: str, text: str) -> bool:
    if text.lower() in ("on", "yes", "true", "1"):
        return True
    if text.lower() in ("off", "no", "false", "0"):
        return False
    raise ValueError(f"{name}=on or {name}=off, not {name}={text}")


def _terminator(text: str) -> bytes:
    if text.lower() == "cr":
        return b"\r"
    if text.lower() == "crlf":
        return b"\r\n"
    raise ValueError(f"terminator=cr or terminator=crlf, not terminator={text}")


def _seconds(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name}= a number of seconds, not {text!r}") from None
    if not 0 < value <= 3600:
        raise ValueError(f"{name}= more than 0 and at most 3600 seconds, not {text}")
    return value
