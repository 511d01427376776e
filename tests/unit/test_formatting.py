"""One formatting module (issue 13 item 4): numbers, dates and times per language, one
Babel locale each (en_GB for English everywhere: screens, receipts, messages, CLI)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from kiosk import formatting
from kiosk.i18n import translate
from kiosk.money import rupiah

MOMENT = datetime(2026, 12, 12, 7, 5, tzinfo=UTC)  # 15:05 in Palu
ZONE = "Asia/Makassar"


def test_dates_and_times_per_language_in_the_library_s_zone() -> None:
    assert formatting.day_long(MOMENT, "id", ZONE) == "Sabtu, 12 Desember 2026"
    assert formatting.day_long(MOMENT, "en", ZONE) == "Saturday, 12 December 2026"
    assert formatting.day_short(MOMENT, "id", ZONE) == "Sab, 12 Des"
    assert formatting.day(date(2026, 12, 12), "en") == "12 Dec 2026"
    assert formatting.time_of_day(MOMENT, "id", ZONE) == "15.05"
    # English: a 24-hour clock and a plain space, never Babel's en_US "3:05\u202fPM".
    assert formatting.time_of_day(MOMENT, "en", ZONE) == "15:05"
    assert formatting.day_time(MOMENT, "en", ZONE) == "12 Dec 2026 15:05"
    assert formatting.local_date(MOMENT, "UTC") == date(2026, 12, 12)


def test_numbers_and_money_share_the_grouping() -> None:
    assert formatting.number(75000, "id") == "75.000" and rupiah(75000, "id") == "Rp 75.000"
    assert formatting.number(75000, "en") == "75,000" and rupiah(75000, "en") == "Rp 75,000"
    assert formatting.percent(0.125, "id", 1) == "12,5%"


def test_a_message_writes_dates_and_times_in_its_language() -> None:
    opens = datetime(2026, 12, 7, 9, 45, tzinfo=ZoneInfo(ZONE))
    assert translate("booking.check_in_closed", "id", opens=opens).endswith("09.45.")
    assert translate("booking.check_in_closed", "en", opens=opens) == "Check-in opens at 09:45."
    said = translate("circulation.card_expired", "en", expired_on=date(2026, 10, 30))
    assert "30 Oct 2026" in said


def test_weekday_names_and_word_lists_per_language() -> None:
    saturday = date(2026, 12, 12).weekday()
    assert formatting.weekday(saturday, "id") == "Sabtu"
    assert formatting.weekday(saturday, "en", "abbreviated") == "Sat"
    assert formatting.weekday(0, "id", "abbreviated") == "Sen"  # Monday is 0
    assert formatting.word_list(["Senin", "Selasa"], "id") == "Senin dan Selasa"
    assert formatting.word_list(["Monday", "Tuesday", "Friday"], "en") == (
        "Monday, Tuesday and Friday"
    )
