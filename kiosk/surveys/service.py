"""Surveys on SQLite, anonymous by construction.

- An answer is stored as a response (survey and local day, nothing else) with one row
  per question answered: no patron, no card, no time of day.
- "Never twice to the same patron while the survey runs" is kept apart, in
  ``survey_offered``: a keyed BLAKE2b hash of the patron ref with the survey's own random
  salt. That table has no day, no time and no insertion order (``WITHOUT ROWID``, kept in
  hash order), so it cannot be lined up with the responses, and no query joins the two.
  When the survey ends its hashes and its salt are deleted (at the next call of any
  method after its last day).
- The salt sits in the database beside the hashes, so someone holding the database file
  can test whether a given card was offered a running survey; never what it answered.

The patron ref stands for the card: for the local backend it is the patron's id, for an
ILS it is the card number itself.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.circulation.usage import SURVEY_ANSWERED, SURVEY_OFFERED, SURVEY_SKIPPED, add_usage
from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.store import Store
from kiosk.surveys.api import QuestionResult, Survey, SurveyResults, SurveyStatus
from kiosk.timeutil import Clock, utcnow


def card_hash(salt: bytes, patron: str) -> bytes:
    """The salted hash kept in ``survey_offered`` (16 bytes)."""
    return hashlib.blake2b(patron.strip().encode(), key=salt, digest_size=16).digest()


class LocalSurveys:
    """:class:`~kiosk.surveys.api.Surveys` over one store. ``rng`` draws which sessions
    are asked (tests pass a seeded one)."""

    def __init__(
        self,
        store: Store,
        config: Config,
        clock: Clock = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.zone = ZoneInfo(config.kiosk.timezone)
        self.clock = clock
        self.rng = rng or random.Random()
        self.configured = [Survey.from_config(c) for c in config.surveys]

    def _now(self) -> datetime:
        return self.clock().astimezone(self.zone)

    def _sync(self, db: Any, today: date) -> None:
        """Keep the configured definitions beside the answers, give each running survey
        a salt, and delete the hashes and salt of every survey that has ended."""
        for s in self.configured:
            running = s.starts_on <= today <= s.ends_on
            db.execute(
                """INSERT INTO surveys (id, definition, starts_on, ends_on, salt)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT(id) DO UPDATE SET definition = excluded.definition,
                     starts_on = excluded.starts_on, ends_on = excluded.ends_on,
                     salt = COALESCE(surveys.salt, excluded.salt)""",
                [
                    s.id,
                    s.to_json(),
                    s.starts_on.isoformat(),
                    s.ends_on.isoformat(),
                    secrets.token_bytes(16) if running else None,
                ],
            )
        ended = "SELECT id FROM surveys WHERE ends_on < ?"
        db.execute(f"DELETE FROM survey_offered WHERE survey_id IN ({ended})", [today.isoformat()])
        db.execute("UPDATE surveys SET salt = NULL WHERE ends_on < ?", [today.isoformat()])

    def _running(self, survey_id: str, today: date) -> Survey:
        for s in self.configured:
            if s.id == survey_id and s.starts_on <= today <= s.ends_on:
                return s
        raise DomainError("survey.not_running")

    # -- the screen's side ----------------------------------------------------------
    def offer(self, patron: str) -> Survey | None:
        now = self._now()
        today = now.date()
        if not any(s.starts_on <= today <= s.ends_on for s in self.configured):
            return None
        with self.store.transaction() as db:
            self._sync(db, today)
            for s in self.configured:
                if not s.starts_on <= today <= s.ends_on:
                    continue
                found = db.execute("SELECT salt FROM surveys WHERE id = ?", [s.id]).fetchone()
                salt = found["salt"]
                digest = card_hash(salt, patron)
                seen = db.execute(
                    "SELECT 1 FROM survey_offered WHERE survey_id = ? AND card_hash = ?",
                    [s.id, digest],
                ).fetchone()
                if seen:
                    continue
                # One draw per session: this session is asked or not.
                if self.rng.random() >= s.share:
                    return None
                db.execute(
                    "INSERT INTO survey_offered (survey_id, card_hash) VALUES (?, ?)",
                    [s.id, digest],
                )
                add_usage(db, now, SURVEY_OFFERED, s.id)
                return s
        return None

    def answer(self, survey_id: str, answers: Mapping[str, str | int]) -> None:
        now = self._now()
        survey = self._running(survey_id, now.date())
        given: list[tuple[str, str]] = []
        for question_id, value in answers.items():
            question = survey.question(question_id)
            text = str(value).strip() if isinstance(value, str | int) else ""
            if question is None or isinstance(value, bool) or text not in question.answers:
                raise DomainError("survey.answer_invalid")
            given.append((question_id, text))
        if not given:
            raise DomainError("survey.no_answers")
        with self.store.transaction() as db:
            self._sync(db, now.date())
            cursor = db.execute(
                "INSERT INTO survey_responses (survey_id, day) VALUES (?, ?)",
                [survey.id, now.date().isoformat()],
            )
            db.conn.executemany(
                "INSERT INTO survey_answers (response_id, question, answer) VALUES (?, ?, ?)",
                [(cursor.lastrowid, q, a) for q, a in given],
            )
            add_usage(db, now, SURVEY_ANSWERED, survey.id)

    def skip(self, survey_id: str) -> None:
        now = self._now()
        survey = self._running(survey_id, now.date())
        with self.store.transaction() as db:
            add_usage(db, now, SURVEY_SKIPPED, survey.id)

    # -- staff's side ---------------------------------------------------------------
    def _stored(self) -> list[Survey]:
        with self.store.transaction() as db:
            self._sync(db, self._now().date())
            rows = db.execute(
                "SELECT id, starts_on, ends_on, definition FROM surveys ORDER BY starts_on DESC, id"
            ).fetchall()
        return [Survey.from_json(*row) for row in rows]

    def statuses(self) -> list[SurveyStatus]:
        today = self._now().date()
        found = []
        for s in self._stored():
            state = "running"
            if today < s.starts_on:
                state = "upcoming"
            elif today > s.ends_on:
                state = "ended"
            with self.store.lock:
                responses = survey_results(self.store.conn, s).responses
            found.append(SurveyStatus(s, state, responses))
        return found

    def results(
        self, survey_id: str, first: date | None = None, last: date | None = None
    ) -> SurveyResults:
        survey = next((s for s in self._stored() if s.id == survey_id), None)
        if survey is None:
            raise DomainError("survey.unknown", survey=survey_id)
        with self.store.lock:
            return survey_results(self.store.conn, survey, first, last)


def survey_results(
    conn: Any, survey: Survey, first: date | None = None, last: date | None = None
) -> SurveyResults:
    """Counts per question and answer of ``survey``'s responses on local days
    ``first``..``last`` (inclusive; None: open). Also what ``kiosk report`` shows."""
    span = ["0000-00-00" if first is None else first.isoformat()]
    span.append("9999-99-99" if last is None else last.isoformat())
    responses = conn.execute(
        """SELECT count(*) AS n FROM survey_responses
           WHERE survey_id = ? AND day BETWEEN ? AND ?""",
        [survey.id, *span],
    ).fetchone()["n"]
    counted: dict[tuple[str, str], int] = {}
    for question, answer, count in conn.execute(
        """SELECT a.question, a.answer, count(*) FROM survey_answers a
           JOIN survey_responses r ON r.id = a.response_id
           WHERE r.survey_id = ? AND r.day BETWEEN ? AND ?
           GROUP BY a.question, a.answer""",
        [survey.id, *span],
    ):
        counted[(question, answer)] = count
    questions = []
    for q in survey.questions:
        counts = tuple((a, counted.get((q.id, a), 0)) for a in q.answers)
        questions.append(QuestionResult(q, sum(c for _, c in counts), counts))
    return SurveyResults(survey, responses, tuple(questions))
