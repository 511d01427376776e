"""Reading G-code: slicer thumbnails (PNG, QOI, JPG), estimates in each slicer's words,
an outline drawn from the moves, and which estimate wins."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from kiosk.config import PrintingSection
from kiosk.ports import PrintFile
from kiosk.printing.estimate import estimate
from kiosk.printing.gcode import (
    GcodeInfo,
    outline_png,
    parse_duration,
    read_info,
)
from tests.support import gcode as samples


def test_prusaslicer_thumbnails_and_estimates_at_the_end(tmp_path: Path) -> None:
    blocks = samples.thumbnail_block(samples.png(16, 16), 16, 16) + samples.thumbnail_block(
        samples.png(220, 124), 220, 124
    )
    path = tmp_path / "cube.gcode"
    path.write_text(samples.prusaslicer(blocks))
    info = read_info(path)
    assert [(t.width, t.height, t.format) for t in info.thumbnails] == [
        (16, 16, "png"),
        (220, 124, "png"),
    ]
    assert info.thumbnails[1].data == samples.png(220, 124)
    assert info.estimated_seconds == 3723  # normal mode, not silent
    assert info.filament_mm == pytest.approx(1234.56)
    assert info.filament_g == pytest.approx(3.68)
    assert info.thumbnail(max_width=100) == info.thumbnails[0]
    assert info.thumbnail() == info.thumbnails[1]
    assert info.thumbnail(max_width=8) == info.thumbnails[0]  # none fits: the smallest


def test_estimates_far_from_the_head_are_found_in_the_tail(tmp_path: Path) -> None:
    moves = samples.square_moves(layers=20) * 400  # ~1.4 MB between head and estimates
    path = tmp_path / "big.gcode"
    path.write_text(samples.prusaslicer(moves=moves))
    assert path.stat().st_size > 1_000_000
    assert read_info(path).estimated_seconds == 3723


def test_orcaslicer_and_cura_words() -> None:
    orca = read_info(samples.orcaslicer().encode())
    assert (orca.estimated_seconds, orca.filament_mm) == (45 * 60 + 30, 500.0)
    cura = read_info(samples.cura().encode())
    assert (cura.estimated_seconds, cura.filament_mm) == (3723, 1730.0)
    assert cura.thumbnails == ()


def test_qoi_and_jpg_thumbnails_become_png() -> None:
    text = samples.thumbnail_block(samples.qoi(8, 6), 8, 6, "_QOI") + samples.thumbnail_block(
        samples.jpg(10, 10), 10, 10, "_JPG"
    )
    info = read_info(samples.orcaslicer(text).encode())
    assert [t.format for t in info.thumbnails] == ["qoi", "jpg"]
    with Image.open(io.BytesIO(info.thumbnails[0].png())) as image:
        assert image.format == "PNG" and image.size == (8, 6)
        assert image.convert("RGB").getpixel((3, 3)) == (10, 200, 10)
    with Image.open(io.BytesIO(info.thumbnails[1].png())) as image:
        assert image.size == (10, 10)


def test_broken_thumbnail_blocks_are_skipped() -> None:
    good = samples.thumbnail_block(samples.png(4, 4), 4, 4)
    wrong_length = good.replace(" 4x4 ", " 4x4 1", 1)
    not_base64 = samples.thumbnail_block(samples.png(5, 5), 5, 5).replace("; i", "; *", 1)
    cut_short = "; thumbnail begin 6x6 999\n; iVBORw0KGgo\nG28\n"
    lying = samples.thumbnail_block(b"GIF89a" + b"\0" * 20, 7, 7)  # not the PNG it claims
    text = wrong_length + not_base64 + cut_short + lying + good
    info = read_info(samples.cura(text).encode())
    assert [(t.width, t.height) for t in info.thumbnails] == [(4, 4)]
    broken_qoi = samples.thumbnail_block(b"qoif" + b"\0" * 4, 2, 2, "_QOI")
    thumbnail = read_info(broken_qoi.encode()).thumbnails[0]
    with pytest.raises(ValueError, match="qoi thumbnail cannot be decoded"):
        thumbnail.png()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1h 2m 3s", 3723), ("45m", 2700), ("1d 0h 0m 10s", 86410), ("12s", 12), ("soon", None)],
)
def test_durations(text: str, seconds: int | None) -> None:
    assert parse_duration(text) == seconds


def test_outline_is_drawn_from_the_extruding_moves() -> None:
    data = samples.cura().encode()  # no thumbnail
    png = outline_png(data, size=100)
    assert png is not None
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (100, 100) and image.mode == "RGBA"
        alpha = image.getchannel("A")
        assert alpha.getpixel((50, 50)) == 0  # a hollow square: nothing in the middle
        box = alpha.getbbox()
    assert box is not None
    left, top, right, bottom = box
    assert left <= 6 and top <= 6 and right >= 94 and bottom >= 94  # fills the square
    assert outline_png(b"G28\nG1 X10 Y10 F3000\n") is None  # travel only: no outline


def test_outline_follows_relative_moves_and_g92() -> None:
    relative = "G91\nM83\nG1 X10 E1\nG1 Y10 E1\nG1 X-10 E1\nG1 Y-10 E1\n"
    reset = "G90\nM82\nG92 E0\nG1 X0 Y0\nG1 X10 Y0 E1\nG92 E0\nG1 X10 Y10 E0.5\n"
    for text in (relative, reset):
        png = outline_png(text.encode(), size=50)
        assert png is not None
        with Image.open(io.BytesIO(png)) as image:
            assert image.getchannel("A").getbbox() is not None


def test_estimate_prefers_the_slicer_then_the_host() -> None:
    printing = PrintingSection()
    slicer = GcodeInfo(estimated_seconds=600, filament_mm=1000.0)
    host = PrintFile(path="a.gcode", name="a.gcode", estimated_seconds=900, filament_mm=1200.0)
    assert estimate(slicer, host).source == "slicer"
    best = estimate(GcodeInfo(), host)
    assert (best.seconds, best.filament_mm, best.source) == (900, 1200.0, "host")
    assert best.filament_g(printing) == pytest.approx(3.6, abs=0.05)
    assert estimate().source == "none" and estimate().filament_g(printing) is None
