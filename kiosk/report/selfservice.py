"""Self-service: checkouts, returns and renewals over time, the busy hours, and what
was refused and why. Everything from the anonymous usage counters."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from kiosk.circulation.usage import REFUSAL
from kiosk.i18n import catalogue
from kiosk.report import charts
from kiosk.report.context import Context, Count, Table
from kiosk.report.figures import SELF_SERVICE
from kiosk.report.section import Section

#: Periods longer than this are shown per week rather than per day.
DAILY_UP_TO_DAYS = 31
#: Refusal reasons drawn in the chart (the table lists them all).
CHART_REASONS = 10


def reason_label(ctx: Context, key: str) -> str:
    """A refusal reason in a few words (``report.reason.<key>``), else its key."""
    label = f"report.reason.{key}"
    return ctx.t(label) if label in catalogue(ctx.language) else key


def buckets(ctx: Context) -> list[tuple[date, date]]:
    """(first, last) day of each row: days, or weeks from Monday cut to the period."""
    days = ctx.period.days()
    if len(days) <= DAILY_UP_TO_DAYS:
        return [(d, d) for d in days]
    found: list[tuple[date, date]] = []
    start = days[0]
    while start <= ctx.period.last:
        end = min(start + timedelta(days=6 - start.weekday()), ctx.period.last)
        found.append((start, end))
        start = end + timedelta(days=1)
    return found


def build(ctx: Context) -> Section:
    section = Section("selfservice", ctx.t("report.selfservice.title"))
    span = [ctx.period.first.isoformat(), ctx.period.last.isoformat()]
    marks = ",".join("?" * len(SELF_SERVICE))
    per_day: dict[str, dict[str, int]] = defaultdict(dict)
    for day, action, count in ctx.rows(
        f"""SELECT day, action, sum(count) FROM usage_counters
            WHERE day BETWEEN ? AND ? AND action IN ({marks}) GROUP BY day, action""",
        [*span, *SELF_SERVICE],
    ):
        per_day[day][action] = count
    heat: dict[tuple[int, int], int] = defaultdict(int)
    for day, hour, count in ctx.rows(
        f"""SELECT day, hour, sum(count) FROM usage_counters
            WHERE day BETWEEN ? AND ? AND action IN ({marks}) AND hour IS NOT NULL
            GROUP BY day, hour""",
        [*span, *SELF_SERVICE],
    ):
        heat[(date.fromisoformat(day).weekday(), hour)] += count
    (no_hour_row,) = ctx.rows(
        f"""SELECT coalesce(sum(count), 0) AS n FROM usage_counters
            WHERE day BETWEEN ? AND ? AND action IN ({marks}) AND hour IS NULL""",
        [*span, *SELF_SERVICE],
    )
    no_hour = no_hour_row["n"]
    refusals = ctx.rows(
        """SELECT detail, sum(count) FROM usage_counters
           WHERE day BETWEEN ? AND ? AND action = ? GROUP BY detail ORDER BY 2 DESC, 1""",
        [*span, REFUSAL],
    )
    section.has_data = bool(per_day or refusals)
    if not per_day:
        section.notes.append(ctx.t("report.selfservice.none"))
    else:
        _over_time(ctx, section, per_day)
        if heat:
            _hours(ctx, section, heat)
        if no_hour:
            section.notes.append(ctx.t("report.selfservice.no_hour", count=ctx.count(no_hour)))
    if refusals:
        _refusals(ctx, section, refusals)
    elif per_day:
        section.notes.append(ctx.t("report.refusals.none"))
    return section


def _over_time(ctx: Context, section: Section, per_day: dict[str, dict[str, int]]) -> None:
    rows = []
    for first, last in buckets(ctx):
        totals = dict.fromkeys(SELF_SERVICE, 0)
        day = first
        while day <= last:
            for action, count in per_day.get(day.isoformat(), {}).items():
                totals[action] += count
            day += timedelta(days=1)
        rows.append((first, last, totals))
    daily = len(ctx.period.days()) <= DAILY_UP_TO_DAYS
    unit = "days" if daily else "weeks"
    names = [ctx.t(f"report.action.{a}") for a in SELF_SERVICE]
    headers = (ctx.t("report.col.day" if daily else "report.col.week_from"), *names)
    section.tables.append(
        Table(
            f"selfservice_{unit}",
            ctx.t(f"report.selfservice.table_{unit}"),
            headers,
            tuple((first, *(Count(t[a]) for a in SELF_SERVICE)) for first, _, t in rows),
        )
    )
    checkouts = {d: v.get("checkout", 0) for d, v in per_day.items()}
    best_day, best = max(sorted(checkouts.items()), key=lambda kv: kv[1])
    total = sum(checkouts.values())
    caption = ctx.t(
        "report.selfservice.caption_days",
        mean=ctx.number(total / len(ctx.period.days()), 1),
        day=ctx.day(date.fromisoformat(best_day), "EEEE d MMMM"),
        count=ctx.count(best),
    )
    if ctx.suppressed(total):  # an average would give the small total away
        caption = ctx.t("report.selfservice.caption_few", limit=ctx.small_cell)
    # Per day, averaged over each row's days: a week cut by the period's edge then
    # compares with the full weeks (the table keeps the totals).
    section.charts.append(
        charts.lines(
            ctx,
            f"selfservice-{unit}",
            ctx.t(f"report.selfservice.chart_{unit}"),
            caption,
            [first for first, _, _ in rows],
            [
                (n, [_per_day(ctx, t[a], first, last) for first, last, t in rows])
                for n, a in zip(names, SELF_SERVICE, strict=True)
            ],
            ylabel=ctx.t("report.axis.per_day"),
            counts=False,
        )
    )


def _per_day(ctx: Context, total: int, first: date, last: date) -> float | None:
    """The average per day of a row, or None (a gap) when its total is a small cell."""
    return None if ctx.suppressed(total) else total / ((last - first).days + 1)


def _hours(ctx: Context, section: Section, heat: dict[tuple[int, int], int]) -> None:
    hours = range(min(h for _, h in heat), max(h for _, h in heat) + 1)
    values = [[heat.get((wd, h), 0) for h in hours] for wd in range(7)]
    (weekday, hour), count = max(sorted(heat.items()), key=lambda kv: kv[1])
    caption = ctx.t(
        "report.selfservice.caption_hours",
        weekday=ctx.weekday(weekday),
        hours=ctx.hours(hour),
        count=ctx.count(count),
    )
    section.charts.append(
        charts.heatmap(
            ctx,
            "selfservice-hours",
            ctx.t("report.selfservice.chart_hours"),
            caption,
            [ctx.weekday(wd, "abbreviated") for wd in range(7)],
            [f"{h:02d}" for h in hours],
            values,
        )
    )
    section.tables.append(
        Table(
            "selfservice_hours",
            ctx.t("report.selfservice.table_hours"),
            (ctx.t("report.col.weekday"), *(f"{h:02d}:00" for h in hours)),
            tuple((ctx.weekday(wd), *(Count(v) for v in row)) for wd, row in enumerate(values)),
        )
    )


def _refusals(ctx: Context, section: Section, refusals: list[tuple[str, int]]) -> None:
    total = sum(c for _, c in refusals)
    key, count = refusals[0]
    caption = ctx.t(
        "report.refusals.caption",
        reason=reason_label(ctx, key),
        count=ctx.count(count),
        share=ctx.share(count, total),
        total=ctx.count(total),
    )
    shown = refusals[:CHART_REASONS]
    section.charts.append(
        charts.hbars(
            ctx,
            "refusals",
            ctx.t("report.refusals.chart"),
            caption,
            [reason_label(ctx, k) for k, _ in shown],
            [c for _, c in shown],
        )
    )
    section.tables.append(
        Table(
            "refusals",
            ctx.t("report.refusals.table"),
            (ctx.t("report.col.reason"), ctx.t("report.col.key"), ctx.t("report.col.count")),
            tuple((reason_label(ctx, k), k, Count(c)) for k, c in refusals),
        )
    )
