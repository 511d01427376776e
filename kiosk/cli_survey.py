"""``kiosk survey list|results NAME``: the library's short surveys and their answers.

Results are counts per question and answer, with the same small-cell suppression as
``kiosk report`` (counts below ``[report] small_cell`` are shown as "< N")."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kiosk.cli import db_path, language, load_config, opened, print_json, services_of
from kiosk.domain.errors import DomainError
from kiosk.i18n import translate
from kiosk.surveys.api import Question, Surveys


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    survey = sub.add_parser("survey", parents=[common], help="short surveys at sign-out")
    actions = survey.add_subparsers(dest="survey_command", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list", parents=[common], help="surveys configured or answered, with their state"
    )
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=cmd_survey_list)
    results = actions.add_parser("results", parents=[common], help="answers per question")
    results.add_argument("name", help="the survey's id")
    results.add_argument("--from", dest="first", metavar="DATE", help="YYYY-MM-DD")
    results.add_argument("--to", dest="last", metavar="DATE", help="YYYY-MM-DD (included)")
    results.add_argument("--json", action="store_true", help="print JSON")
    results.set_defaults(handler=cmd_survey_results)


@contextmanager
def _surveys(args: argparse.Namespace) -> Iterator[tuple[Surveys, str, int]]:
    config = load_config(args)
    path = db_path(args, config)
    if not path.exists():
        raise DomainError("report.no_database", path=path)
    with opened(args, config) as kiosk:
        yield services_of(kiosk).surveys, language(args, config), config.report.small_cell


def cmd_survey_list(args: argparse.Namespace) -> int:
    with _surveys(args) as (service, lang, small):
        statuses = service.statuses()
    if args.json:
        print_json(
            [
                {
                    "id": s.survey.id,
                    "title": s.survey.title(lang),
                    "starts_on": s.survey.starts_on.isoformat(),
                    "ends_on": s.survey.ends_on.isoformat(),
                    "state": s.state,
                    "responses": _count(s.responses, small),
                }
                for s in statuses
            ]
        )
        return 0
    if not statuses:
        print(translate("cli.survey.none", lang))
    for s in statuses:
        state = translate(f"cli.survey.state.{s.state}", lang)
        print(
            f"{s.survey.id:<20} {s.survey.starts_on}..{s.survey.ends_on}  {state:<12} "
            + translate("cli.survey.responses", lang, count=_count(s.responses, small))
            + f"  {s.survey.title(lang)}"
        )
    return 0


def _count(n: int, small: int) -> str:
    return f"< {small}" if 0 < n < small else str(n)


def _label(question: Question, answer: str, lang: str) -> str:
    if question.kind == "scale":
        return translate(f"survey.scale.{answer}", lang)
    return next(c.text(lang) for c in question.choices if c.key == answer)


def cmd_survey_results(args: argparse.Namespace) -> int:
    from kiosk.report.build import parse_period

    with _surveys(args) as (service, lang, small):
        first = last = None
        if args.first or args.last:
            period = parse_period(args.first or "0001-01-01", args.last or "9999-12-31")
            first, last = period.first, period.last
        results = service.results(args.name, first, last)
    survey = results.survey
    if args.json:
        print_json(
            {
                "id": survey.id,
                "title": survey.title(lang),
                "responses": _count(results.responses, small),
                "questions": [
                    {
                        "id": q.question.id,
                        "text": q.question.text(lang),
                        "answers": _count(q.answers, small),
                        "counts": {a: _count(n, small) for a, n in q.counts},
                    }
                    for q in results.questions
                ],
            }
        )
        return 0
    print(f"{survey.title(lang)} ({survey.starts_on}..{survey.ends_on})")
    print(translate("cli.survey.responses", lang, count=_count(results.responses, small)))
    for q in results.questions:
        print()
        answers = translate("cli.survey.answers", lang, count=_count(q.answers, small))
        print(f"{q.question.text(lang)}  ({answers})")
        for answer, n in q.counts:
            print(f"  {_label(q.question, answer, lang):<32} {_count(n, small):>6}")
    return 0
