"""Surveys: per question, how many chose each answer, with the number of answers; and
how often the survey was offered, answered and skipped."""

from __future__ import annotations

from kiosk.circulation.usage import SURVEY_ANSWERED, SURVEY_OFFERED, SURVEY_SKIPPED
from kiosk.report import charts
from kiosk.report.context import Context, Count, Table
from kiosk.report.section import Section
from kiosk.surveys.api import Question, Survey
from kiosk.surveys.service import survey_results


def answer_label(ctx: Context, question: Question, answer: str) -> str:
    if question.kind == "scale":
        return ctx.t(f"survey.scale.{answer}")
    choice = next(c for c in question.choices if c.key == answer)
    return choice.text(ctx.language)


def build(ctx: Context) -> Section:
    section = Section("surveys", ctx.t("report.surveys.title"))
    first, last = ctx.period.first.isoformat(), ctx.period.last.isoformat()
    surveys = [
        Survey.from_json(*row)
        for row in ctx.rows(
            """SELECT id, starts_on, ends_on, definition FROM surveys
               WHERE starts_on <= ? AND ends_on >= ? ORDER BY starts_on, id""",
            [last, first],
        )
    ]
    counters = {
        (action, detail): n
        for action, detail, n in ctx.rows(
            """SELECT action, detail, sum(count) FROM usage_counters
               WHERE day BETWEEN ? AND ? AND action IN (?, ?, ?) GROUP BY action, detail""",
            [first, last, SURVEY_OFFERED, SURVEY_ANSWERED, SURVEY_SKIPPED],
        )
    }
    for survey in surveys:
        results = survey_results(ctx.conn, survey, ctx.period.first, ctx.period.last)
        if not results.responses:
            continue
        section.has_data = True
        offered = counters.get((SURVEY_OFFERED, survey.id), 0)
        section.notes.append(
            ctx.t(
                "report.surveys.summary",
                survey=survey.title(ctx.language),
                first=ctx.day(survey.starts_on),
                last=ctx.day(survey.ends_on),
                responses=ctx.count(results.responses),
                offered=ctx.count(offered),
                skipped=ctx.count(counters.get((SURVEY_SKIPPED, survey.id), 0)),
            )
        )
        rows = []
        for qr in results.questions:
            for answer, n in qr.counts:
                rows.append(
                    (
                        qr.question.text(ctx.language),
                        answer_label(ctx, qr.question, answer),
                        Count(n),
                        Count(qr.answers),
                    )
                )
            if not qr.answers:
                continue
            top, top_n = max(qr.counts, key=lambda an: an[1])
            section.charts.append(
                charts.hbars(
                    ctx,
                    f"survey-{survey.id}-{qr.question.id}",
                    qr.question.text(ctx.language),
                    ctx.t(
                        "report.surveys.caption",
                        answer=answer_label(ctx, qr.question, top),
                        share=ctx.share(top_n, qr.answers),
                        count=ctx.count(qr.answers),
                    ),
                    [answer_label(ctx, qr.question, a) for a, _ in qr.counts],
                    [n for _, n in qr.counts],
                )
            )
        section.tables.append(
            Table(
                f"survey_{survey.id}",
                survey.title(ctx.language),
                (
                    ctx.t("report.col.question"),
                    ctx.t("report.col.answer"),
                    ctx.t("report.col.count"),
                    ctx.t("report.col.answers"),
                ),
                tuple(rows),
            )
        )
    if not section.has_data:
        section.notes.append(ctx.t("report.surveys.none"))
    return section
