"""USB keyboard-wedge card readers and barcode scanners, read through evdev.

URL: ``hid://?device=NAME-or-ID&convert=dec-rev`` where ``device`` is an input device
path (``/dev/input/by-id/...``), a USB ``VID:PID`` in hex (``ffff:0035``) or part of the
device's name (``RFID Reader``). ``convert`` turns what the device types into the card
key (see :mod:`devices.cardkey`; default ``dec`` for card readers, ``number`` for
printed card numbers, and item scanners always give barcodes).

The device is grabbed exclusively (``EVIOCGRAB``), so its keystrokes never reach the
UI: a scan's Enter can never press a focused button. A device that is missing or
grabbed by another program is reported (``device.offline`` / ``device.busy``) and
retried with backoff.

:class:`KeyDecoder` turns key events into typed lines (US layout, Shift, Caps Lock,
keypad); it is plain code, tested with recorded event sequences. evdev is imported
lazily (``pip install .[hid]``).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import select
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from devices.base import Debounce, DeviceLostError, ReaderThread
from devices.cardkey import check_conversion, to_card_key, to_card_number, valid_barcode
from kiosk.domain.events import CardTapped, ItemScanned
from kiosk.ports import DeviceUrl

log = logging.getLogger(__name__)

EV_KEY = 0x01
KEY_UP, KEY_DOWN, KEY_REPEAT = 0, 1, 2
KEY_LEFTSHIFT, KEY_RIGHTSHIFT, KEY_CAPSLOCK = 42, 54, 58
#: Enter, keypad Enter and Tab end a read (scanners are often set to a Tab suffix).
TERMINATORS = frozenset({28, 96, 15})
MAX_LINE = 64


def _keymap() -> dict[int, tuple[str, str]]:
    """Linux key code -> (plain, shifted) character on a US keyboard layout."""
    keys: dict[int, tuple[str, str]] = {}
    for code, (plain, shifted) in zip(
        range(2, 12), zip("1234567890", "!@#$%^&*()", strict=True), strict=True
    ):
        keys[code] = (plain, shifted)
    rows = ((16, "qwertyuiop"), (30, "asdfghjkl"), (44, "zxcvbnm"))
    for first, letters in rows:
        for i, letter in enumerate(letters):
            keys[first + i] = (letter, letter.upper())
    punctuation = {
        12: ("-", "_"), 13: ("=", "+"), 26: ("[", "{"), 27: ("]", "}"), 39: (";", ":"),
        40: ("'", '"'), 41: ("`", "~"), 43: ("\\", "|"), 51: (",", "<"), 52: (".", ">"),
        53: ("/", "?"), 57: (" ", " "),
    }  # fmt: skip
    keys.update(punctuation)
    keypad = {71: "7", 72: "8", 73: "9", 74: "-", 75: "4", 76: "5", 77: "6", 78: "+",
              79: "1", 80: "2", 81: "3", 82: "0", 83: ".", 55: "*", 98: "/"}  # fmt: skip
    for code, char in keypad.items():
        keys[code] = (char, char)
    return keys


KEYMAP = _keymap()


class KeyDecoder:
    """Key events in, typed lines out. Thread-confined (the reader's thread).

    Only EV_KEY events matter (EV_SYN and EV_MSC scan codes are skipped). Auto-repeat
    is ignored: a wedge never holds a key. Keys with no character are counted in
    :attr:`ignored`; an overlong line is dropped and counted in :attr:`dropped`.
    """

    def __init__(self) -> None:
        self.dropped = 0
        self.ignored = 0
        self._shift: set[int] = set()
        self._caps = False
        self._buf: list[str] = []
        self._overflow = False

    def feed(self, etype: int, code: int, value: int) -> str | None:
        """One event; returns a completed line (without its terminator) or None."""
        if etype != EV_KEY:
            return None
        if code in (KEY_LEFTSHIFT, KEY_RIGHTSHIFT):
            if value == KEY_UP:
                self._shift.discard(code)
            else:
                self._shift.add(code)
            return None
        if value != KEY_DOWN:
            return None
        if code == KEY_CAPSLOCK:
            self._caps = not self._caps
            return None
        if code in TERMINATORS:
            line, overflow = "".join(self._buf), self._overflow
            self._buf.clear()
            self._overflow = False
            if overflow:
                self.dropped += 1
                return None
            return line or None
        chars = KEYMAP.get(code)
        if chars is None:
            self.ignored += 1
            return None
        shifted = bool(self._shift)
        char = chars[1] if shifted else chars[0]
        if self._caps and char.isalpha():
            char = char.lower() if shifted else char.upper()
        if len(self._buf) >= MAX_LINE:
            self._overflow = True
        else:
            self._buf.append(char)
        return None

    def feed_all(self, events: Iterable[tuple[int, int, int]]) -> list[str]:
        lines = []
        for etype, code, value in events:
            line = self.feed(etype, code, value)
            if line is not None:
                lines.append(line)
        return lines


class InputDevice(Protocol):
    """The part of ``evdev.InputDevice`` the adapter uses (a fake stands in for tests)."""

    path: str
    name: str

    def fileno(self) -> int: ...

    def grab(self) -> None: ...

    def ungrab(self) -> None: ...

    def read(self) -> Iterable[Any]: ...

    def close(self) -> None: ...


Opener = Callable[[str], InputDevice]


def describe_device(device: Any) -> str:
    info = getattr(device, "info", None)
    ids = f" [{info.vendor:04x}:{info.product:04x}]" if info is not None else ""
    return f"{device.path}: {device.name}{ids}"


def open_evdev(selector: str) -> InputDevice:
    """Find and open the input device named by ``selector`` (path, VID:PID or part of
    its name). Raises DeviceLostError when there is none."""
    import evdev

    if selector.startswith("/"):
        try:
            opened: Any = evdev.InputDevice(selector)
            return opened
        except OSError as exc:
            raise DeviceLostError(f"{selector}: {exc.strerror}") from None
    wanted_ids = None
    if ":" in selector:
        vid, _, pid = selector.partition(":")
        try:
            wanted_ids = (int(vid, 16), int(pid, 16))
        except ValueError:
            wanted_ids = None
    for path in evdev.list_devices():
        try:
            device = evdev.InputDevice(path)
        except OSError:
            continue
        if wanted_ids is not None:
            match = (device.info.vendor, device.info.product) == wanted_ids
        else:
            match = selector.lower() in device.name.lower()
        if match:
            found: Any = device
            return found
        device.close()
    raise DeviceLostError(f"no input device matching {selector!r}")


def list_input_devices() -> list[str]:
    """Every input device this user may open, one line each (for ``kiosk readers``)."""
    import evdev

    lines = []
    for path in evdev.list_devices():
        try:
            device = evdev.InputDevice(path)
        except OSError:
            continue
        lines.append(describe_device(device))
        device.close()
    return lines


class HidReader(ReaderThread):
    """A keyboard-wedge reader (``kind="card_reader"``) or scanner (``"item_scanner"``)."""

    def __init__(
        self,
        name: str,
        device: str,
        *,
        kind: str = "card_reader",
        convert: str = "dec",
        size: int = 0,
        hold: float = 1.0,
        opener: Opener = open_evdev,
    ) -> None:
        super().__init__(name)
        self.kind = kind
        self.device = device
        self.convert = convert
        self.size = size
        self.opener = opener
        self.debounce = Debounce(hold)
        self.decoder = KeyDecoder()
        self.grabbed: InputDevice | None = None

    @classmethod
    def from_url(cls, url: DeviceUrl, kind: str = "card_reader") -> HidReader:
        p = url.params
        unknown = set(p) - {"device", "convert", "name", "size", "hold"}
        if unknown:
            raise ValueError(
                f"hid options device=, convert=, name=, size=, hold=; not {sorted(unknown)}"
            )
        device = p.get("device", "")
        if not device:
            raise ValueError("hid://?device=NAME, a VID:PID or an input device path")
        default = "number" if kind == "item_scanner" else "dec"
        convert = check_conversion(p.get("convert", default))
        try:
            size = int(p.get("size", "0"))
            hold = float(p.get("hold", "1.0"))
        except ValueError:
            raise ValueError("size= a whole number of bytes, hold= seconds") from None
        name = p.get("name") or device.rsplit("/", 1)[-1]
        return cls(name, device, kind=kind, convert=convert, size=size, hold=hold)

    # -- reads -----------------------------------------------------------------
    def handle_line(self, text: str) -> None:
        """One typed line (reader thread; tests may call it)."""
        event: CardTapped | ItemScanned | None
        if self.kind == "item_scanner":
            barcode = valid_barcode(text)
            event = None if barcode is None else ItemScanned(scanner=self.name, barcode=barcode)
            ident = barcode
        elif self.convert == "number":
            number = to_card_number(text)
            event = None if number is None else CardTapped(reader=self.name, number=number)
            ident = number
        else:
            key = to_card_key(text, self.convert, self.size)
            event = None if key is None else CardTapped(reader=self.name, uid=key)
            ident = key
        if event is None or ident is None:
            self.dropped += 1
            log.info("%s: dropped an unreadable read", self.name)
            return
        if self.kind == "card_reader" and not self.debounce.new(ident):
            return
        self.reads += 1
        self._publish(event)

    def handle_events(self, events: Iterable[Any]) -> None:
        for event in events:
            line = self.decoder.feed(event.type, event.code, event.value)
            if line is not None:
                self.handle_line(line)
        self.dropped += self.decoder.dropped
        self.decoder.dropped = 0

    # -- the thread ------------------------------------------------------------
    def _session(self) -> None:
        device = self.opener(self.device)
        try:
            try:
                device.grab()
            except OSError as exc:
                if exc.errno == errno.EBUSY:
                    raise DeviceLostError(
                        f"{self.device} is grabbed by another program", "device.busy"
                    ) from None
                raise
            self.grabbed = device
            self.decoder = KeyDecoder()  # half a read from before an outage is garbage
            self.backoff.reset()
            self._set_status(True)
            while not self.stopping:
                ready, _, _ = select.select([device.fileno()], [], [], 0.2)
                if ready:
                    try:
                        self.handle_events(device.read())
                    except BlockingIOError:
                        continue
                    except OSError as exc:  # ENODEV: unplugged
                        raise DeviceLostError(f"{self.device}: {exc.strerror}") from None
        finally:
            if self.grabbed is not None:
                with contextlib.suppress(OSError):
                    device.ungrab()
            self.grabbed = None
            device.close()

    def _probe(self) -> tuple[bool, str]:
        try:
            device = self.opener(self.device)
        except ImportError:
            return False, "evdev is not installed (pip install .[hid])"
        except (DeviceLostError, OSError) as exc:
            return False, str(exc)
        try:
            return True, describe_device(device)
        finally:
            device.close()

    def _describe(self, ok: bool) -> str:
        if ok:
            return f"{self.device}: grabbed, {self.reads} reads, {self.dropped} dropped"
        return f"{self.last_error or 'not found'}; retrying"
