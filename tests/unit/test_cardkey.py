"""Conversions from what readers report to the card key."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.cardkey import check_conversion, to_card_key, to_card_number, valid_barcode


@pytest.mark.parametrize(
    ("text", "conversion", "key"),
    [
        ("04a1b2c3d4e580", "hex", "04A1B2C3D4E580"),
        ("04:A1:B2:C3", "hex", "04A1B2C3"),
        (" de-ad-be-ef ", "hex", "DEADBEEF"),
        ("C3B2A104", "hex-rev", "04A1B2C3"),
        # A 4-byte UID 04A1B2C3 typed as a 10-digit decimal by a USB reader.
        ("0077705923", "dec", "04A1B2C3"),
        # The same card on a reader that sends the bytes little-endian first.
        ("3283263748", "dec-rev", "04A1B2C3"),
        ("0000000001", "dec", "00000001"),
    ],
)
def test_conversions_give_the_card_key(text: str, conversion: str, key: str) -> None:
    assert to_card_key(text, conversion) == key


def test_decimal_with_a_fixed_uid_size() -> None:
    assert to_card_key("1", "dec", size=7) == "00000000000001"
    assert to_card_key("4294967296", "dec", size=4) is None  # does not fit 4 bytes


@pytest.mark.parametrize(
    ("text", "conversion"),
    [("04A1B2C", "hex"), ("XYZ1", "hex"), ("", "hex"), ("12a4", "dec"), ("", "dec-rev")],
)
def test_invalid_reads_are_refused(text: str, conversion: str) -> None:
    assert to_card_key(text, conversion) is None


def test_card_numbers_and_barcodes() -> None:
    assert to_card_number(" PLU-0001 ") == "PLU-0001"
    assert to_card_number("a b") is None
    assert valid_barcode("B0001234") == "B0001234"
    assert valid_barcode("with space") is None
    assert valid_barcode("x" * 65) is None


def test_unknown_conversion_is_named() -> None:
    with pytest.raises(ValueError, match="hex, hex-rev, dec, dec-rev, number"):
        check_conversion("base64")


@settings(deadline=None)  # a loaded 2-core CI machine must not make it flaky
@given(st.text(max_size=60), st.sampled_from(["hex", "hex-rev", "dec", "dec-rev"]))
def test_any_text_gives_a_key_or_none(text: str, conversion: str) -> None:
    key = to_card_key(text, conversion)
    assert key is None or (key == key.upper() and len(key) % 2 == 0 and bytes.fromhex(key))
