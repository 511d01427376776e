"""Every simulator is scriptable and fails on request, as its real device would."""

from __future__ import annotations

import pytest

from devices.sim import (
    SimCardReader,
    SimItemPad,
    SimItemScanner,
    SimReceiptPrinter,
    SimSpeaker,
    SimSwitch,
)
from kiosk.bus import EventBus
from kiosk.domain.errors import DeviceError
from kiosk.domain.events import (
    CardTapped,
    DeviceStatus,
    EquipmentState,
    Event,
    ItemScanned,
    TagsRead,
)
from kiosk.domain.tags import ItemTag
from kiosk.ports import DeviceUrl, Receipt, ReceiptLine


def record(bus: EventBus) -> list[Event]:
    seen: list[Event] = []
    bus.subscribe(Event, seen.append)
    return seen


def test_options_come_from_the_url() -> None:
    reader = SimCardReader.from_url(DeviceUrl.parse("sim://desk?fail=garbage&delay=0.1"))
    assert reader.name == "desk"
    assert reader.failure == "garbage"
    assert reader.delay == pytest.approx(0.1)
    with pytest.raises(ValueError, match="fail="):
        SimCardReader.from_url(DeviceUrl.parse("sim://desk?fail=paper_out"))
    with pytest.raises(ValueError, match="only"):
        SimCardReader.from_url(DeviceUrl.parse("sim://desk?colour=red"))
    with pytest.raises(ValueError, match="delay"):
        SimCardReader.from_url(DeviceUrl.parse("sim://desk?delay=soon"))


def test_card_reader_taps_and_drops_when_failing() -> None:
    bus = EventBus()
    seen = record(bus)
    reader = SimCardReader("desk")
    reader.start(bus)
    assert reader.tap(uid="04a1b2")
    assert reader.tap(number="PLU-0001")
    reader.fail("garbage")
    assert not reader.tap(uid="04A1B2")
    reader.fail("offline")
    reader.fail(None)
    taps = [e for e in seen if isinstance(e, CardTapped)]
    assert [t.uid or t.number for t in taps] == ["04A1B2", "PLU-0001"]
    assert reader.dropped == 1
    statuses = [e.ok for e in seen if isinstance(e, DeviceStatus)]
    assert statuses == [True, False, True]
    assert reader.check() == (True, "simulator (card_reader)")
    reader.fail("timeout")
    assert reader.check()[0] is False


def test_item_scanner() -> None:
    bus = EventBus()
    seen = record(bus)
    scanner = SimItemScanner()
    scanner.start(bus)
    assert scanner.scan(" B00001 ")
    assert not scanner.scan("   ")
    scanner.fail("offline")
    assert not scanner.scan("B00002")
    assert [e.barcode for e in seen if isinstance(e, ItemScanned)] == ["B00001"]
    assert scanner.dropped == 2


def test_item_pad_reports_tags_and_security_writes() -> None:
    bus = EventBus()
    seen = record(bus)
    pad = SimItemPad()
    pad.start(bus)
    one = ItemTag(uid="E004010000000001", item_id="B00001")
    part1 = ItemTag(uid="E004010000000002", item_id="B00010", part=1, parts=2)
    pad.place(one, part1)
    assert {t.uid for t in pad.tags()} == {one.uid, part1.uid}
    pad.set_security(one.uid, secured=False)
    assert not next(t for t in pad.tags() if t.uid == one.uid).secured
    pad.fail("write_fails")
    with pytest.raises(DeviceError) as caught:
        pad.set_security(part1.uid, secured=False)
    assert caught.value.key == "device.security_write_failed"
    pad.fail(None)
    with pytest.raises(DeviceError, match="tag_gone"):
        pad.set_security("E0040100FFFFFFFF", secured=True)
    pad.remove(one.uid)
    pad.clear()
    reads = [e for e in seen if isinstance(e, TagsRead)]
    assert [len(r.tags) for r in reads] == [2, 1, 0]
    pad.fail("offline")
    with pytest.raises(DeviceError, match="offline"):
        pad.tags()


def test_switch_confirms_and_misbehaves_on_request() -> None:
    bus = EventBus()
    seen = record(bus)
    plug = SimSwitch.for_resource(DeviceUrl.parse("sim://"), "printer-1")
    plug.start(bus)
    assert plug.name == "printer-1"
    reply = plug.set(True)
    assert (reply.on, reply.device, reply.problem) == (True, "printer-1", "")
    assert plug.on is True
    plug.fail("ignore_off")
    assert plug.set(False).on is True  # the opposite answer
    assert plug.on is True
    plug.fail("drop_ack")
    assert plug.set(False).problem == "equipment.no_echo"
    assert plug.on is False
    assert plug.ask().on is False  # drop_ack drops command answers only
    plug.fail("offline")
    assert plug.set(True, timeout=0.01).problem == "equipment.offline"
    assert plug.commands == [True, False, False, True]
    states = [(s.on, s.online) for s in seen if isinstance(s, EquipmentState)]
    # Announced at start, three answers, and the Last Will's word.
    assert states == [(None, True), (True, True), (True, True), (False, True), (None, False)]


def test_slow_switch_times_out() -> None:
    plug = SimSwitch(resource="pc-1", delay=0.2)
    assert plug.set(True, timeout=0.05).problem == "equipment.no_echo"
    reply = plug.set(True, timeout=1.0)
    assert reply.on is True
    assert reply.round_trip_s is not None and reply.round_trip_s >= 0.2


def test_receipt_printer_keeps_receipts_and_runs_out_of_paper() -> None:
    printer = SimReceiptPrinter()
    receipt = Receipt(lines=(ReceiptLine("Perpustakaan Kota Palu", emphasis=True),))
    printer.print_receipt(receipt)
    assert printer.printed == [receipt]
    printer.fail("paper_out")
    with pytest.raises(DeviceError) as caught:
        printer.print_receipt(receipt)
    assert caught.value.key == "device.paper_out"
    assert printer.check()[0] is False
    printer.fail("offline")
    with pytest.raises(DeviceError, match="offline"):
        printer.print_receipt(receipt)


def test_speaker_records() -> None:
    speaker = SimSpeaker()
    speaker.say("Selamat datang", "id")
    speaker.stop_speaking()
    speaker.set_volume(1.7)
    assert speaker.spoken == [("Selamat datang", "id")]
    assert speaker.interrupted == 1
    assert speaker.volume == 1.0


def test_unknown_failure_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown failure mode"):
        SimSpeaker().fail("paper_out")
