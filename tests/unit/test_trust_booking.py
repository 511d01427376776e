"""Issue 11 item 10: a staff booking skips the library's rules, never sanity; and
``created_by_staff`` says whether staff made (and so could override) the booking."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.booking.service import BookingService
from kiosk.store import Store
from tests.booking_support import (
    ADULT,
    MONDAY,
    STAFF,
    FakeClock,
    local,
    make_config,
    make_store,
    refused,
)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[BookingService]:
    config = make_config()
    store: Store = make_store(tmp_path / "k.db", config)
    yield BookingService(store, config, FakeClock(local(*MONDAY, 7, 0)))
    store.close()


@pytest.mark.parametrize("minutes", [10**9, 10**6, 7 * 24 * 60 + 30])
def test_a_staff_booking_of_absurd_length_is_refused(service: BookingService, minutes: int) -> None:
    with refused("booking.too_long"):
        service.book(ADULT, "pc-1", local(*MONDAY, 9, 0), minutes, staff=STAFF)
    with refused("booking.too_long"):
        service.book(STAFF, "pc-1", local(*MONDAY, 9, 0), minutes)


@pytest.mark.parametrize("year", [9999, 2200, 3000])
def test_a_staff_booking_years_ahead_is_refused_without_overflow(
    service: BookingService, year: int
) -> None:
    start = datetime(year, 12, 31, 23, 0, tzinfo=ZoneInfo("Asia/Makassar"))
    with refused("booking.too_far"):
        service.book(ADULT, "pc-1", start, 10**6, staff=STAFF)
    with refused("booking.too_far"):
        service.book(ADULT, "pc-1", start, 60, staff=STAFF)


def test_a_staff_booking_extended_past_sanity_is_refused(service: BookingService) -> None:
    booking = service.book(STAFF, "pc-1", local(*MONDAY, 9, 0), 60)
    with refused("booking.too_long"):
        service.extend(STAFF, booking.id, 10**9)


def test_created_by_staff_is_true_exactly_when_staff_made_the_booking(
    service: BookingService,
) -> None:
    mine = service.book(ADULT, "pc-1", local(*MONDAY, 9, 0), 60)
    assert not mine.created_by_staff
    for_patron = service.book(ADULT, "pc-2", local(*MONDAY, 9, 0), 60, staff=STAFF)
    assert for_patron.created_by_staff
    # A staff patron booking for themselves skips the rules too: that is staff's doing.
    own = service.book(STAFF, "pc-1", local(*MONDAY, 11, 0), 60)
    assert own.created_by_staff
    # Still sane at a normal length: a day-long staff booking is fine.
    day_long = service.book(ADULT, "printer-1", local(*MONDAY, 13, 0), 24 * 60, staff=STAFF)
    assert day_long.minutes == 1440
