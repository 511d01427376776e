"""From OctoPrint's own event to the kiosk's bus event, over the push socket and by
polling, against a real OctoPrint 1.11 with its virtual printer (installed by
``./setup.sh bench``).

- **progress**: OctoPrint stamps every ``current`` message with its ``serverTime``; the
  latency of a :class:`PrintProgress` that brings a new completion is its arrival on the
  bus minus the server time of the first message that carried that completion (a
  reference socket records them all; see :func:`_shown_at` for a value only a poll saw).
- **done**: a reference socket of its own receives ``PrintDone``; the latency is the
  bus's :class:`PrintDone` minus that moment (loopback: the reference adds well under a
  millisecond).

Polling runs at the product's default interval (``[printing] poll_seconds`` = 2 s), so
its figures are about half an interval and at most one. The "screen updated" leg (the
dispatcher into Kivy's frame, the print pane's progress drawn) is ``python -m bench ui``
("print progress event -> pane drawn").
Options: ``--rounds=N`` prints per mode (default 6).
"""

from __future__ import annotations

import json
import statistics
import threading
import time

import requests
import websocket

from devices.octoprint import OctoPrintHost
from kiosk.bus import EventBus
from kiosk.domain.events import PrintDone, PrintProgress
from kiosk.ports import DeviceUrl, JobOwner
from tests.support import gcode as samples
from tests.support.octoprint import OctoPrintServer, executable

OWNER = JobOwner(booking_id=1, kiosk_id="bench")


def _pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


class Reference:
    """A second push client: when OctoPrint said what."""

    def __init__(self, server: OctoPrintServer) -> None:
        login = requests.post(
            f"{server.base_url}/api/login",
            json={"passive": True},
            headers={"X-Api-Key": server.api_key},
            timeout=5,
        ).json()
        self.socket = websocket.create_connection(
            f"ws://127.0.0.1:{server.port}/sockjs/websocket", timeout=1
        )
        self.socket.send(json.dumps({"auth": f"{login['name']}:{login['session']}"}))
        self.seen: list[tuple[float, float]] = []  # (server time, completion), in order
        self.done_at: list[float] = []
        self.starts: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                text = self.socket.recv()
            except websocket.WebSocketTimeoutException:
                continue
            except (websocket.WebSocketException, OSError):
                return
            received = time.time()
            message = json.loads(text) if text else {}
            current = message.get("current")
            if current:
                completion = (current.get("progress") or {}).get("completion")
                if completion is not None:
                    self.seen.append((current["serverTime"], round(completion, 6)))
            event = message.get("event")
            if event and event.get("type") == "PrintDone":
                self.done_at.append(received)
            if event and event.get("type") == "PrintStarted":
                self.starts.append(received)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=3)
        self.socket.close()


def _measure(server: OctoPrintServer, options: str, rounds: int) -> tuple[list[float], list[float]]:
    reference = Reference(server)
    bus = EventBus()
    progress: list[tuple[float, float]] = []  # (arrival, completion)
    done: list[float] = []
    bus.subscribe(
        PrintProgress,
        lambda e: (
            progress.append((time.time(), e.completion))
            if e.state == "printing" and e.completion
            else None
        ),
    )
    bus.subscribe(PrintDone, lambda e: done.append(time.time()))
    host = OctoPrintHost.from_url(
        DeviceUrl.parse(server.url(options)),
        "printer-1",
        server.api_key,
        poll_seconds=2.0,  # the product's default [printing] poll_seconds
    )
    host.start(bus)
    data = (
        "M104 S30\nM109 S30\n" + samples.square_moves(side=20, layers=3, dwell_ms=200) + "M104 S0\n"
    ).encode()
    try:
        deadline = time.monotonic() + 10
        while host.mode != ("poll" if options else "push") and time.monotonic() < deadline:
            time.sleep(0.05)
        host.upload("bench.gcode", data, OWNER)
        for _ in range(rounds):
            before = len(done)
            host.start_print("bench.gcode")
            deadline = time.monotonic() + 60
            while len(done) == before and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.5)
    finally:
        host.stop()
        reference.close()
    # Only events that brought a new completion: one published for a temperature change
    # carries an older completion and would be timed from that.
    changed = [(t, c) for i, (t, c) in enumerate(progress) if i == 0 or progress[i - 1][1] != c]
    progress_ms = [
        (arrival - sent) * 1000
        for arrival, c in changed
        if (sent := _shown_at(reference.seen, reference.starts, round(c, 6), arrival)) is not None
    ]
    done_ms = [(b - r) * 1000 for b, r in zip(done, reference.done_at, strict=False)]
    return progress_ms, done_ms


def _shown_at(
    seen: list[tuple[float, float]], starts: list[float], completion: float, arrival: float
) -> float | None:
    """When OctoPrint first had ``completion`` in the print running at ``arrival``: the
    server time of the pushed message that carried it, or, for a value a poll read
    between two pushes, of the push before it (so the figure errs long, by < 0.5 s)."""
    start = max((t for t in starts if t <= arrival), default=0.0)
    previous = start
    for sent, value in seen:
        if sent < start:
            continue
        if value >= completion - 1e-9:
            return sent if abs(value - completion) < 1e-9 else previous
        previous = sent
    return None


def main(argv: list[str]) -> None:
    rounds = 6
    for arg in argv:
        if arg.startswith("--rounds="):
            rounds = int(arg.split("=", 1)[1])
    exe = executable()
    if exe is None:
        print("   OctoPrint is not installed: run ./setup.sh bench")
        return
    server = OctoPrintServer(exe)
    try:
        server.start()
        server.make_ready()
        for label, options in (("websocket", ""), ("polling every 2 s", "push=off")):
            progress_ms, done_ms = _measure(server, options, rounds)
            for name, values in (("progress", progress_ms), ("done", done_ms)):
                if not values:
                    print(f"   {label}: no {name} events measured")
                    continue
                p50, p95 = statistics.median(values), _pct(values, 0.95)
                print(
                    f"   OctoPrint {name} -> bus ({label}): p50 {p50:.1f} ms, "
                    f"p95 {p95:.1f} ms, max {max(values):.1f} ms over {len(values)} events"
                )
    finally:
        server.remove()
