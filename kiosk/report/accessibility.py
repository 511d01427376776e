"""Accessibility and languages: in how many sessions each feature was used, and which
language sessions ended in. Counts only, from the usage counters (a session is counted
once when it ends, with each feature it used)."""

from __future__ import annotations

from kiosk.circulation.usage import LANGUAGE, SESSION, SESSION_FEATURE, SESSION_FEATURES
from kiosk.i18n import LANGUAGES
from kiosk.report import charts
from kiosk.report.context import Context, Count, Table
from kiosk.report.section import Section


def build(ctx: Context) -> Section:
    section = Section("accessibility", ctx.t("report.accessibility.title"))
    span = [ctx.period.first.isoformat(), ctx.period.last.isoformat()]
    counted: dict[tuple[str, str], int] = {
        (action, detail): n
        for action, detail, n in ctx.rows(
            """SELECT action, detail, sum(count) FROM usage_counters
               WHERE day BETWEEN ? AND ? AND action IN (?, ?, ?) GROUP BY action, detail""",
            [*span, SESSION, SESSION_FEATURE, LANGUAGE],
        )
    }
    sessions = counted.get((SESSION, ""), 0)
    section.has_data = sessions > 0
    if not sessions:
        section.notes.append(ctx.t("report.accessibility.none"))
        return section
    section.notes.append(ctx.t("report.accessibility.sessions", count=ctx.count(sessions)))
    features = [(f, counted.get((SESSION_FEATURE, f), 0)) for f in SESSION_FEATURES]
    names = {f: ctx.t(f"report.feature.{f}") for f in SESSION_FEATURES}
    section.tables.append(
        Table(
            "accessibility",
            ctx.t("report.accessibility.table"),
            (ctx.t("report.col.feature"), ctx.t("report.col.sessions")),
            (
                (ctx.t("report.col.all_sessions"), Count(sessions)),
                *((names[f], Count(n)) for f, n in features),
            ),
        )
    )
    top, top_count = max(features, key=lambda fn: fn[1])
    section.charts.append(
        charts.hbars(
            ctx,
            "accessibility",
            ctx.t("report.accessibility.chart"),
            ctx.t(
                "report.accessibility.caption",
                feature=names[top],
                share=ctx.share(top_count, sessions),
                count=ctx.count(top_count),
                sessions=ctx.count(sessions),
            ),
            [names[f] for f, _ in features],
            [n for _, n in features],
            xlabel=ctx.t("report.col.sessions"),
        )
    )
    languages = [(lang, counted.get((LANGUAGE, lang), 0)) for lang in LANGUAGES]
    chosen = sum(n for _, n in languages)
    if not chosen:
        return section
    section.tables.append(
        Table(
            "languages",
            ctx.t("report.languages.table"),
            (ctx.t("report.col.language"), ctx.t("report.col.sessions")),
            tuple((ctx.t(f"language.{lang}"), Count(n)) for lang, n in languages),
        )
    )
    lang, n = max(languages, key=lambda ln: ln[1])
    section.charts.append(
        charts.hbars(
            ctx,
            "languages",
            ctx.t("report.languages.chart"),
            ctx.t(
                "report.languages.caption",
                share=ctx.share(n, chosen),
                name=ctx.t(f"language.{lang}"),
            ),
            [ctx.t(f"language.{x}") for x, _ in languages],
            [c for _, c in languages],
            xlabel=ctx.t("report.col.sessions"),
        )
    )
    return section
