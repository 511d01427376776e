"""Events: registrations against capacity, and who came (check-ins at the event).

Registered counts the patrons who signed up beforehand; walk-ins were checked in at the
door without registering; attended counts everyone checked in (walk-ins included).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from kiosk.report import charts
from kiosk.report.context import Context, Count, Table
from kiosk.report.section import Section
from kiosk.timeutil import from_db

#: Up to this many events the chart shows each; beyond, one bar group per title.
CHART_EVENTS = 12


@dataclass(frozen=True)
class EventRow:
    starts_on: date
    title: str
    capacity: int | None
    registered: int
    attended: int
    registered_attended: int
    walk_ins: int


def build(ctx: Context) -> Section:
    section = Section("events", ctx.t("report.events.title"))
    start, end = ctx.period.utc_bounds(ctx.zone)
    rows = ctx.rows(
        """SELECT e.starts_at, e.title_id, e.title_en, e.capacity,
             count(r.id) FILTER (WHERE r.walk_in = 0),
             count(r.id) FILTER (WHERE r.attended_at IS NOT NULL),
             count(r.id) FILTER (WHERE r.walk_in = 0 AND r.attended_at IS NOT NULL),
             count(r.id) FILTER (WHERE r.walk_in = 1)
           FROM events e LEFT JOIN registrations r ON r.event_id = e.id
           WHERE e.cancelled = 0 AND e.starts_at >= ? AND e.starts_at < ?
           GROUP BY e.id ORDER BY e.starts_at, e.id""",
        [start, end],
    )
    events = [
        EventRow(
            from_db(starts_at).astimezone(ctx.zone).date(),
            title_id if ctx.language == "id" else title_en,
            *counts,
        )
        for starts_at, title_id, title_en, *counts in rows
    ]
    section.has_data = bool(events)
    if not events:
        section.notes.append(ctx.t("report.events.none"))
        return section
    section.tables.append(
        Table(
            "events",
            ctx.t("report.events.table"),
            (
                ctx.t("report.col.day"),
                ctx.t("report.col.event"),
                ctx.t("report.col.capacity"),
                ctx.t("report.col.registered"),
                ctx.t("report.col.attended"),
                ctx.t("report.col.walk_ins"),
            ),
            tuple(
                (
                    e.starts_on,
                    e.title,
                    e.capacity,
                    Count(e.registered),
                    Count(e.attended),
                    Count(e.walk_ins),
                )
                for e in events
            ),
        )
    )
    if not any(e.attended for e in events):
        section.notes.append(ctx.t("report.events.no_attendance"))
    _chart(ctx, section, events)
    return section


def _chart(ctx: Context, section: Section, events: list[EventRow]) -> None:
    limited = [e for e in events if e.capacity]
    fullest = max(limited, key=lambda e: e.registered / (e.capacity or 1), default=None)
    registered = sum(e.registered for e in events)
    came = sum(e.registered_attended for e in events)
    parts = []
    if fullest is not None:
        parts.append(
            ctx.t(
                "report.events.caption_fullest",
                event=fullest.title,
                registered=ctx.count(fullest.registered),
                capacity=ctx.number(fullest.capacity or 0),
            )
        )
    if any(e.attended for e in events):
        parts.append(
            ctx.t(
                "report.events.caption_came",
                share=ctx.share(came, registered),
                walk_ins=ctx.count(sum(e.walk_ins for e in events)),
            )
        )
    caption = " ".join(parts) or ctx.t(
        "report.events.caption_count", events=ctx.number(len(events))
    )
    if len(events) <= CHART_EVENTS:
        labels = [f"{ctx.day(e.starts_on, 'd MMM')} {e.title}" for e in events]
        groups = [(e.capacity, e.registered, e.attended) for e in events]
        title = ctx.t("report.events.chart")
    else:
        merged: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for e in events:
            merged[e.title][0] += e.capacity or 0
            merged[e.title][1] += e.registered
            merged[e.title][2] += e.attended
        labels = list(merged)
        groups = [(v[0] or None, v[1], v[2]) for v in merged.values()]
        title = ctx.t("report.events.chart_titles")
    section.charts.append(
        charts.grouped_bars(
            ctx,
            "events",
            title,
            caption,
            labels,
            [
                (ctx.t("report.col.registered"), [g[1] for g in groups]),
                (ctx.t("report.col.attended"), [g[2] for g in groups]),
            ],
            backdrop=(ctx.t("report.col.capacity"), [g[0] for g in groups]),
        )
    )
