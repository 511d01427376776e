"""The survey interface the screens and the CLI use, and the plain data it returns.

Every method is synchronous and blocks on the database only (milliseconds). A survey
is offered at sign-out (:meth:`Surveys.offer`), then answered (:meth:`Surveys.answer`)
or skipped (:meth:`Surveys.skip`); answers carry no patron, no card and no time finer
than the day. Refusals raise :class:`~kiosk.domain.errors.DomainError` with a
``survey.*`` message key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from kiosk.config import SurveyConfig

#: The answers of a 1-5 scale question, as stored.
SCALE = ("1", "2", "3", "4", "5")


@dataclass(frozen=True)
class Choice:
    key: str
    text_id: str
    text_en: str

    def text(self, language: str) -> str:
        return self.text_id if language == "id" else self.text_en


@dataclass(frozen=True)
class Question:
    """``kind``: ``scale`` (answers "1" to "5") or ``choice`` (a choice's key)."""

    id: str
    kind: str
    text_id: str
    text_en: str
    choices: tuple[Choice, ...] = ()

    def text(self, language: str) -> str:
        return self.text_id if language == "id" else self.text_en

    @property
    def answers(self) -> tuple[str, ...]:
        """The valid answers, in the order a screen offers them."""
        return SCALE if self.kind == "scale" else tuple(c.key for c in self.choices)


@dataclass(frozen=True)
class Survey:
    """A survey as the screen shows it; dates are local, both inclusive."""

    id: str
    title_id: str
    title_en: str
    starts_on: date
    ends_on: date
    share: float
    questions: tuple[Question, ...]

    def title(self, language: str) -> str:
        return self.title_id if language == "id" else self.title_en

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    @classmethod
    def from_config(cls, c: SurveyConfig) -> Survey:
        return cls(
            id=c.id,
            title_id=c.title_id,
            title_en=c.title_en,
            starts_on=date.fromisoformat(c.starts_on),
            ends_on=date.fromisoformat(c.ends_on),
            share=c.share,
            questions=tuple(
                Question(
                    q.id,
                    q.kind,
                    q.text_id,
                    q.text_en,
                    tuple(Choice(ch.key, ch.text_id, ch.text_en) for ch in q.choices),
                )
                for q in c.questions
            ),
        )

    def to_json(self) -> str:
        """The definition kept beside the answers (results stay readable after the
        config moved on)."""
        data: dict[str, Any] = {
            "title_id": self.title_id,
            "title_en": self.title_en,
            "share": self.share,
            "questions": [
                {
                    "id": q.id,
                    "kind": q.kind,
                    "text_id": q.text_id,
                    "text_en": q.text_en,
                    "choices": [[c.key, c.text_id, c.text_en] for c in q.choices],
                }
                for q in self.questions
            ],
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, survey_id: str, starts_on: str, ends_on: str, text: str) -> Survey:
        data = json.loads(text)
        return cls(
            id=survey_id,
            title_id=data["title_id"],
            title_en=data["title_en"],
            starts_on=date.fromisoformat(starts_on),
            ends_on=date.fromisoformat(ends_on),
            share=float(data["share"]),
            questions=tuple(
                Question(
                    q["id"],
                    q["kind"],
                    q["text_id"],
                    q["text_en"],
                    tuple(Choice(*c) for c in q["choices"]),
                )
                for q in data["questions"]
            ),
        )


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    #: How many responses answered this question.
    answers: int
    #: (answer, count) for every valid answer, in the question's order.
    counts: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class SurveyResults:
    survey: Survey
    responses: int
    questions: tuple[QuestionResult, ...]


@dataclass(frozen=True)
class SurveyStatus:
    """``state``: ``upcoming``, ``running`` or ``ended`` (on the local today)."""

    survey: Survey
    state: str
    responses: int


class Surveys(Protocol):
    def offer(self, patron: str) -> Survey | None:
        """The survey to offer this signed-in patron now, at sign-out, or None. A
        survey is offered to its configured share of sessions and never twice to the
        same patron while it runs; returning one records that it was offered."""
        ...

    def answer(self, survey_id: str, answers: Mapping[str, str | int]) -> None:
        """Store one anonymous response: question id -> answer (a choice's key, or 1-5
        for a scale). Questions left out stay unanswered; at least one is needed.
        Raises ``survey.not_running``, ``survey.no_answers``, ``survey.answer_invalid``."""
        ...

    def skip(self, survey_id: str) -> None:
        """The patron chose not to answer (counted, nothing else stored)."""
        ...

    def statuses(self) -> list[SurveyStatus]:
        """Every survey configured or answered before, newest first."""
        ...

    def results(
        self, survey_id: str, first: date | None = None, last: date | None = None
    ) -> SurveyResults:
        """Counts per question and answer (responses on local days ``first``..``last``,
        both inclusive, when given). Raises ``survey.unknown``."""
        ...
