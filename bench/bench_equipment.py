"""Command -> echo round trip of a plug through a real Mosquitto: the kiosk against a bare
paho client, on a broker with ``set_tcp_nodelay true`` and on one with the default.

For each broker, in the same run: the kiosk's way (the composition root's shared MQTT
connection and switch adapter, the equipment controller's ``switch`` as ``kiosk
equipment on|off`` calls it: one command and its echo, recorded by the owner) and a
bare paho client that sets TCP_NODELAY as the kiosk does (publish ``cmnd/<t>/POWER``,
wait for ``stat/<t>/RESULT``), each with a simulated Tasmota plug of its own; the kiosk
also with a simulated Shelly Gen2 (Set and GetStatus in one round trip). They take
turns command by command, so a busy machine weighs on both alike. Goal: on the
``set_tcp_nodelay`` broker, the kiosk's p95 within 0.5 ms of the bare client's.
"""

from __future__ import annotations

import contextlib
import socket
import statistics
import threading
import time
from typing import Any

import paho.mqtt.client as mqtt

from devices.mqtt import topics
from devices.mqtt.plugsim import PlugSim
from kiosk import bootstrap
from tests.booking_support import make_config
from tests.mqtt_support import Mosquitto

ROUNDS = 300
WARM_UP = 20


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def _nodelay(client: mqtt.Client, userdata: Any, sock: Any) -> None:
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class BareClient:
    """Plain paho with TCP_NODELAY: publish ``cmnd/<t>/POWER``, wait for the plug's
    ``stat/<t>/RESULT``: the floor any MQTT client can reach on this broker."""

    def __init__(self, port: int, topic: str) -> None:
        self.topic = topic
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id="bench-bare", protocol=mqtt.MQTTv5
        )
        self.client.on_socket_open = _nodelay
        self.answered = threading.Event()
        self.client.on_message = lambda *_args: self.answered.set()
        ready = threading.Event()
        self.client.on_connect = lambda *_args: ready.set()
        self.client.on_subscribe = lambda *_args: ready.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        ready.wait(5)
        ready.clear()
        self.client.subscribe(topics.tasmota_stat(topic, "RESULT"), qos=1)
        ready.wait(5)

    def switch(self, on: bool) -> float:
        """Milliseconds from publishing to the answer."""
        self.answered.clear()
        started = time.perf_counter()
        self.client.publish(
            topics.tasmota_command(self.topic, "POWER"), b"ON" if on else b"OFF", qos=1
        )
        if not self.answered.wait(2):
            raise RuntimeError("the plug did not answer the bare client")
        return (time.perf_counter() - started) * 1000

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def one_broker(nodelay: bool, rounds: int = ROUNDS) -> dict[str, list[float]]:
    """The kiosk (the owner's ``switch``, as ``kiosk equipment on|off``) and the bare
    client take turns, command by command, so that both meet the same machine load."""
    broker = Mosquitto(nodelay=nodelay)
    broker.start()
    sims = [
        PlugSim("tasmota", "bench-printer", port=broker.port),
        PlugSim("shelly", "bench-pc", port=broker.port),
        PlugSim("tasmota", "bench-bare", port=broker.port),  # the bare client's own plug
    ]
    config = make_config(
        "tasmota://bench-printer",
        "shelly://bench-pc",
        f'\n[mqtt]\nurl = "{broker.url}"\nclient_id = "bench-kiosk"\n',
    )
    kiosk = bootstrap.open_kiosk(config, store=False)
    owner = kiosk.equipment
    assert kiosk.broker is not None
    found: dict[str, list[float]] = {"bare": [], "printer-1": [], "pc-1": []}
    bare: BareClient | None = None
    try:
        for sim in sims:
            sim.start()
        owner.watch()
        kiosk.broker.start(kiosk.bus)
        for rid in ("printer-1", "pc-1"):
            kiosk.switches[rid].start(kiosk.bus)
        kiosk.broker.wait_connected(5)
        bare = BareClient(broker.port, "bench-bare")
        for i in range(rounds + WARM_UP):
            on = i % 2 == 0
            took = {"bare": bare.switch(on)}
            for rid in ("printer-1", "pc-1"):
                started = time.perf_counter()
                outcome = owner.switch(rid, on, timeout=2.0)
                took[rid] = (time.perf_counter() - started) * 1000
                if not outcome.confirmed:
                    raise RuntimeError(f"{rid} did not confirm: {outcome.key}")
            if i >= WARM_UP:
                for key, value in took.items():
                    found[key].append(value)
        return found
    finally:
        if bare is not None:
            bare.close()
        for rid in ("printer-1", "pc-1"):
            kiosk.switches[rid].stop()
        kiosk.broker.stop()
        owner.stop()
        for sim in sims:
            sim.stop()
        broker.close()


def main(argv: list[str]) -> None:
    rows = []
    for nodelay, label in ((True, "set_tcp_nodelay true"), (False, "Mosquitto default")):
        found = one_broker(nodelay)
        rows.append((label, found))
        for key, name in (
            ("bare", "bare paho client (TCP_NODELAY), Tasmota"),
            ("printer-1", "kiosk: equipment switch, Tasmota"),
            ("pc-1", "kiosk: equipment switch, Shelly Gen2"),
        ):
            values = found[key]
            print(
                f"   {label:<21} {name:<40} p50 {statistics.median(values):7.2f} ms"
                f"  p95 {_p95(values):7.2f} ms  ({len(values)} round trips)"
            )
    nodelay_found = rows[0][1]
    overhead = _p95(nodelay_found["printer-1"]) - _p95(nodelay_found["bare"])
    verdict = "met" if overhead <= 0.5 else "NOT met"
    print(
        f"   kiosk overhead over the bare client (Tasmota, set_tcp_nodelay), p95: "
        f"{overhead:+.2f} ms (goal <= 0.5 ms: {verdict})"
    )
