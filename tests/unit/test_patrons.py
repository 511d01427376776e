"""One patron module (issue 13 item 4): what a ref names, the record read by column
name, and standing judged on the library's date, for every backend and the bookings."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kiosk.cli_signin import sign_in
from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.i18n import describe
from kiosk.money import Rupiah
from kiosk.patrons import (
    Standing,
    find_card,
    library_date,
    local_id,
    printed_forms,
    read_patron,
    require_local_id,
)
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


# -- card numbers as people type them (issue 14 item 6) ----------------------------------
@pytest.mark.parametrize(
    "typed",
    ["PLU-0002", "plu-0002", "PLU0002", "plu 0002", " PLU--0002 ", "Plu - 00 02", "PLU‑0002"],
)
def test_a_card_number_is_found_as_people_type_it(
    store: Store, default_config: Config, typed: str
) -> None:
    add_patron(store, "PLU-0001")
    ref = add_patron(store, "PLU-0002")
    for card in (find_card(store, number=typed), find_card(store, text=typed)):
        assert card is not None and card.patron_id == int(ref)
        assert card.card_number == "PLU-0002"
    svc = services(store, default_config, FakeClock())
    patron = svc.circulation.sign_in(number=typed)
    assert patron.ref == ref and patron.card_number == "PLU-0002"


def test_a_loosely_typed_number_that_fits_several_cards_is_refused(store: Store) -> None:
    add_patron(store, "AB-12")
    add_patron(store, "AB1-2")
    with pytest.raises(DomainError) as info:
        find_card(store, number="ab12")
    assert info.value.key == "circulation.card_ambiguous"
    assert "ab12" in describe(info.value, "en") and "ab12" in describe(info.value, "id")
    exact = find_card(store, number="AB-12")  # the exact number is never ambiguous
    assert exact is not None and exact.card_number == "AB-12"
    assert find_card(store, number="AB-13") is None
    assert find_card(store, number=" - ") is None
    # A hostile length is matched exactly only: no millions of printed forms.
    assert find_card(store, number="A" * 10_000) is None
    assert len(printed_forms("A" * 10_000)) == 1


def test_the_cli_sign_in_forgives_as_the_kiosk_does(store: Store, default_config: Config) -> None:
    ref = add_patron(store, "PLU-0002", key="04A1B2C3")
    svc = services(store, default_config, FakeClock())
    asked: list[bool] = []

    def pin() -> str | None:
        asked.append(True)
        return None

    for typed in ("plu0002", "PLU 0002", "04:a1:b2:c3"):
        assert sign_in(store, svc.circulation, default_config, typed, pin).ref == ref
    with pytest.raises(DomainError) as info:
        sign_in(store, svc.circulation, default_config, "PLU0003", pin)
    assert info.value.key == "circulation.card_unknown"
    assert len(asked) == 3  # an unknown card is refused before any PIN is asked
