"""Command -> echo round trip of a plug through a real Mosquitto: the kiosk against a bare
paho client, on a broker with ``set_tcp_nodelay true`` and on one with the default.

For each broker, in the same run: the kiosk's way (the composition root's shared MQTT
connection and switch adapter, the equipment controller's ``switch`` as ``kiosk
equipment on|off`` calls it: one command and its echo, recorded by the owner) and a
bare paho client that sets TCP_NODELAY as the kiosk does (publish ``cmnd/<t>/POWER``,
wait for ``stat/<t>/RESULT``), both against the same simulated Tasmota plug; the kiosk
also against a simulated Shelly Gen2 (Set and GetStatus in one round trip). Goal: on
the ``set_tcp_nodelay`` broker, the kiosk's p95 within 0.5 ms of the bare client's.
"""

from __future__ import annotations

import contextlib
import socket
import statistics
import threading
import time
from typing import Any

import paho.mqtt.client as mqtt

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


def bare_paho(port: int, topic: str, rounds: int) -> list[float]:
    """Milliseconds from publishing ON/OFF to the plug's JSON answer, plain paho."""
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id="bench-bare", protocol=mqtt.MQTTv5
    )
    client.on_socket_open = _nodelay
    answered = threading.Event()
    client.on_message = lambda *_args: answered.set()
    connected = threading.Event()
    client.on_connect = lambda *_args: connected.set()
    client.connect("127.0.0.1", port)
    client.loop_start()
    connected.wait(5)
    subscribed = threading.Event()
    client.on_subscribe = lambda *_args: subscribed.set()
    client.subscribe(f"stat/{topic}/RESULT", qos=1)
    subscribed.wait(5)
    times = []
    try:
        for i in range(rounds + WARM_UP):
            answered.clear()
            started = time.perf_counter()
            client.publish(f"cmnd/{topic}/POWER", b"ON" if i % 2 else b"OFF", qos=1)
            if not answered.wait(2):
                raise RuntimeError("the plug did not answer the bare client")
            if i >= WARM_UP:
                times.append((time.perf_counter() - started) * 1000)
    finally:
        client.loop_stop()
        client.disconnect()
    return times


def kiosk_switch(broker: Mosquitto, rounds: int) -> dict[str, list[float]]:
    """Milliseconds for the owner's ``switch`` (the CLI's on|off) per resource."""
    config = make_config(
        "tasmota://bench-printer",
        "shelly://bench-pc",
        f'\n[mqtt]\nurl = "{broker.url}"\nclient_id = "bench-kiosk"\n',
    )
    kiosk = bootstrap.build(config)
    owner = kiosk.equipment
    assert owner is not None and kiosk.broker is not None
    owner.watch()
    kiosk.broker.start(kiosk.bus)
    for rid in ("printer-1", "pc-1"):
        kiosk.switches[rid].start(kiosk.bus)
    kiosk.broker.wait_connected(5)
    results: dict[str, list[float]] = {"printer-1": [], "pc-1": []}
    try:
        for rid, times in results.items():
            for i in range(rounds + WARM_UP):
                started = time.perf_counter()
                outcome = owner.switch(rid, i % 2 == 0, timeout=2.0)
                elapsed = (time.perf_counter() - started) * 1000
                if not outcome.confirmed:
                    raise RuntimeError(f"{rid} did not confirm: {outcome.key}")
                if i >= WARM_UP:
                    times.append(elapsed)
    finally:
        for rid in results:
            kiosk.switches[rid].stop()
        kiosk.broker.stop()
        owner.stop()
    return results


def one_broker(nodelay: bool) -> dict[str, list[float]]:
    broker = Mosquitto(nodelay=nodelay)
    broker.start()
    sims = [
        PlugSim("tasmota", "bench-printer", port=broker.port),
        PlugSim("shelly", "bench-pc", port=broker.port),
    ]
    try:
        for sim in sims:
            sim.start()
        found = kiosk_switch(broker, ROUNDS)
        found["bare"] = bare_paho(broker.port, "bench-printer", ROUNDS)
        return found
    finally:
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
