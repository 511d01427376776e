"""One paho-mqtt 2.x connection shared by every MQTT adapter of a kiosk
(:class:`kiosk.ports.Broker`).

- Automatic reconnect (paho's network thread, ``loop_start``), MQTT 5, clean start.
- The kiosk's own retained status on ``kiosk/<kiosk id>/status`` (``online``), with a
  Last Will (``offline``, retained) so staff and PC agents see a dead kiosk.
- TCP_NODELAY on the client's socket (without it a command round trip on loopback takes
  ~44 ms instead of ~0.5 ms: Nagle's algorithm meets delayed ACKs).
- Fail fast: :meth:`publish` refuses while disconnected, and every message paho still
  holds is dropped on disconnect and again on connect, so no stale ON/OFF is delivered
  after a reconnect. Commands also carry an MQTT 5 message expiry.

- :meth:`check` is a real MQTT CONNECT/CONNACK with the configured credentials (a
  refusal says why); :meth:`round_trip` times kiosk -> broker -> kiosk on topics of
  its own (``kiosk/<kiosk id>/echo``), the broker's share of every plug's round trip.

Threads: message handlers and connect/disconnect listeners run on paho's network
thread; they must be quick and never call :meth:`publish` with a wait.
"""

from __future__ import annotations

import contextlib
import logging
import math
import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from devices.mqtt import topics
from kiosk.bus import EventBus
from kiosk.domain.events import DeviceStatus

log = logging.getLogger(__name__)

Handler = Callable[[str, bytes], None]


class _Mirror:
    """A second client of the kiosk's own that hands every message on ``<echo>/ask``
    back on ``<echo>``: the path of a plug's answer, without the plug.

    Why not simply a message to the kiosk's own topic: Mosquitto writes that echo out
    before its PUBACK, so it comes back at once even from a broker whose Nagle delay
    holds every plug's answer ~40 ms (the answer follows the PUBACK on the same socket,
    which waits for the kiosk's delayed ACK). Through a second client the measured
    path is the one a plug's answer takes.
    """

    def __init__(self, owner: MqttConnection, timeout: float) -> None:
        self.ready = threading.Event()
        self.topic = topics.kiosk_echo(owner.kiosk_id)
        self.ask = topics.kiosk_echo_ask(owner.kiosk_id)
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"{owner.client_id}-echo",
            protocol=mqtt.MQTTv5,
        )
        if owner._username:
            self.client.username_pw_set(owner._username, owner._password)
        if owner.tls:
            self.client.tls_set(ca_certs=owner._ca_file or None, cert_reqs=ssl.CERT_REQUIRED)
        self.client.on_socket_open = _nodelay
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *_args: self.ready.set()
        self.client.on_message = self._on_message
        self.client.connect_async(owner.host, owner.port, keepalive=15, clean_start=True)
        self.client.loop_start()
        self.ready.wait(timeout)

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        if not reason.is_failure:
            client.subscribe(self.ask, qos=1)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        client.publish(self.topic, bytes(msg.payload), qos=1)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _nodelay(client: mqtt.Client, userdata: Any, sock: Any) -> None:
    # A websocket or an already closed socket: nothing to tune.
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class MqttConnection:
    """A reference-counted connection: the first :meth:`acquire` connects, the last
    :meth:`release` disconnects. ``url`` is ``mqtt://host:port`` or ``mqtts://``.

    As a device (``start``/``stop``) it is one more user of the same connection."""

    kind = "mqtt"

    def __init__(
        self,
        url: str,
        client_id: str,
        *,
        kiosk_id: str = "kiosk-1",
        username: str = "",
        password: str | None = None,
        ca_file: str = "",
        keepalive: int = 15,
        reconnect_min_s: float = 0.5,
        reconnect_max_s: float = 8.0,
        refresh_s: float = 30.0,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts"):
            raise ValueError(f"an mqtt:// or mqtts:// broker URL, not {url!r}")
        self.url = url
        self.name = url
        self.host = parts.hostname or "127.0.0.1"
        self.tls = parts.scheme == "mqtts"
        self.port = parts.port or (8883 if self.tls else 1883)
        self.client_id = client_id
        self.kiosk_id = kiosk_id
        self.keepalive = keepalive
        self.refresh_s = refresh_s
        self.bus: EventBus | None = None
        self.connected = threading.Event()
        self._lock = threading.Lock()
        self._users = 0
        self._handlers: dict[str, list[Handler]] = {}
        self._retained: dict[str, bytes] = {}
        #: True from the connect handler's snapshot of subscriptions until a disconnect.
        self._live = False
        self._connect_listeners: list[Callable[[], None]] = []
        self._disconnect_listeners: list[Callable[[], None]] = []
        #: Why the last connection attempt failed (the broker's CONNACK reason, or the
        #: socket's error); "" after a successful connect.
        self.last_error = ""
        self._echo_lock = threading.Lock()
        self._echoes: dict[bytes, threading.Event] = {}
        self._echo_subscribed = False
        self._mirror: _Mirror | None = None
        self._mirror_lock = threading.Lock()
        self._started_as_device = 0
        self._refresh_stop = threading.Event()
        self._refresh_thread: threading.Thread | None = None
        self.connects = 0
        self._cycles = 0

        self._username = username
        self._password = password
        self._ca_file = ca_file
        self._reconnect = (reconnect_min_s, reconnect_max_s)
        self.client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        """A fresh paho client for each connect cycle (paho leaks its wake-up socket
        pair when one client is started a second time)."""
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=mqtt.MQTTv5,
            reconnect_on_failure=True,
        )
        if self._username:
            client.username_pw_set(self._username, self._password)
        if self.tls:
            client.tls_set(ca_certs=self._ca_file or None, cert_reqs=ssl.CERT_REQUIRED)
        client.will_set(topics.kiosk_status(self.kiosk_id), b"offline", qos=1, retain=True)
        client.reconnect_delay_set(
            min_delay=self._reconnect[0],  # type: ignore[arg-type]
            max_delay=self._reconnect[1],  # type: ignore[arg-type]
        )
        client.on_socket_open = _nodelay
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    # -- lifecycle --------------------------------------------------------------------
    def acquire(self, bus: EventBus | None = None) -> None:
        """Connect on first use (returns at once; paho connects in the background)."""
        with self._lock:
            if bus is not None:
                self.bus = bus
            self._users += 1
            if self._users > 1:
                return
            if self._cycles:
                self.client = self._make_client()
            self._cycles += 1
        self.client.connect_async(self.host, self.port, self.keepalive, clean_start=True)
        self.client.loop_start()
        self._refresh_stop.clear()
        self._refresh_thread = threading.Thread(
            target=self._refresh_loop, name="mqtt-refresh", daemon=True
        )
        self._refresh_thread.start()

    def release(self) -> None:
        """Disconnect after the last user; blocks until paho's thread has ended."""
        with self._lock:
            if self._users <= 0:
                return  # released more often than acquired: already disconnected
            self._users -= 1
            if self._users > 0:
                return
        self._refresh_stop.set()
        with self._echo_lock:
            mirror, self._mirror = self._mirror, None
        if mirror is not None:
            mirror.close()
        if self.connected.is_set():
            info = self.client.publish(
                topics.kiosk_status(self.kiosk_id), b"offline", 1, retain=True
            )
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(timeout=1.0)
        self.client.disconnect()
        self.client.loop_stop()
        with self._lock:
            self._live = False
        self.connected.clear()
        if self._refresh_thread is not None:
            self._refresh_thread.join(timeout=2)

    def wait_connected(self, timeout: float) -> bool:
        return self.connected.wait(timeout)

    # -- subscriptions ------------------------------------------------------------------
    def subscribe(self, topic: str, handler: Handler) -> None:
        """Call ``handler(topic, payload)`` (paho's thread) for each message on ``topic``
        (an exact topic or a filter); kept across reconnects."""
        with self._lock:
            first = topic not in self._handlers
            self._handlers.setdefault(topic, []).append(handler)
            # Under the lock: either the connect handler's snapshot has it, or the
            # session is already live and it is subscribed here.
            live = self._live
        if first and live:
            self.client.subscribe(topic, qos=1)

    def on_connect(self, listener: Callable[[], None]) -> None:
        """``listener()`` runs on every (re)connect, after the subscriptions are sent,
        and every ``refresh_s`` seconds while connected (paho's or the refresh thread);
        at once as well when the connection is already up."""
        with self._lock:
            self._connect_listeners.append(listener)
            live = self._live
        if live:
            listener()

    def on_disconnect(self, listener: Callable[[], None]) -> None:
        """``listener()`` runs (paho's thread) each time a live connection is lost."""
        with self._lock:
            self._disconnect_listeners.append(listener)

    def publish(self, topic: str, payload: bytes, expiry_s: float | None = None) -> bool:
        """QoS 1, never retained. Returns False at once when not connected (fail fast).

        ``expiry_s``: MQTT 5 message expiry, so a broker never hands it over later.
        """
        if not self.connected.is_set():
            return False
        props = None
        if expiry_s is not None:
            props = Properties(PacketTypes.PUBLISH)
            props.MessageExpiryInterval = max(1, math.ceil(expiry_s))
        info = self.client.publish(topic, payload, qos=1, retain=False, properties=props)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            # Not sent now: make sure paho does not send it after a reconnect either.
            self.client.drop_out_messages()
            return False
        return True

    def publish_retained(self, topic: str, payload: bytes) -> bool:
        """QoS 1, retained: a state others read when they (re)connect. Remembered and
        published again after every reconnect (a restarted broker may have lost it).
        Returns False when not connected now (it is still sent on the next connect)."""
        with self._lock:
            self._retained[topic] = payload
        if not self.connected.is_set():
            return False
        info = self.client.publish(topic, payload, qos=1, retain=True)
        return info.rc == mqtt.MQTT_ERR_SUCCESS

    # -- paho callbacks (network thread) ---------------------------------------------------
    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        # Whatever was queued while away is stale: the reconcile below decides anew.
        client.drop_out_messages()
        if reason.is_failure:
            self.last_error = f"refused the connection: {reason}"
            log.warning("MQTT broker %s refused the connection: %s", self.url, reason)
            return
        self.last_error = ""
        self.connects += 1
        with self._lock:
            self._live = True
            filters = list(self._handlers)
            listeners = list(self._connect_listeners)
        for topic in filters:
            client.subscribe(topic, qos=1)
        client.publish(topics.kiosk_status(self.kiosk_id), b"online", qos=1, retain=True)
        with self._lock:
            retained = list(self._retained.items())
        for topic, payload in retained:
            client.publish(topic, payload, qos=1, retain=True)
        self.connected.set()
        self._status(True)
        for listener in listeners:
            try:
                listener()
            except Exception:
                log.exception("MQTT connect listener failed")

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        was = self.connected.is_set()
        with self._lock:
            self._live = False
        self.connected.clear()
        client.drop_out_messages()
        if was and self._users > 0:
            log.warning("MQTT broker %s lost: %s", self.url, reason)
            self._status(False)
            with self._lock:
                listeners = list(self._disconnect_listeners)
            for listener in listeners:
                try:
                    listener()
                except Exception:
                    log.exception("MQTT disconnect listener failed")

    def _on_connect_fail(self, client: mqtt.Client, userdata: Any) -> None:
        # paho says no more than that; the socket's own error is in its log.
        self.last_error = "no MQTT broker answers there (TCP connection failed)"

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        with self._lock:
            targets = [
                h
                for topic, handlers in self._handlers.items()
                if mqtt.topic_matches_sub(topic, msg.topic)
                for h in handlers
            ]
        for handler in targets:
            try:
                handler(msg.topic, bytes(msg.payload))
            except Exception:
                log.exception("MQTT handler failed on %s", msg.topic)

    def _refresh_loop(self) -> None:
        while not self._refresh_stop.wait(self.refresh_s):
            if not self.connected.is_set():
                continue
            for listener in list(self._connect_listeners):
                try:
                    listener()
                except Exception:
                    log.exception("MQTT refresh listener failed")

    def _status(self, ok: bool) -> None:
        if self.bus is not None:
            self.bus.publish(
                DeviceStatus(
                    device=self.url,
                    kind="mqtt",
                    ok=ok,
                    detail="" if ok else "equipment.broker_lost",
                )
            )

    # -- as a device (kiosk.ports.Broker) --------------------------------------------
    def start(self, bus: EventBus) -> None:
        """One more user of the connection (returns at once)."""
        self._started_as_device += 1
        self.acquire(bus)

    def stop(self) -> None:
        if self._started_as_device > 0:
            self._started_as_device -= 1
            self.release()

    def check(self, timeout: float = 2.0) -> tuple[bool, str]:
        """Blocking, at most ``timeout`` s: a CONNECT answered by a CONNACK that accepts
        the configured client id and credentials (connects for the check if needed)."""
        acquired = self._users == 0
        if acquired:
            self.acquire()
        try:
            who = f" as {self._username!r}" if self._username else ""
            if self.wait_connected(timeout):
                return True, f"{self.host}:{self.port} accepted the connection{who} (CONNACK)"
            reason = self.last_error or "no CONNACK in time"
            return False, f"{self.host}:{self.port}{who}: {reason}"
        finally:
            if acquired:
                self.release()

    def round_trip(self, timeout: float = 1.0) -> float | None:
        """Blocking: publish to ``<echo>/ask``, which a mirror client of the kiosk's own
        (see :class:`_Mirror`) hands back on the echo topic
        (:func:`devices.mqtt.topics.kiosk_echo`), QoS 1 both ways as a plug command and
        its answer. Seconds, or None when it did not come back."""
        if not self.connected.is_set():
            return None
        topic = topics.kiosk_echo(self.kiosk_id)
        with self._echo_lock:
            first, self._echo_subscribed = not self._echo_subscribed, True
            mirror = self._mirror
        if first:
            # The broker handles one connection's packets in order: this SUBSCRIBE is
            # in place before the PUBLISH below arrives.
            self.subscribe(topic, self._on_echo)
        if mirror is None:
            with self._mirror_lock:  # one mirror, however many callers
                mirror = self._mirror or _Mirror(self, timeout)
                with self._echo_lock:
                    self._mirror = mirror
        if not mirror.ready.is_set():
            return None
        token = f"{time.monotonic_ns()}-{threading.get_ident()}".encode()
        arrived = threading.Event()
        with self._echo_lock:
            self._echoes[token] = arrived
        try:
            started = time.perf_counter()
            if not self.publish(topics.kiosk_echo_ask(self.kiosk_id), token, expiry_s=timeout):
                return None
            if not arrived.wait(timeout):
                return None
            return time.perf_counter() - started
        finally:
            with self._echo_lock:
                self._echoes.pop(token, None)

    def _on_echo(self, topic: str, payload: bytes) -> None:
        with self._echo_lock:
            arrived = self._echoes.get(payload)
        if arrived is not None:
            arrived.set()
