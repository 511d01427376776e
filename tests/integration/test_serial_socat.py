"""Serial card readers over a real socat pty pair: lines, frames, noise, unplugging."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.serial_reader import SerialReader, em4100_frame
from kiosk.bus import EventBus
from kiosk.domain.events import CardTapped, DeviceStatus, ItemScanned
from kiosk.ports import DeviceUrl
from tests.support.socat import PtyPair
from tests.support.waiting import Recorder, eventually

pytestmark = pytest.mark.integration


@pytest.fixture
def pty(tmp_path: Path) -> Iterator[PtyPair]:
    pair = PtyPair(tmp_path)
    pair.start()
    yield pair
    pair.stop()


def _reader(url: str, bus: EventBus) -> SerialReader:
    reader = SerialReader.from_url(DeviceUrl.parse(url))
    reader.backoff.initial = reader.backoff.maximum = 0.1
    reader.backoff.reset()
    reader.start(bus)
    return reader


def test_em4100_frames_noise_and_bad_checksums(pty: PtyPair) -> None:
    bus = EventBus()
    seen = Recorder(bus)
    reader = _reader(f"serial://{pty.device}?format=em4100&hold=0", bus)
    try:
        assert seen.wait_for(lambda: bool(seen.of(DeviceStatus)))
        pty.write(os.urandom(64).replace(b"\x02", b""))
        pty.write(b"\x0262E3086CED09\x03")  # bad checksum
        pty.write(b"\x0262E3")  # partial frame
        pty.write(em4100_frame("62E3086CED"))
        pty.write(em4100_frame("0415D0F5C2"))
        taps = seen.wait_count(CardTapped, 2)
        assert [t.uid for t in taps] == ["62E3086CED", "0415D0F5C2"]  # type: ignore[attr-defined]
        assert reader.dropped >= 3
        assert reader.running
    finally:
        reader.stop()


def test_lines_in_decimal_are_converted(pty: PtyPair) -> None:
    bus = EventBus()
    seen = Recorder(bus, CardTapped)
    reader = _reader(f"serial://{pty.device}?format=line&convert=dec&hold=0", bus)
    try:
        assert eventually(lambda: reader.status == (True, ""))
        pty.write(b"0077705923\r\nnot a number\r\n\xff\xfe\r\n3283263748\r\n")
        taps = seen.wait_count(CardTapped, 2)
        assert [t.uid for t in taps] == ["04A1B2C3", "C3B2A104"]  # type: ignore[attr-defined]
        assert reader.dropped == 2
    finally:
        reader.stop()


def test_barcode_scanner_on_a_serial_port(pty: PtyPair) -> None:
    bus = EventBus()
    seen = Recorder(bus, ItemScanned)
    reader = SerialReader.from_url(DeviceUrl.parse(f"serial://{pty.device}"), "item_scanner")
    reader.start(bus)
    try:
        assert eventually(lambda: reader.status == (True, ""))
        pty.write(b"B0001234\r\n")
        (scan,) = seen.wait_count(ItemScanned, 1)
        assert scan.barcode == "B0001234"  # type: ignore[attr-defined]
    finally:
        reader.stop()


def test_vanished_port_is_reported_and_reopened(pty: PtyPair) -> None:
    bus = EventBus()
    seen = Recorder(bus)
    reader = _reader(f"serial://{pty.device}?format=em4100", bus)
    try:
        assert eventually(lambda: reader.status == (True, ""))
        pty.write(em4100_frame("62E3086CED"))
        seen.wait_count(CardTapped, 1)
        pty.stop()  # the USB adapter is pulled out
        assert eventually(lambda: reader.status == (False, "device.offline"))
        ok, reason = reader.check()
        assert not ok
        assert "retrying" in reason
        pty.start()  # and plugged back in
        assert eventually(lambda: reader.status == (True, ""))
        pty.write(em4100_frame("0415D0F5C2"))
        taps = seen.wait_count(CardTapped, 2)
        assert taps[-1].uid == "0415D0F5C2"  # type: ignore[attr-defined]
        statuses = [(s.ok, s.detail) for s in seen.of(DeviceStatus)]
        assert statuses == [(True, ""), (False, "device.offline"), (True, "")]
    finally:
        reader.stop()
    assert not reader.running
