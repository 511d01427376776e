"""Issue 11 item 8: one money module reads and writes rupiah exactly, and every place
that shows money (CLI, receipts, screens, translated messages) agrees per language."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk import money
from kiosk.domain.errors import DomainError
from kiosk.i18n import describe, translate


@pytest.mark.parametrize(
    "text",
    ["5000", "5.000", "5,000", "Rp 5.000", "Rp5,000", "rp 5000", "IDR 5.000", " 5000 "],
)
def test_five_thousand_in_every_accepted_spelling(text: str) -> None:
    assert money.parse(text) == 5000


@pytest.mark.parametrize(
    "text",
    [
        "5000.5",  # a minor unit rupiah do not have
        "5.00",  # a group of two is not a thousands group
        "5,00",
        "-5",
        "+5",
        "²³",  # superscripts are digits to str.isdigit, not to a cashier
        "٥٠٠٠",  # Arabic-Indic digits
        "5.000,000",  # two different separators: ambiguous
        "5..000",
        ".5000",
        "5000.",
        "05.000",
        "0",
        "",
        "Rp",
        "5 000 000",
        "1e3",
        "nan",
        "inf",
        "5_000",
        "1.000.000.000.000.000.000.000",  # more than SQLite's integer holds
    ],
)
def test_anything_else_is_refused_with_a_clear_message(text: str) -> None:
    with pytest.raises(DomainError) as caught:
        money.parse(text)
    assert caught.value.key == "money.invalid"
    message = describe(caught.value, "en")
    assert "\n" not in message and "5.000" in message  # says how to write it


def test_large_amounts_read_in_groups() -> None:
    assert money.parse("1.234.567") == 1_234_567
    assert money.parse("1,234,567") == 1_234_567
    assert money.parse("999") == 999


def test_format_per_language() -> None:
    assert money.rupiah(75000, "id") == "Rp 75.000"
    assert money.rupiah(75000, "en") == "Rp 75,000"
    assert money.rupiah(0, "en") == "Rp 0"
    assert money.rupiah(1_234_567, "id") == "Rp 1.234.567"


@given(st.integers(min_value=1, max_value=money.MAX_AMOUNT))
def test_what_is_written_reads_back(amount: int) -> None:
    for language in ("id", "en"):
        assert money.parse(money.rupiah(amount, language)) == amount


def test_money_in_a_message_is_written_in_the_message_language() -> None:
    error = DomainError(
        "circulation.fines_over_limit", balance=money.Rupiah(75000), limit=money.Rupiah(50000)
    )
    assert "Rp 75,000" in describe(error, "en") and "Rp 50,000" in describe(error, "en")
    assert "Rp 75.000" in describe(error, "id")
    assert "Rp 5,000" in translate("receipt.fine", "en", amount=money.Rupiah(5000))


def test_every_place_that_shows_money_agrees() -> None:
    from kiosk import receipts
    from screens import format as fmt

    for language in ("id", "en"):
        assert receipts.rupiah is money.rupiah
        assert fmt.rupiah is money.rupiah
        assert money.rupiah(12345, language) in describe(
            DomainError("circulation.pay_too_much", balance=money.Rupiah(12345)), language
        )


def test_no_other_money_formatting_is_left() -> None:
    """One home for the format: nothing else groups digits (kiosk.formatting groups
    them for money and counts alike)."""
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    offenders = []
    for folder in ("kiosk", "screens", "devices", "accessibility"):
        for path in (repo / folder).rglob("*.py"):
            if path.name in ("money.py", "formatting.py"):
                continue
            text = path.read_text(encoding="utf-8")
            if "format_decimal" in text or 'replace(",", ".")' in text or "def rupiah" in text:
                offenders.append(str(path.relative_to(repo)))
    assert offenders == []
