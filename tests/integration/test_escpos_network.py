"""Network receipt printers (``escpos+tcp://HOST:9100``) through python-escpos ``Network``:
a socat TCP listener catches the bytes as an Ethernet receipt printer would take them,
and a small TCP peer answers the status queries (DLE EOT) as many network printers do."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import bootstrap
from kiosk import config as config_module
from kiosk.domain.errors import DeviceError
from kiosk.ports import DeviceUrl, Receipt, ReceiptLine
from tests.conftest import free_port, wait_port
from tests.support import peers
from tests.support.waiting import eventually

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]
peers.module("escpos.printer", "pip install .[escpos]")

INIT = b"\x1b@"  # ESC @
CUT = b"\x1dV\x00"  # GS V 0: full cut
RECEIPT = Receipt(
    (ReceiptLine("Perpustakaan Kota Palu", emphasis=True), ReceiptLine("Terima kasih"))
)
# DLE EOT 1 and DLE EOT 4 answers of an Epson TM-T20 (as in the serial test).
ONLINE, PAPER_OK, PAPER_OUT = 0x16, 0x12, 0x72


class SocatPrinter:
    """``socat -u TCP-LISTEN:PORT,bind=127.0.0.1,fork OPEN:FILE,creat,append``: takes
    every job's bytes and never answers, like a printer that ignores DLE EOT."""

    def __init__(self, folder: Path) -> None:
        peers.program("socat", "socat")
        self.port = free_port()
        self.file = folder / "printed.bin"
        self.process = subprocess.Popen(
            [
                "socat",
                "-u",
                f"TCP-LISTEN:{self.port},bind=127.0.0.1,reuseaddr,fork",
                f"OPEN:{self.file},creat,append",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port, "socat (the network printer)")

    def printed(self) -> bytes:
        return self.file.read_bytes() if self.file.exists() else b""

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(5)


class AnsweringPrinter:
    """A network printer that answers DLE EOT 1 and 4 on the same socket."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.1)
        self.port = self.server.getsockname()[1]
        self.paper = PAPER_OK
        self.jobs: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            job = bytearray()
            conn.settimeout(0.1)
            with conn:
                while not self._stop.is_set():
                    try:
                        data = conn.recv(4096)
                    except TimeoutError:
                        continue
                    if not data:
                        break
                    job += data
                    for _ in range(data.count(b"\x10\x04\x01")):
                        conn.sendall(bytes([ONLINE]))
                    for _ in range(data.count(b"\x10\x04\x04")):
                        conn.sendall(bytes([self.paper]))
            self.jobs.append(bytes(job))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.server.close()


@pytest.fixture
def socat_printer(tmp_path: Path) -> Iterator[SocatPrinter]:
    printer = SocatPrinter(tmp_path)
    yield printer
    printer.stop()


def _printer(url: str):  # type: ignore[no-untyped-def]
    from devices.escpos_printer import EscposPrinter

    return EscposPrinter.from_url(DeviceUrl.parse(url))


def test_a_network_printer_gets_init_first_and_cut_last(socat_printer: SocatPrinter) -> None:
    printer = _printer(f"escpos+tcp://127.0.0.1:{socat_printer.port}?status=off&width=42")
    printer.print_receipt(RECEIPT)
    # socat forks a writer per connection: let the first job land in the file before
    # the second connection starts, or the two writers may interleave their bytes.
    assert eventually(lambda: socat_printer.printed().count(CUT) == 1)
    printer.print_receipt(RECEIPT)
    assert eventually(lambda: socat_printer.printed().count(CUT) == 2)
    data = socat_printer.printed()
    first, second = data.split(CUT)[:2]
    for job in (first, second):
        assert job.startswith(INIT)  # modes left by any earlier job are reset
        assert b"Perpustakaan Kota Palu\n" in job
    assert data.endswith(CUT)
    assert printer.printed == 2


def test_a_printer_that_does_not_answer_status_still_prints(
    socat_printer: SocatPrinter, caplog: pytest.LogCaptureFixture
) -> None:
    printer = _printer(f"escpos+tcp://127.0.0.1:{socat_printer.port}")  # status=on
    printer.print_receipt(RECEIPT)
    assert eventually(lambda: socat_printer.printed().endswith(CUT))
    data = socat_printer.printed()
    assert data.startswith(INIT)
    assert b"\x10\x04\x01" in data  # it was asked
    assert "status unknown" in caplog.text
    ok, reason = printer.check()
    assert ok and "status unknown" in reason


def test_paper_out_is_said_and_nothing_printed() -> None:
    peer = AnsweringPrinter()
    try:
        printer = _printer(f"escpos+tcp://127.0.0.1:{peer.port}")
        printer.print_receipt(RECEIPT)
        peer.paper = PAPER_OUT
        with pytest.raises(DeviceError) as err:
            printer.print_receipt(RECEIPT)
        assert err.value.key == "device.paper_out"
        ok, reason = printer.check()
        assert not ok and reason.endswith("out of paper")
        assert eventually(lambda: len(peer.jobs) == 3)
        assert peer.jobs[0].startswith(INIT) and peer.jobs[0].endswith(CUT)
        assert b"Terima kasih" not in peer.jobs[1]  # refused before a line was sent
    finally:
        peer.stop()


def test_an_unreachable_printer_is_offline_at_once() -> None:
    printer = _printer(f"escpos+tcp://127.0.0.1:{free_port()}")
    t0 = time.monotonic()
    with pytest.raises(DeviceError, match=r"device\.offline"):
        printer.print_receipt(RECEIPT)
    assert time.monotonic() - t0 < 2.0
    ok, reason = printer.check()
    assert not ok and "not reachable" in reason


def test_the_url_is_checked_and_built_by_the_composition_root() -> None:
    config = config_module.parse(
        '[devices]\nreceipt_printer = "escpos+tcp://192.168.10.20?width=48"\n', "<net>"
    )
    kiosk = bootstrap.open_kiosk(config, store=False)
    printer = kiosk.receipt_printer
    assert (printer.transport, printer.target, printer.width) == (  # type: ignore[union-attr]
        "tcp",
        "192.168.10.20:9100",
        48,
    )
    from devices.escpos_printer import EscposPrinter

    for bad, why in (
        ("escpos+tcp://", "address"),
        ("escpos+tcp://host:notaport", "port number"),
        ("escpos+tcp://host:70000", "1-65535"),
    ):
        with pytest.raises(ValueError, match=why):
            EscposPrinter.from_url(DeviceUrl.parse(bad))


def test_doctor_says_a_printer_problem_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from kiosk.cli import main

    peer = AnsweringPrinter()
    peer.paper = PAPER_OUT
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[devices]\nreceipt_printer = "escpos+tcp://127.0.0.1:{peer.port}"\n'
        f'[database]\npath = "{tmp_path / "k.db"}"\n',
        encoding="utf-8",
    )
    try:
        assert main(["doctor", "--json", "--config", str(config)]) == 1
    finally:
        peer.stop()
    checks = json.loads(capsys.readouterr().out)["checks"]
    (printer,) = [c for c in checks if c["name"].startswith("devices.receipt_printer")]
    assert printer["reason"] == f"127.0.0.1:{peer.port}: out of paper"
    assert "device." not in printer["reason"]
