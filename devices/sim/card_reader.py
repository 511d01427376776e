"""A simulated card reader, also a simulated keyboard-wedge barcode reader of cards."""

from __future__ import annotations

from devices.sim.base import SimDevice
from kiosk.domain.events import CardTapped


class SimCardReader(SimDevice):
    """Call :meth:`tap` to present a card (from the demo panel or a test).

    Failure modes: ``offline`` (taps are not seen), ``garbage`` (the reader garbles the
    read: it is dropped and counted in :attr:`dropped`, as a real adapter does),
    ``timeout`` (reads are lost the same way).
    """

    kind = "card_reader"

    def __init__(self, name: str = "sim", fail: str | None = None, delay: float = 0.0) -> None:
        super().__init__(name, fail, delay)
        self.dropped = 0

    def tap(self, uid: str | None = None, number: str | None = None) -> bool:
        """Present a card by card key (``uid``) or card number. Returns True when the
        read reached the bus."""
        if self.failure is not None:
            self.dropped += 1
            return False
        event = CardTapped(reader=self.name, uid=uid.upper() if uid else None, number=number)
        self._publish(event)
        return True
