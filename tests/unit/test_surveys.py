"""Surveys: defined in config, offered to a share of sessions and never twice to one
patron while they run, answered anonymously, the hashes kept apart and deleted at the end;
``kiosk survey list|results``."""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk import config as config_module
from kiosk.cli import main
from kiosk.config import Config
from kiosk.domain.errors import ConfigError, DomainError
from kiosk.store import Store
from kiosk.surveys.service import LocalSurveys, card_hash
from tests.unit.circ_helpers import FakeClock, add_patron

REPO = Path(__file__).resolve().parents[2]

SURVEY = """
[[surveys]]
id = "jam-buka"
title_id = "Jam buka"
title_en = "Opening hours"
starts_on = "2026-11-20"
ends_on = "2026-11-30"
share = {share}

[[surveys.questions]]
id = "mudah"
kind = "scale"
text_id = "Seberapa mudah?"
text_en = "How easy?"

[[surveys.questions]]
id = "kapan"
kind = "choice"
text_id = "Kapan?"
text_en = "When?"

[[surveys.questions.choices]]
key = "pagi"
text_id = "Pagi"
text_en = "Morning"

[[surveys.questions.choices]]
key = "sore"
text_id = "Sore"
text_en = "Afternoon"
"""


def with_survey(share: float = 1.0, text: str = SURVEY) -> Config:
    return config_module.parse(
        config_module.default_config_text() + text.replace("{share}", str(share)), "<test>"
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()  # Monday 23 November 2026, 08:00 WITA


def surveys(store: Store, clock: FakeClock, share: float = 1.0, seed: int = 1) -> LocalSurveys:
    return LocalSurveys(store, with_survey(share), clock, random.Random(seed))


def test_config_reads_a_survey_and_refuses_mistakes_in_one_line() -> None:
    survey = with_survey().surveys[0]
    assert (survey.id, survey.share, len(survey.questions)) == ("jam-buka", 1.0, 2)
    assert [c.key for c in survey.questions[1].choices] == ["pagi", "sore"]
    four = SURVEY + "".join(
        f'\n[[surveys.questions]]\nid = "q{n}"\ntext_id = "T"\ntext_en = "T"\n' for n in range(2)
    )
    for text, where, expected in (
        (four, "surveys[0].questions", "1 to 3 questions, not 4"),
        (SURVEY.replace('key = "sore"', 'key = "pagi"'), "surveys[0].questions", "unique"),
        (SURVEY.replace('kind = "scale"', 'kind = "stars"'), "kind", "'scale', 'choice'"),
        (SURVEY.replace('"2026-11-30"', '"2026-11-01"'), "surveys[0]", "starts_on on or before"),
        (SURVEY.replace('"jam-buka"', '"Jam Buka"'), "surveys[0].id", "lowercase"),
        (SURVEY.replace('text_en = "How easy?"', ""), "questions", "text_id and text_en"),
        (SURVEY.replace("2026-11-30", "30-11-2026"), "surveys[0].ends_on", "YYYY-MM-DD"),
        (SURVEY + SURVEY, "surveys", "unique survey ids"),
    ):
        with pytest.raises(ConfigError) as info:
            with_survey(text=text)
        message = str(info.value)
        assert "\n" not in message
        assert where in message
        assert expected in message
    with pytest.raises(ConfigError, match="share of sessions"):
        with_survey(share=0)
    lonely = SURVEY[: SURVEY.index("[[surveys.questions.choices]]", SURVEY.index("sore") - 80)]
    with pytest.raises(ConfigError, match="2 to 6 choices"):
        with_survey(text=lonely)


def test_offered_to_its_share_never_twice_to_one_patron(store: Store, clock: FakeClock) -> None:
    refs = [add_patron(store, f"M-{n}") for n in range(200)]
    service = surveys(store, clock, share=0.25, seed=7)
    first = [service.offer(ref) is not None for ref in refs]
    assert 35 <= sum(first) <= 65  # about a quarter of the sessions
    again = [
        service.offer(ref) is not None for ref, asked in zip(refs, first, strict=True) if asked
    ]
    assert not any(again)  # never twice while it runs
    offered = store.conn.execute("SELECT count(*) FROM survey_offered").fetchone()[0]
    assert offered == sum(first)  # the others may be asked at a later session
    counted = store.conn.execute(
        "SELECT sum(count) FROM usage_counters WHERE action = 'survey_offered'"
    ).fetchone()[0]
    assert counted == offered


def test_only_while_it_runs(store: Store, clock: FakeClock) -> None:
    ref = add_patron(store, "M-1")
    service = surveys(store, clock)
    clock.advance(days=8)  # 1 December: over
    assert service.offer(ref) is None
    with pytest.raises(DomainError, match="not_running"):
        service.answer("jam-buka", {"mudah": 5})
    with pytest.raises(DomainError, match="not_running"):
        service.skip("jam-buka")


def test_the_hashes_are_kept_apart_and_deleted_when_it_ends(store: Store, clock: FakeClock) -> None:
    ref = add_patron(store, "M-1")
    service = surveys(store, clock)
    offered = service.offer(ref)
    assert offered is not None
    service.answer(offered.id, {"mudah": 4, "kapan": "pagi"})
    (digest,) = store.conn.execute("SELECT card_hash FROM survey_offered").fetchone()
    (salt,) = store.conn.execute("SELECT salt FROM surveys").fetchone()
    assert len(salt) == 16 and digest == card_hash(salt, ref)  # salted per survey
    assert digest != hashlib.blake2b(ref.encode(), digest_size=16).digest()
    # The hash table has nothing to line it up with the answers: no day, no time, no
    # order of insertion (WITHOUT ROWID), and answers have nothing about who.
    columns = {t: [r[1] for r in store.conn.execute(f"PRAGMA table_info({t})")] for t in (
        "survey_offered", "survey_responses", "survey_answers")}  # fmt: skip
    assert columns == {
        "survey_offered": ["survey_id", "card_hash"],
        "survey_responses": ["id", "survey_id", "day"],
        "survey_answers": ["response_id", "question", "answer"],
    }
    sql = store.conn.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'survey_offered'"
    ).fetchone()[0]
    assert "WITHOUT ROWID" in sql
    # ... and no statement of the kiosk ever names both tables (no join).
    for path in (REPO / "kiosk").rglob("*.py"):
        for statement in re.findall(r'"""(.*?)"""|"([^"\n]*)"', path.read_text("utf-8"), re.S):
            text = "".join(statement)
            assert not ("survey_offered" in text and "survey_responses" in text), path
    clock.advance(days=8)  # the survey ended on the 30th
    assert [s.state for s in service.statuses()] == ["ended"]
    assert store.conn.execute("SELECT count(*) FROM survey_offered").fetchone()[0] == 0
    assert store.conn.execute("SELECT salt FROM surveys").fetchone()[0] is None
    assert service.results("jam-buka").responses == 1  # the answers stay


def test_answers_are_checked_and_counted(store: Store, clock: FakeClock) -> None:
    service = surveys(store, clock)
    for answers in ({"mudah": 6}, {"mudah": True}, {"kapan": "malam"}, {"nope": 1}):
        with pytest.raises(DomainError, match="answer_invalid"):
            service.answer("jam-buka", answers)
    with pytest.raises(DomainError, match="no_answers"):
        service.answer("jam-buka", {})
    service.answer("jam-buka", {"mudah": "5", "kapan": "sore"})
    service.answer("jam-buka", {"mudah": 5})
    clock.advance(days=1)
    service.answer("jam-buka", {"kapan": "sore"})
    service.skip("jam-buka")
    results = service.results("jam-buka")
    assert results.responses == 3
    easy, when = results.questions
    assert (easy.answers, dict(easy.counts)) == (2, {"1": 0, "2": 0, "3": 0, "4": 0, "5": 2})
    assert (when.answers, dict(when.counts)) == (2, {"pagi": 0, "sore": 2})
    first_day = service.results("jam-buka", clock().date() - timedelta(days=1), clock().date())
    assert first_day.responses == 3
    only_monday = service.results("jam-buka", None, clock().date() - timedelta(days=1))
    assert only_monday.responses == 2
    days = store.conn.execute("SELECT DISTINCT day FROM survey_responses").fetchall()
    assert [r["day"] for r in days] == ["2026-11-23", "2026-11-24"]
    counted = dict(
        store.conn.execute(
            """SELECT action, sum(count) FROM usage_counters WHERE detail = 'jam-buka'
               GROUP BY action"""
        ).fetchall()
    )
    assert counted == {"survey_answered": 3, "survey_skipped": 1}
    with pytest.raises(DomainError, match=r"survey\.unknown"):
        service.results("nope")


def test_survey_commands(
    tmp_path: Path, store: Store, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    service = surveys(store, clock)
    for n in range(7):
        service.answer("jam-buka", {"mudah": 5 if n < 6 else 2, "kapan": "pagi"})
    config_file = tmp_path / "kiosk.toml"
    config_file.write_text(config_module.default_config_text() + SURVEY.replace("{share}", "1"))
    common = ["--config", str(config_file), "--db", store.path, "--lang", "en"]
    assert main(["survey", "list", *common]) == 0
    out = capsys.readouterr().out
    assert "jam-buka" in out and "7 responses" in out and "Opening hours" in out
    assert main(["survey", "results", "jam-buka", *common, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["responses"] == "7"
    assert data["questions"][0]["counts"] == {"1": "0", "2": "< 5", "3": "0", "4": "0", "5": "6"}
    assert main(["survey", "results", "jam-buka", *common]) == 0
    out = capsys.readouterr().out
    assert "How easy?  (7 answered)" in out and "5 very easy" in out and "< 5" in out
    assert main(["survey", "results", "nope", *common]) == 1
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["survey", "list", "--db", str(tmp_path / "none.db")]) == 2
    assert "kiosk init" in capsys.readouterr().err  # a mistyped --db: run init, exit 2
    assert not (tmp_path / "none.db").exists()


def test_the_example_config_survey_is_valid() -> None:
    example = config_module.load(REPO / "config" / "kiosk.example.toml")
    assert [s.id for s in example.surveys] == ["jam-buka-2027"]
    assert replace(example.report).small_cell == 5
