"""The ESC/POS adapter over a real socat pty pair, with a printer that answers DLE EOT."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.bus import EventBus
from kiosk.domain.errors import DeviceError
from kiosk.domain.events import DeviceStatus
from kiosk.ports import DeviceUrl, Receipt, ReceiptLine
from tests.support import peers
from tests.support.socat import PtyPair
from tests.support.waiting import Recorder, eventually

pytestmark = pytest.mark.integration
peers.module("escpos.printer", "pip install .[escpos]")

RECEIPT = Receipt(
    (ReceiptLine("Perpustakaan Kota Palu", emphasis=True), ReceiptLine("Terima kasih"))
)
# DLE EOT 1 (printer status) and DLE EOT 4 (paper sensor) answers of an Epson TM-T20.
ONLINE, OFFLINE = 0x16, 0x1E
PAPER_OK, PAPER_OUT = 0x12, 0x72


class FakePrinter:
    """The printer's side of the pty: answers status queries, keeps everything else."""

    def __init__(self, pty: PtyPair) -> None:
        self.pty = pty
        self.online = ONLINE
        self.paper = PAPER_OK
        self.received = bytearray()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            data = self.pty.read(timeout=0.05)
            if not data:
                continue
            self.received += data
            for _ in range(data.count(b"\x10\x04\x01")):
                self.pty.write(bytes([self.online]))
            for _ in range(data.count(b"\x10\x04\x04")):
                self.pty.write(bytes([self.paper]))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)


@pytest.fixture
def printer_pty(tmp_path: Path) -> Iterator[tuple[PtyPair, FakePrinter]]:
    pair = PtyPair(tmp_path)
    pair.start()
    fake = FakePrinter(pair)
    yield pair, fake
    fake.stop()
    pair.stop()


def test_prints_and_reports_paper_out_and_offline(
    printer_pty: tuple[PtyPair, FakePrinter],
) -> None:
    from devices.escpos_printer import EscposPrinter

    pty, fake = printer_pty
    bus = EventBus()
    seen = Recorder(bus, DeviceStatus)
    printer = EscposPrinter.from_url(DeviceUrl.parse(f"escpos+serial://{pty.device}?baud=19200"))
    printer.start(bus)
    assert printer.check()[0]
    printer.print_receipt(RECEIPT)
    assert eventually(lambda: b"Perpustakaan Kota Palu\n" in fake.received)
    assert eventually(lambda: fake.received.endswith(b"\x1dV\x00"))

    fake.paper = PAPER_OUT
    with pytest.raises(DeviceError) as err:
        printer.print_receipt(RECEIPT)
    assert err.value.key == "device.paper_out"

    fake.paper, fake.online = PAPER_OK, OFFLINE
    with pytest.raises(DeviceError, match=r"device.offline"):
        printer.print_receipt(RECEIPT)

    fake.online = ONLINE
    printer.print_receipt(RECEIPT)
    statuses = [(s.ok, s.detail) for s in seen.of(DeviceStatus)]
    assert statuses == [
        (True, ""),
        (False, "device.paper_out"),
        (False, "device.offline"),
        (True, ""),
    ]
    assert printer.printed == 2
    # Every receipt (the refused ones too) began with ESC @ before anything else.
    assert eventually(lambda: fake.received.count(b"\x1b@\x10\x04\x01") == 4)


def test_a_missing_port_is_offline() -> None:
    from devices.escpos_printer import EscposPrinter

    printer = EscposPrinter.from_url(DeviceUrl.parse("escpos+serial:///dev/ttyNOPE0"))
    ok, reason = printer.check()
    assert not ok
    assert "/dev/ttyNOPE0" in reason
    with pytest.raises(DeviceError, match=r"device.offline"):
        printer.print_receipt(RECEIPT)
