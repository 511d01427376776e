"""The [circulation] config section, rule resolution, calendar and translations."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from kiosk import config as config_module
from kiosk.circulation.rules import Rules
from kiosk.domain.errors import ConfigError
from kiosk.i18n import catalogue, placeholders
from tests.conftest import REPO


def parse(text: str) -> config_module.Config:
    return config_module.parse(text, "test.toml")


def test_defaults_are_indonesian_public_library_rules() -> None:
    section = config_module.Config().circulation
    rules = Rules(section, "Asia/Makassar")
    book = rules.policy("adult", "book")
    assert (book.loanable, book.loan_days, book.max_renewals, book.max_items) == (
        True, 14, 2, 5,
    )  # fmt: skip
    assert (book.fine_per_day, book.fine_cap) == (500, 25_000)
    assert not rules.policy("adult", "reference").loanable
    assert not rules.policy("student", "magazine").loanable
    assert rules.policy("child", "book").max_items == 3
    assert rules.policy("staff", "book").loan_days == 28
    av = rules.policy("adult", "av")
    assert (av.loan_days, av.max_items_of_type, av.fine_per_day) == (7, 2, 1000)
    assert section.fines_limit == 50_000


def test_most_specific_rule_wins_field_by_field() -> None:
    config = parse(
        """
[circulation]
[[circulation.rules]]
loan_days = 10
max_items = 4
[[circulation.rules]]
group = "student"
loan_days = 7
[[circulation.rules]]
item_type = "book"
max_renewals = 1
[[circulation.rules]]
group = "student"
item_type = "book"
loan_days = 21
"""
    )
    rules = Rules(config.circulation, "Asia/Makassar")
    student_book = rules.policy("student", "book")
    assert (student_book.loan_days, student_book.max_renewals, student_book.max_items) == (
        21, 1, 4,
    )  # fmt: skip
    assert rules.policy("student", "dvd").loan_days == 7
    assert rules.policy("adult", "dvd").loan_days == 10
    # A setting no rule gives falls back to the built-in one.
    assert rules.policy("adult", "dvd").fine_per_day == 500


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('[circulation]\nopening_days = ["mon", "funday"]', "circulation.opening_days"),
        ('[circulation]\nclosed_dates = ["2026-02-30"]', "circulation.closed_dates"),
        ('[circulation]\ndue_time = "25:00"', "circulation.due_time"),
        ("[circulation]\nfines_limit = -1", "circulation.fines_limit"),
        ('[circulation]\nfines_limit = "lots"', "circulation.fines_limit"),
        ('[[circulation.rules]]\ngroup = "a b"', "circulation.rules[0].group"),
        ('[[circulation.rules]]\nloan_days = 5\n[[circulation.rules]]\nloan_days = 6',
         "circulation.rules"),
        ("[[circulation.rules]]\nfine_cap = -5", "circulation.rules"),
        ("[events]\nmax_per_patron = 0", "events.max_per_patron"),
    ],
)  # fmt: skip
def test_config_mistakes_are_one_line_errors(text: str, where: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse(text)
    assert info.value.key == where
    assert "\n" not in str(info.value)


def test_calendar_opening_days_and_closed_dates() -> None:
    config = parse('[circulation]\nclosed_dates = ["2026-12-25"]\nopening_days = ["mon", "fri"]')
    rules = Rules(config.circulation, "Asia/Makassar")
    assert rules.next_open_day(date(2026, 12, 22)) == date(2026, 12, 28)  # Fri 25th closed
    # 23:30 UTC on Sunday is 07:30 Monday in Palu: the local date decides.
    assert rules.local_date(datetime(2026, 11, 22, 23, 30, tzinfo=UTC)) == date(2026, 11, 23)


def test_example_config_documents_the_new_sections() -> None:
    example = (REPO / "config" / "kiosk.example.toml").read_text(encoding="utf-8")
    config = parse(example)
    assert config.circulation == config_module.Config().circulation
    for key in ("fines_limit", "opening_days", "closed_dates", "pin_max_tries", "hold_shelf",
                "max_per_patron", "[[circulation.rules]]"):  # fmt: skip
        assert key in example


def _keys_used() -> set[str]:
    pattern = re.compile(r'"((?:circulation|events|feedback|importer)\.[a-z_.]+)"')
    found: set[str] = set()
    for path in (REPO / "kiosk").rglob("*.py"):
        found |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_message_key_is_translated_in_both_languages() -> None:
    used = _keys_used()
    assert "circulation.item_on_hold" in used
    for key in sorted(used):
        assert key in catalogue("id"), key
        assert key in catalogue("en"), key
    for key, text in catalogue("en").items():
        if key.split(".")[0] in {"circulation", "events", "feedback", "importer", "cli"}:
            assert key in catalogue("id"), key
            assert placeholders(catalogue("id")[key]) == placeholders(text), key


def test_area_files_exist_for_both_languages() -> None:
    for area in ("circulation", "events", "feedback", "importer"):
        for lang in ("id", "en"):
            assert Path(REPO / "kiosk" / "locale" / lang / f"{area}.po").is_file()
