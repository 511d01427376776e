"""What every part of a report shares: the period, the language, the database and the
one way numbers, dates and small counts are written.

Small-cell suppression lives here (:meth:`Context.count`): a count of people or actions
below ``[report] small_cell`` is written "< 5", in tables, CSV files, captions and chart
labels alike, and a share computed from such a count is not written at all.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from kiosk import formatting
from kiosk.config import Config
from kiosk.i18n import translate
from kiosk.timeutil import to_db


def written_count(value: int, small_cell: int, language: str) -> str:
    """A count as the report and the staff screen write it: "< N" when it is above 0
    and below the small-cell limit ``N``, else the number grouped in ``language``."""
    if 0 < value < small_cell:
        return f"< {small_cell}"
    return formatting.number(value, language)


def written_mean(mean: float | None, n: int, small_cell: int, language: str) -> str:
    """A mean of ``n`` values as the report and the staff screen write it: to one
    decimal, "n < N" when ``n`` is below the small-cell limit, "-" without values."""
    if not n or mean is None:
        return "-"
    if n < small_cell:
        return f"n < {small_cell}"
    return formatting.number(mean, language, 1)


@dataclass(frozen=True)
class Period:
    """Local days ``first`` to ``last``, both included."""

    first: date
    last: date

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def utc_bounds(self, zone: ZoneInfo) -> tuple[str, str]:
        """[start, end) of the period as stored UTC text, for ``*_at`` columns."""
        start = datetime.combine(self.first, time(0), zone)
        end = datetime.combine(self.last + timedelta(days=1), time(0), zone)
        return to_db(start), to_db(end)


@dataclass(frozen=True)
class Count:
    """A count of people or actions: written "< N" when below the small-cell limit."""

    value: int


@dataclass(frozen=True)
class Mean:
    """An average of ``n`` values: not written when ``n`` is below the limit."""

    value: float
    n: int


@dataclass(frozen=True)
class Total:
    """A sum of a measure over ``n`` records (the filament of ``n`` prints): not written
    when ``n`` is below the limit, as a mean is not (it would tell of those few)."""

    value: float
    n: int


#: A table cell: text, a date, a measure (hours, percent as a 0-1 share), or a count.
Cell = str | date | int | float | Count | Mean | Total | None


@dataclass(frozen=True)
class Table:
    """One table of the report: an HTML table and a CSV file ``<name>.csv``."""

    name: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    #: Which columns are shares (0-1) to be written as percentages.
    percent_columns: frozenset[int] = frozenset()


@dataclass
class Context:
    conn: sqlite3.Connection
    config: Config
    period: Period
    language: str
    small_cell: int
    zone: ZoneInfo = field(init=False)

    def __post_init__(self) -> None:
        self.zone = ZoneInfo(self.config.kiosk.timezone)

    def rows(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[Any]:
        return self.conn.execute(sql, params).fetchall()

    # -- words ------------------------------------------------------------------------
    def t(self, key: str, **params: Any) -> str:
        return translate(key, self.language, **params)

    def suppressed(self, value: int) -> bool:
        return 0 < value < self.small_cell

    def count(self, value: int) -> str:
        """A count as written: "< 5" below the limit (0 is written: nothing happened)."""
        return written_count(value, self.small_cell, self.language)

    def number(self, value: float, digits: int = 0) -> str:
        return formatting.number(value, self.language, digits)

    def percent(self, share: float, digits: int = 0) -> str:
        return formatting.percent(share, self.language, digits)

    def share(self, part: int, whole: int) -> str:
        """``part`` of ``whole`` as a percentage, or a word when ``part`` is a small
        cell (a percentage of a known whole would give the small count away)."""
        if whole <= 0:
            return self.percent(0)
        if self.suppressed(part):
            return self.t("report.share_few")
        return self.percent(part / whole, 1 if part / whole < 0.1 else 0)

    def few(self, n: int) -> bool:
        """Too few records for their mean or total to be written."""
        return n < max(self.small_cell, 1)

    def mean(self, mean: Mean | Total) -> str:
        """A mean (or a total) to one decimal, or why it is not written."""
        return written_mean(mean.value, mean.n, self.small_cell, self.language)

    def day(self, day: date, pattern: str = "EEE d MMM y") -> str:
        return str(format_date(day, pattern, locale=formatting.babel_locale(self.language)))

    def weekday(self, index: int, width: formatting.DayWidth = "wide") -> str:
        """Monday is 0."""
        return formatting.weekday(index, self.language, width)

    def hours(self, start: int) -> str:
        return f"{start:02d}:00–{(start + 1) % 24:02d}:00"

    def cell(self, value: Cell, percent: bool = False) -> str:
        """A cell as the HTML page writes it (in the report's language)."""
        if value is None:
            return "-"
        if isinstance(value, Count):
            return self.count(value.value)
        if isinstance(value, Mean | Total):
            return self.mean(value)
        if isinstance(value, date):
            return self.day(value)
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int):
            return self.number(value)
        if isinstance(value, float):
            return self.percent(value, 1) if percent else self.number(value, 1)
        return value

    def csv_cell(self, value: Cell, percent: bool = False) -> str:
        """A cell as the CSV file writes it: plain numbers (a dot for decimals, no
        grouping) for spreadsheets, and the same suppression as the page."""
        if value is None:
            return ""
        if isinstance(value, Count):
            return f"< {self.small_cell}" if self.suppressed(value.value) else str(value.value)
        if isinstance(value, Mean | Total):
            return "" if self.few(value.n) else f"{value.value:.1f}"
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, float):
            return f"{value * 100:.1f}" if percent else f"{value:.1f}"
        return str(value)
