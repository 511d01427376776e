"""The makerspace: how much of its open time each resource was booked, who came, the
busiest slots, and 3D prints.

Utilisation is booked hours / open hours: booked hours are the lengths of the bookings
that start in the period and were not cancelled (no-shows included: the slot was held);
open hours come from each resource's booking rules (opening hours, closed days). Print
jobs are read from the columns ``print_jobs`` has today (state and time); filament is
not recorded there yet.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from kiosk.booking.rules import rules_for
from kiosk.report import charts
from kiosk.report.context import Context, Count, Table
from kiosk.report.figures import USED_STATES
from kiosk.report.section import Section
from kiosk.timeutil import from_db

#: How many of the busiest slots the table lists.
BUSIEST_SLOTS = 10
#: Print job states shown, in order; others (queued, printing ...) count as "other".
PRINT_STATES = ("done", "failed", "cancelled")
#: Booking outcomes, in the order the table and the chart show them.
OUTCOMES = ("used", "no_show", "cancelled", "booked")


@dataclass
class ResourceUse:
    id: str
    name: str
    kind: str
    open_hours: float | None
    booked_hours: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def utilisation(self) -> float | None:
        if not self.open_hours:
            return None
        return self.booked_hours / self.open_hours


def outcome(status: str) -> str:
    if status in USED_STATES:
        return "used"
    return status if status in ("no_show", "cancelled") else "booked"


def build(ctx: Context) -> Section:
    section = Section("makerspace", ctx.t("report.makerspace.title"))
    start, end = ctx.period.utc_bounds(ctx.zone)
    uses: dict[str, ResourceUse] = {}
    days = ctx.period.days()
    for r in ctx.config.resources:
        rules = rules_for(ctx.config, r)
        minutes = 0
        for day in days:
            opening = rules.opening(day)
            if opening is not None:
                minutes += opening[1] - opening[0]
        uses[r.id] = ResourceUse(r.id, r.name or r.id, r.kind, minutes / 60)
    names = dict(ctx.rows("SELECT id, name FROM resources"))
    kinds = dict(ctx.rows("SELECT id, kind FROM resources"))
    slots: Counter[tuple[int, int]] = Counter()
    rows = ctx.rows(
        """SELECT resource_id, status, starts_at, ends_at FROM bookings
           WHERE starts_at >= ? AND starts_at < ?""",
        [start, end],
    )
    for rid, status, starts_at, ends_at in rows:
        use = uses.get(rid)
        if use is None:  # a resource no longer configured: no opening hours known
            use = uses[rid] = ResourceUse(rid, names.get(rid, rid), kinds.get(rid, ""), None)
        kind = outcome(status)
        use.outcomes[kind] += 1
        if kind != "cancelled":
            begins = from_db(starts_at)
            use.booked_hours += (from_db(ends_at) - begins).total_seconds() / 3600
            local = begins.astimezone(ctx.zone)
            slots[(local.weekday(), local.hour)] += 1
    section.has_data = bool(rows)
    if rows:
        _use(ctx, section, list(uses.values()))
        _slots(ctx, section, slots)
    else:
        section.notes.append(ctx.t("report.makerspace.none"))
    _prints(ctx, section, start, end)
    return section


def _use(ctx: Context, section: Section, uses: list[ResourceUse]) -> None:
    outcome_names = [ctx.t(f"report.outcome.{o}") for o in OUTCOMES]
    section.tables.append(
        Table(
            "makerspace_resources",
            ctx.t("report.makerspace.table"),
            (
                ctx.t("report.col.resource"),
                ctx.t("report.col.open_hours"),
                ctx.t("report.col.booked_hours"),
                ctx.t("report.col.utilisation"),
                *outcome_names,
            ),
            tuple(
                (
                    u.name,
                    u.open_hours,
                    u.booked_hours,
                    u.utilisation,
                    *(Count(u.outcomes[o]) for o in OUTCOMES),
                )
                for u in uses
            ),
            percent_columns=frozenset({3}),
        )
    )
    measured = [u for u in uses if u.utilisation is not None]
    if measured:
        best = max(measured, key=lambda u: u.utilisation or 0.0)
        overall = sum(u.booked_hours for u in measured) / sum(u.open_hours or 0 for u in measured)
        caption = ctx.t(
            "report.makerspace.caption_use",
            resource=best.name,
            share=ctx.percent(best.utilisation or 0.0),
            overall=ctx.percent(overall),
        )
        section.charts.append(
            charts.hbars(
                ctx,
                "makerspace-utilisation",
                ctx.t("report.makerspace.chart_use"),
                caption,
                [u.name for u in measured],
                [u.utilisation or 0.0 for u in measured],
                percent=True,
                xlabel=ctx.t("report.axis.booked_of_open"),
            )
        )
    totals = Counter[str]()
    for u in uses:
        totals.update(u.outcomes)
    made = sum(totals.values())
    caption = ctx.t(
        "report.makerspace.caption_outcomes",
        bookings=ctx.count(made),
        used=ctx.share(totals["used"], made),
        no_show=ctx.share(totals["no_show"], made),
        cancelled=ctx.share(totals["cancelled"], made),
    )
    shown = [o for o in OUTCOMES if totals[o]]
    section.charts.append(
        charts.stacked_hbars(
            ctx,
            "makerspace-outcomes",
            ctx.t("report.makerspace.chart_outcomes"),
            caption,
            [u.name for u in uses],
            [(ctx.t(f"report.outcome.{o}"), [u.outcomes[o] for u in uses]) for o in shown],
        )
    )


def _slots(ctx: Context, section: Section, slots: Counter[tuple[int, int]]) -> None:
    busiest = sorted(slots.items(), key=lambda kv: (-kv[1], kv[0]))[:BUSIEST_SLOTS]
    if not busiest:
        return
    section.tables.append(
        Table(
            "makerspace_slots",
            ctx.t("report.makerspace.table_slots"),
            (
                ctx.t("report.col.weekday"),
                ctx.t("report.col.hour"),
                ctx.t("report.col.bookings"),
            ),
            tuple((ctx.weekday(wd), ctx.hours(h), Count(n)) for (wd, h), n in busiest),
        )
    )


def _prints(ctx: Context, section: Section, start: str, end: str) -> None:
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for rid, state, count in ctx.rows(
        """SELECT resource_id, state, count(*) FROM print_jobs
           WHERE created_at >= ? AND created_at < ? GROUP BY resource_id, state""",
        [start, end],
    ):
        per[rid][state if state in PRINT_STATES else "other"] += count
    if not per:
        section.notes.append(ctx.t("report.prints.none"))
        return
    section.has_data = True
    section.notes.append(ctx.t("report.prints.no_filament"))
    names = dict(ctx.rows("SELECT id, name FROM resources"))
    states = [*PRINT_STATES, "other"]
    printers = sorted(per)
    section.tables.append(
        Table(
            "prints",
            ctx.t("report.prints.table"),
            (
                ctx.t("report.col.printer"),
                *(ctx.t(f"report.print.{s}") for s in states),
            ),
            tuple((names.get(p, p), *(Count(per[p][s]) for s in states)) for p in printers),
        )
    )
    totals = Counter[str]()
    for c in per.values():
        totals.update(c)
    total = sum(totals.values())
    caption = ctx.t(
        "report.prints.caption",
        total=ctx.count(total),
        done=ctx.share(totals["done"], total),
        failed=ctx.count(totals["failed"]),
        cancelled=ctx.count(totals["cancelled"]),
    )
    section.charts.append(
        charts.stacked_hbars(
            ctx,
            "prints",
            ctx.t("report.prints.chart"),
            caption,
            [names.get(p, p) for p in printers],
            [(ctx.t(f"report.print.{s}"), [per[p][s] for p in printers]) for s in PRINT_STATES],
        )
    )
