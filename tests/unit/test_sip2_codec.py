"""The SIP2 codec: known frames, strict and tolerant parsing, property tests, and a
cross-check against pysip2's own (stricter) codec as a second implementation."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.circulation.sip2.codec import (
    FIXED,
    ChecksumError,
    Framing,
    Message,
    Sip2ProtocolError,
    checksum,
    checksum_ok,
    decode,
    encode,
    parse_timestamp,
    timestamp,
)
from tests.support import peers

PLAIN = Framing()
KNOWN = (
    b"990 402.00AY1AZFCB4",
    b"9900401.00AY1AZFCA5",
    b"941AY1AZFDFC",
    b"2300120250522    154913AO|AA0310000000253|AC|AD0213|AY0AZF30D",
)


@pytest.mark.parametrize("frame", KNOWN)
def test_known_good_frames_decode_and_encode_byte_for_byte(frame: bytes) -> None:
    assert checksum_ok(frame)
    decoded = decode(frame + b"\r", PLAIN)
    assert decoded.checksummed
    assert encode(decoded.message, PLAIN, decoded.sequence) == frame + b"\r"


def test_checksum_of_the_spec_example() -> None:
    assert checksum(b"990 402.00AY1AZ") == "FCB4"
    assert not checksum_ok(b"990 402.00AY1AZFCB5")


def test_fields_are_read_by_name_in_any_order_unknown_and_repeated_kept() -> None:
    frame = b"64              00120250522    154913000100000002000000000000"
    frame += b"AOPALU|AEJoe|AAP1|AFone|ZZext|AFtwo|AUI-1|AUI-2|BLY|\r"
    message = decode(frame, PLAIN).message
    assert message.code == "64"
    assert message.fixed["charged_items_count"] == "0002"
    assert message.text("AA") == "P1"
    assert message.all("AF") == ("one", "two")
    assert message.all("AU") == ("I-1", "I-2")
    assert message.get("ZZ") == "ext"  # kept, not dropped
    assert message.get("CQ") is None


@pytest.mark.parametrize(
    "frame",
    [
        b"941\r\n",  # CRLF
        b"\n941\r",  # the LF of the previous CRLF
        b"941",  # no terminator at all (the transport strips it)
    ],
)
def test_line_endings(frame: bytes) -> None:
    assert decode(frame, PLAIN).message.fixed == {"ok": "1"}


def test_tolerant_where_servers_vary() -> None:
    # Last field without its separator, an empty piece, no trailer although checksums
    # are on, a short BX (parsed later, loosely).
    frame = b"98YYYYNN60000320250522    1549132.00AOPALU||BXYYYN\r"
    message = decode(frame, PLAIN).message
    assert message.get("BX") == "YYYN"
    assert message.text("AO") == "PALU"
    # Bytes that are not UTF-8 are replaced, never fatal.
    text = decode(
        b"24              00120250522    154913AOx|AEJo\xff|\r", Framing(encoding="utf-8")
    )
    assert text.message.text("AE") == "Jo\ufffd"


def test_a_last_field_without_separator_before_the_trailer() -> None:
    body = b"12 1NNY20250522    154913AOPALU|AAP1|ABI-1|AJT|AH2025-06-01"
    body += b"AY3AZ"
    body += checksum(body).encode()
    decoded = decode(body, PLAIN)
    assert decoded.sequence == 3
    assert decoded.message.text("AH") == "2025-06-01"


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"990 402.00AY1AZFCB5", "checksum"),
        (b"xx1", "command code"),
        (b"421", "unknown command"),
        (b"98YYYY", "cut short"),
        (b"94\x001", "NUL"),
        (b"94", "cut short"),
        (b"941A|", "not a field"),
        (b"941a\xff|", "not a field"),
        (b"", "command code"),
    ],
)
def test_strict_where_the_spec_is_strict(frame: bytes, reason: str) -> None:
    with pytest.raises(Sip2ProtocolError, match=reason):
        decode(frame, PLAIN)


def test_a_bad_checksum_is_its_own_error() -> None:
    with pytest.raises(ChecksumError):
        decode(b"941AY1AZFDFD", PLAIN)


def test_separator_and_encoding_are_configurable() -> None:
    framing = Framing(encoding="utf-8", separator="^", checksums=False, terminator=b"\r\n")
    message = Message("63", {"language": "000", "transaction_date": " " * 18, "summary": " " * 10},
                      (("AO", "PALU"), ("AA", "Sïti|1")))  # fmt: skip
    frame = encode(message, framing)
    assert frame.endswith(b"AAS\xc3\xafti|1^\r\n")
    assert b"AY" not in frame
    assert decode(frame, framing).message == message


def test_encode_refuses_what_cannot_travel() -> None:
    base = {"language": "000", "transaction_date": " " * 18}
    with pytest.raises(ValueError, match="separator"):
        encode(Message("23", base, (("AA", "a|b"),)), PLAIN, 0)
    with pytest.raises(ValueError, match="must be 3"):
        encode(Message("23", {**base, "language": "1"}), PLAIN, 0)
    with pytest.raises(ValueError, match="sequence"):
        encode(Message("23", base), PLAIN, None)
    with pytest.raises(ValueError, match="255"):
        encode(Message("23", base, (("AE", "x" * 256),)), PLAIN, 0)
    with pytest.raises(ValueError, match="cp850"):
        encode(Message("23", base, (("AE", "名"),)), PLAIN, 0)


def test_control_messages_carry_a_checksum_but_no_sequence() -> None:
    assert encode(Message("97"), PLAIN) == b"97AZFEF5\r"
    assert decode(b"96AZFEF6", PLAIN).sequence is None


def test_dates() -> None:
    moment = datetime(2026, 11, 23, 1, 2, 3, tzinfo=UTC)
    assert timestamp(moment, "Asia/Makassar") == "20261123    090203"
    assert parse_timestamp("20261123    090203", "Asia/Makassar") == moment
    assert parse_timestamp("20261123   Z010203", "Asia/Makassar") == moment
    assert parse_timestamp("2026-11-23", "Asia/Makassar") is None
    assert parse_timestamp("20261399    090203", "Asia/Makassar") is None


# -- property tests: only the protocol error escapes ------------------------------------
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300), st.sampled_from(["cp850", "utf-8", "latin-1"]))
def test_random_bytes_raise_only_the_protocol_error(data: bytes, encoding: str) -> None:
    with contextlib.suppress(Sip2ProtocolError):
        decode(data, Framing(encoding=encoding))


_printable = st.text(st.characters(min_codepoint=32, max_codepoint=126, exclude_characters="|"))


@st.composite
def messages(draw: st.DrawFn) -> Message:
    code = draw(st.sampled_from(sorted(FIXED)))
    fixed = {
        name: draw(st.text(st.sampled_from("0123456789YN "), min_size=width, max_size=width))
        for name, width in FIXED[code]
    }
    ids = st.text(st.sampled_from("ABCDEFGHPQZ0123456789"), min_size=2, max_size=2).filter(
        lambda fid: fid not in ("AY", "AZ")
    )
    fields = draw(st.lists(st.tuples(ids, _printable.filter(lambda v: len(v) < 60)), max_size=6))
    # A value that ends like a trailer would be read as one: not a frame an SC builds.
    fields = [(f, v) for f, v in fields if "AZ" not in v and "AY" not in v]
    if code in ("96", "97"):
        fields = []
    return Message(code, fixed, tuple(fields))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(messages(), st.integers(0, 9), st.booleans())
def test_round_trip(message: Message, sequence: int, checksums: bool) -> None:
    framing = Framing(checksums=checksums)
    decoded = decode(encode(message, framing, sequence), framing)
    assert decoded.message == message
    if checksums and message.code not in ("96", "97"):
        assert decoded.sequence == sequence


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(messages(), st.integers(0, 9), st.data())
def test_mutated_frames_raise_only_the_protocol_error(
    message: Message, sequence: int, data: st.DataObject
) -> None:
    frame = bytearray(encode(message, PLAIN, sequence))
    for _ in range(data.draw(st.integers(1, 4))):
        action = data.draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        at = data.draw(st.integers(0, max(0, len(frame) - 1)))
        if action == "flip" and frame:
            frame[at] = data.draw(st.integers(0, 255))
        elif action == "cut":
            del frame[at:]
        elif action == "insert":
            frame[at:at] = data.draw(st.binary(min_size=1, max_size=4))
        elif frame:
            del frame[at]
    with contextlib.suppress(Sip2ProtocolError):
        decode(bytes(frame), PLAIN)


def test_a_flipped_byte_in_a_checksummed_frame_is_always_caught() -> None:
    frame = encode(Message("94", {"ok": "1"}), PLAIN, 4)
    for index in range(len(frame) - 1):
        mutated = bytearray(frame)
        mutated[index] ^= 0x01
        with pytest.raises(Sip2ProtocolError):
            decode(bytes(mutated), PLAIN)


# -- a second implementation: pysip2 ----------------------------------------------------
pysip2 = peers.module("pysip2", "pip install .[test]")


def test_every_request_the_kiosk_builds_is_valid_for_pysip2() -> None:
    """pysip2's decoder is strict (regex on every fixed field): what the kiosk sends must
    pass it, except the spec's blank nb due date, which pysip2 0.1.0 refuses."""
    date = "20261123    090203"
    patron = (("AO", "PALU"), ("AA", "P1"), ("AC", ""))
    item = (("AO", "PALU"), ("AB", "I-1"), ("AC", ""))
    requests = [
        Message("93", {"uid_algorithm": "0", "pwd_algorithm": "0"}, (("CN", "k"), ("CO", "p"))),
        Message("99", {"status_code": "0", "max_print_width": "040", "protocol_version": "2.00"}),
        Message(
            "63",
            {"language": "000", "transaction_date": date, "summary": "  Y       "},
            (*patron, ("AD", "1234"), ("BP", "1"), ("BQ", "999")),
        ),
        Message("23", {"language": "001", "transaction_date": date}, (*patron, ("AD", ""))),
        Message(
            "11",
            {
                "sc_renewal_policy": "N",
                "no_block": "Y",
                "transaction_date": date,
                "nb_due_date": date,
            },
            (("AO", "PALU"), ("AA", "P1"), ("AB", "I-1"), ("AC", "")),
        ),
        Message(
            "09",
            {"no_block": "N", "transaction_date": date, "return_date": date},
            (("AP", "K1"), *item),
        ),
        Message("17", {"transaction_date": date}, item),
        Message("65", {"transaction_date": date}, patron),
        Message(
            "15",
            {"hold_mode": "+", "transaction_date": date},
            (("AO", "PALU"), ("AA", "P1"), ("BY", "3"), ("AB", "I-1"), ("AC", "")),
        ),
        Message(
            "37",
            {
                "transaction_date": date,
                "fee_type": "01",
                "payment_type": "00",
                "currency_type": "IDR",
            },
            (("BV", "5000"), *patron, ("BK", "k-1")),
        ),
        Message("35", {"transaction_date": date}, patron),
        Message("97"),
    ]
    for index, message in enumerate(requests):
        theirs = pysip2.decode_message(encode(message, PLAIN, index % 10))
        assert theirs.sequence_number in (None, index % 10)


def test_responses_pysip2_builds_read_back_with_the_same_values() -> None:
    date = "20261123    090203"
    response = pysip2.CheckoutResponse(
        ok="1", renewal_ok="N", magnetic_media="N", desensitize="Y", transaction_date=date,
        institution_id="PALU", patron_identifier="P1", item_identifier="I-1",
        title_identifier="Laskar Pelangi", due_date="20261207    235900",
        screen_message=("Selamat", "membaca"), print_line=("Baris 1",),
    )  # fmt: skip
    frame = pysip2.encode_message(response, sequence_number=7, checksum=True)
    decoded = decode(frame, PLAIN)
    assert decoded.sequence == 7
    message = decoded.message
    assert (message.fixed["ok"], message.fixed["desensitize"]) == ("1", "Y")
    assert message.text("AJ") == "Laskar Pelangi"
    assert message.all("AF") == ("Selamat", "membaca")
    assert message.all("AG") == ("Baris 1",)
