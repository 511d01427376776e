"""The makerspace: how much of its open time each resource was booked, who came, the
busiest slots, and 3D prints.

Utilisation is booked hours / open hours: booked hours are the lengths of the bookings
that start in the period and were not cancelled (no-shows included: the slot was held);
open hours come from each resource's booking rules (opening hours, closed days). Print
jobs are those that started in the period (``print_jobs``, written by
:mod:`kiosk.printing.records`): their outcomes, and the filament used in grams and metres.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from kiosk.booking.rules import rules_for
from kiosk.report import charts
from kiosk.report.context import Context, Count, Table, Total
from kiosk.report.figures import USED_STATES
from kiosk.report.section import Section
from kiosk.timeutil import from_db

#: How many of the busiest slots the table lists.
BUSIEST_SLOTS = 10
#: Print job outcomes, in the order the table and the chart show them: "unknown" is a
#: job whose end the kiosk did not see, "printing" one still running (no outcome yet).
PRINTING = "printing"
PRINT_OUTCOMES = ("done", "failed", "cancelled", "unknown", PRINTING)
#: The outcomes whose filament was used as recorded (all of a finished print's estimate,
#: the printed part of a failed or cancelled one); an unseen end's figure is a guess.
FILAMENT_OUTCOMES = ("done", "failed", "cancelled")
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


@dataclass
class PrinterUse:
    """The print jobs of one printer that started in the period."""

    outcomes: Counter[str] = field(default_factory=Counter)
    #: Filament of the jobs that ended done, failed or cancelled, and how many they are.
    grams: float = 0.0
    metres: float = 0.0
    measured: int = 0


def _prints(ctx: Context, section: Section, start: str, end: str) -> None:
    per: dict[str, PrinterUse] = defaultdict(PrinterUse)
    for rid, result, count, grams, millimetres, measured in ctx.rows(
        """SELECT resource_id, outcome, count(*), sum(filament_g), sum(filament_mm),
                  count(filament_g) FROM print_jobs
           WHERE started_at >= ? AND started_at < ? GROUP BY resource_id, outcome""",
        [start, end],
    ):
        use = per[rid]
        use.outcomes[result or PRINTING] += count
        if result in FILAMENT_OUTCOMES:
            use.grams += grams or 0.0
            use.metres += (millimetres or 0.0) / 1000
            use.measured += measured
    if not per:
        section.notes.append(ctx.t("report.prints.none"))
        return
    section.has_data = True
    section.notes.append(ctx.t("report.prints.filament_note"))
    names = dict(ctx.rows("SELECT id, name FROM resources"))
    printers = sorted(per)
    labels = [names.get(p, p) for p in printers]
    section.tables.append(
        Table(
            "prints",
            ctx.t("report.prints.table"),
            (
                ctx.t("report.col.printer"),
                *(ctx.t(f"report.print.{o}") for o in PRINT_OUTCOMES),
                ctx.t("report.col.filament_g"),
                ctx.t("report.col.filament_m"),
            ),
            tuple(
                (
                    label,
                    *(Count(per[p].outcomes[o]) for o in PRINT_OUTCOMES),
                    Total(per[p].grams, per[p].measured),
                    Total(per[p].metres, per[p].measured),
                )
                for p, label in zip(printers, labels, strict=True)
            ),
        )
    )
    totals = Counter[str]()
    for use in per.values():
        totals.update(use.outcomes)
    total = sum(totals.values())
    caption = ctx.t(
        "report.prints.caption",
        total=ctx.count(total),
        done=ctx.share(totals["done"], total),
        failed=ctx.count(totals["failed"]),
        cancelled=ctx.count(totals["cancelled"]),
        unknown=ctx.count(totals["unknown"]),
    )
    shown = [o for o in PRINT_OUTCOMES if totals[o]]
    section.charts.append(
        charts.stacked_hbars(
            ctx,
            "prints",
            ctx.t("report.prints.chart"),
            caption,
            labels,
            [(ctx.t(f"report.print.{o}"), [per[p].outcomes[o] for p in printers]) for o in shown],
        )
    )
    _filament(ctx, section, [per[p] for p in printers], labels)


def _filament(ctx: Context, section: Section, uses: list[PrinterUse], labels: list[str]) -> None:
    measured = sum(u.measured for u in uses)
    if ctx.few(measured):
        section.notes.append(ctx.t("report.prints.filament_few", limit=max(ctx.small_cell, 1)))
        return
    grams = sum(u.grams for u in uses)
    metres = sum(u.metres for u in uses)
    shown = [(u, label) for u, label in zip(uses, labels, strict=True) if not ctx.few(u.measured)]
    most, most_label = max(shown, key=lambda pair: pair[0].grams)
    caption = ctx.t(
        "report.prints.caption_filament",
        grams=ctx.number(grams),
        metres=ctx.number(metres),
        prints=ctx.count(measured),
        printer=most_label,
        printer_grams=ctx.number(most.grams),
    )
    section.charts.append(
        charts.hbars(
            ctx,
            "prints-filament",
            ctx.t("report.prints.chart_filament"),
            caption,
            labels,
            [0.0 if ctx.few(u.measured) else u.grams for u in uses],
            xlabel=ctx.t("report.axis.grams"),
            written=[ctx.mean(Total(u.grams, u.measured)) for u in uses],
        )
    )
