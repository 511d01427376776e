"""A simulated receipt printer that keeps what it printed."""

from __future__ import annotations

from devices.sim.base import SimDevice
from kiosk.domain.errors import DeviceError
from kiosk.ports import Receipt


class SimReceiptPrinter(SimDevice):
    """Printed receipts are kept in :attr:`printed`. Extra failure mode ``paper_out``."""

    kind = "receipt_printer"
    extra_modes = frozenset({"paper_out"})

    def __init__(self, name: str = "sim", fail: str | None = None, delay: float = 0.0) -> None:
        super().__init__(name, fail, delay)
        self.printed: list[Receipt] = []

    def print_receipt(self, receipt: Receipt) -> None:
        if self.failure == "paper_out":
            raise DeviceError("device.paper_out", device=self.name)
        self._answer()
        self.printed.append(receipt)

    def check(self) -> tuple[bool, str]:
        if self.failure == "paper_out":
            return False, "simulated printer is out of paper"
        return super().check()
