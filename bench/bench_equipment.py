"""From ``BookingStarted`` to the plug's confirmed echo, through a real Mosquitto.

Runs the real composition root (scheduler, equipment controller, shared paho
connection) against simulated Tasmota and Shelly plugs on loopback. Also measures a
bare command -> echo round trip for comparison. Target: p95 <= 5 ms.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from devices.mqtt.plugsim import PlugSim
from kiosk import bootstrap
from kiosk.domain.events import BookingStarted, EquipmentState
from tests.booking_support import STAFF, FakeClock, add_patrons, local, make_config
from tests.mqtt_support import Mosquitto

ROUNDS = 150


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def main(argv: list[str]) -> None:
    broker = Mosquitto()
    broker.start()
    folder = tempfile.mkdtemp(prefix="bench-equipment-")
    sims = [
        PlugSim("tasmota", "bench-printer", port=broker.port),
        PlugSim("shelly", "bench-pc", port=broker.port),
    ]
    for sim in sims:
        sim.start()
    config = make_config(
        "tasmota://bench-printer",
        "shelly://bench-pc",
        f'\n[mqtt]\nurl = "{broker.url}"\n',
    )
    clock = FakeClock(local(2026, 12, 7, 8))
    kiosk = bootstrap.build(config)
    add_patrons(kiosk.open_store(Path(folder) / "bench.db"))
    space = bootstrap.build_bookings(kiosk, clock)
    started_at: dict[int, float] = {}
    results: dict[str, list[float]] = {"printer-1": [], "pc-1": []}
    echoed = threading.Event()
    current: list[int] = [0]

    def on_started(event: BookingStarted) -> None:
        started_at[event.booking_id] = time.perf_counter()

    def on_state(event: EquipmentState) -> None:
        bid = current[0]
        if event.on and bid in started_at and event.resource in results:
            results[event.resource].append((time.perf_counter() - started_at.pop(bid)) * 1000)
            echoed.set()

    # Subscribed before the kiosk starts: runs first, as the event is published.
    kiosk.bus.subscribe(BookingStarted, on_started)
    kiosk.bus.subscribe(EquipmentState, on_state)
    kiosk.start()
    try:
        for switch in kiosk.switches.values():
            connection = getattr(switch, "connection", None)
            if connection is not None:
                connection.wait_connected(5)
        time.sleep(0.3)
        start = local(2026, 12, 7, 8)
        for i in range(ROUNDS):
            for resource in ("printer-1", "pc-1"):
                begin = start + timedelta(hours=i)
                booking = space.service.book(STAFF, resource, begin, 30, staff=STAFF)
                current[0] = booking.id
                clock.set(begin)
                echoed.clear()
                space.service.check_in(STAFF, booking.id)  # wakes the scheduler
                echoed.wait(2)
                space.service.cancel(None, booking.id)  # switched off again
                time.sleep(0.01)
        bare = []
        switch = kiosk.switches["printer-1"]
        space.equipment.stop()
        for i in range(ROUNDS):
            t0 = time.perf_counter()
            switch.set(i % 2 == 0, timeout=1.0)
            bare.append((time.perf_counter() - t0) * 1000)
    finally:
        kiosk.stop()
        for sim in sims:
            sim.stop()
        broker.close()
    for resource, label in (("printer-1", "Tasmota"), ("pc-1", "Shelly Gen2")):
        values = results[resource]
        print(
            f"   BookingStarted -> confirmed echo ({label}): p50 "
            f"{statistics.median(values):.2f} ms, p95 {_p95(values):.2f} ms over "
            f"{len(values)} bookings  (target p95 <= 5 ms)"
        )
    print(
        f"   bare set() -> echo (Tasmota, for comparison): p50 {statistics.median(bare):.2f} ms, "
        f"p95 {_p95(bare):.2f} ms"
    )
