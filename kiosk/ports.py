"""Ports: the small interfaces that device adapters implement.

Every adapter is chosen by a URL in config (``sim://``, ``pcsc://``, ``tasmota://...``)
and built by the composition root (:mod:`kiosk.bootstrap`). Adapters own their threads
and publish events on the bus; they never touch widgets. Methods documented as
*blocking* must not be called from the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable
from urllib.parse import parse_qs, urlsplit

from kiosk.bus import EventBus
from kiosk.domain.tags import ItemTag


@dataclass(frozen=True)
class DeviceUrl:
    """A parsed device URL: ``scheme://host/path?key=value``.

    ``scheme`` picks the adapter; the rest is the adapter's own business. Query values
    are single strings (a repeated key keeps its last value).
    """

    raw: str
    scheme: str
    host: str = ""
    path: str = ""
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: str) -> DeviceUrl:
        """Parse ``raw``; raises ValueError with a short reason when it is malformed."""
        if not isinstance(raw, str) or "://" not in raw:
            raise ValueError("a device URL like 'sim://' or 'serial:///dev/ttyUSB0'")
        parts = urlsplit(raw)
        scheme = parts.scheme.lower()
        if not scheme or not scheme.replace("+", "").replace("-", "").isalnum():
            raise ValueError("a device URL with a scheme such as 'sim://'")
        try:
            query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
        except ValueError as exc:
            raise ValueError(f"a well-formed query string ({exc})") from None
        return cls(
            raw=raw,
            scheme=scheme,
            host=parts.netloc,
            path=parts.path,
            params={k: v[-1] for k, v in query.items()},
        )

    def __str__(self) -> str:
        return self.raw


@runtime_checkable
class Device(Protocol):
    """Lifecycle shared by every adapter.

    ``start`` returns at once (the adapter starts its own thread if it needs one);
    ``stop`` blocks until that thread has ended, at most a few seconds.
    """

    name: str

    def start(self, bus: EventBus) -> None: ...

    def stop(self) -> None: ...

    def check(self) -> tuple[bool, str]:
        """Blocking health check for ``kiosk doctor``: (ok, reason)."""
        ...


class CardReader(Device, Protocol):
    """Publishes :class:`~kiosk.domain.events.CardTapped` (card key or card number)
    and :class:`~kiosk.domain.events.DeviceStatus` when its health changes."""


class ItemScanner(Device, Protocol):
    """Publishes :class:`~kiosk.domain.events.ItemScanned` for each barcode read."""


class ItemPad(Device, Protocol):
    """An RFID pad for ISO 28560 item tags.

    Publishes :class:`~kiosk.domain.events.TagsRead` whenever the set of tags on the
    pad changes. ``set_security`` is blocking: it writes the AFI (secured or on loan)
    and reads it back; raises :class:`~kiosk.domain.errors.DeviceError` when the write
    does not stick (the patron is sent to staff).
    """

    def tags(self) -> tuple[ItemTag, ...]: ...

    def set_security(self, tag_uid: str, secured: bool) -> None: ...


@dataclass(frozen=True)
class SwitchReply:
    """What a plug answered to one command or question.

    ``on`` is the power state the device itself answered (None: no answer);
    ``round_trip_s`` the seconds from sending to that answer; ``device`` the id the
    device answered with (a Shelly's own id, a Tasmota topic). ``problem`` is a message
    key when there was no usable answer: ``equipment.no_echo`` (silence until the
    timeout), ``equipment.offline`` (its Last Will says offline: not sent),
    ``equipment.broker_lost`` (the kiosk is not connected: not sent),
    ``equipment.no_channel`` (the device has no such relay), ``equipment.refused``.
    A command is confirmed when ``on`` is what was asked; an ``on`` that differs is the
    device's own opposite answer.
    """

    on: bool | None
    round_trip_s: float | None = None
    device: str = ""
    problem: str = ""


class EquipmentSwitch(Device, Protocol):
    """Powers a resource on or off (a smart plug over MQTT).

    ``set`` is blocking: it sends ON or OFF (never toggle) and waits up to ``timeout``
    seconds for the device's own answer; ``ask`` is blocking too and only asks for the
    state. Neither retries (the equipment controller does). Everything the device says
    is published as :class:`~kiosk.domain.events.EquipmentState`; the equipment
    controller (:mod:`kiosk.booking.equipment`) keeps the one record of it.
    """

    resource: str

    def set(self, on: bool, timeout: float = 2.0) -> SwitchReply: ...

    def ask(self, timeout: float = 2.0) -> SwitchReply: ...


class Broker(Device, Protocol):
    """The kiosk's connection to its MQTT broker, shared by every plug.

    ``check`` is a real MQTT CONNECT/CONNACK with the configured credentials.
    ``round_trip`` is blocking: it publishes to a topic of the kiosk's own and waits for
    the broker to hand it back; seconds, or None when it did not come back in time.
    """

    def wait_connected(self, timeout: float) -> bool:
        """Blocking until connected (True) or ``timeout`` seconds passed (False)."""
        ...

    def round_trip(self, timeout: float = 1.0) -> float | None: ...


@dataclass(frozen=True)
class PrinterStatus:
    """A 3D printer's state as its host reports it. Temperatures in degrees Celsius."""

    online: bool
    printing: bool = False
    paused: bool = False
    hotend_c: float | None = None
    bed_c: float | None = None
    job_name: str | None = None
    completion: float | None = None
    time_left: int | None = None

    @property
    def busy(self) -> bool:
        """True when cutting power now would ruin a print or leave a hot nozzle."""
        hot = self.hotend_c is not None and self.hotend_c > 50.0
        return self.printing or self.paused or hot


class PrinterHost(Device, Protocol):
    """A 3D printer's host (OctoPrint). All methods are blocking network calls.

    Raises :class:`~kiosk.domain.errors.DeviceError` when the host is unreachable or
    refuses. Publishes :class:`~kiosk.domain.events.PrintProgress`.
    """

    resource: str

    def status(self) -> PrinterStatus: ...

    def start_print(self, file_name: str, data: bytes, metadata: dict[str, str]) -> None: ...

    def cancel(self) -> None: ...

    def cool_down(self) -> None:
        """Set every heater's target to 0 (does not wait)."""
        ...


@dataclass(frozen=True)
class ReceiptLine:
    """One line of a receipt; ``emphasis`` prints bold."""

    text: str
    emphasis: bool = False


@dataclass(frozen=True)
class Receipt:
    """A receipt, already translated into the patron's language."""

    lines: tuple[ReceiptLine, ...]


class ReceiptPrinter(Device, Protocol):
    """Prints receipts. ``print_receipt`` is blocking; raises
    :class:`~kiosk.domain.errors.DeviceError` (``device.paper_out``,
    ``device.offline``) so staff are told while the patron's session goes on."""

    def print_receipt(self, receipt: Receipt) -> None: ...


class Speaker(Device, Protocol):
    """Speaks text. ``say`` returns at once; synthesis and playback run on the
    speaker's own thread. A new ``say`` interrupts the current utterance."""

    def say(self, text: str, language: str) -> None: ...

    def stop_speaking(self) -> None: ...

    def set_volume(self, level: float) -> None:
        """``level`` from 0.0 (silent) to 1.0 (loudest)."""
        ...


#: Earcons a speaker can play: short tones for move, activate, error, page change, the
#: end of a list, and a key press whose value must not be spoken (PIN digits).
EARCONS = ("move", "activate", "error", "page", "boundary", "key")


@runtime_checkable
class EarconPlayer(Protocol):
    """A speaker that also plays :data:`EARCONS`. ``play_earcon`` returns at once and
    interrupts current speech (an earcon marks a new action); speech queued right after
    it plays after it."""

    def play_earcon(self, name: str) -> None: ...
