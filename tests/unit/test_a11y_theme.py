"""ACCESSIBILITY.md rows: text contrast; focus ring and icons contrast; colour is never
the only cue."""

from __future__ import annotations

import itertools

import pytest

from accessibility.states import STATE_STYLES, greyscale
from accessibility.theme import (
    DARK,
    DEFAULT,
    HIGH_CONTRAST,
    THEMES,
    Theme,
    contrast,
    rgba,
    theme_named,
)
from kiosk.config import THEME_NAMES

#: The text contrast each theme must reach (WCAG 1.4.3 AA / 1.4.6 AAA).
TEXT_MINIMUM = {"default": 4.5, "dark": 4.5, "high_contrast": 7.0}


def test_formula_matches_the_check_values() -> None:
    assert round(contrast("#767676", "#FFFFFF"), 2) == 4.54
    assert round(contrast("#595959", "#FFFFFF"), 1) == 7.0
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#FFFFFF", "#000000") == contrast("#000000", "#FFFFFF")


def test_config_names_every_theme() -> None:
    assert set(THEMES) == set(THEME_NAMES)
    assert theme_named("no-such-theme") is DEFAULT


@pytest.mark.parametrize("theme", THEMES.values(), ids=lambda t: t.name)
def test_every_text_pair_has_enough_contrast(theme: Theme) -> None:
    low = [
        (name, round(contrast(fg, bg), 2))
        for name, fg, bg in theme.pairs()
        if contrast(fg, bg) < TEXT_MINIMUM[theme.name]
    ]
    assert low == [], f"{theme.name}: below {TEXT_MINIMUM[theme.name]}:1"


def test_high_contrast_reaches_seven_to_one() -> None:
    assert min(contrast(fg, bg) for _, fg, bg in HIGH_CONTRAST.pairs()) >= 7.0


@pytest.mark.parametrize("theme", THEMES.values(), ids=lambda t: t.name)
def test_focus_ring_icons_and_borders_reach_three_to_one(theme: Theme) -> None:
    low = [
        (name, round(contrast(c, n), 2))
        for name, c, n in theme.non_text_pairs()
        if contrast(c, n) < 3.0
    ]
    assert low == []
    names = {name for name, _, _ in theme.non_text_pairs()}
    assert {"focus ring on background", "icon on background"} <= names


@pytest.mark.parametrize("theme", THEMES.values(), ids=lambda t: t.name)
def test_every_colour_of_the_theme_is_a_valid_rgb(theme: Theme) -> None:
    colours = theme.colours()
    assert {"background", "text", "focus_ring", "icon", "selected"} <= set(colours)
    for value in colours.values():
        r, g, b, a = rgba(value)
        assert min(r, g, b) >= 0
        assert max(r, g, b) <= 1
        assert a == 1


@pytest.mark.parametrize("theme", THEMES.values(), ids=lambda t: t.name)
def test_states_differ_in_more_than_colour(theme: Theme) -> None:
    """In greyscale (colour removed) every two states still differ in prefix, mark,
    spoken label or border."""
    for a, b in itertools.combinations(STATE_STYLES.values(), 2):
        assert a.cues() != b.cues(), f"{a.state} and {b.state} differ only by colour"
    # And the non-normal states carry a label that is shown and spoken.
    for state in ("error", "selected", "disabled"):
        assert STATE_STYLES[state].label_key.startswith("a11y.state.")
    # Their colours are readable in that theme too.
    for style in STATE_STYLES.values():
        fg, bg = style.colours(theme)
        assert contrast(fg, bg) >= TEXT_MINIMUM[theme.name]


def test_error_is_not_only_red_in_greyscale() -> None:
    """The default theme's error text and normal text may look alike in greyscale: the
    alert mark and the thicker border are what set an error apart (no "!" glyph in the
    text: issue 14)."""
    error, normal = STATE_STYLES["error"], STATE_STYLES["normal"]
    assert error.mark == "alert" and normal.mark == "none"
    assert not error.text_prefix and not normal.text_prefix
    assert error.border_mm >= 2 * normal.border_mm
    assert greyscale("#FFFFFF") == 255
    assert greyscale("#000000") == 0
    assert abs(greyscale("#767676") - 0x76) <= 1


def test_themes_keep_the_original_fields() -> None:
    for theme in (DEFAULT, HIGH_CONTRAST, DARK):
        assert theme.body_mm > 0
        assert theme.title_mm > theme.body_mm
