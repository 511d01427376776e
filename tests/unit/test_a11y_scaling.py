"""ACCESSIBILITY.md rows: large text (capital I >= 4.8 mm at 1.5 and 2.0 on the
configured panel), touch targets >= 11.4 mm, and the clipping/overlap checks the UI
tests will apply to every label."""

from __future__ import annotations

import pytest

from accessibility.scaling import (
    LARGE_TEXT_CAP_MM,
    TEXT_SCALES,
    cap_height_mm,
    check_scale,
    font_px,
    font_sizes,
    is_clipped,
    mm_to_px,
    overlapping_pairs,
    overlaps,
    target_too_small,
    text_rect,
    touch_target_px,
)
from accessibility.theme import THEMES
from kiosk.config import Config, DisplaySection


def test_default_panel_density() -> None:
    display = Config().display
    assert display.px_per_mm == pytest.approx(5.188, abs=0.001)


def test_touch_target_on_the_7_inch_panel_is_60_px() -> None:
    assert touch_target_px(5.25) == 60
    assert touch_target_px(Config().display.px_per_mm) >= 11.4 * Config().display.px_per_mm
    assert not target_too_small((60, 60), 5.25)
    assert target_too_small((59, 80), 5.25)


@pytest.mark.parametrize("scale", [1.5, 2.0])
@pytest.mark.parametrize("theme", THEMES.values(), ids=lambda t: t.name)
def test_capital_i_is_large_enough_on_the_configured_panel(scale: float, theme) -> None:  # type: ignore[no-untyped-def]
    ppm = Config().display.px_per_mm
    for cap_mm in (theme.body_mm, theme.title_mm):
        size = font_px(cap_mm, scale, ppm)
        assert cap_height_mm(size, ppm) >= LARGE_TEXT_CAP_MM
        assert cap_height_mm(size, ppm) >= cap_mm * scale


@pytest.mark.parametrize(
    "display",
    [DisplaySection(), DisplaySection(width_px=1280, height_px=800, panel_width_mm=216.96)],
    ids=["7in-800x480", "10in-1280x800"],
)
def test_font_sizes_follow_the_panel(display: DisplaySection) -> None:
    theme = THEMES["default"]
    sizes = [font_sizes(theme, s, display.px_per_mm) for s in TEXT_SCALES]
    assert [s.scale for s in sizes] == list(TEXT_SCALES)
    assert sizes[0].body_px < sizes[1].body_px < sizes[2].body_px
    for size in sizes:
        assert size.small_px < size.body_px < size.heading_px < size.title_px
        assert size.body_px == font_px(theme.body_mm, size.scale, display.px_per_mm)
        # A control is a touch target high, and 1.9 body lines high once text is large.
        assert size.touch_px >= mm_to_px(11.4, display.px_per_mm)
        assert size.touch_px >= round(size.body_px * 1.9)
    assert sizes[0].touch_px == mm_to_px(11.4, display.px_per_mm)


def test_scales_are_the_configs_and_others_are_refused() -> None:
    from kiosk import config

    assert TEXT_SCALES is config.TEXT_SCALES  # one home
    with pytest.raises(ValueError, match="text scale"):
        check_scale(1.25)


def test_clipping_compares_texture_with_box() -> None:
    assert not is_clipped((100, 30), (100, 30))
    assert not is_clipped((100.4, 30), (100, 30))  # rounding
    assert is_clipped((101, 30), (100, 30))
    assert is_clipped((90, 31), (100, 30))
    assert is_clipped((95, 20), (100, 30), padding=(10, 0))
    assert not is_clipped((80, 20), (100, 30), padding=(10, 10))


def test_overlap_of_text_rectangles() -> None:
    assert overlaps((0, 0, 10, 10), (5, 5, 10, 10))
    assert not overlaps((0, 0, 10, 10), (10, 0, 10, 10))  # touching edges
    a = text_rect((0, 0), (100, 40), (60, 20))
    assert a == (20.0, 10.0, 60.0, 20.0)
    rects = [
        ("title", (0.0, 0.0, 50.0, 20.0)),
        ("body", (0.0, 25.0, 50.0, 20.0)),
        ("button", (40.0, 10.0, 30.0, 30.0)),
    ]
    assert overlapping_pairs(rects) == [("title", "button"), ("body", "button")]


def test_a_label_shrinks_to_the_next_size_that_fits_never_below_4_8_mm() -> None:
    from accessibility.scaling import cap_height_mm, fitting_px, large_text_min_px

    ppm = 800 / 154.2
    low = large_text_min_px(ppm)
    assert cap_height_mm(low, ppm) >= 4.8 > cap_height_mm(low - 1, ppm)

    def width_at(size: int) -> float:
        return size * 9.3  # a word of about 17 characters

    assert fitting_px(width_at, 1000, 56, low) == 56  # fits as it is
    size = fitting_px(width_at, 400, 56, low)
    assert size is not None and width_at(size) <= 400 < width_at(size + 1)
    assert fitting_px(width_at, 300, 56, low) is None  # even 4.8 mm is too wide
