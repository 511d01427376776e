"""The cap-height ratio the text scaling uses is the real one of Kivy's default font:
read from Roboto's own OS/2 and head tables (no Kivy window needed)."""

from __future__ import annotations

import importlib.util
import struct
from pathlib import Path

import pytest

from accessibility.scaling import CAP_HEIGHT_RATIO


def _tables(data: bytes) -> dict[bytes, int]:
    (count,) = struct.unpack(">H", data[4:6])
    out = {}
    for i in range(count):
        tag, _checksum, offset, _length = struct.unpack(">4sIII", data[12 + 16 * i : 28 + 16 * i])
        out[tag] = offset
    return out


def test_cap_height_ratio_is_robotos() -> None:
    # Found without importing Kivy (the unit tier stays Kivy-free).
    spec = importlib.util.find_spec("kivy")
    assert spec is not None
    assert spec.origin is not None
    font = Path(spec.origin).parent / "data" / "fonts" / "Roboto-Regular.ttf"
    data = font.read_bytes()
    tables = _tables(data)
    (units_per_em,) = struct.unpack(">H", data[tables[b"head"] + 18 : tables[b"head"] + 20])
    os2 = tables[b"OS/2"]
    (version,) = struct.unpack(">H", data[os2 : os2 + 2])
    assert version >= 2  # sCapHeight exists from OS/2 version 2
    (cap_height,) = struct.unpack(">h", data[os2 + 88 : os2 + 90])
    assert cap_height / units_per_em == pytest.approx(CAP_HEIGHT_RATIO, abs=0.005)
