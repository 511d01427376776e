"""Card readers: latency from the reader's event to the bus event (p50, p95).

- serial: an EM4100 frame written into a socat pty pair -> CardTapped on the bus.
- pcsc: a virtual card connecting to pcscd's vpcd reader -> CardTapped on the bus.
  pcscd polls a reader without card events (vpcd) about every 400-500 ms, which
  dominates; readers that report card events (most USB CCID readers) skip that wait.

Needs socat, and pcscd + vsmartcard-vpcd + pyscard for the PC/SC part (skipped with the
reason when missing, or when another pcscd is running). Targets: serial p95 < 50 ms;
PC/SC p95 < 600 ms (a tap feels instant below about half a second).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

from devices.serial_reader import SerialReader, em4100_frame
from kiosk.bus import EventBus
from kiosk.domain.events import CardTapped
from kiosk.ports import DeviceUrl
from tests.support import pcscd as pcscd_support
from tests.support.socat import PtyPair
from tests.support.vcard import VirtualCard

SERIAL_ROUNDS = 200
PCSC_ROUNDS = 40


def _figures(label: str, seconds: list[float], target_ms: float) -> None:
    ms = sorted(s * 1000 for s in seconds)
    p50 = statistics.median(ms)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    verdict = "ok" if p95 < target_ms else "OVER TARGET"
    print(
        f"   {label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(ms)} reads "
        f"(target p95 < {target_ms:.0f} ms: {verdict})"
    )


class _Arrivals:
    def __init__(self, bus: EventBus) -> None:
        self.times: list[float] = []
        self.event = threading.Event()
        bus.subscribe(CardTapped, self._on)

    def _on(self, _: CardTapped) -> None:
        self.times.append(time.perf_counter())
        self.event.set()


def bench_serial(folder: Path) -> None:
    pty = PtyPair(folder)
    pty.start()
    bus = EventBus()
    arrivals = _Arrivals(bus)
    reader = SerialReader.from_url(DeviceUrl.parse(f"serial://{pty.device}?format=em4100&hold=0"))
    reader.start(bus)
    latencies: list[float] = []
    try:
        deadline = time.monotonic() + 5
        while reader.status != (True, "") and time.monotonic() < deadline:
            time.sleep(0.01)
        for i in range(SERIAL_ROUNDS):
            arrivals.event.clear()
            frame = em4100_frame(f"{i:010X}")
            sent = time.perf_counter()
            pty.write(frame)
            if arrivals.event.wait(2.0):
                latencies.append(arrivals.times[-1] - sent)
            time.sleep(0.005)
    finally:
        reader.stop()
        pty.stop()
    _figures("serial (socat pty, EM4100 frame)", latencies, 50)


class _PresenceWatcher:
    """A second PC/SC client that notes when pcscd reports the card present, so the
    adapter's own share (connect, read the UID, publish) can be told apart from
    pcscd's polling."""

    def __init__(self, reader: str) -> None:
        from smartcard import scard

        self._scard = scard
        self.present_at: float | None = None
        self._stop = threading.Event()
        self._reader = reader
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        scard = self._scard
        _, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        state = scard.SCARD_STATE_UNAWARE
        try:
            while not self._stop.is_set():
                rc, states = scard.SCardGetStatusChange(ctx, 200, [(self._reader, state)])
                if rc != scard.SCARD_S_SUCCESS:
                    continue
                event = states[0][1]
                if event & scard.SCARD_STATE_PRESENT and not state & scard.SCARD_STATE_PRESENT:
                    self.present_at = time.perf_counter()
                state = event & ~scard.SCARD_STATE_CHANGED
        finally:
            scard.SCardReleaseContext(ctx)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)


def bench_pcsc(folder: Path) -> None:
    reason = pcscd_support.available()
    if reason is not None:
        print(f"   pcsc: skipped: {reason}")
        return
    from devices.pcsc import PcscCardReader

    daemon = pcscd_support.Pcscd(folder, pcscd_support.free_port_pair())
    daemon.start()
    watcher = _PresenceWatcher(daemon.reader_name)
    bus = EventBus()
    arrivals = _Arrivals(bus)
    reader = PcscCardReader.from_url(DeviceUrl.parse("pcsc://"))
    reader.start(bus)
    latencies: list[float] = []
    overheads: list[float] = []
    try:
        deadline = time.monotonic() + 5
        while reader.status != (True, "") and time.monotonic() < deadline:
            time.sleep(0.01)
        for i in range(PCSC_ROUNDS):
            card = VirtualCard(daemon.port, uid=f"04{i:012X}")
            arrivals.event.clear()
            sent = time.perf_counter()
            card.insert()
            if arrivals.event.wait(5.0):
                latencies.append(arrivals.times[-1] - sent)
                if watcher.present_at is not None:
                    overheads.append(arrivals.times[-1] - watcher.present_at)
            card.remove()
            # Let pcscd see the removal, and land the next card at a random point of
            # pcscd's ~0.4-0.5 s presence polling so that p50/p95 sample it fairly.
            time.sleep(0.5 + random.random() * 0.5)
    finally:
        reader.stop()
        watcher.stop()
        daemon.stop()
    _figures("pcsc (pcscd + vpcd, virtual card)", latencies, 600)
    _figures("pcsc adapter's own share (pcscd says present -> bus)", overheads, 50)


def main(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-readers-") as folder:
        bench_serial(Path(folder))
        bench_pcsc(Path(folder))
