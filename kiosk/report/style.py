"""The report's colours: the kiosk's default theme, so a printed report looks like the
kiosk it comes from.

The values are those of ``accessibility.theme.DEFAULT``; ``kiosk`` may not import
``accessibility`` (the import contract keeps the core free of the UI layers), so they
are named here and ``tests/unit/test_report_charts.py`` holds them equal to the theme.

Greyscale: the theme's strong colours have nearly the same lightness, so no chart tells
series apart by colour alone. Each series also has its own hatch, line style and marker,
light tints stand behind dark ones, and every bar carries its number.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Theme field -> colour, as in ``accessibility.theme.DEFAULT``.
THEME = {
    "background": "#FFFFFF",
    "surface": "#F1F4F8",
    "text": "#1A1A1A",
    "muted_text": "#505A66",
    "primary": "#0B5FA5",
    "focus_ring": "#A65200",
    "success": "#1B6E3A",
    "warning": "#8A4B00",
    "error": "#B00020",
    "secondary": "#DCE5EF",
    "selected": "#D6E8FA",
    "border": "#5F6B78",
}


@dataclass(frozen=True)
class SeriesStyle:
    colour: str
    hatch: str
    line: str
    marker: str


#: Styles for series 1, 2, 3 ... of one chart: each differs from the others without
#: colour (hatch, line style, marker).
SERIES = (
    SeriesStyle(THEME["primary"], "", "-", "o"),
    SeriesStyle(THEME["focus_ring"], "///", "--", "s"),
    SeriesStyle(THEME["success"], "...", ":", "^"),
    SeriesStyle(THEME["muted_text"], "xxx", "-.", "D"),
)

#: A light tint for what stands behind a series (capacity behind registrations).
BACKDROP = THEME["selected"]

#: The heat map runs from the background to the primary colour: lightness alone
#: carries the value, so it reads the same in greyscale.
HEAT_LOW = THEME["background"]
HEAT_HIGH = THEME["primary"]
