"""ESC/POS receipt printers through python-escpos.

URLs:
- ``escpos+serial:///dev/ttyUSB0?baud=19200&width=32&status=on``
- ``escpos+usb://04b8:0202?width=42&status=on`` (USB vendor:product in hex)
- ``escpos+tcp://192.168.10.20:9100?width=42`` (an Ethernet printer's raw port; 9100
  when no port is given)

``width`` is the characters per line of the paper (58 mm: 32, 80 mm: 42 or 48).
``status=on`` (default) asks the printer with DLE EOT before each receipt whether it is
online and has paper; ``status=off`` for printers that do not answer DLE EOT (a serial
or USB one would otherwise look offline). A network printer that does not answer
within :data:`STATUS_TIMEOUT_S` is "status unknown" and the receipt is printed anyway.

Every receipt starts with ESC @ (initialise), so modes a previous job left (bold, a
code page, double height) never leak into it, and ends with a feed and a cut.

``print_receipt`` is blocking. A printer that is offline or out of paper raises
DeviceError (``device.offline`` / ``device.paper_out``) and publishes a DeviceStatus
for staff; the caller keeps the patron's session going (the receipt is on screen).
The connection is opened per receipt, so a printer that was switched off and on
again needs no restart of the app.
"""

from __future__ import annotations

import logging
import socket
import textwrap
import threading
from collections.abc import Callable
from typing import Any

from kiosk.bus import EventBus
from kiosk.domain.errors import DeviceError
from kiosk.domain.events import DeviceStatus
from kiosk.ports import DeviceUrl, Receipt

log = logging.getLogger(__name__)

PAPER_OUT, PAPER_LOW, PAPER_OK = 0, 1, 2
#: Seconds to reach a network printer, and to wait for its status answer.
CONNECT_TIMEOUT_S = 3.0
STATUS_TIMEOUT_S = 0.5
#: Seconds a network printer may take to accept a receipt's bytes.
WRITE_TIMEOUT_S = 10.0
DEFAULT_TCP_PORT = 9100

#: What each problem is called, in words (``check`` for doctor and the staff screen).
_WORDS = {
    "device.offline": "offline (the printer says so: cover open, error or switched off)",
    "device.paper_out": "out of paper",
}


class _StatusUnknownError(Exception):
    """The printer took the question but never answered (many network printers)."""


def render(printer: Any, receipt: Receipt, width: int = 32) -> None:
    """Write ``receipt`` to a python-escpos printer (any transport, or ``Dummy``).

    The first line (the library's name) is centred; emphasised lines print bold;
    long lines are wrapped at ``width`` characters; the paper is cut at the end. The
    ESC @ that starts every job is sent before the status questions (see
    :meth:`EscposPrinter.print_receipt`).
    """
    for index, line in enumerate(receipt.lines):
        printer.set(align="center" if index == 0 else "left", bold=line.emphasis)
        if not line.text:
            printer.textln("")
            continue
        for part in textwrap.wrap(line.text, width) or [""]:
            printer.textln(part)
    printer.set(align="left", bold=False)
    printer.cut()


class EscposPrinter:
    """A receipt printer on a serial port, USB or the network (TCP)."""

    kind = "receipt_printer"

    def __init__(
        self,
        name: str,
        transport: str,
        target: str,
        *,
        baud: int = 19200,
        width: int = 32,
        status: bool = True,
        connect: Callable[[], Any] | None = None,
    ) -> None:
        self.name = name
        self.transport = transport
        self.target = target
        self.baud = baud
        self.width = width
        self.query_status = status
        self._connect = connect or self._open
        self._bus: EventBus | None = None
        self._lock = threading.Lock()
        self._status: tuple[bool, str] | None = None
        self.printed = 0

    @classmethod
    def from_url(cls, url: DeviceUrl) -> EscposPrinter:
        transport = url.scheme.split("+", 1)[1]
        p = url.params
        unknown = set(p) - {"baud", "width", "status", "name"}
        if unknown:
            raise ValueError(f"escpos options baud=, width=, status=, name=; not {sorted(unknown)}")
        try:
            baud = int(p.get("baud", "19200"))
            width = int(p.get("width", "32"))
        except ValueError:
            raise ValueError("baud= and width= whole numbers") from None
        if not 16 <= width <= 80:
            raise ValueError(f"width= 16-80 characters per line, not {width}")
        status = p.get("status", "on")
        if status not in ("on", "off"):
            raise ValueError(f"status= on or off, not {status!r}")
        if transport == "serial":
            target = ("/" + url.host + url.path) if url.host else url.path
            if not target or target == "/":
                raise ValueError("a serial port, e.g. 'escpos+serial:///dev/ttyUSB0'")
        elif transport == "tcp":
            target = _host_port(url.host)
        else:
            target = url.host
            vid, _, pid = target.partition(":")
            try:
                int(vid, 16), int(pid, 16)
            except ValueError:
                raise ValueError("USB ids in hex, e.g. 'escpos+usb://04b8:0202'") from None
        name = p.get("name") or "receipt-printer"
        return cls(name, transport, target, baud=baud, width=width, status=status == "on")

    # -- lifecycle ---------------------------------------------------------------
    def start(self, bus: EventBus) -> None:
        self._bus = bus

    def stop(self) -> None:
        self._bus = None

    def check(self) -> tuple[bool, str]:
        """Blocking, a few seconds at most: open the printer and ask its status. The
        reason is in words (``kiosk doctor``, the staff screen)."""
        try:
            printer = self._connect()
        except DeviceError as exc:
            return False, f"{self.target}: not reachable: {exc.params.get('reason', exc.key)}"
        try:
            known = self._ask(printer)
        except DeviceError as exc:
            return False, f"{self.target}: {_WORDS.get(exc.key, exc.key)}"
        finally:
            _close(printer)
        if not self.query_status:
            what = "status not asked (status=off)"
        elif known:
            what = "status answered"
        else:
            what = "status unknown (the printer does not answer DLE EOT)"
        return True, f"{self.transport} {self.target}: ready, {what}"

    # -- printing ----------------------------------------------------------------
    def print_receipt(self, receipt: Receipt) -> None:
        """Blocking. Raises DeviceError ``device.offline`` or ``device.paper_out``."""
        with self._lock:
            try:
                printer = self._connect()
            except DeviceError:
                self._report(False, "device.offline")
                raise
            try:
                printer.hw("INIT")  # ESC @ first: no mode of an earlier job leaks in
                self._ask(printer)
                render(printer, receipt, self.width)
            except DeviceError as exc:
                self._report(False, exc.key)
                raise
            except (
                Exception
            ) as exc:  # a cable pulled mid-receipt: OSError, SerialException, USBError
                log.warning("receipt printer %s failed: %s", self.name, exc)
                self._report(False, "device.offline")
                raise DeviceError("device.offline", device=self.name) from None
            finally:
                _close(printer)
            self.printed += 1
            self._report(True, "")

    def _ask(self, printer: Any) -> bool:
        """DLE EOT: raise DeviceError when offline or out of paper. Returns False when
        a network printer did not answer (status unknown: print anyway)."""
        if not self.query_status:
            return True
        try:
            online, paper = self._query_status(printer)
        except _StatusUnknownError:
            log.warning("receipt printer %s: status unknown (no answer to DLE EOT)", self.name)
            return False
        except Exception as exc:
            log.warning("receipt printer %s: status query failed: %s", self.name, exc)
            raise DeviceError("device.offline", device=self.name) from None
        if not online:
            raise DeviceError("device.offline", device=self.name)
        if paper == PAPER_OUT:
            raise DeviceError("device.paper_out", device=self.name)
        if paper == PAPER_LOW:
            log.warning("receipt printer %s: paper is running low", self.name)
        return True

    def _query_status(self, printer: Any) -> tuple[bool, int]:
        if self.transport != "tcp":
            return printer.is_online(), printer.paper_status()
        sock = printer.device
        sock.settimeout(STATUS_TIMEOUT_S)
        try:
            return printer.is_online(), printer.paper_status()
        except TimeoutError:
            raise _StatusUnknownError() from None
        finally:
            sock.settimeout(WRITE_TIMEOUT_S)

    def _report(self, ok: bool, detail: str) -> None:
        if self._status == (ok, detail):
            return
        self._status = (ok, detail)
        if self._bus is not None:
            reason = _WORDS.get(detail, "")
            self._bus.publish(
                DeviceStatus(device=self.name, kind=self.kind, ok=ok, detail=detail, reason=reason)
            )

    def _open(self) -> Any:
        try:
            from escpos import printer as escpos_printer
        except ImportError:
            raise DeviceError(
                "device.offline", device=self.name, reason="python-escpos is not installed"
            ) from None
        classes = {
            "serial": escpos_printer.Serial,
            "usb": escpos_printer.Usb,
            "tcp": escpos_printer.Network,
        }
        cls = classes[self.transport]
        if not cls.is_usable():
            # Checked first: a printer object built without its library raises again
            # from its destructor, long after this error was reported.
            missing = "pyserial" if self.transport == "serial" else "pyusb"
            raise DeviceError(
                "device.offline", device=self.name, reason=f"{missing} is not installed"
            )
        try:
            if self.transport == "serial":
                base: Any = escpos_printer.Serial

                class Serial(base):  # type: ignore[misc,valid-type,unused-ignore]
                    def _read(self) -> bytes:
                        # A DLE EOT answer is one byte; the library's read(16) would
                        # wait the whole timeout for fifteen more that never come.
                        return bytes(self.device.read(1))

                p = Serial(devfile=self.target, baudrate=self.baud, timeout=1, dsrdtr=False)
            elif self.transport == "tcp":
                network: Any = escpos_printer.Network

                class Network(network):  # type: ignore[misc,valid-type,unused-ignore]
                    def open(self, raise_not_found: bool = True) -> None:
                        # python-escpos 3.1 leaves the socket of a refused connect open;
                        # create_connection closes it (and tries every address).
                        self.device = socket.create_connection(
                            (self.host, self.port), timeout=self.timeout
                        )

                host, _, port = self.target.rpartition(":")
                p = Network(host, int(port), timeout=CONNECT_TIMEOUT_S)
            else:
                vid, _, pid = self.target.partition(":")
                p = escpos_printer.Usb(int(vid, 16), int(pid, 16), timeout=1000)
            p.open()
        except Exception as exc:
            reason = " ".join(str(exc).split())  # the library's messages span lines
            raise DeviceError("device.offline", device=self.name, reason=reason) from None
        return p


def _host_port(text: str) -> str:
    """``host[:port]`` of a network printer, the port 9100 by default."""
    host, sep, port = text.rpartition(":") if ":" in text else (text, "", "")
    if not host:
        raise ValueError("a printer's address, e.g. 'escpos+tcp://192.168.10.20:9100'")
    if sep:
        try:
            number = int(port)
        except ValueError:
            raise ValueError(f"a port number after the host, not {port!r}") from None
        if not 1 <= number <= 65535:
            raise ValueError(f"a port 1-65535, not {number}")
    return f"{host}:{port if sep else DEFAULT_TCP_PORT}"


def _close(printer: Any) -> None:
    try:
        printer.close()
    except Exception:  # closing a vanished port fails too; nothing left to do
        log.debug("closing the receipt printer failed", exc_info=True)
