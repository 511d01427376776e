"""Ports: the small interfaces that device adapters implement.

Every adapter is chosen by a URL in config (``sim://``, ``pcsc://``, ``tasmota://...``)
and built by the composition root (:mod:`kiosk.bootstrap`). Adapters own their threads
and publish events on the bus; they never touch widgets. Methods documented as
*blocking* must not be called from the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
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


#: A printer's state as the kiosk names it (OctoPrint's many state texts map onto these):
#: ``offline`` the host does not answer; ``disconnected`` the host answers but has no
#: connection to the printer (switched off, cable out); ``error`` the printer reported an
#: error; ``idle`` ready to print; ``printing`` (starting, printing, finishing);
#: ``paused`` (pausing or paused); ``cancelling``.
PRINTER_STATES = ("offline", "disconnected", "error", "idle", "printing", "paused", "cancelling")

#: How a print job ended: the outcome of :class:`~kiosk.domain.events.PrintEnded`.
PRINT_OUTCOMES = ("done", "failed", "cancelled")

#: Below this hotend temperature (degrees Celsius) a printer may lose power; the
#: ``[printing] cooldown_c`` setting replaces it.
DEFAULT_COOLDOWN_C = 50.0


@dataclass(frozen=True)
class JobOwner:
    """Who a print job belongs to, kept with the file on the host (OctoPrint ``userdata``).

    ``booking_id`` is the booking the print was started in; ``kiosk_id`` the kiosk that
    sent it (``[kiosk] id``). No patron id: the booking links the two while it exists.
    """

    booking_id: int
    kiosk_id: str


@dataclass(frozen=True)
class PrintFile:
    """A G-code file on the printer's host.

    ``path`` names it for :meth:`PrinterHost.start_print` (folders separated by ``/``);
    ``name`` is for people. ``uploaded_at`` is aware UTC. ``estimated_seconds`` and
    ``filament_mm`` come from the host's own analysis of the file (None until it is done).
    """

    path: str
    name: str
    size_bytes: int | None = None
    uploaded_at: datetime | None = None
    estimated_seconds: int | None = None
    filament_mm: float | None = None
    owner: JobOwner | None = None


@dataclass(frozen=True)
class PrintJob:
    """The job a printer is working on (or has just finished).

    ``completion`` in percent 0-100 (None before the first report); ``print_seconds``
    elapsed and ``time_left`` remaining, in seconds; ``estimated_seconds`` and
    ``filament_mm`` (the whole job) from the host's analysis. ``owner`` is None for a file
    the kiosk did not upload (a job started on OctoPrint itself, or a file already
    there); ``user`` the host account that started it.
    """

    path: str
    name: str
    completion: float | None = None
    print_seconds: int | None = None
    time_left: int | None = None
    estimated_seconds: int | None = None
    filament_mm: float | None = None
    owner: JobOwner | None = None
    user: str | None = None


@dataclass(frozen=True)
class PrinterStatus:
    """A 3D printer's state as its host reports it. Temperatures in degrees Celsius.

    ``online`` is False when the host does not answer (``state`` "offline") or refuses
    the kiosk (``problem`` says why, a message key such as ``printer.wrong_key``).
    ``last_seen_busy``: the printer was printing, paused or hot when its host last
    answered, so an offline printer is never taken for a cold idle one.
    """

    online: bool
    state: str = "offline"
    hotend_c: float | None = None
    hotend_target_c: float | None = None
    bed_c: float | None = None
    bed_target_c: float | None = None
    job: PrintJob | None = None
    problem: str | None = None
    last_seen_busy: bool = False

    @property
    def printing(self) -> bool:
        """Working on a job (cancelling included: the head still moves)."""
        return self.state in ("printing", "cancelling")

    @property
    def paused(self) -> bool:
        return self.state == "paused"

    @property
    def connected(self) -> bool:
        """The host talks to the printer (it can take a job or is on one)."""
        return self.state in ("idle", "printing", "paused", "cancelling")

    def busy_at(self, cooldown_c: float) -> bool:
        """True when cutting power now would ruin a print or leave a nozzle above
        ``cooldown_c``; an offline host counts as what it was when last seen."""
        if not self.online:
            return self.last_seen_busy
        hot = self.hotend_c is not None and self.hotend_c > cooldown_c
        return self.printing or self.paused or hot

    @property
    def busy(self) -> bool:
        """:meth:`busy_at` the default cooldown temperature (50 C)."""
        return self.busy_at(DEFAULT_COOLDOWN_C)


class PrinterHost(Device, Protocol):
    """A 3D printer's host (OctoPrint), one per printer resource.

    Every method is a *blocking* network call (a few seconds at most; uploads take as
    long as the file needs), safe to call from any thread but never from the UI thread.
    Failures raise :class:`~kiosk.domain.errors.DeviceError` with a message key:
    ``printer.unreachable``, ``printer.wrong_key`` (403), ``printer.not_operational``
    (409: no printer connected), ``printer.busy`` (409: already printing),
    ``printer.file_not_found``, ``printer.upload_in_use``/``printer.upload_wrong_type``
    (409/415), ``printer.file_too_large`` (the configured limit),
    ``printer.source_gone`` (the file vanished while it was read, e.g. a USB stick
    pulled out), ``printer.start_unknown``; ``printer`` names the resource in each.

    Once started, the host's own thread publishes on the bus:
    :class:`~kiosk.domain.events.PrintProgress` when a job's progress or a temperature
    changes, :class:`~kiosk.domain.events.PrintDone`, ``PrintFailed`` or
    ``PrintCancelled`` once when a job ends, and
    :class:`~kiosk.domain.events.DeviceStatus` when the host stops or starts answering.
    """

    resource: str

    def status(self) -> PrinterStatus:
        """The state now, asked of the host. Never raises: an unreachable or refusing
        host is ``online=False`` with the reason in ``problem``."""
        ...

    def connect(self) -> None:
        """Ask the host to open its connection to the printer (after the plug has
        powered it on). Returns once asked; :meth:`status` shows when it is connected."""
        ...

    def files(self) -> tuple[PrintFile, ...]:
        """The G-code files on the host, newest first."""
        ...

    def read_file(self, path: str, limit: int) -> bytes:
        """The first ``limit`` bytes of a file on the host (slicer thumbnails and
        estimates sit at the start of a G-code file)."""
        ...

    def upload(
        self,
        name: str,
        source: Path | bytes,
        owner: JobOwner,
        progress: Callable[[int, int], None] | None = None,
    ) -> PrintFile:
        """Store ``source`` on the host as ``name`` (a file already there is replaced),
        with ``owner`` as its metadata. Does not select or start it; safe to retry.

        ``progress(sent, total)`` is called on this thread as bytes go out. Nothing is
        left on the host when the upload fails (``printer.source_gone`` included).
        """
        ...

    def select(self, path: str) -> None:
        """Load the file ``path`` without printing it (the host shows it as the job)."""
        ...

    def start_print(self, path: str) -> None:
        """Select ``path`` and start it, in one request. Sent once and never retried: when
        the answer is lost the host is asked whether printing started, and
        ``printer.start_unknown`` is raised when that cannot be told."""
        ...

    def cancel(self) -> None:
        """Cancel the running or paused job (the host parks the head and stops)."""
        ...

    def cool_down(self) -> None:
        """Heaters off: set the hotend's and the bed's target to 0 (does not wait)."""
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
