"""Simulated Tasmota and Shelly Gen2 plugs that speak MQTT to a real broker.

Each plug has its own paho client and Last Will, answers in its dialect the way the
firmware does, and can misbehave on purpose:

- ``channels=N``: a strip or multi-relay device with N relays (Tasmota ``POWER1`` ..
  ``POWERN``, Shelly switch ids 0 .. N-1); a relay it does not have is answered as the
  firmware does (Tasmota ``{"Command":"Unknown"}``, Shelly error -105);
- ``device_id``: Shelly only, the id the device puts in ``src`` of its replies (a
  Shelly whose MQTT prefix was changed still answers with its own id);
- ``drop_ack``: switches but sends no echo/reply;
- ``ignore_off`` / ``ignore_on``: stays on when told OFF (stays off when told ON) and
  says so: the opposite answer;
- ``mute``: connected and announced online, but never answers anything;
- ``duplicate``: answers everything twice (as a QoS 1 redelivery would);
- ``late_echo``: before each answer, sends its previous answer again, twice (copies a
  redelivery brings late, after the kiosk sent its next command);
- :meth:`PlugSim.go_offline`: drops off the network so the broker publishes its Last
  Will (``Offline`` / ``false``); :meth:`PlugSim.come_online` returns.

Run a few from a shell::

    python -m devices.mqtt.plugsim --broker mqtt://127.0.0.1:1883 \\
        tasmota://plug-printer-1 "shelly://shellyplug-s-abc123?ignore_off=1" \\
        "tasmota://strip-1?channels=4" "shelly://office/plug-7?device_id=shellyplugsg3-abc"
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import re
import signal
import socket
import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode

from devices.mqtt import topics
from devices.mqtt.dialects import DIALECTS

log = logging.getLogger(__name__)

#: ``cmnd/<topic>/POWER``, ``POWER1`` .. ``POWER8``: Tasmota's power commands.
_TASMOTA_POWER = re.compile(r"POWER(\d*)", re.IGNORECASE)
#: Flags a plug URL may carry (``?drop_ack=1``); the others take a value.
_FLAGS = ("drop_ack", "ignore_off", "ignore_on", "duplicate", "late_echo", "mute", "on")


def _nodelay(client: mqtt.Client, userdata: Any, sock: Any) -> None:
    # A websocket or an already closed socket: nothing to tune.
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class PlugSim:
    """One simulated plug. Thread-safe; callbacks run on its own paho thread.

    ``device`` is the Tasmota topic or the Shelly MQTT prefix.
    """

    def __init__(
        self,
        kind: str,
        device: str,
        host: str = "127.0.0.1",
        port: int = 1883,
        *,
        channels: int = 1,
        device_id: str = "",
        drop_ack: bool = False,
        ignore_off: bool = False,
        ignore_on: bool = False,
        mute: bool = False,
        duplicate: bool = False,
        late_echo: bool = False,
        on: bool = False,
    ) -> None:
        if channels < 1:
            raise ValueError("channels= 1 or more")
        self.dialect = DIALECTS[kind]
        self.kind = kind
        self.device = device
        self.device_id = device_id or device
        self.host = host
        self.port = port
        self.drop_ack = drop_ack
        self.ignore_off = ignore_off
        self.ignore_on = ignore_on
        self.mute = mute
        self.duplicate = duplicate
        self.late_echo = late_echo
        self._last_replies: list[tuple[str, bytes]] = []
        #: The state of each relay (index 0 is Tasmota's POWER1, Shelly's switch:0).
        self.relays: list[bool] = [on] * channels
        #: Every ON/OFF command received, in order (True = ON), and with its relay index.
        self.commands: list[bool] = []
        self.channel_commands: list[tuple[int, bool]] = []
        #: Every message received, as (topic, payload): what the kiosk really sent.
        self.received: list[tuple[str, bytes]] = []
        self.connected = threading.Event()
        self._lock = threading.Lock()
        self._client: mqtt.Client | None = None
        self._vanished: list[mqtt.Client] = []

    @classmethod
    def from_url(cls, raw: str, host: str, port: int) -> PlugSim:
        parts = urlsplit(raw)
        options: dict[str, Any] = {}
        for key, values in parse_qs(parts.query).items():
            value = values[-1]
            if key in _FLAGS:
                options[key] = value in ("1", "true", "yes")
            elif key == "channels":
                options[key] = int(value)
            elif key == "device_id":
                options[key] = value
            else:
                raise ValueError(f"unknown plug option {key!r}")
        return cls(parts.scheme, parts.netloc + parts.path, host, port, **options)

    @property
    def on(self) -> bool:
        """The first relay (a single plug's only one)."""
        return self.relays[0]

    @on.setter
    def on(self, value: bool) -> None:
        self.relays[0] = value

    @property
    def lwt_topic(self) -> str:
        return self.dialect.lwt_topic.format(device=self.device)

    def _make_client(self) -> mqtt.Client:
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"sim-{self.kind}-{self.device}".replace("/", "-"),
            protocol=mqtt.MQTTv5,
        )
        client.will_set(self.lwt_topic, self.dialect.lwt_offline, qos=1, retain=True)
        client.on_socket_open = _nodelay
        client.on_connect = self._on_connect
        client.on_disconnect = lambda *_args: self.connected.clear()
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
        for gone in self._vanished:
            with contextlib.suppress(Exception):
                gone.socket().close()  # type: ignore[union-attr]
        self._vanished.clear()
        client, self._client = self._client, None
        if client is None:
            return
        if self.connected.is_set():
            info = client.publish(self.lwt_topic, self.dialect.lwt_offline, qos=1, retain=True)
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(timeout=2.0)
        self._leave(client, client.disconnect)

    def go_offline(self) -> None:
        """Vanish: the broker publishes the Last Will (MQTT 5 'disconnect with will')."""
        client, self._client = self._client, None
        if client is None:
            return
        self._leave(
            client,
            lambda: client.disconnect(
                reasoncode=ReasonCode(PacketTypes.DISCONNECT, "Disconnect with will message")
            ),
        )

    def _leave(self, client: mqtt.Client, disconnect: Any) -> None:
        """Send the DISCONNECT and wait until it is out before stopping the network
        thread (stopped first, the packet may never leave, and the broker would notice
        only at the keep-alive, 15 s later)."""
        if self.connected.is_set():
            disconnect()
            deadline = time.monotonic() + 2.0
            while self.connected.is_set() and time.monotonic() < deadline:
                time.sleep(0.002)
        client.loop_stop()
        self.connected.clear()

    def come_online(self, wait: float = 5.0) -> None:
        self.start(wait)

    def vanish(self) -> None:
        """Lose power without a word: no more answers and no reconnect. The broker
        publishes the Last Will only when it notices (keep-alive), or never if it is
        restarted first."""
        client, self._client = self._client, None
        if client is None:
            return
        client.loop_stop()
        self.connected.clear()
        self._vanished.append(client)  # closed by stop(), not before: no DISCONNECT sent

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
        payload = bytes(msg.payload)
        with self._lock:
            self.received.append((msg.topic, payload))
        if self.mute:
            return
        replies = (
            self._tasmota(msg.topic, payload) if self.kind == "tasmota" else self._shelly(payload)
        )
        if self.late_echo:
            for topic, body in self._last_replies * 2:
                client.publish(topic, body, qos=1)
            self._last_replies = replies or self._last_replies
        for _ in range(2 if self.duplicate else 1):
            for topic, body in replies:
                client.publish(topic, body, qos=1)

    def _switch(self, index: int, on: bool) -> None:
        with self._lock:
            self.commands.append(on)
            self.channel_commands.append((index, on))
            if (self.ignore_off and not on) or (self.ignore_on and on):
                return  # stuck: the relay keeps its state, and the answer says so
            self.relays[index] = on

    def _tasmota(self, topic: str, payload: bytes) -> list[tuple[str, bytes]]:
        """Tasmota 13/14: ``POWER`` is relay 1; ``POWERn`` relay n; the answer goes to
        ``stat/<t>/RESULT`` as JSON and to ``stat/<t>/POWERn`` as plain text, named
        ``POWER`` on a single-relay device and ``POWERn`` on a multi-relay one."""
        command = topic.rsplit("/", 1)[-1]
        match = _TASMOTA_POWER.fullmatch(command)
        result = topics.tasmota_stat(self.device, "RESULT")
        if match is None:
            return [(result, b'{"Command":"Unknown"}')]
        number = int(match.group(1) or "1")
        if not 1 <= number <= len(self.relays):
            return [(result, b'{"Command":"Unknown"}')]
        text = payload.decode("utf-8", "replace").strip().upper()
        if text in ("ON", "OFF", "1", "0"):
            self._switch(number - 1, text in ("ON", "1"))
            if self.drop_ack:
                return []
        elif text:
            return []  # TOGGLE and friends: the kiosk never sends them
        name = "POWER" if len(self.relays) == 1 else f"POWER{number}"
        state = "ON" if self.relays[number - 1] else "OFF"
        return [
            (result, json.dumps({name: state}).encode()),
            (topics.tasmota_stat(self.device, name), state.encode()),
        ]

    def _shelly(self, payload: bytes) -> list[tuple[str, bytes]]:
        try:
            request = json.loads(payload)
            rid, src, method = request["id"], request["src"], request["method"]
            params = request.get("params") or {}
        except (ValueError, KeyError, TypeError):
            return []
        switch_id = params.get("id", 0)
        replies: list[tuple[str, bytes]] = []
        if method in ("Switch.Set", "Switch.GetStatus") and not (
            isinstance(switch_id, int) and 0 <= switch_id < len(self.relays)
        ):
            error = {"code": -105, "message": f"Argument 'id', value {switch_id} not found!"}
            reply = {"id": rid, "src": self.device_id, "dst": src, "error": error}
            return [(topics.shelly_rpc(src), json.dumps(reply).encode())]
        if method == "Switch.Set":
            was_on = self.relays[switch_id]
            self._switch(switch_id, bool(params.get("on")))
            if self.drop_ack:
                return []
            result: dict[str, Any] = {"was_on": was_on}
            if was_on != self.relays[switch_id]:
                note = {"id": switch_id, "output": self.relays[switch_id]}
                event = {
                    "src": self.device_id,
                    "dst": topics.shelly_event_source(self.device),
                    "method": "NotifyStatus",
                    "params": {f"switch:{switch_id}": note},
                }
                replies.append((topics.shelly_events(self.device), json.dumps(event).encode()))
        elif method == "Switch.GetStatus":
            if self.drop_ack:
                return []
            result = {"id": switch_id, "source": "MQTT", "output": self.relays[switch_id]}
        else:
            error = {"code": -114, "message": f"Method {method} not found"}
            reply = {"id": rid, "src": self.device_id, "dst": src, "error": error}
            return [(topics.shelly_rpc(src), json.dumps(reply).encode())]
        reply = {"id": rid, "src": self.device_id, "dst": src, "result": result}
        replies.insert(0, (topics.shelly_rpc(src), json.dumps(reply).encode()))
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
        help="tasmota://TOPIC or shelly://PREFIX, optional ?channels=N&device_id=ID&drop_ack=1"
        "&ignore_off=1&ignore_on=1&mute=1&duplicate=1&late_echo=1",
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
