"""ISO 28560-3 basic block: byte fixtures, round trips, random bytes."""

from __future__ import annotations

import binascii

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.iso28560 import (
    USAGE_CIRCULATING,
    TagData,
    TagDataError,
    crc,
    decode,
    encode,
    reverse_blocks,
)

# A German public library tag (item 11223344, 1 of 1, DE, ISIL 705): CRC 0x3E51.
FIXTURE_DE = bytes.fromhex("11010131313232333334340000000000000000513e4445373035000000000000")


def test_crc_reference_value() -> None:
    # The Danish data model's reference string gives 0x1AEE.
    assert binascii.crc_hqx(b"RFID tag data model", 0xFFFF) == 0x1AEE
    assert crc(FIXTURE_DE) == 0x3E51


def test_decode_fixture() -> None:
    assert decode(FIXTURE_DE) == TagData(
        item_id="11223344", part=1, parts=1, country="DE", isil="705", usage=USAGE_CIRCULATING
    )
    assert encode(decode(FIXTURE_DE)) == FIXTURE_DE


def test_multi_part_set_for_palu() -> None:
    tag = TagData(item_id="B0001234", part=2, parts=3, country="ID", isil="PKP")
    data = encode(tag)
    assert data[:3] == bytes([0x11, 3, 2])
    assert data[3:19] == b"B0001234" + bytes(8)
    assert data[21:32] == b"IDPKP" + bytes(6)
    assert decode(data) == tag
    assert decode(data + bytes(8)) == tag  # optional blocks after the basic block


def test_blocks_in_reverse_byte_order_are_understood() -> None:
    assert decode(reverse_blocks(FIXTURE_DE)).item_id == "11223344"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (FIXTURE_DE[:20], "32 bytes"),
        (FIXTURE_DE[:5] + b"X" + FIXTURE_DE[6:], "CRC"),
        (bytes(32), "CRC|version|part"),
    ],
)
def test_bad_blocks_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(TagDataError, match=reason):
        decode(data)


@pytest.mark.parametrize(
    "tag",
    [
        TagData(item_id=""),
        TagData(item_id="X" * 17),
        TagData(item_id="buku é"),
        TagData(item_id="A", part=3, parts=2),
        TagData(item_id="A", isil="X" * 10),
        TagData(item_id="A", country="IDN"),
    ],
)
def test_values_that_do_not_fit_are_refused(tag: TagData) -> None:
    with pytest.raises(TagDataError):
        encode(tag)


printable = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=16
)


@settings(deadline=None)  # a loaded 2-core CI machine must not make it flaky
@given(
    printable,
    st.integers(1, 255).flatmap(lambda m: st.tuples(st.integers(1, m), st.just(m))),
    st.sampled_from(["", "ID", "DK"]),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", max_size=9),
)
def test_round_trip(item_id: str, part_of: tuple[int, int], country: str, isil: str) -> None:
    tag = TagData(item_id=item_id, part=part_of[0], parts=part_of[1], country=country, isil=isil)
    assert decode(encode(tag)) == tag


@settings(deadline=None)  # a loaded 2-core CI machine must not make it flaky
@given(st.binary(max_size=64))
def test_random_bytes_decode_or_refuse(data: bytes) -> None:
    try:
        tag = decode(data)
    except TagDataError:
        return
    assert tag.item_id
