"""The simulated pad carries real ISO 28560-3 tag memory."""

from __future__ import annotations

import pytest

from devices.iso28560 import AFI_ON_LOAN, AFI_SECURED, decode
from devices.sim import SimItemPad
from kiosk.bus import EventBus
from kiosk.domain.errors import DeviceError
from kiosk.domain.events import TagsRead
from kiosk.domain.tags import ItemTag
from tests.support.waiting import Recorder


def test_placed_tags_are_encoded_and_read_back() -> None:
    pad = SimItemPad()
    bus = EventBus()
    seen = Recorder(bus, TagsRead)
    pad.start(bus)
    tag = ItemTag(uid="E004010012345678", item_id="B0001", part=1, parts=2, country="ID")
    pad.place(tag)
    raw = pad.memory(tag.uid)
    assert raw is not None
    assert raw.afi == AFI_SECURED
    assert decode(raw.memory).item_id == "B0001"
    assert pad.tags() == (tag,)
    assert seen.of(TagsRead)[-1].tags == (tag,)


def test_a_damaged_tag_reads_with_no_item_id() -> None:
    pad = SimItemPad()
    pad.place_memory("E0040100AAAAAAAA", b"\x11\x01\x01garbage" + bytes(22))
    (tag,) = pad.tags()
    assert tag.item_id == ""


def test_security_write_and_failure() -> None:
    pad = SimItemPad()
    pad.place(ItemTag(uid="E1", item_id="B1"))
    pad.set_security("E1", secured=False)
    raw = pad.memory("E1")
    assert raw is not None
    assert raw.afi == AFI_ON_LOAN
    assert pad.tags()[0].secured is False
    pad.fail("write_fails")
    with pytest.raises(DeviceError) as err:
        pad.set_security("E1", secured=True)
    assert err.value.key == "device.security_write_failed"
    with pytest.raises(DeviceError, match=r"device.tag_gone"):
        pad.set_security("nope", secured=True)
