"""A smart plug over MQTT (Tasmota or Shelly Gen2): :class:`kiosk.ports.EquipmentSwitch`.

URLs: ``tasmota://<topic>[?channel=n]`` (``POWERn``; without a channel, ``POWER``) and
``shelly://<prefix>[?channel=n]`` (switch id n, default 0). The broker is the kiosk's
``[mqtt]`` connection, shared by every plug (see :mod:`devices.mqtt.connection`).

:meth:`MqttSwitch.set` and :meth:`MqttSwitch.ask` are blocking: one command (or
question) and the device's own answer, nothing else; they never retry (the equipment
controller does). They fail fast while the broker is unreachable or the plug's Last
Will says it is offline. Everything the plug says is published as
:class:`~kiosk.domain.events.EquipmentState` from paho's network thread. The adapter
keeps only protocol bookkeeping (open requests, the Last Will for failing fast): the
record of each plug's state is the equipment controller's.
"""

from __future__ import annotations

import collections
import itertools
import threading
import time
from dataclasses import dataclass, field

from devices.mqtt.connection import MqttConnection
from devices.mqtt.dialects import DIALECTS, Dialect, Reading
from kiosk.bus import EventBus
from kiosk.domain.events import EquipmentState
from kiosk.ports import DeviceUrl, SwitchReply

_ids = itertools.count(1)
_ids_lock = threading.Lock()

#: How long an echo that contradicts a command waits for one that agrees before it
#: counts as the plug's answer (Tasmota). A late copy of an earlier echo (a QoS 1
#: redelivery: Tasmota's echoes carry no request id) is followed within a round trip
#: by the plug's own echo, while a plug that refused never sends one that agrees.
CONTRADICTION_WAIT_S = 0.5

NO_ECHO = "equipment.no_echo"
OFFLINE = "equipment.offline"
BROKER_LOST = "equipment.broker_lost"

#: A problem key in words, for ``check`` (``kiosk doctor`` and the staff screen).
_WORDS = {
    NO_ECHO: "no answer",
    OFFLINE: "its Last Will says it is offline",
    BROKER_LOST: "not connected to the broker",
    "equipment.no_channel": "the device has no such relay (check ?channel=)",
    "equipment.refused": "the device refused the request",
}


def next_id() -> int:
    """Request ids unique within the process (Shelly replies share one reply topic)."""
    with _ids_lock:
        return next(_ids)


@dataclass
class _Request:
    """One open command or question. ``ids``: the Shelly request ids that belong to it
    (the last one carries the state); empty for Tasmota (answered in order)."""

    want: bool | None
    ids: tuple[int, ...]
    sent_at: float = 0.0
    #: Tasmota: an echo that contradicts the command. It is the answer only when no
    #: echo that agrees follows within :data:`CONTRADICTION_WAIT_S` (see _take).
    contradiction: SwitchReply | None = None
    reply: SwitchReply | None = None
    done: threading.Event = field(default_factory=threading.Event)


class MqttSwitch:
    """One plug (or one relay of a strip). ``device`` is the Tasmota topic or Shelly
    prefix; ``channel`` the relay (see the module docstring)."""

    kind = "switch"

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
        suffix = f"?channel={channel}" if channel else ""
        self.name = f"{dialect.name}://{device}{suffix}"
        self.src = connection.client_id
        self._bus: EventBus | None = None
        self._lock = threading.Lock()
        #: The Last Will's word (None: not heard, or the connection was lost): only to
        #: fail fast instead of waiting for an answer that cannot come.
        self._lwt_online: bool | None = None
        #: Open requests, oldest first (Tasmota settles them in this order).
        self._requests: list[_Request] = []
        #: Request ids of this plug seen lately: a late Shelly reply is still this plug's
        #: news, while a reply to another plug on the shared topic is not.
        self._recent_ids: collections.deque[int] = collections.deque(maxlen=64)
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
        unknown = set(url.params) - {"channel"}
        if unknown:
            raise ValueError(f"only the channel= option, not {sorted(unknown)}")
        try:
            channel = int(url.params.get("channel", "0"))
        except ValueError:
            raise ValueError("channel=<relay number>") from None
        if not 0 <= channel <= 32:
            raise ValueError(f"channel= a relay number 0-32, not {channel}")
        return cls(resource, dialect, device, connection, channel)

    # -- Device ---------------------------------------------------------------------------
    def start(self, bus: EventBus) -> None:
        """Subscribe to the device's topics and connect (returns at once). Sends
        nothing to the plug: who asks what, and when, is the controller's business."""
        if self._started:
            return
        self._bus = bus
        if not self._registered:  # handlers stay registered across stop/start
            self._registered = True
            for template in self.dialect.subscriptions:
                topic = template.format(device=self.device, src=self.src)
                self.connection.subscribe(topic, self._on_message)
            self.connection.on_disconnect(self._lost)
        self._started = True  # before connecting: retained Last Wills arrive at once
        self.connection.acquire(bus)

    def stop(self) -> None:
        if self._started:
            self._started = False
            self.connection.release()

    def check(self) -> tuple[bool, str]:
        """Blocking, at most ~4 s: connected, and the plug answers a question."""
        started_here = not self._started
        if started_here:
            self.start(self._bus or EventBus())
        try:
            if not self.connection.wait_connected(2.0):
                return False, f"broker {self.connection.host}:{self.connection.port} unreachable"
            reply = self.ask(2.0)
        finally:
            if started_here:
                self.stop()
        if reply.on is None:
            return False, _WORDS.get(reply.problem, reply.problem)
        rtt = (reply.round_trip_s or 0.0) * 1000
        return True, f"{reply.device} answered {'on' if reply.on else 'off'} in {rtt:.1f} ms"

    # -- EquipmentSwitch ----------------------------------------------------------------------
    def set(self, on: bool, timeout: float = 2.0) -> SwitchReply:
        messages, ids = self.dialect.command(self.device, self.channel, self.src, on, next_id)
        return self._request(messages, ids, on, timeout)

    def ask(self, timeout: float = 2.0) -> SwitchReply:
        messages, ids = self.dialect.query(self.device, self.channel, self.src, next_id)
        return self._request(messages, ids, None, timeout)

    def _request(
        self,
        messages: list[tuple[str, bytes]],
        ids: tuple[int, ...],
        want: bool | None,
        timeout: float,
    ) -> SwitchReply:
        if not self.connection.connected.is_set():
            return SwitchReply(None, problem=BROKER_LOST)
        if self._lwt_online is False:
            return SwitchReply(None, problem=OFFLINE)
        request = _Request(want, ids)
        with self._lock:
            self._recent_ids.extend(ids)
            self._requests.append(request)
        try:
            request.sent_at = time.perf_counter()
            for topic, payload in messages:
                # The expiry keeps a broker from handing over a stale command later.
                if not self.connection.publish(topic, payload, expiry_s=timeout):
                    return SwitchReply(None, problem=BROKER_LOST)
            request.done.wait(timeout)
            return request.reply or request.contradiction or SwitchReply(None, problem=NO_ECHO)
        finally:
            with self._lock:
                self._requests.remove(request)

    # -- incoming (paho's thread) ---------------------------------------------------------------
    def _on_message(self, topic: str, payload: bytes) -> None:
        reading = self.dialect.parse(self.device, self.channel, self.src, topic, payload)
        if reading is not None:
            self._take(reading)

    def _take(self, reading: Reading) -> None:
        now = time.perf_counter()
        with self._lock:
            if reading.request_id is not None and reading.request_id not in self._recent_ids:
                return  # another plug's reply on the kiosk's shared reply topic
            if reading.online is not None:
                self._lwt_online = reading.online
            if reading.online is False:
                # Its Last Will: nothing open will be answered.
                for open_request in self._requests:
                    if not open_request.done.is_set():
                        open_request.reply = SwitchReply(None, problem=OFFLINE)
                        open_request.done.set()
            request = self._settles(reading)
            if (
                request is not None
                and not self.dialect.correlated
                and not reading.problem
                and request.want is not None
                and reading.on is not request.want
            ):
                # The plug refusing, or a late copy of an earlier echo: the answer only
                # if no echo that agrees comes soon (any number of copies may come).
                first = request.contradiction is None
                request.contradiction = SwitchReply(
                    reading.on, now - request.sent_at, reading.device
                )
                if first:
                    timer = threading.Timer(CONTRADICTION_WAIT_S, self._contradicted, [request])
                    timer.daemon = True
                    timer.start()
                request = None
            if request is not None:
                request.reply = SwitchReply(
                    reading.on if not reading.problem else None,
                    now - request.sent_at,
                    reading.device,
                    reading.problem,
                )
                request.done.set()
        if reading.on is None and reading.online is None and not reading.problem:
            return  # an acknowledgement that says nothing yet (Shelly's Set reply)
        self._publish(
            EquipmentState(
                resource=self.resource,
                on=reading.on,
                online=reading.online if reading.online is not None else True,
                device=reading.device,
                problem=reading.problem,
            )
        )

    def _contradicted(self, request: _Request) -> None:
        """No echo agreed with the command in time: the contradiction is the answer."""
        with self._lock:
            if not request.done.is_set():
                request.reply = request.contradiction
                request.done.set()

    def _settles(self, reading: Reading) -> _Request | None:
        """The open request this reading answers, if any (called under the lock)."""
        if not reading.answer:
            return None
        if self.dialect.correlated:
            # A refusal of any of its requests, or the reply that carries the state.
            return next(
                (
                    r
                    for r in self._requests
                    if reading.request_id in r.ids
                    and not r.done.is_set()
                    and (reading.problem or reading.request_id == r.ids[-1])
                ),
                None,
            )
        # Uncorrelated (Tasmota): the device answers in order; the oldest open one. An
        # answer that contradicts a command is only believed when no answer that agrees
        # follows soon (see _take).
        return next((r for r in self._requests if not r.done.is_set()), None)

    def _lost(self) -> None:
        """The connection dropped: nothing about this plug can be known until it is back."""
        with self._lock:
            self._lwt_online = None
        self._publish(
            EquipmentState(resource=self.resource, on=None, online=None, problem=BROKER_LOST)
        )

    def _publish(self, event: EquipmentState) -> None:
        if self._bus is not None and self._started:
            self._bus.publish(event)
