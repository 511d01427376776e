"""One paho-mqtt 2.x connection shared by every MQTT adapter of a kiosk.

- Automatic reconnect (paho's network thread, ``loop_start``), MQTT 5, clean start.
- The kiosk's own retained status on ``kiosk/<kiosk id>/status`` (``online``), with a
  Last Will (``offline``, retained) so staff and PC agents see a dead kiosk.
- TCP_NODELAY on the client's socket (without it a command round trip on loopback takes
  ~44 ms instead of ~0.5 ms: Nagle's algorithm meets delayed ACKs).
- Fail fast: :meth:`publish` refuses while disconnected, and every message paho still
  holds is dropped on disconnect and again on connect, so no stale ON/OFF is delivered
  after a reconnect. Commands also carry an MQTT 5 message expiry.

Threads: message handlers and connect listeners run on paho's network thread; they
must be quick and never call :meth:`publish` with a wait.
"""

from __future__ import annotations

import contextlib
import logging
import math
import socket
import ssl
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from kiosk.bus import EventBus
from kiosk.domain.events import DeviceStatus

log = logging.getLogger(__name__)

Handler = Callable[[str, bytes], None]


def status_topic(kiosk_id: str) -> str:
    return f"kiosk/{kiosk_id}/status"


def _nodelay(client: mqtt.Client, userdata: Any, sock: Any) -> None:
    # A websocket or an already closed socket: nothing to tune.
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class MqttConnection:
    """A reference-counted connection: the first :meth:`acquire` connects, the last
    :meth:`release` disconnects. ``url`` is ``mqtt://host:port`` or ``mqtts://``."""

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
        client.will_set(status_topic(self.kiosk_id), b"offline", qos=1, retain=True)
        client.reconnect_delay_set(
            min_delay=self._reconnect[0],  # type: ignore[arg-type]
            max_delay=self._reconnect[1],  # type: ignore[arg-type]
        )
        client.on_socket_open = _nodelay
        client.on_connect = self._on_connect
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
        if self.connected.is_set():
            info = self.client.publish(status_topic(self.kiosk_id), b"offline", 1, retain=True)
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
            log.warning("MQTT broker %s refused the connection: %s", self.url, reason)
            return
        self.connects += 1
        with self._lock:
            self._live = True
            topics = list(self._handlers)
            listeners = list(self._connect_listeners)
        for topic in topics:
            client.subscribe(topic, qos=1)
        client.publish(status_topic(self.kiosk_id), b"online", qos=1, retain=True)
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

    def check(self, timeout: float = 2.0) -> tuple[bool, str]:
        if self.wait_connected(timeout):
            return True, f"connected to {self.host}:{self.port}"
        return False, f"not connected to {self.host}:{self.port}"
