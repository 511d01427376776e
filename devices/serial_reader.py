"""Serial card readers and barcode scanners (pyserial).

URL: ``serial:///dev/ttyUSB0?baud=9600&format=line|em4100&convert=hex&hold=1.0``

- ``format=line``: one ASCII line per read (CR, LF or CRLF). A card reader's line is
  converted with ``convert=`` (see :mod:`devices.cardkey`); an item scanner's line is
  the barcode.
- ``format=em4100``: STX + 10 hex chars + 2 hex XOR checksum + ETX (RDM6300 and other
  125 kHz EM4100 readers; CR/LF before ETX tolerated). The 10 hex chars are the card key.

Garbage, partial frames, overlong lines and bad checksums are dropped and counted in
:attr:`SerialReader.dropped`; they never stop the reader. A vanished port is reopened
with backoff (0.2 s doubling to 5 s) and reported as a DeviceStatus.

Layers, as in pyserial/nfcpy: the parsers below take bytes and know nothing of ports;
the adapter moves bytes from the port into a parser on its own thread.
"""

from __future__ import annotations

import logging
from typing import Any

from devices.base import Debounce, ReaderThread
from devices.cardkey import check_conversion, to_card_key, to_card_number, valid_barcode
from kiosk.domain.events import CardTapped, ItemScanned
from kiosk.ports import DeviceUrl

log = logging.getLogger(__name__)

STX, ETX = 0x02, 0x03
MAX_LINE = 64
FORMATS = ("line", "em4100")


class LineParser:
    """Bytes in, complete lines out. Non-ASCII bytes or lines longer than
    ``MAX_LINE`` spoil the line (dropped and counted); blank lines are ignored."""

    def __init__(self) -> None:
        self.dropped = 0
        self._buf = bytearray()
        self._spoiled = False

    def feed(self, data: bytes) -> list[str]:
        lines: list[str] = []
        for byte in data:
            if byte in (0x0A, 0x0D):
                if self._spoiled:
                    self.dropped += 1
                elif self._buf:
                    lines.append(self._buf.decode("ascii"))
                self._buf.clear()
                self._spoiled = False
            elif self._spoiled:
                continue
            elif 0x20 <= byte < 0x7F and len(self._buf) < MAX_LINE:
                self._buf.append(byte)
            else:
                self._spoiled = True
                self._buf.clear()
        return lines


class Em4100Parser:
    """Bytes in, 10-hex-char card keys out, from STX/ETX frames with an XOR checksum.

    Bytes outside a frame are garbage: each run of them counts as one drop.
    """

    def __init__(self) -> None:
        self.dropped = 0
        self._frame: bytearray | None = None
        self._garbage = False

    def feed(self, data: bytes) -> list[str]:
        keys: list[str] = []
        for byte in data:
            if byte == STX:
                if self._frame is not None or self._garbage:
                    self.dropped += 1  # a partial frame, or noise before this one
                self._frame = bytearray()
                self._garbage = False
            elif self._frame is None:
                self._garbage = True
            elif byte == ETX:
                key = self._check(bytes(self._frame))
                if key is None:
                    self.dropped += 1
                else:
                    keys.append(key)
                self._frame = None
            elif byte in (0x0A, 0x0D):
                continue
            elif len(self._frame) < 12:
                self._frame.append(byte)
            else:
                self.dropped += 1
                self._frame = None
                self._garbage = True
        return keys

    @staticmethod
    def _check(frame: bytes) -> str | None:
        if len(frame) != 12:
            return None
        try:
            text = frame.decode("ascii")
            raw = bytes.fromhex(text)
        except ValueError:
            return None
        checksum = 0
        for byte in raw[:5]:
            checksum ^= byte
        if checksum != raw[5]:
            return None
        return text[:10].upper()


def em4100_frame(key: str) -> bytes:
    """The frame an EM4100 reader sends for a 10-hex-char ``key`` (tests, simulators)."""
    raw = bytes.fromhex(key)
    checksum = 0
    for byte in raw:
        checksum ^= byte
    return bytes([STX]) + f"{key.upper()}{checksum:02X}".encode("ascii") + bytes([ETX])


class SerialReader(ReaderThread):
    """A card reader (``kind="card_reader"``) or barcode scanner (``"item_scanner"``)
    on a serial port. Reads on its own thread; publishes CardTapped / ItemScanned."""

    def __init__(
        self,
        name: str,
        port: str,
        *,
        kind: str = "card_reader",
        baud: int = 9600,
        fmt: str = "line",
        convert: str = "hex",
        hold: float = 1.0,
        size: int = 0,
    ) -> None:
        super().__init__(name)
        self.kind = kind
        self.port = port
        self.baud = baud
        self.fmt = fmt
        self.convert = convert
        self.size = size
        self.debounce = Debounce(hold)
        self._parser: LineParser | Em4100Parser = self._new_parser()
        self._port: Any = None
        self._dropped_before = 0

    @classmethod
    def from_url(cls, url: DeviceUrl, kind: str = "card_reader") -> SerialReader:
        """Raises ValueError naming what was expected."""
        port = ("/" + url.host + url.path) if url.host else url.path
        if not port or port == "/":
            raise ValueError("a serial port path, e.g. 'serial:///dev/ttyUSB0'")
        p = url.params
        unknown = set(p) - {"baud", "format", "convert", "hold", "name", "size"}
        if unknown:
            raise ValueError(
                f"serial options baud, format, convert, hold, name, size; not {sorted(unknown)}"
            )
        try:
            baud = int(p.get("baud", "9600"))
            hold = float(p.get("hold", "1.0"))
            size = int(p.get("size", "0"))
        except ValueError:
            raise ValueError("baud= and size= whole numbers, hold= seconds") from None
        fmt = p.get("format", "line")
        if fmt not in FORMATS:
            raise ValueError(f"format= one of {', '.join(FORMATS)}, not {fmt!r}")
        if kind == "item_scanner" and fmt != "line":
            raise ValueError("format=line for an item scanner")
        default_convert = "number" if kind == "item_scanner" else "hex"
        convert = check_conversion(p.get("convert", default_convert))
        name = p.get("name") or port.rsplit("/", 1)[-1]
        return cls(name, port, kind=kind, baud=baud, fmt=fmt, convert=convert, hold=hold, size=size)

    def _new_parser(self) -> LineParser | Em4100Parser:
        return Em4100Parser() if self.fmt == "em4100" else LineParser()

    # -- reading -----------------------------------------------------------------
    def handle(self, data: bytes) -> None:
        """Feed bytes as read from the port (the reader thread; tests may call it)."""
        for text in self._parser.feed(data):
            self._handle_read(text)
        self.dropped += self._parser.dropped - self._dropped_before
        self._dropped_before = self._parser.dropped

    def _handle_read(self, text: str) -> None:
        if self.kind == "item_scanner":
            barcode = valid_barcode(text)
            if barcode is None:
                self.dropped += 1
                return
            self.reads += 1
            self._publish(ItemScanned(scanner=self.name, barcode=barcode))
            return
        if self.fmt == "em4100" or self.convert != "number":
            key = to_card_key(text, "hex" if self.fmt == "em4100" else self.convert, self.size)
            event = None if key is None else CardTapped(reader=self.name, uid=key)
            ident = key
        else:
            number = to_card_number(text)
            event = None if number is None else CardTapped(reader=self.name, number=number)
            ident = number
        if event is None or ident is None:
            self.dropped += 1
            log.info("%s: dropped an unreadable read", self.name)
            return
        if not self.debounce.new(ident):
            return
        self.reads += 1
        self._publish(event)

    def _open(self) -> Any:
        import serial

        return serial.serial_for_url(self.port, baudrate=self.baud, timeout=0.1)

    def _session(self) -> None:
        port = self._open()
        self._port = port
        # A fresh parser per connection: half a frame from before the outage is garbage.
        self._parser = self._new_parser()
        self._dropped_before = 0
        self.backoff.reset()
        self._set_status(True)
        try:
            while not self.stopping:
                data = port.read(port.in_waiting or 1)
                if data:
                    self.handle(data)
        finally:
            self._port = None
            try:
                port.close()
            except Exception:  # closing a vanished port can fail too
                log.debug("closing %s failed", self.port, exc_info=True)

    def _probe(self) -> tuple[bool, str]:
        try:
            port = self._open()
        except Exception as exc:
            return False, f"{self.port}: {exc}"
        port.close()
        return True, f"{self.port} opens ({self.baud} baud, {self.fmt})"

    def _describe(self, ok: bool) -> str:
        if ok:
            return f"{self.port}: reading ({self.fmt}, {self.reads} reads, {self.dropped} dropped)"
        return f"{self.port}: {self.last_error or 'not connected'}; retrying"
