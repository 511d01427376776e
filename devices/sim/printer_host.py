"""A simulated 3D printer host, heating and cooling like OctoPrint's virtual printer."""

from __future__ import annotations

import time

from devices.sim.base import SimResourceDevice
from kiosk.domain.errors import DeviceError
from kiosk.ports import PrinterStatus

HEAT_C_PER_S = 10.0
COOL_C_PER_S = 2.0
ROOM_C = 25.0


class SimPrinterHost(SimResourceDevice):
    """A printer whose hotend temperature follows its target over (monotonic) time.

    :meth:`finish` ends the current print as if it completed. ``clock`` can be replaced
    in tests to step time without sleeping.
    """

    kind = "printer"

    def __init__(
        self,
        name: str = "sim",
        fail: str | None = None,
        delay: float = 0.0,
        resource: str = "",
    ) -> None:
        super().__init__(name, fail, delay, resource)
        self.clock = time.monotonic
        self._temp = ROOM_C
        self._target = 0.0
        self._since = self.clock()
        self._job: str | None = None
        self._paused = False
        self.files: dict[str, bytes] = {}

    def _hotend(self) -> float:
        now = self.clock()
        elapsed, self._since = now - self._since, now
        target = max(self._target, ROOM_C)
        if self._temp < target:
            self._temp = min(target, self._temp + HEAT_C_PER_S * elapsed)
        else:
            self._temp = max(target, self._temp - COOL_C_PER_S * elapsed)
        return self._temp

    def status(self) -> PrinterStatus:
        if self.failure == "offline":
            return PrinterStatus(online=False)
        self._answer()
        with self._lock:
            return PrinterStatus(
                online=True,
                printing=self._job is not None and not self._paused,
                paused=self._paused,
                hotend_c=round(self._hotend(), 1),
                bed_c=ROOM_C,
                job_name=self._job,
            )

    def start_print(self, file_name: str, data: bytes, metadata: dict[str, str]) -> None:
        self._answer()
        with self._lock:
            if self._job is not None:
                raise DeviceError("printer.busy", device=self.name)
            self._hotend()
            self.files[file_name] = data
            self._job = file_name
            self._target = 210.0

    def cancel(self) -> None:
        self._answer()
        with self._lock:
            self._job = None
            self._paused = False

    def finish(self) -> None:
        with self._lock:
            self._job = None

    def cool_down(self) -> None:
        self._answer()
        with self._lock:
            self._hotend()
            self._target = 0.0
