"""Issue 17: ``kiosk demo`` offers a survey at sign-out, so the survey is seen in the
demo; a library's own survey running today takes its place."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from kiosk import demo
from kiosk.config import Config, _check_question, _check_survey
from kiosk.demo_history import DEMO_SURVEY
from kiosk.store import Store
from kiosk.surveys.service import LocalSurveys

NOON = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)  # 12:00 in Palu


def test_the_demo_offers_its_survey_to_every_card_once(
    store: Store, default_config: Config
) -> None:
    config = demo.with_survey(default_config, lambda: NOON)
    (survey,) = config.surveys
    _check_survey(survey)  # as valid as a library's own [[surveys]] table
    for question in survey.questions:
        _check_question(question)
    assert (survey.starts_on, survey.share) == ("2026-12-02", 1.0)
    assert [q.id for q in survey.questions] == [q.id for q in DEMO_SURVEY.questions]
    surveys = LocalSurveys(store, config, clock=lambda: NOON)
    offered = surveys.offer("PLU-0001")
    assert offered is not None and offered.id == demo.DEMO_SURVEY_ID
    surveys.answer(offered.id, {"mudah": 5, "waktu": "pagi"})
    assert surveys.offer("PLU-0001") is None  # never twice to the same card
    assert surveys.results(offered.id).responses == 1


def test_a_survey_of_the_librarys_own_is_kept_instead(default_config: Config) -> None:
    own = replace(demo.demo_survey(NOON.date()), id="milik-sendiri")
    config = replace(default_config, surveys=[own])
    assert demo.with_survey(config, lambda: NOON) is config
