"""What the real reader adapters share: a reader thread, status reporting, backoff.

Each adapter owns one daemon thread that opens its device, reads until the device
fails, reports the failure as a :class:`~kiosk.domain.events.DeviceStatus` and tries
again with a growing delay. Nothing here blocks the caller of ``start``/``stop``
for more than a few seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from kiosk.bus import EventBus
from kiosk.domain.events import DeviceStatus, Event

log = logging.getLogger(__name__)


class DeviceLostError(Exception):
    """The device went away or cannot be used now; ``detail`` is the DeviceStatus
    message key (``device.offline``, ``device.busy``). The reader thread retries."""

    def __init__(self, reason: str, detail: str = "device.offline") -> None:
        super().__init__(reason)
        self.detail = detail


class Backoff:
    """Delays for retrying a vanished device: ``initial`` seconds, doubling up to
    ``maximum``; :meth:`reset` after a success."""

    def __init__(self, initial: float = 0.2, maximum: float = 5.0) -> None:
        self.initial = initial
        self.maximum = maximum
        self._next = initial

    def next(self) -> float:
        delay, self._next = self._next, min(self.maximum, self._next * 2)
        return delay

    def reset(self) -> None:
        self._next = self.initial


class Debounce:
    """One tap per card held on the reader.

    Readers such as the RDM6300 repeat the frame while the card stays in the field.
    A key seen again within ``hold`` seconds of its last sighting is the same tap;
    a different key, or the same one after a pause, is a new tap. Thread-confined:
    used only by the reader's own thread.
    """

    def __init__(self, hold: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.hold = hold
        self.clock = clock
        self._last: str | None = None
        self._seen = 0.0

    def new(self, key: str) -> bool:
        now = self.clock()
        repeat = key == self._last and now - self._seen < self.hold
        self._last, self._seen = key, now
        return not repeat


class ReaderThread:
    """Base of the adapters that read on their own thread.

    Subclasses set ``kind`` and implement :meth:`_session`: open the device, read
    until it fails or :attr:`stopping` is set, raise ``OSError`` (or any exception)
    on failure. The base reports the status, waits with backoff and calls it again.
    """

    kind = "device"

    def __init__(self, name: str) -> None:
        self.name = name
        self.reads = 0
        self.dropped = 0
        self.backoff = Backoff()
        self._bus: EventBus | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._status: tuple[bool, str] | None = None
        self.last_error = ""

    # -- lifecycle -------------------------------------------------------------
    def start(self, bus: EventBus) -> None:
        """Start the reader thread; returns at once."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._bus = bus
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"{self.kind}:{self.name}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop and join the thread (at most about 5 s)."""
        self._stop.set()
        self._wake()
        if self._thread is not None:
            self._thread.join(5.0)
        self._thread = None

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def status(self) -> tuple[bool, str] | None:
        """The last reported (ok, detail), None before the first report."""
        return self._status

    def check(self) -> tuple[bool, str]:
        """For ``kiosk doctor``: the running thread's status, else a one-off probe."""
        if self.running and self._status is not None:
            ok = self._status[0]
            return ok, self._describe(ok)
        return self._probe()

    # -- for subclasses --------------------------------------------------------
    def _session(self) -> None:
        raise NotImplementedError

    def _probe(self) -> tuple[bool, str]:
        return False, "not started"

    def _wake(self) -> None:
        """Interrupt a blocking read so that :meth:`stop` returns quickly."""

    def _describe(self, ok: bool) -> str:
        return "reading" if ok else (self.last_error or "not connected")

    def _publish(self, event: Event) -> None:
        if self._bus is not None:
            self._bus.publish(event)

    def _set_status(self, ok: bool, detail: str = "") -> None:
        """Publish a DeviceStatus when the health changes (not on every retry); a
        failure carries :attr:`last_error` as its reason, in words."""
        if self._status == (ok, detail):
            return
        was_failing = self._status is not None and not self._status[0]
        self._status = (ok, detail)
        if ok and was_failing:
            log.info("%s %s: working again", self.kind, self.name)
        reason = "" if ok else self.last_error
        self._publish(
            DeviceStatus(device=self.name, kind=self.kind, ok=ok, detail=detail, reason=reason)
        )

    @property
    def failing(self) -> bool:
        """True while the last status reported is a failure (an outage)."""
        return self._status is not None and not self._status[0]

    def _wait(self, seconds: float) -> bool:
        """Sleep unless stopped; True when the thread should go on."""
        return not self._stop.wait(seconds)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._session()
            except ImportError as exc:
                # The hardware library is not installed: retrying cannot help.
                self.last_error = f"{exc.name or exc} is not installed (see docs/hardware.md)"
                log.error("%s %s: %s", self.kind, self.name, self.last_error)
                self._set_status(False, "device.offline")
                break
            except Exception as exc:
                if self._stop.is_set():
                    break
                self.last_error = f"{type(exc).__name__}: {exc}"
                if isinstance(exc, OSError | DeviceLostError) or _expected(exc):
                    # One warning per outage; every retry after it is only a debug line.
                    level = logging.DEBUG if self.failing else logging.WARNING
                    log.log(level, "%s %s: %s; retrying", self.kind, self.name, self.last_error)
                else:  # a bug: keep reading anyway, but leave a traceback in the log
                    log.exception("%s %s failed; retrying", self.kind, self.name)
                detail = exc.detail if isinstance(exc, DeviceLostError) else "device.offline"
                self._set_status(False, detail)
            else:
                if self._stop.is_set():
                    break
            if not self._wait(self.backoff.next()):
                break


def _expected(exc: Exception) -> bool:
    """Library exceptions that mean "the device went away" rather than a bug."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"SerialException", "CardConnectionException"})
