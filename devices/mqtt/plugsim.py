"""Simulated Tasmota and Shelly Gen2 plugs that speak MQTT to a real broker.

Each plug has its own paho client and Last Will, answers in its dialect (see
:mod:`devices.mqtt.dialects`) and can misbehave on purpose:

- ``drop_ack``: switches but sends no echo/reply;
- ``ignore_off``: stays on when told OFF (and says so);
- ``duplicate``: answers everything twice (as a QoS 1 redelivery would);
- :meth:`PlugSim.go_offline`: drops off the network so the broker publishes its Last
  Will (``Offline`` / ``false``); :meth:`PlugSim.come_online` returns.

Run a few from a shell::

    python -m devices.mqtt.plugsim --broker mqtt://127.0.0.1:1883 \\
        tasmota://plug-printer-1 "shelly://shellyplug-s-abc123?ignore_off=1"
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import signal
import socket
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode

from devices.mqtt.dialects import DIALECTS

log = logging.getLogger(__name__)


def _nodelay(client: mqtt.Client, userdata: Any, sock: Any) -> None:
    # A websocket or an already closed socket: nothing to tune.
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class PlugSim:
    """One simulated plug. Thread-safe; callbacks run on its own paho thread."""

    def __init__(
        self,
        kind: str,
        device: str,
        host: str = "127.0.0.1",
        port: int = 1883,
        *,
        drop_ack: bool = False,
        ignore_off: bool = False,
        duplicate: bool = False,
        on: bool = False,
    ) -> None:
        self.dialect = DIALECTS[kind]
        self.kind = kind
        self.device = device
        self.host = host
        self.port = port
        self.drop_ack = drop_ack
        self.ignore_off = ignore_off
        self.duplicate = duplicate
        self.on = on
        #: Every ON/OFF command received, in order (True = ON).
        self.commands: list[bool] = []
        self.connected = threading.Event()
        self._lock = threading.Lock()
        self._client: mqtt.Client | None = None

    @classmethod
    def from_url(cls, raw: str, host: str, port: int) -> PlugSim:
        parts = urlsplit(raw)
        flags = {k: v[-1] in ("1", "true", "yes") for k, v in parse_qs(parts.query).items()}
        return cls(parts.scheme, parts.netloc + parts.path, host, port, **flags)

    @property
    def lwt_topic(self) -> str:
        return self.dialect.lwt_topic.format(device=self.device)

    def _make_client(self) -> mqtt.Client:
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"sim-{self.kind}-{self.device}",
            protocol=mqtt.MQTTv5,
        )
        client.will_set(self.lwt_topic, self.dialect.lwt_offline, qos=1, retain=True)
        client.on_socket_open = _nodelay
        client.on_connect = self._on_connect
        client.on_message = self._on_message
        client.reconnect_delay_set(min_delay=0.2, max_delay=2)  # type: ignore[arg-type]
        return client

    def start(self, wait: float = 5.0) -> None:
        """Connect (reconnecting by itself); waits up to ``wait`` s for the broker."""
        self.connected.clear()
        self._client = self._make_client()
        self._client.connect_async(self.host, self.port, keepalive=10)
        self._client.loop_start()
        if wait:
            self.connected.wait(wait)

    def stop(self) -> None:
        """Leave cleanly (publishes Offline, like a plug being unplugged politely)."""
        client, self._client = self._client, None
        if client is None:
            return
        if self.connected.is_set():
            client.publish(self.lwt_topic, self.dialect.lwt_offline, qos=1, retain=True)
        client.disconnect()
        client.loop_stop()
        self.connected.clear()

    def go_offline(self) -> None:
        """Vanish: the broker publishes the Last Will (MQTT 5 'disconnect with will')."""
        client, self._client = self._client, None
        if client is None:
            return
        client.disconnect(
            reasoncode=ReasonCode(PacketTypes.DISCONNECT, "Disconnect with will message")
        )
        client.loop_stop()
        self.connected.clear()

    def come_online(self, wait: float = 5.0) -> None:
        self.start(wait)

    # -- paho callbacks -----------------------------------------------------------------
    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        if reason.is_failure:
            return
        for template in self.dialect.device_subscriptions:
            client.subscribe(template.format(device=self.device), qos=1)
        client.publish(self.lwt_topic, self.dialect.lwt_online, qos=1, retain=True)
        self.connected.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        replies = (
            self._tasmota(msg.topic, bytes(msg.payload))
            if self.kind == "tasmota"
            else self._shelly(bytes(msg.payload))
        )
        for _ in range(2 if self.duplicate else 1):
            for topic, payload in replies:
                client.publish(topic, payload, qos=1)

    def _switch(self, on: bool) -> None:
        with self._lock:
            self.commands.append(on)
            self.on = True if (self.ignore_off and not on) else on

    def _tasmota(self, topic: str, payload: bytes) -> list[tuple[str, bytes]]:
        text = payload.decode("utf-8", "replace").strip().upper()
        if text in ("ON", "OFF"):
            self._switch(text == "ON")
            if self.drop_ack:
                return []
        elif text:
            return []  # TOGGLE and friends: the kiosk never sends them
        state = "ON" if self.on else "OFF"
        return [
            (f"stat/{self.device}/RESULT", json.dumps({"POWER": state}).encode()),
            (f"stat/{self.device}/POWER", state.encode()),
        ]

    def _shelly(self, payload: bytes) -> list[tuple[str, bytes]]:
        try:
            request = json.loads(payload)
            rid, src, method = request["id"], request["src"], request["method"]
            params = request.get("params") or {}
        except (ValueError, KeyError, TypeError):
            return []
        replies: list[tuple[str, bytes]] = []
        if method == "Switch.Set":
            was_on = self.on
            self._switch(bool(params.get("on")))
            if self.drop_ack:
                return []
            result: dict[str, Any] = {"was_on": was_on}
            if was_on != self.on:
                note = {"output": self.on, "id": params.get("id", 0)}
                event = {
                    "src": self.device,
                    "dst": f"{self.device}/events",
                    "method": "NotifyStatus",
                    "params": {"switch:0": note},
                }
                replies.append((f"{self.device}/events/rpc", json.dumps(event).encode()))
        elif method == "Switch.GetStatus":
            if self.drop_ack:
                return []
            result = {"id": params.get("id", 0), "source": "MQTT", "output": self.on}
        else:
            error = {"code": -114, "message": f"Method {method} not found"}
            reply = {"id": rid, "src": self.device, "dst": src, "error": error}
            return [(f"{src}/rpc", json.dumps(reply).encode())]
        reply = {"id": rid, "src": self.device, "dst": src, "result": result}
        replies.insert(0, (f"{src}/rpc", json.dumps(reply).encode()))
        return replies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devices.mqtt.plugsim", description="Simulated MQTT smart plugs."
    )
    parser.add_argument("--broker", default="mqtt://127.0.0.1:1883", help="mqtt://host:port")
    parser.add_argument(
        "plugs",
        nargs="+",
        metavar="URL",
        help="tasmota://TOPIC or shelly://PREFIX, optional ?drop_ack=1&ignore_off=1&duplicate=1",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    broker = urlsplit(args.broker)
    sims = [
        PlugSim.from_url(raw, broker.hostname or "127.0.0.1", broker.port or 1883)
        for raw in args.plugs
    ]
    for sim in sims:
        sim.start()
        print(
            f"{sim.kind}://{sim.device}: {'online' if sim.connected.is_set() else 'waiting'}",
            flush=True,
        )
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with contextlib.suppress(KeyboardInterrupt):
        done.wait()
    for sim in sims:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
