"""One patron module (issue 13 item 4): what a ref names, the record read by column
name, and standing judged on the library's date, for every backend and the bookings."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.i18n import describe
from kiosk.money import Rupiah
from kiosk.patrons import Standing, library_date, local_id, read_patron, require_local_id
from kiosk.store import Store
from tests.unit.circ_helpers import FakeClock, add_patron, services


@pytest.mark.parametrize(
    ("ref", "expected"),
    [("12", 12), (" 7 ", 7), (3, 3), ("P-1", None), ("", None), ("١٢", None), (True, None),
     (0, None), (None, None), ("04A1B2", None)],
)  # fmt: skip
def test_a_ref_names_a_local_patron_or_none(ref: object, expected: int | None) -> None:
    assert local_id(ref) == expected  # type: ignore[arg-type]


def test_a_ref_that_names_none_is_refused_with_the_caller_s_key() -> None:
    with pytest.raises(DomainError) as info:
        require_local_id("P-1", "booking.unknown_patron")
    assert info.value.key == "booking.unknown_patron"
    assert require_local_id("5") == 5


def test_standing_lists_blocks_in_the_order_a_patron_can_act_on() -> None:
    today = date(2026, 11, 23)
    worst = Standing(lost=True, blocked=True, expires_on=date(2026, 11, 22), balance=60_000,
                     fines_limit=50_000)  # fmt: skip
    assert [e.key for e in worst.problems(today)] == [
        "circulation.card_lost",
        "circulation.card_blocked",
        "circulation.card_expired",
        "circulation.fines_over_limit",
    ]
    assert [e.key for e in worst.problems(today, fines=False)][-1] == "circulation.card_expired"
    assert Standing(expires_on=today).problems(today) == []  # expires today: valid today
    ils = Standing(balance=75_000, fines_over=True)  # the ILS knows its own limit
    (fines,) = ils.problems(today)
    assert fines.key == "circulation.ils_fines" and fines.params == {"balance": Rupiah(75_000)}
    with pytest.raises(DomainError, match="card_blocked"):
        Standing(blocked=True).check(today)


def test_the_library_s_date_not_the_host_s() -> None:
    late_utc = datetime(2026, 11, 22, 17, 0, tzinfo=UTC)  # 01:00 on the 23rd in Palu
    assert library_date(late_utc, "Asia/Makassar") == date(2026, 11, 23)
    assert library_date(late_utc, "UTC") == date(2026, 11, 22)


def test_sign_in_judges_expiry_on_the_library_s_date(store: Store, default_config: Config) -> None:
    """At 01:00 WITA the host's UTC date is still yesterday: a card that expired then
    is refused, and the message writes the date in its language."""
    clock = FakeClock(datetime(2026, 11, 22, 17, 0, tzinfo=UTC))
    add_patron(store, "Y-1", expires_on="2026-11-22")
    add_patron(store, "T-1", expires_on="2026-11-23")
    svc = services(store, default_config, clock)
    with pytest.raises(DomainError) as info:
        svc.circulation.sign_in(number="Y-1")
    assert info.value.key == "circulation.card_expired"
    assert "22 Nov 2026" in describe(info.value, "en")
    assert svc.circulation.sign_in(number="T-1").card_number == "T-1"


def test_the_record_is_read_by_column_name(store: Store) -> None:
    ref = add_patron(store, "R-1", group="staff", expires_on="2027-01-31", blocked=True)
    record = read_patron(store.conn, int(ref))
    assert record is not None
    assert (record.patron_group, record.is_staff, record.blocked) == ("staff", True, True)
    assert record.expires_on == date(2027, 1, 31) and record.trained_on == frozenset()
    assert read_patron(store.conn, 999) is None
