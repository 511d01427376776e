"""Device URLs pick the real adapters; wrong options are config errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.escpos_printer import EscposPrinter
from devices.hid import HidReader
from devices.pcsc import PcscCardReader, PcscItemPad
from devices.serial_reader import SerialReader
from kiosk import bootstrap, config
from kiosk.doctor import run_checks
from kiosk.domain.errors import ConfigError

REAL = """
[devices]
card_readers = ["pcsc://?reader=ACR122", "serial:///dev/ttyUSB0?format=em4100&baud=9600",
                "hid://?device=ffff:0035&convert=dec-rev"]
item_scanners = ["hid://?device=Barcode&name=scanner", "serial:///dev/ttyACM0"]
item_pad = "pcsc://?reader=OMNIKEY&security=off"
receipt_printer = "escpos+usb://04b8:0202?width=42"
speaker = ""
"""


def test_real_adapters_are_built_from_urls() -> None:
    kiosk = bootstrap.open_kiosk(config.parse(REAL), store=False)
    pcsc, serial, hid = kiosk.card_readers
    assert isinstance(pcsc, PcscCardReader)
    assert pcsc.reader_filter == "ACR122"
    assert isinstance(serial, SerialReader)
    assert (serial.port, serial.fmt, serial.baud) == ("/dev/ttyUSB0", "em4100", 9600)
    assert isinstance(hid, HidReader)
    assert (hid.device, hid.convert, hid.kind) == ("ffff:0035", "dec-rev", "card_reader")
    scanner, serial_scanner = kiosk.item_scanners
    assert isinstance(scanner, HidReader)
    assert scanner.kind == "item_scanner"
    assert scanner.name == "scanner"
    assert isinstance(serial_scanner, SerialReader)
    assert serial_scanner.kind == "item_scanner"
    assert isinstance(kiosk.item_pad, PcscItemPad)
    assert kiosk.item_pad.security == "off"
    printer = kiosk.receipt_printer
    assert isinstance(printer, EscposPrinter)
    assert (printer.transport, printer.target, printer.width) == ("usb", "04b8:0202", 42)


@pytest.mark.parametrize(
    ("devices", "key", "expected"),
    [
        ('card_readers = ["serial:///dev/ttyUSB0?format=wiegand"]', "card_readers[0]", "format="),
        ('card_readers = ["serial://"]', "card_readers[0]", "serial port"),
        ('card_readers = ["hid://"]', "card_readers[0]", "device="),
        ('card_readers = ["hid://?device=x&convert=base64"]', "card_readers[0]", "convert="),
        ('card_readers = ["pcsc://?slot=1"]', "card_readers[0]", "reader="),
        ('item_scanners = ["serial:///dev/x?format=em4100"]', "item_scanners[0]", "format=line"),
        ('item_pad = "pcsc://?model=acme"', "item_pad", "model= one of generic"),
        ('receipt_printer = "escpos+usb://printer"', "receipt_printer", "hex"),
        ('receipt_printer = "escpos+serial:///dev/x?width=5"', "receipt_printer", "width="),
        ('receipt_printer = "escpos+bluetooth://x"', "receipt_printer", "escpos+serial://"),
    ],
)
def test_wrong_urls_are_config_errors(devices: str, key: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        bootstrap.open_kiosk(config.parse(f"[devices]\n{devices}\n", "kiosk.toml"), store=False)
    assert f"devices.{key}" in str(err.value)
    assert expected in str(err.value)


def test_doctor_reports_each_reader(tmp_path: Path) -> None:
    text = """
[devices]
card_readers = ["serial:///dev/ttyNOPE0?format=em4100", "hid://?device=/dev/input/nope"]
item_scanners = []
receipt_printer = "escpos+serial:///dev/ttyNOPE1"
speaker = ""
"""
    kiosk = bootstrap.open_kiosk(config.parse(text), store=False)
    checks = {c.name: c for c in run_checks(kiosk, tmp_path / "none.db", "en")}
    serial = checks["devices.card_readers[0] (ttyNOPE0)"]
    assert not serial.ok
    assert "/dev/ttyNOPE0" in serial.reason
    hid = checks["devices.card_readers[1] (nope)"]
    assert not hid.ok
    printer = checks["devices.receipt_printer (receipt-printer)"]
    assert not printer.ok
    assert "/dev/ttyNOPE1" in printer.reason
