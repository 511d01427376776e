"""The report's charts: the kiosk's colours, readable in greyscale, drawn headless."""

from __future__ import annotations

import itertools
import os
import sqlite3
import subprocess
import sys
from datetime import date

from accessibility.theme import DEFAULT, luminance
from kiosk import config as config_module
from kiosk.report import charts
from kiosk.report.context import Context, Period
from kiosk.report.style import BACKDROP, HEAT_HIGH, HEAT_LOW, SERIES, THEME


def test_the_colours_are_the_kiosks_default_theme() -> None:
    colours = DEFAULT.colours()
    assert {name: colours[name] for name in THEME} == THEME


def test_series_differ_without_colour() -> None:
    for a, b in itertools.combinations(SERIES, 2):
        assert a.hatch != b.hatch and a.line != b.line and a.marker != b.marker
    # Tints stand well apart from the strong colours in lightness (greyscale).
    for style in SERIES:
        assert luminance(BACKDROP) - luminance(style.colour) > 0.5
    assert luminance(HEAT_LOW) - luminance(HEAT_HIGH) > 0.8


def test_charts_need_no_display_and_hide_small_counts() -> None:
    config = config_module.parse(config_module.default_config_text(), "<test>")
    ctx = Context(
        sqlite3.connect(":memory:"), config, Period(date(2026, 11, 1), date(2026, 11, 7)), "id", 5
    )
    chart = charts.hbars(ctx, "t", "Judul", "Temuan.", ["a", "b"], [3, 40])
    assert chart.png.startswith(b"\x89PNG") and b"<svg" in chart.svg
    assert (chart.name, chart.title, chart.caption) == ("t", "Judul", "Temuan.")
    assert charts._shown(ctx, [3, 40, 0]) == [0.0, 40, 0]  # the 3 is not drawn to scale


def test_drawing_uses_no_pyplot_and_no_display() -> None:
    code = (
        "import sys, sqlite3; from datetime import date;"
        "from kiosk import config as c; from kiosk.report import charts;"
        "from kiosk.report.context import Context, Period;"
        "cfg = c.parse(c.default_config_text());"
        "ctx = Context(sqlite3.connect(':memory:'), cfg, Period(date(2026,1,1), date(2026,1,2)),"
        " 'en', 5);"
        "charts.heatmap(ctx, 'h', 'T', 'C', ['Mon'], ['08'], [[7]]);"
        "assert 'matplotlib.pyplot' not in sys.modules"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)
