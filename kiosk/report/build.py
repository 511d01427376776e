"""A report of one period: the key figures and every section, ready to write."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.report import accessibility, events, feedback, makerspace, selfservice, surveys
from kiosk.report.context import Context, Count, Mean, Period, Table
from kiosk.report.figures import KeyFigures, key_figures
from kiosk.report.section import Section

#: The sections, in the order the report shows them.
SECTIONS: tuple[Callable[[Context], Section], ...] = (
    selfservice.build,
    makerspace.build,
    events.build,
    feedback.build,
    accessibility.build,
    surveys.build,
)


@dataclass
class Report:
    context: Context
    figures: KeyFigures
    summary: Table
    sections: list[Section]
    generated_at: datetime

    @property
    def period(self) -> Period:
        return self.context.period


def parse_period(first: str, last: str) -> Period:
    """Raises ``report.bad_date`` or ``report.range_reversed``."""
    days = []
    for text in (first, last):
        try:
            days.append(date.fromisoformat(text.strip()))
        except ValueError:
            raise DomainError("report.bad_date", date=text) from None
    if days[1] < days[0]:
        # As staff typed them (--from, --to), not as the report writes dates.
        raise DomainError(
            "report.range_reversed", first=days[0].isoformat(), last=days[1].isoformat()
        )
    return Period(days[0], days[1])


def build(
    conn: sqlite3.Connection,
    config: Config,
    period: Period,
    language: str,
    generated_at: datetime,
    small_cell: int | None = None,
) -> Report:
    """Every section of ``period``. Raises ``report.empty`` when the period holds no
    usage, booking, event, feedback or survey answer at all."""
    ctx = Context(
        conn,
        config,
        period,
        language,
        config.report.small_cell if small_cell is None else small_cell,
    )
    sections = [make(ctx) for make in SECTIONS]
    if not any(s.has_data for s in sections):
        raise DomainError(
            "report.empty", first=period.first.isoformat(), last=period.last.isoformat()
        )
    figures = key_figures(conn, config, period)
    return Report(ctx, figures, summary(ctx, figures), sections, generated_at)


def summary(ctx: Context, f: KeyFigures) -> Table:
    rows: list[tuple[str, Count | Mean]] = [
        (ctx.t("report.summary.sign_ins"), Count(f.sign_ins)),
        (ctx.t("report.action.checkout"), Count(f.checkouts)),
        (ctx.t("report.action.return"), Count(f.returns)),
        (ctx.t("report.action.renew"), Count(f.renewals)),
        (ctx.t("report.summary.refusals"), Count(f.refusals)),
        (ctx.t("report.summary.bookings"), Count(f.bookings)),
        (ctx.t("report.summary.no_shows"), Count(f.no_shows)),
        (ctx.t("report.summary.registrations"), Count(f.registrations)),
        (ctx.t("report.summary.attended"), Count(f.attended)),
        (ctx.t("report.summary.feedback"), Count(f.feedback)),
        (ctx.t("report.col.mean_rating"), Mean(f.mean_rating or 0.0, f.feedback)),
        (ctx.t("report.summary.survey_responses"), Count(f.survey_responses)),
    ]
    return Table(
        "summary",
        ctx.t("report.summary.title"),
        (ctx.t("report.col.figure"), ctx.t("report.col.value")),
        tuple(rows),
    )
