"""The serial readers' byte parsers: fixtures, garbage, and random bytes."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from devices.serial_reader import MAX_LINE, Em4100Parser, LineParser, SerialReader, em4100_frame
from kiosk.bus import EventBus
from kiosk.domain.events import CardTapped
from kiosk.ports import DeviceUrl
from tests.support.waiting import Recorder

# A real RDM6300 frame: card 62E3086CED, checksum 62^E3^08^6C^ED = 08.
RDM6300_FRAME = b"\x0262E3086CED08\x03"


def test_em4100_frame_fixture() -> None:
    parser = Em4100Parser()
    assert parser.feed(RDM6300_FRAME) == ["62E3086CED"]
    assert em4100_frame("62E3086CED") == RDM6300_FRAME
    assert parser.dropped == 0


def test_em4100_frame_split_across_reads_and_with_crlf() -> None:
    parser = Em4100Parser()
    assert parser.feed(RDM6300_FRAME[:5]) == []
    assert parser.feed(RDM6300_FRAME[5:]) == ["62E3086CED"]
    assert parser.feed(b"\x020415D0F5C2F6\r\n\x03") == ["0415D0F5C2"]


def test_em4100_bad_checksum_partial_frame_and_noise_are_dropped_and_counted() -> None:
    parser = Em4100Parser()
    bad_checksum = b"\x0262E3086CED09\x03"
    partial = b"\x0262E308"
    noise = b"\xff\x00garbage"
    keys = parser.feed(bad_checksum + partial + RDM6300_FRAME + noise + RDM6300_FRAME)
    assert keys == ["62E3086CED", "62E3086CED"]
    assert parser.dropped == 3  # bad checksum, the partial frame, the noise run


def test_em4100_non_hex_and_overlong_frames_are_dropped() -> None:
    parser = Em4100Parser()
    assert parser.feed(b"\x02ZZE3086CED08\x03") == []
    assert parser.feed(b"\x0262E3086CED0800\x03") == []
    assert parser.dropped == 2
    assert parser.feed(RDM6300_FRAME) == ["62E3086CED"]


def test_line_parser() -> None:
    parser = LineParser()
    assert parser.feed(b"04A1B2C3\r\n\r\n0077705923\n") == ["04A1B2C3", "0077705923"]
    assert parser.feed(b"half") == []
    assert parser.feed(b" line\r") == ["half line"]
    assert parser.feed(b"\xff\xfebinary\n" + b"x" * 100 + b"\nok\n") == ["ok"]
    assert parser.dropped == 2


def lines_and_drops(data: bytes) -> tuple[list[str], int]:
    """What :class:`LineParser` must make of ``data``, written the plain way: every
    line ended by CR or LF is kept when it is printable ASCII of at most ``MAX_LINE``
    characters, else counted as dropped; blank lines and an unended tail are neither."""
    lines, dropped = [], 0
    for line in re.split(rb"[\r\n]", data)[:-1]:
        if line and all(0x20 <= b < 0x7F for b in line) and len(line) <= MAX_LINE:
            lines.append(line.decode("ascii"))
        elif line:
            dropped += 1
    return lines, dropped


@settings(deadline=None)  # a loaded 2-core CI machine must not make it flaky
@given(
    st.binary(max_size=300)
    | st.lists(st.sampled_from([b"\n", b"\r", b"04A1", b"\xff", b"x" * 70])).map(b"".join)
)
def test_random_bytes_give_exactly_the_good_lines_and_count_the_bad(data: bytes) -> None:
    parser = LineParser()
    assert (parser.feed(data), parser.dropped) == lines_and_drops(data)
    # Whatever came before, the next good line after a line end is read.
    assert parser.feed(b"\n04A1B2C3\n")[-1:] == ["04A1B2C3"]


@settings(deadline=None)
@given(
    st.binary(max_size=300)
    | st.lists(st.sampled_from([b"\x02", b"\x03", b"62E3086CED08", b"\r\n", b"\xff"])).map(b"".join)
)
def test_random_bytes_never_make_a_card_and_a_good_frame_still_reads(data: bytes) -> None:
    parser = Em4100Parser()
    keys = parser.feed(data)
    # A key only from a whole frame with its checksum: here only the RDM6300 card.
    assert set(keys) <= {"62E3086CED"}
    assert len(keys) <= data.count(b"\x03")
    # At most one drop per frame start (noise or a cut frame before it) and one per
    # frame end (a bad frame); nothing else is ever counted.
    assert parser.dropped <= 2 * data.count(b"\x02") + 1
    # Whatever came before, the next good frame is read.
    assert parser.feed(RDM6300_FRAME) == ["62E3086CED"]


@settings(deadline=None)  # a loaded 2-core CI machine must not make it flaky
@given(st.binary(max_size=200), st.sampled_from(["line", "em4100"]))
def test_random_bytes_through_the_adapter_never_raise(data: bytes, fmt: str) -> None:
    bus = EventBus()
    reader = SerialReader.from_url(DeviceUrl.parse(f"serial:///dev/null?format={fmt}"))
    reader._bus = bus
    seen = Recorder(bus, CardTapped)
    reader.handle(data)
    for event in seen.of(CardTapped):
        assert event.uid is not None


def test_same_card_held_is_one_tap() -> None:
    bus = EventBus()
    reader = SerialReader("r", "/dev/null", fmt="em4100", hold=0.5)
    reader._bus = bus
    now = [100.0]
    reader.debounce.clock = lambda: now[0]
    seen = Recorder(bus, CardTapped)
    for _ in range(5):  # an RDM6300 repeats the frame every ~0.1 s while the card is held
        reader.handle(RDM6300_FRAME)
        now[0] += 0.1
    now[0] += 1.0  # card taken away, tapped again
    reader.handle(RDM6300_FRAME)
    assert [e.uid for e in seen.of(CardTapped)] == ["62E3086CED", "62E3086CED"]
