"""Event bus: publish -> dispatcher -> another thread's loop, latency in microseconds."""

from __future__ import annotations

import statistics
import threading
import time

from kiosk.bus import Dispatcher, EventBus, QueueLoop
from kiosk.domain.events import CardTapped

ROUNDS = 2000


def main(argv: list[str]) -> None:
    bus = EventBus()
    loop = QueueLoop()
    dispatcher = Dispatcher(bus, loop.schedule)
    latencies: list[float] = []
    received = threading.Event()

    def on_card(event: CardTapped) -> None:
        latencies.append(time.perf_counter() - float(event.reader))
        received.set()

    dispatcher.subscribe(CardTapped, on_card)

    def publisher() -> None:
        for _ in range(ROUNDS):
            received.clear()
            bus.publish(CardTapped(reader=repr(time.perf_counter()), uid="04A1B2C3"))
            received.wait(1.0)

    thread = threading.Thread(target=publisher)
    thread.start()
    loop.run_until(lambda: len(latencies) >= ROUNDS, timeout=30)
    thread.join()
    us = sorted(x * 1e6 for x in latencies)
    p95 = us[int(len(us) * 0.95)]
    print(
        f"   bus -> dispatcher -> loop: p50 {statistics.median(us):.0f} us, "
        f"p95 {p95:.0f} us over {len(us)} events"
    )
