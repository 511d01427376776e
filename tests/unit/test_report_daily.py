"""The staff screen's week chart as data (kiosk/report/daily.py): bars proportional to
each day's count, small cells as a band at the limit that carries no count, and the
caption's finding in both languages (busiest day, a tie, only small days, nothing)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

import pytest

from kiosk.report.daily import daily_chart
from kiosk.report.figures import KeyFigures

MONDAY = date(2026, 11, 23)


def week(*counts: int, small_cell: int = 5) -> KeyFigures:
    """Figures whose days from MONDAY have ``counts`` (the rest are not looked at)."""
    return KeyFigures(
        first=MONDAY,
        last=MONDAY + timedelta(days=len(counts) - 1),
        sign_ins=0,
        checkouts=0,
        returns=0,
        renewals=0,
        refusals=0,
        bookings=0,
        no_shows=0,
        registrations=0,
        attended=0,
        feedback=0,
        mean_rating=None,
        survey_responses=0,
        daily=tuple((MONDAY + timedelta(days=n), c) for n, c in enumerate(counts)),
        small_cell=small_cell,
    )


def test_bars_are_proportional_and_small_days_are_a_band_without_their_count() -> None:
    chart = daily_chart(week(30, 3, 0, 7, 47, 4, 12), "en")
    assert [b.label for b in chart.bars] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert [b.value for b in chart.bars] == ["30", "< 5", "0", "7", "47", "< 5", "12"]
    assert [b.suppressed for b in chart.bars] == [False, True, False, False, False, True, False]
    assert [b.share for b in chart.bars] == pytest.approx(
        [30 / 47, 5 / 47, 0, 7 / 47, 1, 5 / 47, 12 / 47]
    )
    assert not chart.empty
    said = chart.said()
    assert said.startswith("Monday 30, Tuesday < 5, Wednesday 0")
    # The small days' counts (3 and 4) are nowhere: not said, not in their bars.
    assert not {int(n) for n in re.findall(r"\d+", said.replace("< 5", ""))} & {3, 4}
    for small in (chart.bars[1], chart.bars[5]):
        assert (small.value, small.share) == ("< 5", 5 / 47)
    assert chart.caption == "Busiest day: Friday, 47 checkouts, returns and renewals."


def test_caption_in_indonesian_with_grouped_numbers() -> None:
    chart = daily_chart(week(1200, 1250), "id")
    assert chart.caption == (
        "Hari tersibuk: Selasa, 1.250 peminjaman, pengembalian, dan perpanjangan."
    )
    assert [b.label for b in chart.bars] == ["Sen", "Sel"]
    assert chart.said() == "Senin 1.200, Selasa 1.250"


def test_a_tie_names_every_busiest_day() -> None:
    assert daily_chart(week(9, 2, 9), "en").caption == (
        "Busiest days: Monday and Wednesday, 9 checkouts, returns and renewals each."
    )
    assert daily_chart(week(9, 2, 9), "id").caption == (
        "Hari tersibuk: Senin dan Rabu, masing-masing 9 peminjaman, pengembalian, dan perpanjangan."
    )


def test_only_small_days_name_no_day_and_fill_the_scale_with_bands() -> None:
    chart = daily_chart(week(2, 0, 4), "en")
    assert chart.caption == ("Fewer than 5 checkouts, returns and renewals on every day this week.")
    assert [(b.value, b.share) for b in chart.bars] == [("< 5", 1.0), ("0", 0.0), ("< 5", 1.0)]
    assert daily_chart(week(2, 0, 4), "id").caption.startswith("Kurang dari 5 peminjaman")


def test_an_empty_week_says_so() -> None:
    for counts in ((0,), (0, 0, 0, 0, 0, 0, 0)):
        chart = daily_chart(week(*counts), "en")
        assert chart.empty and chart.caption == "No activity this week."
        assert all(b.share == 0 for b in chart.bars)
    assert daily_chart(week(0, 0), "id").caption == "Tidak ada aktivitas minggu ini."


def test_without_suppression_every_count_is_its_own() -> None:
    """``[report] small_cell = 0`` (a library that chose to show small counts)."""
    chart = daily_chart(replace(week(3, 6), small_cell=0), "en")
    assert [(b.value, b.suppressed, b.share) for b in chart.bars] == [
        ("3", False, 0.5),
        ("6", False, 1.0),
    ]
    assert chart.caption == "Busiest day: Tuesday, 6 checkouts, returns and renewals."
