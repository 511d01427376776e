"""This week's activity per day as the staff screen's small chart shows it: one bar per
day and a caption that says the finding in one sentence.

Plain data (no Kivy): the screen draws it, the hub's staff pages can too. Small-cell
suppression holds here already, so whoever draws it cannot give a small count away: a
day with fewer than ``small_cell`` checkouts, returns and renewals is a band at the
limit's height written "< 5", and carries no exact count at all; the caption names a
busiest day only when its count may be written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kiosk import formatting
from kiosk.i18n import translate
from kiosk.report.context import written_count
from kiosk.report.figures import KeyFigures


@dataclass(frozen=True)
class DayBar:
    day: date
    #: The weekday under the bar ("Sen" / "Mon") and as spoken ("Senin" / "Monday").
    label: str
    name: str
    #: The count as written: "38", "0", or "< 5" for a suppressed day.
    value: str
    #: Height as a share (0-1) of the tallest bar the chart can draw.
    share: float
    #: A small cell: drawn as a band at the limit's height, never its own.
    suppressed: bool


@dataclass(frozen=True)
class DailyChart:
    bars: tuple[DayBar, ...]
    #: The finding in one sentence ("Busiest day: Tuesday, 38 checkouts, returns and
    #: renewals."), or that the week had no activity.
    caption: str
    #: Nothing happened: no chart is drawn, the caption says so.
    empty: bool

    def said(self) -> str:
        """Each day and its count as words ("Senin 12, Selasa < 5"), for speech."""
        return ", ".join(f"{bar.name} {bar.value}" for bar in self.bars)


def daily_chart(figures: KeyFigures, language: str) -> DailyChart:
    """The chart of ``figures.daily`` in ``language``."""
    limit = figures.small_cell
    counts = [count for _day, count in figures.daily]
    suppressed = [0 < count < limit for count in counts]
    # The scale: the tallest exact count, or the limit when a band is taller.
    top = max([c for c, s in zip(counts, suppressed, strict=True) if not s] + [0])
    if any(suppressed):
        top = max(top, limit)
    bars = tuple(
        DayBar(
            day=day,
            label=formatting.weekday(day.weekday(), language, "abbreviated"),
            name=formatting.weekday(day.weekday(), language),
            value=written_count(count, limit, language),
            share=(limit if small else count) / top if top else 0.0,
            suppressed=small,
        )
        for (day, count), small in zip(figures.daily, suppressed, strict=True)
    )
    return DailyChart(bars, _caption(figures, language), empty=not any(counts))


def _caption(figures: KeyFigures, language: str) -> str:
    limit = figures.small_cell
    counts = dict(figures.daily)
    if not any(counts.values()):
        return translate("report.week.caption_empty", language)
    best = max(counts.values())
    if best < limit:  # every day with activity is a small cell: no day stands out
        return translate("report.week.caption_few", language, limit=limit)
    days = [formatting.weekday(d.weekday(), language) for d, n in counts.items() if n == best]
    key = "report.week.caption_busiest" if len(days) == 1 else "report.week.caption_busiest_tie"
    return translate(
        key,
        language,
        days=formatting.word_list(days, language),
        count=written_count(best, limit, language),
    )
