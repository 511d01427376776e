"""A simulated barcode scanner for items."""

from __future__ import annotations

from devices.sim.base import SimDevice
from kiosk.domain.events import ItemScanned


class SimItemScanner(SimDevice):
    """Call :meth:`scan` with a barcode. Failure modes drop the read (counted)."""

    kind = "item_scanner"

    def __init__(self, name: str = "sim", fail: str | None = None, delay: float = 0.0) -> None:
        super().__init__(name, fail, delay)
        self.dropped = 0

    def scan(self, barcode: str) -> bool:
        """Scan ``barcode``; returns True when the read reached the bus."""
        if self.failure is not None or not barcode.strip():
            self.dropped += 1
            return False
        self._publish(ItemScanned(scanner=self.name, barcode=barcode.strip()))
        return True
