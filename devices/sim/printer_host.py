"""A simulated 3D printer host that behaves like OctoPrint with its virtual printer.

It keeps files with their owner, prints a job in :attr:`SimPrinterHost.print_seconds`
of (monotonic) time, heats ~10 C/s and cools ~2 C/s like the virtual printer, refuses
what OctoPrint refuses (409 busy or not operational, 415 wrong type, 403 wrong key) and
publishes the same events through :class:`~devices.print_watch.JobWatch`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from devices.print_watch import JobWatch
from devices.sim.base import SimResourceDevice
from kiosk.bus import EventBus
from kiosk.domain.errors import DeviceError
from kiosk.ports import JobOwner, PrinterStatus, PrintFile, PrintJob

HEAT_C_PER_S = 10.0
COOL_C_PER_S = 2.0
ROOM_C = 25.0
PRINT_C = 210.0
#: Seconds between the simulator's own progress reports once started.
TICK_S = 1.0
#: Files a fresh simulator holds, for the demo: name -> (estimated seconds, filament mm).
DEMO_FILES = {"calibration-cube.gcode": (1500, 1900.0), "benchy.gcode": (5400, 5100.0)}


@dataclass
class _File:
    data: bytes
    owner: JobOwner | None
    uploaded_at: datetime
    estimated_seconds: int | None = None
    filament_mm: float | None = None


class SimPrinterHost(SimResourceDevice):
    """A printer host in memory.

    Scripting for tests and the demo: :meth:`finish` ends the job as done,
    :meth:`disconnect` drops the printer's connection, ``fail("print_error")`` makes the
    running job fail. ``clock`` can be replaced to step time without sleeping.

    Extra failure modes: ``wrong_key`` (every request refused, 403), ``not_operational``
    (no printer connected, 409), ``upload_refused`` (415), ``print_error``.
    """

    kind = "printer"
    extra_modes = frozenset({"wrong_key", "not_operational", "upload_refused", "print_error"})

    def __init__(
        self,
        name: str = "sim",
        fail: str | None = None,
        delay: float = 0.0,
        resource: str = "",
        print_seconds: float = 120.0,
        max_upload_bytes: int | None = None,
    ) -> None:
        super().__init__(name, fail, delay, resource)
        self.clock: Callable[[], float] = time.monotonic
        self.print_seconds = print_seconds
        self.max_upload_bytes = max_upload_bytes
        self._temp = ROOM_C
        self._target = 0.0
        self._since = self.clock()
        self._connected = True
        self._job: str | None = None
        self._job_started = 0.0
        self._paused = False
        self._files: dict[str, _File] = {
            path: _File(b"", None, datetime.now(UTC), seconds, mm)
            for path, (seconds, mm) in DEMO_FILES.items()
        }
        self.watch = JobWatch(self.name, self.resource, self._publish)
        self._ticker: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- lifecycle ---------------------------------------------------------------------
    def start(self, bus: EventBus) -> None:
        super().start(bus)
        self.status()  # health and state on the bus at once, as other simulators do
        self._stopping.clear()
        self._ticker = threading.Thread(target=self._tick, name=f"sim-printer-{self.name}")
        self._ticker.daemon = True
        self._ticker.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
            self._ticker = None
        super().stop()

    def _tick(self) -> None:
        while not self._stopping.wait(TICK_S):
            self.status()

    def _status(self) -> None:
        """Health is reported by the job watch (it knows offline and wrong keys too)."""

    # -- the port ----------------------------------------------------------------------
    def status(self) -> PrinterStatus:
        if self.failure in ("offline", "timeout", "wrong_key"):
            problem = "printer.wrong_key" if self.failure == "wrong_key" else "printer.unreachable"
            status = PrinterStatus(
                online=False, problem=problem, last_seen_busy=self.watch.last_seen_busy
            )
        else:
            with self._lock:
                ended = self._job_over()
                status = self._snapshot()
            if ended is not None:
                self.watch.ended(*ended[:2], reason=ended[2])
        self.watch.observe(status)
        return status

    def connect(self) -> None:
        self._request()
        with self._lock:
            if self.failure != "not_operational":
                self._connected = True

    def files(self) -> tuple[PrintFile, ...]:
        self._request()
        with self._lock:
            items = sorted(self._files.items(), key=lambda kv: kv[1].uploaded_at, reverse=True)
            return tuple(_print_file(path, f) for path, f in items)

    def read_file(self, path: str, limit: int) -> bytes:
        self._request()
        with self._lock:
            if path not in self._files:
                raise DeviceError("printer.file_not_found", printer=self.resource, file=path)
            return self._files[path].data[:limit]

    def upload(
        self,
        name: str,
        source: Path | bytes,
        owner: JobOwner,
        progress: Callable[[int, int], None] | None = None,
    ) -> PrintFile:
        self._request()
        data = _read_source(source, self.resource, name)
        if self.max_upload_bytes is not None and len(data) > self.max_upload_bytes:
            raise DeviceError(
                "printer.file_too_large",
                printer=self.resource,
                file=name,
                size_mb=_mb(len(data)),
                limit_mb=_mb(self.max_upload_bytes),
            )
        if self.failure == "upload_refused" or not name.lower().endswith((".gcode", ".gco")):
            raise DeviceError("printer.upload_wrong_type", printer=self.resource, file=name)
        with self._lock:
            if self._job == name:
                raise DeviceError("printer.upload_in_use", printer=self.resource, file=name)
            if progress is not None:
                progress(len(data), len(data))
            entry = _File(data, owner, datetime.now(UTC))
            self._files[name] = entry
            return _print_file(name, entry)

    def select(self, path: str) -> None:
        self._request()
        with self._lock:
            self._check_can_start(path)

    def start_print(self, path: str) -> None:
        self._request()
        with self._lock:
            self._check_can_start(path)
            self._hotend()
            self._job = path
            self._job_started = self.clock()
            self._paused = False
            self._target = PRINT_C
        self.status()

    def cancel(self) -> None:
        self._request()
        with self._lock:
            job, self._job, self._paused = self._job, None, False
            elapsed = self.clock() - self._job_started
        if job is not None:
            done = round(min(100.0, 100.0 * elapsed / self.print_seconds), 1)
            self.watch.ended("cancelled", job, print_seconds=round(elapsed), completion=done)

    def cool_down(self) -> None:
        self._request()
        with self._lock:
            self._hotend()
            self._target = 0.0

    # -- scripting ---------------------------------------------------------------------
    def finish(self) -> None:
        """End the running job now, as done."""
        with self._lock:
            job, self._job = self._job, None
        if job is not None:
            self.watch.ended("done", job)

    def disconnect(self) -> None:
        """The printer is gone from the host (switched off, cable out)."""
        with self._lock:
            self._connected = False
            job, self._job = self._job, None
        if job is not None:
            self.watch.ended("failed", job, reason="printer.failed_lost")

    # -- inside ------------------------------------------------------------------------
    def _request(self) -> None:
        """A request to the host: the delay and the failures every request meets."""
        if self.failure == "wrong_key":
            raise DeviceError("printer.wrong_key", printer=self.resource)
        try:
            self._answer()
        except DeviceError as exc:
            key = "device.garbage" if exc.key == "device.garbage" else "printer.unreachable"
            raise DeviceError(key, printer=self.resource) from None

    def _check_can_start(self, path: str) -> None:
        if not self._connected or self.failure == "not_operational":
            raise DeviceError("printer.not_operational", printer=self.resource)
        if self._job is not None:
            raise DeviceError("printer.busy", printer=self.resource, device=self.name)
        if path not in self._files:
            raise DeviceError("printer.file_not_found", printer=self.resource, file=path)

    def _hotend(self) -> float:
        now = self.clock()
        elapsed, self._since = now - self._since, now
        target = max(self._target, ROOM_C)
        if self._temp < target:
            self._temp = min(target, self._temp + HEAT_C_PER_S * elapsed)
        else:
            self._temp = max(target, self._temp - COOL_C_PER_S * elapsed)
        return self._temp

    def _job_over(self) -> tuple[str, str, str | None] | None:
        """(outcome, path, reason) when the running job has just ended by itself."""
        if self._job is None or self._paused:
            return None
        if self.failure == "print_error":
            job, self._job = self._job, None
            return "failed", job, "printer.failed_error"
        if self.clock() - self._job_started >= self.print_seconds:
            job, self._job = self._job, None
            return "done", job, None
        return None

    def _snapshot(self) -> PrinterStatus:
        hotend = round(self._hotend(), 1)
        if not self._connected or self.failure == "not_operational":
            return PrinterStatus(online=True, state="disconnected")
        if self.failure == "print_error":
            return PrinterStatus(online=True, state="error", hotend_c=hotend, bed_c=ROOM_C)
        job = None
        if self._job is not None:
            elapsed = self.clock() - self._job_started
            entry = self._files.get(self._job)
            job = PrintJob(
                path=self._job,
                name=self._job.rsplit("/", 1)[-1],
                completion=round(min(100.0, 100.0 * elapsed / self.print_seconds), 1),
                print_seconds=round(elapsed),
                time_left=max(0, round(self.print_seconds - elapsed)),
                estimated_seconds=round(self.print_seconds),
                filament_mm=entry.filament_mm if entry else None,
                owner=entry.owner if entry else None,
            )
        state = "idle" if job is None else "paused" if self._paused else "printing"
        return PrinterStatus(
            online=True,
            state=state,
            hotend_c=hotend,
            hotend_target_c=self._target,
            bed_c=ROOM_C,
            bed_target_c=0.0,
            job=job,
        )


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f}"


def _read_source(source: Path | bytes, printer: str, name: str) -> bytes:
    if isinstance(source, bytes):
        return source
    try:
        return source.read_bytes()
    except OSError:
        raise DeviceError("printer.source_gone", printer=printer, file=name) from None


def _print_file(path: str, entry: _File) -> PrintFile:
    return PrintFile(
        path=path,
        name=path.rsplit("/", 1)[-1],
        size_bytes=len(entry.data) or None,
        uploaded_at=entry.uploaded_at,
        estimated_seconds=entry.estimated_seconds,
        filament_mm=entry.filament_mm,
        owner=entry.owner,
    )
