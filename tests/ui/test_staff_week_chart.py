"""Issue 17, staff screen: this week's small chart of each day's checkouts, returns and
renewals, drawn in Kivy on the staff screen, with its finding in one sentence.

The database is filled here with known counts for each day of one week (split over
hours and mixed with actions the chart does not count); the expected bars are those
values, never the chart's own code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from accessibility.theme import DEFAULT, HIGH_CONTRAST, contrast
from tests.support.drawing import instructions
from tests.ui.conftest import UI, FixedClock, next_monday, ui_config

pytestmark = pytest.mark.ui

#: (day of the week, hour, action, count) inserted; Monday is 0.
ROWS = (
    (0, 9, "checkout", 12),
    (0, 14, "checkout", 8),
    (0, 15, "return", 10),
    (1, 10, "renew", 3),  # Tuesday: 3, a small cell
    (2, 11, "sign_in", 99),  # Wednesday: no checkout, return or renewal
    (2, 11, "refused", 6),
    (3, 9, "checkout", 7),
    (4, 9, "checkout", 40),
    (4, 12, "return", 5),
    (4, 16, "renew", 2),
    (5, 10, "return", 4),  # Saturday: 4, a small cell
    (6, 13, "checkout", 12),
)
#: What each day must show: the sums of the rows above, by hand.
EXPECTED = (30, 3, 0, 7, 47, 4, 12)
SMALL = (1, 5)  # the suppressed days' indexes


def _week(ui: UI, rows: tuple[tuple[int, int, str, int], ...]) -> date:
    """The app on a fresh demo database on a Sunday afternoon (a whole week so far),
    with ``rows`` as that week's only usage counters; returns the Monday."""
    config = ui_config()
    zone = ZoneInfo(config.kiosk.timezone)
    monday = next_monday(zone)
    ui.reopen(config, FixedClock(datetime.combine(monday + timedelta(days=6), time(15), zone)))
    with ui.store.transaction() as db:
        db.execute(
            "DELETE FROM usage_counters WHERE day BETWEEN ? AND ?",
            [monday.isoformat(), (monday + timedelta(days=6)).isoformat()],
        )
        for weekday, hour, action, count in rows:
            db.execute(
                "INSERT INTO usage_counters (day, hour, action, detail, count) "
                "VALUES (?, ?, ?, '', ?)",
                [(monday + timedelta(days=weekday)).isoformat(), hour, action, count],
            )
    return monday


def _sql_per_day(ui: UI, monday: date) -> list[int]:
    """Each day's checkouts, returns and renewals, counted here with SQL."""
    found = []
    for n in range(7):
        row = ui.store.conn.execute(
            "SELECT coalesce(sum(count), 0) FROM usage_counters "
            "WHERE day = ? AND action IN ('checkout', 'return', 'renew')",
            [(monday + timedelta(days=n)).isoformat()],
        ).fetchone()
        found.append(int(row[0]))
    return found


def _bars(chart: Any) -> list[Any]:
    from screens.day_chart import DayBar

    return [w for w in reversed(chart.children) if isinstance(w, DayBar)]


def _texts(widget: Any) -> list[str]:
    from kivy.uix.label import Label

    return [w.text for w in widget.walk(restrict=True) if isinstance(w, Label) and w.text]


def _drawn(bar: Any) -> list[Any]:
    """What the day's row draws over its plot: a Color, then the bar or the band."""
    return list(instructions(bar.canvas.after))


def _drawn_bar(bar: Any) -> tuple[tuple[float, ...], tuple[float, float]] | None:
    """The colour and size of the solid bar drawn, or None (no solid bar)."""
    from kivy.graphics import Color, Rectangle

    colour: tuple[float, ...] = ()
    for instruction in _drawn(bar):
        if isinstance(instruction, Color):
            colour = tuple(instruction.rgba)
        elif isinstance(instruction, Rectangle):
            return colour, tuple(instruction.size)  # type: ignore[return-value]
    return None


@pytest.fixture
def staff_week(ui: UI) -> Iterator[tuple[UI, date]]:
    monday = _week(ui, ROWS)
    ui.app.speech.set_speech_mode(True, announce=False)
    try:
        ui.sign_in("staff")
        ui.settle()
        assert ui.app.current == "staff"
        yield ui, monday
    finally:
        ui.app.speech.set_speech_mode(False, announce=False)
        ui.app.settings.set_theme("default")
        ui.app.settings.set_text_scale(1.0)


def test_bars_are_proportional_to_each_day_s_count(staff_week: tuple[UI, date]) -> None:
    ui, monday = staff_week
    assert _sql_per_day(ui, monday) == list(EXPECTED)
    chart = ui.screen.ids.week_chart
    bars = _bars(chart)
    # One bar per day, Monday first, each under its short weekday name.
    assert [b.label for b in bars] == ["Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"]
    ui.reveal(chart)
    ui.frames(3)
    # The longest bar (Friday, 47) leaves room only for its count after it.
    room = bars[4].ids.plot.width - chart.value_width
    unit = bars[4].bar_width / 47
    assert bars[4].bar_width == pytest.approx(room, abs=float(ui.app.gap_px))
    primary = ui.app.rgba(ui.app.theme.primary)
    for n, (bar, count) in enumerate(zip(bars, EXPECTED, strict=True)):
        if n in SMALL:
            continue
        assert bar.value == str(count)
        assert bar.bar_width == pytest.approx(unit * count, abs=0.5), (n, count)
        drawn = _drawn_bar(bar)
        if not count:
            assert drawn is None  # nothing drawn, not an invisible bar
            continue
        assert drawn is not None
        colour, size = drawn
        assert size[0] == pytest.approx(unit * count, abs=0.5)
        assert colour == pytest.approx(primary)  # the theme's colour, solid
    assert bars[2].bar_width == 0 and bars[2].value == "0"


def test_a_small_day_is_a_band_at_the_limit_and_never_its_count(
    staff_week: tuple[UI, date],
) -> None:
    ui, _monday = staff_week
    limit = ui.kiosk.config.report.small_cell
    assert limit == 5
    chart = ui.screen.ids.week_chart
    bars = _bars(chart)
    unit = bars[4].bar_width / 47
    text = ui.app.rgba(ui.app.theme.text)
    for n in SMALL:
        bar = bars[n]
        assert bar.suppressed and bar.value == "< 5"
        # At the limit's length, whatever the count below it (3 and 4 look the same).
        assert bar.bar_width == pytest.approx(unit * limit, abs=0.5)
        assert bar.ids.value.text == "< 5"
        # An outline with hatching in the text colour, no solid fill: another shape.
        from kivy.graphics import Color, Line

        assert _drawn_bar(bar) is None
        outline, hatch = [i for i in _drawn(bar) if isinstance(i, Line)]
        assert outline.rectangle == (bar.bar_x, bar.bar_y, bar.bar_width, bar.bar_height)
        xs, ys = hatch.points[0::2], hatch.points[1::2]
        assert len(xs) >= 2 and xs[0] == bar.bar_x and xs[-1] == bar.bar_x + bar.bar_width
        assert all(bar.bar_y <= y <= bar.bar_y + bar.bar_height for y in ys)
        assert [tuple(i.rgba) for i in _drawn(bar) if isinstance(i, Color)] == [text]
    assert bars[1].bar_width == bars[5].bar_width
    # No exact small count anywhere: not in the chart's labels, its bars' properties,
    # what it says, the caption, or any text on the staff screen.
    written = [*_texts(chart), *(b.value for b in bars), chart.said, ui.screen.week_caption]
    for text_ in written:
        numbers = {int(n) for n in re.findall(r"\d+", text_.replace("< 5", ""))}
        assert not numbers & {3, 4}, text_
    numbers = {int(n) for n in re.findall(r"\d+", chart.said.replace("< 5", ""))}
    assert numbers == {30, 0, 7, 47, 12}
    assert "Selasa < 5" in chart.said and "Sabtu < 5" in chart.said


def test_caption_says_the_busiest_day_in_both_languages(staff_week: tuple[UI, date]) -> None:
    ui, _monday = staff_week
    screen = ui.screen
    assert screen.ids.week_caption.text == (
        "Hari tersibuk: Jumat, 47 peminjaman, pengembalian, dan perpanjangan."
    )
    ui.app.settings.set_language("en")
    ui.frames(3)
    assert screen.ids.week_caption.text == (
        "Busiest day: Friday, 47 checkouts, returns and renewals."
    )
    assert [b.label for b in _bars(screen.ids.week_chart)][:2] == ["Mon", "Tue"]
    assert screen.ids.week_chart.said.startswith("Monday 30, Tuesday < 5, Wednesday 0")


def test_caption_is_spoken_with_the_figures_and_the_chart_is_one_keypad_item(
    staff_week: tuple[UI, date],
) -> None:
    from screens.keypad import focusables

    ui, _monday = staff_week
    screen = ui.screen
    said = " ".join(t for t, _ in ui.kiosk.speaker.spoken)  # type: ignore[union-attr]
    assert screen.week_title in said
    assert screen.ids.week_caption.text in said
    assert said.index(screen.week_title) < said.index(screen.ids.week_caption.text)
    names = [item.text_of("name") for item in focusables(screen, ui.app)]
    assert screen.ids.week_chart.said in names  # every day and its count, one item
    assert screen.ids.week_caption.text in names
    assert not any(name in ("Sen", "< 5", "47") for name in names)  # not 14 stray labels


@pytest.mark.parametrize("theme", ["default", "high_contrast"])
def test_the_chart_fits_the_panel_at_every_text_size(
    staff_week: tuple[UI, date], theme: str
) -> None:
    """800x480, text sizes 1.0, 1.5 and 2.0: the chart and its caption, scrolled into
    view, lie whole in the window and in their scrolling list; no label in them is cut
    or overlaps another, every count is shown; bars stay inside the chart."""
    from kivy.core.window import Window

    from accessibility.kivy_focus import clipped_labels, overlapping_labels, window_rect

    ui, _monday = staff_week
    assert Window.size == (800, 480)
    ui.app.settings.set_theme(theme)
    screen = ui.screen
    for scale in (1.0, 1.5, 2.0):
        ui.app.settings.set_text_scale(scale)
        ui.frames(4)
        # The widgets, not the ids' weak proxies (the checks compare ancestors by identity).
        chart, caption = screen.ids.week_chart.__self__, screen.ids.week_caption.__self__
        for widget in (chart, caption):
            ui.reveal(widget)
            ui.frames(3)
            x, y, w, h = window_rect(widget)
            assert x >= -0.5 and x + w <= 800.5 and y >= -0.5 and y + h <= 480.5, (scale, widget)
            assert _visible_in_scroll_views(widget), (scale, widget)
        assert chart.height > ui.app.small_px * 3  # really drawn, at this size
        ours = {id(w) for w in chart.walk(restrict=True)} | {id(caption)}
        assert [lb.text for lb in clipped_labels(screen) if id(lb) in ours] == [], scale
        assert overlapping_labels(screen) == [], scale
        _whole(chart, scale)


def test_bars_and_hatching_keep_their_contrast_in_greyscale() -> None:
    """The solid bars against the chart's surface and the outline and hatching of a
    small day are non-text graphics (WCAG 1.4.11: 3:1), in luminance, so greyscale too."""
    for theme in (DEFAULT, HIGH_CONTRAST):
        assert contrast(theme.primary, theme.surface) >= 3, theme.name
        assert contrast(theme.text, theme.surface) >= 4.5, theme.name


def test_an_empty_week_says_so_instead_of_an_empty_chart(ui: UI) -> None:
    _week(ui, ((2, 11, "sign_in", 9),))  # visits, but no checkout, return or renewal
    ui.sign_in("staff")
    ui.settle()
    screen = ui.screen
    chart = screen.ids.week_chart
    assert _bars(chart) == [] and chart.height == 0 and chart.opacity == 0
    assert screen.ids.week_caption.text == "Tidak ada aktivitas minggu ini."
    ui.app.settings.set_language("en")
    ui.frames(3)
    assert screen.ids.week_caption.text == "No activity this week."


@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_five_digit_counts_fit_beside_their_bars(ui: UI, scale: float) -> None:
    """A very busy week at the narrowest column (1.0) and the largest text (2.0): every
    count is shown whole after its bar, nothing overlaps."""
    from accessibility.kivy_focus import clipped_labels, overlapping_labels

    _week(ui, tuple((n, 10, "checkout", 12345 + n) for n in range(7)))
    ui.app.settings.set_text_scale(scale)
    try:
        ui.sign_in("staff")
        ui.settle()
        screen = ui.screen
        chart = screen.ids.week_chart.__self__
        ui.reveal(chart)
        ui.frames(4)
        assert [b.ids.value.text for b in _bars(chart)][-1] == "12.351"
        assert clipped_labels(chart) == [] and overlapping_labels(screen) == []
        _whole(chart, scale)
    finally:
        ui.app.settings.set_text_scale(1.0)


def _whole(chart: Any, scale: float) -> None:
    """Every day's row inside the chart, its bar and count inside the row, the count
    after the bar, never on it."""
    from accessibility.kivy_focus import window_rect

    cx, cy, cw, ch = window_rect(chart)
    for bar in _bars(chart):
        assert bar.ids.value.opacity == 1
        bx, by, bw, bh = window_rect(bar)
        assert cx <= bx and bx + bw <= cx + cw + 0.5 and cy <= by and by + bh <= cy + ch
        plot, value = bar.ids.plot, bar.ids.value
        assert plot.x <= bar.bar_x and bar.bar_x + bar.bar_width <= plot.right + 0.5, scale
        assert value.x >= bar.bar_x + bar.bar_width and value.right <= plot.right + 0.5, scale
        assert plot.y - 0.5 <= bar.bar_y and bar.bar_y + bar.bar_height <= plot.top + 0.5


def _visible_in_scroll_views(widget: Any) -> bool:
    """Whether ``widget`` lies whole inside every ScrollView around it (scrolled so)."""
    from kivy.uix.scrollview import ScrollView

    from accessibility.kivy_focus import window_rect

    x, y, w, h = window_rect(widget)
    node = widget.parent
    while node is not None and node is not node.parent:
        if isinstance(node, ScrollView):
            left, bottom = node.to_window(node.x, node.y)
            if not (
                left - 0.5 <= x
                and x + w <= left + node.width + 0.5
                and bottom - 0.5 <= y
                and y + h <= bottom + node.height + 0.5
            ):
                return False
        node = node.parent
    return True
