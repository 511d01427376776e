"""What every simulator shares: a name, a bus, a failure mode and an answer delay."""

from __future__ import annotations

import threading
import time
from typing import Self

from kiosk.bus import EventBus
from kiosk.domain.errors import DeviceError
from kiosk.domain.events import DeviceStatus, Event
from kiosk.ports import DeviceUrl

#: Failure modes every simulator understands. Some add their own (see each class).
FAILURE_MODES = frozenset({"timeout", "offline", "garbage"})


class SimDevice:
    """Base of the simulators.

    ``kind`` names the port for :class:`DeviceStatus` events. ``extra_modes`` lists the
    device-specific failure modes a subclass accepts on top of :data:`FAILURE_MODES`.
    """

    kind = "device"
    extra_modes: frozenset[str] = frozenset()

    def __init__(self, name: str = "sim", fail: str | None = None, delay: float = 0.0) -> None:
        self.name = name
        self.delay = delay
        self._failure: str | None = None
        self._lock = threading.RLock()
        self._bus: EventBus | None = None
        self.started = False
        self.fail(fail)

    @classmethod
    def modes(cls) -> frozenset[str]:
        return FAILURE_MODES | cls.extra_modes

    @classmethod
    def options_from_url(cls, url: DeviceUrl) -> dict[str, object]:
        """Keyword arguments for ``__init__`` from ``sim://NAME?fail=MODE&delay=S``.

        Raises ValueError naming what was expected (the config loader turns it into a
        config error).
        """
        options: dict[str, object] = {"name": url.host or "sim"}
        unknown = set(url.params) - {"fail", "delay"}
        if unknown:
            raise ValueError(f"only 'fail' and 'delay' options, not {sorted(unknown)}")
        if "fail" in url.params:
            mode = url.params["fail"]
            if mode not in cls.modes():
                raise ValueError(f"fail= one of {sorted(cls.modes())}, not {mode!r}")
            options["fail"] = mode
        if "delay" in url.params:
            try:
                options["delay"] = float(url.params["delay"])
            except ValueError:
                raise ValueError("delay= a number of seconds") from None
        return options

    @classmethod
    def from_url(cls, url: DeviceUrl) -> SimDevice:
        return cls(**cls.options_from_url(url))  # type: ignore[arg-type]

    # -- failure scripting -------------------------------------------------------
    def fail(self, mode: str | None) -> None:
        """Misbehave from now on in ``mode`` (None: behave again)."""
        if mode is not None and mode not in self.modes():
            raise ValueError(f"unknown failure mode {mode!r}; one of {sorted(self.modes())}")
        with self._lock:
            previous, self._failure = self._failure, mode
        if self._bus is not None and (previous == "offline") != (mode == "offline"):
            self._status()

    @property
    def failure(self) -> str | None:
        return self._failure

    # -- lifecycle ---------------------------------------------------------------
    def start(self, bus: EventBus) -> None:
        self._bus = bus
        self.started = True
        self._status()

    def stop(self) -> None:
        self.started = False

    def check(self) -> tuple[bool, str]:
        mode = self._failure
        if mode == "offline":
            return False, "simulated device is offline"
        if mode == "timeout":
            return False, "simulated device does not answer (timeout)"
        return True, f"simulator ({self.kind})"

    # -- helpers for subclasses --------------------------------------------------
    def _publish(self, event: Event) -> None:
        if self._bus is not None and self.started:
            self._bus.publish(event)

    def _status(self) -> None:
        ok = self._failure != "offline"
        detail = "" if ok else "device.offline"
        self._publish(DeviceStatus(device=self.name, kind=self.kind, ok=ok, detail=detail))

    def _answer(self, timeout: float | None = None) -> None:
        """Behave like a peer answering a request: wait ``delay``, then raise for the
        failure modes that make a request fail."""
        if self.delay:
            time.sleep(self.delay if timeout is None else min(self.delay, timeout))
        mode = self._failure
        if mode == "offline":
            raise DeviceError("device.offline", device=self.name)
        if mode == "timeout":
            if timeout:
                time.sleep(timeout)
            raise DeviceError("device.timeout", device=self.name)
        if mode == "garbage":
            raise DeviceError("device.garbage", device=self.name)


class SimResourceDevice(SimDevice):
    """A simulator that belongs to one bookable resource (a plug, a printer host).

    ``sim://`` with no name takes the resource's id as its name.
    """

    def __init__(
        self,
        name: str = "sim",
        fail: str | None = None,
        delay: float = 0.0,
        resource: str = "",
    ) -> None:
        super().__init__(name, fail, delay)
        self.resource = resource or name

    @classmethod
    def for_resource(cls, url: DeviceUrl, resource: str) -> Self:
        options = cls.options_from_url(url)
        options["resource"] = resource
        if not url.host:
            options["name"] = resource
        return cls(**options)  # type: ignore[arg-type]
