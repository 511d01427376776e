"""A smart plug over MQTT (Tasmota or Shelly Gen2): :class:`kiosk.ports.EquipmentSwitch`.

URLs: ``tasmota://<topic>`` and ``shelly://<prefix>[?channel=0]``. The broker is the
kiosk's ``[mqtt]`` connection, shared by every plug (see :mod:`devices.mqtt.connection`).

:meth:`MqttSwitch.set` is blocking: ON or OFF (never toggle), QoS 1, never retained, then
it waits for the device's own echo. Fails fast (False at once) while the broker is
unreachable or the plug's Last Will says it is offline. Every reading is published as
:class:`~kiosk.domain.events.EquipmentState` from paho's network thread.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field

from devices.mqtt.connection import MqttConnection
from devices.mqtt.dialects import DIALECTS, Dialect, Reading
from kiosk.bus import EventBus
from kiosk.domain.events import EquipmentState
from kiosk.ports import DeviceUrl, SwitchState

_ids = itertools.count(1)
_ids_lock = threading.Lock()


def next_id() -> int:
    """Request ids unique within the process (Shelly replies share one reply topic)."""
    with _ids_lock:
        return next(_ids)


@dataclass
class _Waiter:
    want: bool
    request_id: int | None
    done: threading.Event = field(default_factory=threading.Event)


class MqttSwitch:
    """One plug. ``device`` is the Tasmota topic or Shelly prefix."""

    def __init__(
        self,
        resource: str,
        dialect: Dialect,
        device: str,
        connection: MqttConnection,
        channel: int = 0,
    ) -> None:
        self.resource = resource
        self.dialect = dialect
        self.device = device
        self.channel = channel
        self.connection = connection
        self.name = f"{dialect.name}://{device}"
        self.src = connection.client_id
        self._bus: EventBus | None = None
        self._lock = threading.Lock()
        self._on: bool | None = None
        #: None until the Last Will topic has said something (retained, so at once).
        self._online: bool | None = None
        self._waiters: list[_Waiter] = []
        self._started = False
        self._registered = False

    @classmethod
    def from_url(cls, url: DeviceUrl, resource: str, connection: MqttConnection) -> MqttSwitch:
        dialect = DIALECTS.get(url.scheme)
        if dialect is None:
            raise ValueError(f"a plug URL tasmota:// or shelly://, not {url.raw!r}")
        device = (url.host + url.path).strip("/")
        if not device or any(c in device for c in "#+ "):
            raise ValueError(f"a device topic after {url.scheme}:// (no #, + or spaces)")
        try:
            channel = int(url.params.get("channel", "0"))
        except ValueError:
            raise ValueError("channel=<relay number>") from None
        return cls(resource, dialect, device, connection, channel)

    # -- Device ---------------------------------------------------------------------------
    def start(self, bus: EventBus) -> None:
        """Subscribe to the device's topics and connect (returns at once)."""
        if self._started:
            return
        self._bus = bus
        if not self._registered:  # handlers stay registered across stop/start
            self._registered = True
            for template in self.dialect.subscriptions:
                topic = template.format(device=self.device, src=self.src)
                self.connection.subscribe(topic, self._on_message)
            self.connection.on_connect(self.query)  # also queries now when connected
        elif self.connection.connected.is_set():
            self.query()
        self.connection.acquire(bus)
        self._started = True

    def stop(self) -> None:
        if self._started:
            self._started = False
            self.connection.release()

    def check(self) -> tuple[bool, str]:
        """Blocking, at most ~4 s: connected, plug online, and it answers a query."""
        started_here = not self._started
        if started_here:
            self.start(self._bus or EventBus())
        try:
            return self._check()
        finally:
            if started_here:
                self.stop()

    def _check(self) -> tuple[bool, str]:
        if not self.connection.wait_connected(2.0):
            return False, f"broker {self.connection.host}:{self.connection.port} unreachable"
        with self._lock:
            self._on = None
        self.query()
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            if self._online is False:
                return False, "the plug's Last Will says Offline"
            if self._on is not None:
                return True, f"online, {'on' if self._on else 'off'}"
            time.sleep(0.02)
        return False, "no answer to a state query"

    # -- EquipmentSwitch ----------------------------------------------------------------------
    def set(self, on: bool, timeout: float = 2.0) -> bool:
        if not self.connection.connected.is_set() or self._online is False:
            return False
        messages, request_id = self.dialect.command(
            self.device, self.channel, self.src, on, next_id
        )
        waiter = _Waiter(on, request_id)
        with self._lock:
            self._waiters.append(waiter)
        try:
            for topic, payload in messages:
                if not self.connection.publish(topic, payload, expiry_s=timeout):
                    return False
            return waiter.done.wait(timeout)
        finally:
            with self._lock:
                self._waiters.remove(waiter)

    def state(self) -> SwitchState:
        online = self._online is not False and self.connection.connected.is_set()
        return SwitchState(on=self._on if online else None, online=online)

    def query(self) -> None:
        """Ask the device for its state (returns at once; the answer is published)."""
        messages, _ = self.dialect.query(self.device, self.channel, self.src, next_id)
        for topic, payload in messages:
            self.connection.publish(topic, payload, expiry_s=5)

    # -- incoming (paho's thread) ---------------------------------------------------------------
    def _on_message(self, topic: str, payload: bytes) -> None:
        reading = self.dialect.parse(self.device, self.channel, self.src, topic, payload)
        if reading is None:
            return
        self._take(reading)

    def _take(self, reading: Reading) -> None:
        came_online = False
        with self._lock:
            if reading.online is not None:
                # Every "Online" (a plug back from a power cut, or re-announcing itself
                # after a broker restart) is asked for its state: it may have changed.
                came_online = reading.online
                self._online = reading.online
                if not reading.online:
                    self._on = None
            if reading.on is not None:
                self._on = reading.on
                for waiter in self._waiters:
                    if waiter.want == reading.on and (
                        waiter.request_id is None or waiter.request_id == reading.request_id
                    ):
                        waiter.done.set()
        if came_online:
            self.query()
        if self._bus is not None and (reading.on is not None or reading.online is not None):
            state = self.state()
            self._bus.publish(
                EquipmentState(resource=self.resource, on=state.on, online=state.online)
            )
