"""PC/SC adapters against a real pcscd with the vpcd virtual reader and a virtual card.

pcscd always serves /run/pcscd/pcscd.comm: these tests start one pcscd each, one after
another, and stop it at the end.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.iso28560 import AFI_ON_LOAN, AFI_SECURED, TagData, encode
from devices.pcsc import Transmit
from kiosk.bus import EventBus
from kiosk.domain.errors import DeviceError
from kiosk.domain.events import CardTapped, DeviceStatus, TagsRead
from kiosk.ports import DeviceUrl
from tests.support import pcscd as pcscd_support
from tests.support import peers
from tests.support.vcard import VirtualCard
from tests.support.waiting import Recorder, eventually

pytestmark = pytest.mark.integration
peers.check(pcscd_support.available())


@pytest.fixture
def pcscd(tmp_path: Path) -> Iterator[pcscd_support.Pcscd]:
    daemon = pcscd_support.Pcscd(tmp_path, pcscd_support.free_port_pair())
    daemon.start()
    yield daemon
    daemon.stop()


def test_insert_hold_remove_reinsert(pcscd: pcscd_support.Pcscd) -> None:
    from devices.pcsc import PcscCardReader

    bus = EventBus()
    seen = Recorder(bus)
    reader = PcscCardReader.from_url(DeviceUrl.parse("pcsc://?reader=Virtual PCD 00 00&name=desk"))
    reader.start(bus)
    card = VirtualCard(pcscd.port, uid="04A1B2C3D4E580", unpowered_first=2)
    try:
        assert eventually(lambda: reader.status == (True, ""))
        card.insert()
        (tap,) = seen.wait_count(CardTapped, 1)
        assert tap == CardTapped(reader="desk", uid="04A1B2C3D4E580")
        time.sleep(1.0)  # held on the reader: still one tap
        assert len(seen.of(CardTapped)) == 1
        card.remove()
        time.sleep(0.3)
        card.insert()  # removal re-armed the reader
        taps = seen.wait_count(CardTapped, 2)
        assert len(taps) == 2
        ok, reason = reader.check()
        assert ok
        assert "Virtual PCD 00 00" in reason
    finally:
        card.remove()
        reader.stop()
    assert not reader.running


def test_pcscd_restart_recovers_by_itself(
    pcscd: pcscd_support.Pcscd, caplog: pytest.LogCaptureFixture
) -> None:
    from devices.pcsc import PcscCardReader

    bus = EventBus()
    seen = Recorder(bus)
    reader = PcscCardReader.from_url(DeviceUrl.parse("pcsc://"))
    reader.backoff.initial = 0.1
    reader.start(bus)
    card = VirtualCard(pcscd.port, uid="0102030405060708")
    try:
        assert eventually(lambda: reader.status == (True, ""))
        pcscd.stop()
        assert eventually(lambda: reader.status == (False, "device.offline"), timeout=10)
        assert not reader.check()[0]
        pcscd.start()
        assert eventually(lambda: reader.status == (True, ""), timeout=15)
        card.insert()
        (tap,) = seen.wait_count(CardTapped, 1, timeout=10)
        assert tap.uid == "0102030405060708"  # type: ignore[attr-defined]
        statuses = [(s.ok, s.detail) for s in seen.of(DeviceStatus)]
        assert statuses == [(True, ""), (False, "device.offline"), (True, "")]
        lost = seen.of(DeviceStatus)[1]
        assert lost.reason  # why, in words, for staff and `kiosk readers --watch`
        # One warning for the outage, however many retries it took.
        warned = [
            r for r in caplog.records if r.levelname == "WARNING" and "retrying" in r.getMessage()
        ]
        assert len(warned) == 1, [r.getMessage() for r in warned]
    finally:
        card.remove()
        reader.stop()


def test_reader_missing_is_reported(pcscd: pcscd_support.Pcscd) -> None:
    from devices.pcsc import PcscCardReader

    bus = EventBus()
    reader = PcscCardReader.from_url(DeviceUrl.parse("pcsc://?reader=ACR122"))
    ok, reason = reader.check()
    assert not ok
    assert "Virtual PCD 00 00" in reason
    reader.start(bus)
    try:
        assert eventually(lambda: reader.status == (False, "device.offline"))
        assert "ACR122" in reader.check()[1]
    finally:
        reader.stop()


def test_item_pad_reads_iso15693_tag_memory(pcscd: pcscd_support.Pcscd) -> None:
    from devices.pcsc import PcscItemPad

    bus = EventBus()
    seen = Recorder(bus, TagsRead)
    pad = PcscItemPad.from_url(DeviceUrl.parse("pcsc://?reader=Virtual PCD 00 00&security=off"))
    memory = encode(TagData(item_id="B0001234", part=1, parts=2, country="ID", isil="PKP"))
    tag_card = VirtualCard(pcscd.port, uid="E004010012345678", memory=memory + bytes(32))
    pad.start(bus)
    try:
        assert eventually(lambda: pad.status == (True, ""))
        tag_card.insert()
        (read,) = seen.wait_count(TagsRead, 1)
        (tag,) = read.tags  # type: ignore[attr-defined]
        assert (tag.uid, tag.item_id, tag.part, tag.parts, tag.isil) == (
            "E004010012345678",
            "B0001234",
            1,
            2,
            "PKP",
        )
        assert pad.tags() == (tag,)
        pad.set_security(tag.uid, secured=False)  # security=off: nothing to write
        read_binary = [a for a in tag_card.apdus if a[:2] == b"\xff\xb0"]
        assert [a[3] for a in read_binary] == list(range(8))
        tag_card.remove()
        cleared = seen.wait_count(TagsRead, 2)
        assert cleared[-1].tags == ()  # type: ignore[attr-defined]
    finally:
        tag_card.remove()
        pad.stop()


def test_generic_pad_cannot_write_afi(pcscd: pcscd_support.Pcscd) -> None:
    from devices.pcsc import PcscItemPad

    pad = PcscItemPad.from_url(DeviceUrl.parse("pcsc://"))
    pad.reader = pcscd.reader_name
    with pytest.raises(DeviceError) as err:
        pad.set_security("E004010012345678", secured=True)
    assert err.value.key == "device.security_write_failed"


def test_reader_that_appears_later_is_picked_up(tmp_path: Path) -> None:
    """pcscd (or the reader) is not there when the kiosk starts: no restart needed."""
    from devices.pcsc import PcscCardReader

    daemon = pcscd_support.Pcscd(tmp_path, pcscd_support.free_port_pair())
    bus = EventBus()
    seen = Recorder(bus, CardTapped)
    reader = PcscCardReader.from_url(DeviceUrl.parse("pcsc://?reader=Virtual"))
    reader.backoff.initial = 0.1
    reader.start(bus)
    card = VirtualCard(daemon.port, uid="A1B2C3D4")
    try:
        assert eventually(lambda: reader.status == (False, "device.offline"))
        daemon.start()
        assert eventually(lambda: reader.status == (True, ""), timeout=10)
        card.insert()
        (tap,) = seen.wait_count(CardTapped, 1)
        assert tap.uid == "A1B2C3D4"  # type: ignore[attr-defined]
    finally:
        card.remove()
        reader.stop()
        daemon.stop()


class EscapeVendor:
    """A reader model's vendor commands, as a real model adapter would add them to
    VENDOR_MODELS; it speaks the virtual card's made-up AFI escape."""

    def write_afi(self, transmit: Transmit, uid: str, afi: int) -> None:
        _, sw = transmit([0xFF, 0xFE, 0x27, 0x00, 0x01, afi])
        if sw != 0x9000:
            raise OSError(f"write AFI: SW {sw:04X}")

    def read_afi(self, transmit: Transmit, uid: str) -> int:
        data, sw = transmit([0xFF, 0xFE, 0x2B, 0x00, 0x00])
        if sw != 0x9000 or len(data) != 1:
            raise OSError(f"read AFI: SW {sw:04X}")
        return data[0]


def test_vendor_extension_writes_and_checks_the_afi(
    pcscd: pcscd_support.Pcscd, monkeypatch: pytest.MonkeyPatch
) -> None:
    from devices import pcsc

    monkeypatch.setitem(pcsc.VENDOR_MODELS, "escape-test", EscapeVendor)
    bus = EventBus()
    seen = Recorder(bus, TagsRead)
    pad = pcsc.PcscItemPad.from_url(DeviceUrl.parse("pcsc://?model=escape-test"))
    memory = encode(TagData(item_id="B0009", country="ID", isil="PKP"))
    tag_card = VirtualCard(pcscd.port, uid="E004010099999999", memory=memory, afi=AFI_SECURED)
    pad.start(bus)
    try:
        assert eventually(lambda: pad.status == (True, ""))
        tag_card.insert()
        (read,) = seen.wait_count(TagsRead, 1)
        (tag,) = read.tags  # type: ignore[attr-defined]
        assert tag.item_id == "B0009"
        assert tag.secured
        pad.set_security(tag.uid, secured=False)
        assert tag_card.afi == AFI_ON_LOAN
        pad.set_security(tag.uid, secured=True)
        assert tag_card.afi == AFI_SECURED
        tag_card.afi_locked = True  # the write is acknowledged but does not stick
        with pytest.raises(DeviceError) as err:
            pad.set_security(tag.uid, secured=False)
        assert err.value.key == "device.security_write_failed"
        with pytest.raises(DeviceError) as gone:
            pad.set_security("E0040100FFFFFFFF", secured=False)  # another tag than this one
        assert gone.value.key == "device.tag_gone"
    finally:
        tag_card.remove()
        pad.stop()
