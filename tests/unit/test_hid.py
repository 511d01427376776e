"""Keyboard wedge: the key decoder on recorded evdev sequences, and the grab failing."""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from devices.base import DeviceLostError
from devices.hid import HidReader, KeyDecoder
from kiosk.bus import EventBus
from kiosk.domain.events import CardTapped, DeviceStatus, ItemScanned
from kiosk.ports import DeviceUrl
from tests.support.waiting import Recorder, eventually

EV_SYN, EV_KEY, EV_MSC = 0, 1, 4

# `evtest` on a common 125 kHz USB reader (ffff:0035) typing "0077705923" + Enter:
# MSC_SCAN with the HID usage, the key down, SYN, then the same for key up.
RECORDED_DECIMAL_UID = [
    (EV_MSC, 4, 0x70027), (EV_KEY, 11, 1), (EV_SYN, 0, 0),
    (EV_MSC, 4, 0x70027), (EV_KEY, 11, 0), (EV_SYN, 0, 0),
    (EV_MSC, 4, 0x70027), (EV_KEY, 11, 1), (EV_SYN, 0, 0),
    (EV_MSC, 4, 0x70027), (EV_KEY, 11, 0), (EV_SYN, 0, 0),
    (EV_MSC, 4, 0x70024), (EV_KEY, 8, 1), (EV_SYN, 0, 0),
    (EV_MSC, 4, 0x70024), (EV_KEY, 8, 0), (EV_SYN, 0, 0),
    (EV_MSC, 4, 0x70024), (EV_KEY, 8, 1), (EV_SYN, 0, 0),
    (EV_MSC, 4, 0x70024), (EV_KEY, 8, 0), (EV_SYN, 0, 0),
    (EV_MSC, 4, 0x70024), (EV_KEY, 8, 1), (EV_SYN, 0, 0),
    (EV_MSC, 4, 0x70024), (EV_KEY, 8, 0), (EV_SYN, 0, 0),
    (EV_MSC, 4, 0x70027), (EV_KEY, 11, 1), (EV_SYN, 0, 0),
    (EV_MSC, 4, 0x70027), (EV_KEY, 11, 0), (EV_SYN, 0, 0),
    (EV_MSC, 4, 0x70022), (EV_KEY, 6, 1), (EV_SYN, 0, 0),
    (EV_MSC, 4, 0x70022), (EV_KEY, 6, 0), (EV_SYN, 0, 0),
    (EV_MSC, 4, 0x70026), (EV_KEY, 10, 1), (EV_SYN, 0, 0),
    (EV_MSC, 4, 0x70026), (EV_KEY, 10, 0), (EV_SYN, 0, 0),
    (EV_MSC, 4, 0x7001f), (EV_KEY, 3, 1), (EV_SYN, 0, 0),
    (EV_MSC, 4, 0x7001f), (EV_KEY, 3, 0), (EV_SYN, 0, 0),
    (EV_MSC, 4, 0x70020), (EV_KEY, 4, 1), (EV_SYN, 0, 0),
    (EV_MSC, 4, 0x70020), (EV_KEY, 4, 0), (EV_SYN, 0, 0),
    (EV_MSC, 4, 0x70028), (EV_KEY, 28, 1), (EV_SYN, 0, 0),
    (EV_MSC, 4, 0x70028), (EV_KEY, 28, 0), (EV_SYN, 0, 0),
]  # fmt: skip

# A barcode scanner typing "PLU-0001" (Shift held for P, L, U) then Enter.
RECORDED_SHIFTED = [
    (EV_KEY, 42, 1), (EV_KEY, 25, 1), (EV_KEY, 25, 0), (EV_KEY, 42, 0),
    (EV_KEY, 54, 1), (EV_KEY, 38, 1), (EV_KEY, 38, 0),
    (EV_KEY, 22, 1), (EV_KEY, 22, 0), (EV_KEY, 54, 0),
    (EV_KEY, 12, 1), (EV_KEY, 12, 0),
    (EV_KEY, 11, 1), (EV_KEY, 11, 0), (EV_KEY, 11, 1), (EV_KEY, 11, 0),
    (EV_KEY, 11, 1), (EV_KEY, 11, 0),
    (EV_KEY, 2, 1), (EV_KEY, 2, 0), (EV_KEY, 28, 1), (EV_KEY, 28, 0),
]  # fmt: skip


def test_recorded_decimal_uid() -> None:
    assert KeyDecoder().feed_all(RECORDED_DECIMAL_UID) == ["0077705923"]


def test_shifted_characters() -> None:
    assert KeyDecoder().feed_all(RECORDED_SHIFTED) == ["PLU-0001"]
    shifted_symbols = [
        (EV_KEY, 42, 1),
        (EV_KEY, 3, 1),
        (EV_KEY, 53, 1),
        (EV_KEY, 42, 0),
        (EV_KEY, 96, 1),
    ]
    assert KeyDecoder().feed_all(shifted_symbols) == ["@?"]


def test_caps_lock_keypad_repeat_and_overflow() -> None:
    decoder = KeyDecoder()
    events = [(EV_KEY, 58, 1), (EV_KEY, 30, 1), (EV_KEY, 30, 2), (EV_KEY, 79, 1), (EV_KEY, 28, 1)]
    assert decoder.feed_all(events) == ["A1"]
    too_long = [(EV_KEY, 2, 1)] * 70 + [(EV_KEY, 28, 1), (EV_KEY, 3, 1), (EV_KEY, 28, 1)]
    assert decoder.feed_all(too_long) == ["2"]
    assert decoder.dropped == 1


@settings(deadline=None)  # a loaded 2-core CI machine must not make it flaky
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 300), st.integers(-1, 3)), max_size=200)
)
def test_random_events_never_raise(events: list[tuple[int, int, int]]) -> None:
    for line in KeyDecoder().feed_all(events):
        assert 0 < len(line) <= 64


@dataclass(frozen=True)
class Ev:
    type: int
    code: int
    value: int


class FakeInputDevice:
    """Stands in for evdev.InputDevice: the test machines have no input devices.

    Events queued with :meth:`type_events` are returned by :meth:`read`; a pipe makes
    the file descriptor readable as the kernel's would be.
    """

    def __init__(self, busy: bool = False) -> None:
        self.path = "/dev/input/event7"
        self.name = "Sycreader RFID Technology Co., Ltd SYC ID&IC USB Reader"
        self.busy = busy
        self.grabs = 0
        self._r, self._w = os.pipe()
        self._events: list[Ev] = []
        self._lock = threading.Lock()

    def fileno(self) -> int:
        return self._r

    def grab(self) -> None:
        if self.busy:
            raise OSError(errno.EBUSY, "Device or resource busy")
        self.grabs += 1

    def ungrab(self) -> None:
        pass

    def type_events(self, events: Iterable[tuple[int, int, int]]) -> None:
        with self._lock:
            self._events.extend(Ev(*e) for e in events)
        os.write(self._w, b"x")

    def read(self) -> list[Ev]:
        os.read(self._r, 64)
        with self._lock:
            events, self._events = self._events, []
        return events

    def close(self) -> None:
        pass


def test_grab_failing_is_reported_and_retried() -> None:
    device = FakeInputDevice(busy=True)
    plugged = threading.Event()

    def opener(selector: str) -> FakeInputDevice:
        if not plugged.is_set():
            raise DeviceLostError(f"no input device matching {selector!r}")
        return device

    reader = HidReader("desk", "SYC ID&IC", convert="dec-rev", opener=opener)
    reader.backoff.initial = reader.backoff.maximum = 0.05
    reader.backoff.reset()
    bus = EventBus()
    seen = Recorder(bus)
    reader.start(bus)
    try:
        assert eventually(lambda: reader.status == (False, "device.offline"))
        assert "no input device matching 'SYC ID&IC'" in reader.check()[1]
        plugged.set()
        assert eventually(lambda: reader.status == (False, "device.busy"))
        assert "grabbed by another program" in reader.check()[1]
        device.busy = False
        assert eventually(lambda: reader.status == (True, ""))
        assert device.grabs == 1
        device.type_events(RECORDED_DECIMAL_UID)
        (tap,) = seen.wait_count(CardTapped, 1)
        # 77705923 is 04A1B2C3; this reader types the bytes in reverse order.
        assert tap == CardTapped(reader="desk", uid="C3B2A104")
        statuses = [(s.ok, s.detail) for s in seen.of(DeviceStatus)]
        assert statuses == [(False, "device.offline"), (False, "device.busy"), (True, "")]
    finally:
        reader.stop()
    assert not reader.running


def test_scanner_gives_barcodes_and_card_numbers() -> None:
    bus = EventBus()
    seen = Recorder(bus)
    scanner = HidReader.from_url(DeviceUrl.parse("hid://?device=ffff:0035"), "item_scanner")
    cards = HidReader.from_url(DeviceUrl.parse("hid://?device=scanner&convert=number"))
    for reader in (scanner, cards):
        reader._bus = bus
        reader.handle_events(Ev(*e) for e in RECORDED_SHIFTED)
    assert seen.of(ItemScanned)[0].barcode == "PLU-0001"
    assert seen.of(CardTapped)[0].number == "PLU-0001"


def test_missing_library_is_reported_once_and_not_retried() -> None:
    def opener(selector: str) -> FakeInputDevice:
        raise ModuleNotFoundError("No module named 'evdev'", name="evdev")

    reader = HidReader("desk", "x", opener=opener)
    reader.start(EventBus())
    try:
        assert eventually(lambda: not reader.running)
        assert reader.status == (False, "device.offline")
        assert "evdev is not installed" in reader.check()[1]
    finally:
        reader.stop()


@settings(deadline=None)
@given(st.text(max_size=80), st.sampled_from(["hex", "hex-rev", "dec", "dec-rev", "number"]))
def test_any_typed_line_is_a_read_or_a_drop(text: str, convert: str) -> None:
    bus = EventBus()
    seen = Recorder(bus)
    reader = HidReader("r", "x", convert=convert, hold=0)
    reader._bus = bus
    reader.handle_line(text)
    assert len(seen.events) + reader.dropped == 1
