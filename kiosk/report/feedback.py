"""Feedback: how patrons rated the kiosk, how that moved, and what they wrote (anonymous,
newest first)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from kiosk.report import charts
from kiosk.report.context import Context, Count, Mean, Table
from kiosk.report.section import Section

RATINGS = (5, 4, 3, 2, 1)


def build(ctx: Context) -> Section:
    section = Section("feedback", ctx.t("report.feedback.title"))
    span = [ctx.period.first.isoformat(), ctx.period.last.isoformat()]
    counts = dict(
        ctx.rows(
            "SELECT rating, count(*) FROM feedback WHERE day BETWEEN ? AND ? GROUP BY rating",
            span,
        )
    )
    total = sum(counts.values())
    section.has_data = total > 0
    if not total:
        section.notes.append(ctx.t("report.feedback.none"))
        return section
    mean = sum(r * n for r, n in counts.items()) / total
    section.tables.append(
        Table(
            "feedback_ratings",
            ctx.t("report.feedback.table_ratings"),
            (ctx.t("report.col.rating"), ctx.t("report.col.count")),
            tuple((r, Count(counts.get(r, 0))) for r in RATINGS),
        )
    )
    section.charts.append(
        charts.hbars(
            ctx,
            "feedback-ratings",
            ctx.t("report.feedback.chart_ratings"),
            ctx.t(
                "report.feedback.caption_ratings",
                mean=ctx.mean(Mean(mean, total)),
                count=ctx.count(total),
                top=ctx.share(counts.get(5, 0), total),
            ),
            [ctx.t(f"report.rating.{r}") for r in RATINGS],
            [counts.get(r, 0) for r in RATINGS],
        )
    )
    _trend(ctx, section, span)
    _comments(ctx, section, span)
    return section


def _trend(ctx: Context, section: Section, span: list[str]) -> None:
    weeks: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for day, n, rating_sum in ctx.rows(
        """SELECT day, count(*), sum(rating) FROM feedback WHERE day BETWEEN ? AND ?
           GROUP BY day""",
        span,
    ):
        d = date.fromisoformat(day)
        monday = max(d - timedelta(days=d.weekday()), ctx.period.first)
        weeks[monday][0] += n
        weeks[monday][1] += rating_sum
    ordered = sorted(weeks.items())
    means = [Mean(s / n, n) for _, (n, s) in ordered]
    section.tables.append(
        Table(
            "feedback_weeks",
            ctx.t("report.feedback.table_weeks"),
            (
                ctx.t("report.col.week_from"),
                ctx.t("report.col.entries"),
                ctx.t("report.col.mean_rating"),
            ),
            tuple((w, Count(n), m) for (w, (n, _)), m in zip(ordered, means, strict=True)),
        )
    )
    if len(ordered) < 2:
        return
    half = len(ordered) // 2
    first = [v for _, v in ordered[:half]]
    second = [v for _, v in ordered[half:]]
    first_mean = Mean(sum(s for _, s in first) / sum(n for n, _ in first), sum(n for n, _ in first))
    second_mean = Mean(
        sum(s for _, s in second) / sum(n for n, _ in second), sum(n for n, _ in second)
    )
    caption = ctx.t(
        "report.feedback.caption_trend",
        first=ctx.mean(first_mean),
        second=ctx.mean(second_mean),
    )
    limit = max(ctx.small_cell, 1)
    section.charts.append(
        charts.lines(
            ctx,
            "feedback-trend",
            ctx.t("report.feedback.chart_trend"),
            caption,
            [w for w, _ in ordered],
            [(ctx.t("report.col.mean_rating"), [m.value if m.n >= limit else None for m in means])],
            ylabel=ctx.t("report.col.mean_rating"),
            counts=False,
        )
    )


def _comments(ctx: Context, section: Section, span: list[str]) -> None:
    rows = ctx.rows(
        """SELECT day, rating, language, comment FROM feedback
           WHERE day BETWEEN ? AND ? AND comment IS NOT NULL AND trim(comment) <> ''
           ORDER BY day DESC, id DESC""",
        span,
    )
    if not rows:
        section.notes.append(ctx.t("report.feedback.no_comments"))
        return
    section.tables.append(
        Table(
            "feedback_comments",
            ctx.t("report.feedback.table_comments"),
            (
                ctx.t("report.col.day"),
                ctx.t("report.col.rating"),
                ctx.t("report.col.language"),
                ctx.t("report.col.comment"),
            ),
            tuple((date.fromisoformat(d), r, lang or "-", c) for d, r, lang, c in rows),
        )
    )
