"""The booking service's answers carry what the screens show (issue 13 item 1): a
resource's durations and whether it can be booked now and why not, each free slot's
durations, a booking's check-in window and whether its patron may check in or cancel,
the days a screen may move to, and today's bookings waiting for staff. Through the
services the composition root builds, at a test clock."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from kiosk.booking.api import (
    CHECK_IN_LATER,
    CHECK_IN_NONE,
    CHECK_IN_OPEN,
    FREE,
    UNAVAILABLE,
    Bookings,
)
from kiosk.domain.events import EquipmentState
from kiosk.patrons import library_date
from kiosk.timeutil import to_db
from tests.booking_support import (
    ADULT,
    MONDAY,
    STAFF,
    TRAINED,
    ZONE,
    FakeClock,
    add_patrons,
    local,
    make_config,
    refused,
)
from tests.support.kiosks import open_test_kiosk


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(local(*MONDAY, 9, 20))


@pytest.fixture
def kiosk(tmp_path: Path, clock: FakeClock):  # type: ignore[no-untyped-def]
    # No devices: every resource is bookable (no plug to ask); see the plug test below.
    opened = open_test_kiosk(make_config(), tmp_path / "k.db", clock=clock)
    assert opened.store is not None
    add_patrons(opened.store)
    return opened


@pytest.fixture
def bookings(kiosk) -> Bookings:  # type: ignore[no-untyped-def]
    assert kiosk.services is not None and kiosk.services.bookings is not None
    return kiosk.services.bookings


def slot(bookings: Bookings, resource: str, hhmm: str, day: date | None = None):  # type: ignore[no-untyped-def]
    # A patron who may book every resource here (the induction for the printers).
    grid = bookings.day(day or date(*MONDAY), patron=TRAINED)
    found = next(r for r in grid.resources if r.resource.id == resource)
    return next(s for s in found.slots if s.starts_at.strftime("%H:%M") == hhmm)


def test_a_resource_knows_its_durations_and_a_free_slot_what_fits_it(bookings: Bookings) -> None:
    printer = next(r for r in bookings.resources() if r.id == "printer-1")
    assert printer.durations == (60, 90, 120, 150, 180)
    assert printer.bookable_now and printer.not_bookable_reason == ""
    # The running slot (no lead time) offers every length to closing time's limit.
    assert slot(bookings, "printer-1", "09:00").durations == (60, 90, 120, 150, 180)
    # 14:30: only 60 and 90 minutes fit before closing (16:00).
    assert slot(bookings, "printer-1", "14:30").durations == (60, 90)
    # 15:30: not even the shortest fits: unavailable, never a slot that cannot be booked.
    last = slot(bookings, "printer-1", "15:30")
    assert (last.state, last.durations) == (UNAVAILABLE, ())
    # Past slots offer nothing.
    assert slot(bookings, "printer-1", "08:00").durations == ()


def test_a_booking_and_its_buffer_shorten_what_the_slots_before_it_offer(
    bookings: Bookings,
) -> None:
    bookings.book(TRAINED, "printer-1", local(*MONDAY, 13), 60)  # 13:00-14:00, +15 buffer
    # 11:00: 60 and 90 (the new one's own buffer must end by 13:00: 120 would not).
    assert slot(bookings, "printer-1", "11:00").durations == (60, 90)
    assert slot(bookings, "printer-1", "12:00").state == UNAVAILABLE  # 60 + 15 > 60
    assert slot(bookings, "printer-1", "14:00").state != FREE  # the buffer holds it


def test_equipment_that_cannot_be_powered_offers_no_slot_and_says_why(
    tmp_path: Path, clock: FakeClock
) -> None:
    kiosk = open_test_kiosk(make_config(), tmp_path / "plugs.db", clock=clock, devices=True)
    assert kiosk.services is not None and kiosk.services.bookings is not None
    bookings = kiosk.services.bookings
    kiosk.equipment.watch()  # the one owner of equipment state hears the plugs
    assert slot(bookings, "pc-1", "10:00").durations == ()  # not answered yet
    kiosk.bus.publish(EquipmentState(resource="pc-1", on=False, online=True, device="pc-1"))
    assert slot(bookings, "pc-1", "10:00").durations == (30, 60, 90, 120)
    kiosk.bus.publish(EquipmentState(resource="pc-1", on=None, online=False, device="pc-1"))
    pc = next(r for r in bookings.resources() if r.id == "pc-1")
    assert not pc.bookable_now and pc.not_bookable_reason == "equipment.reason.offline"
    free = slot(bookings, "pc-1", "10:00")
    assert free.state == FREE and free.durations == ()  # free, but not now
    kiosk.equipment.stop()


def test_a_booking_knows_its_check_in_window_and_who_may_cancel(
    bookings: Bookings, clock: FakeClock
) -> None:
    made = bookings.book(ADULT, "pc-1", local(*MONDAY, 10), 60)
    assert (made.check_in_opens, made.check_in_closes) == (
        local(*MONDAY, 9, 45),
        local(*MONDAY, 10, 10),
    )
    assert made.check_in == CHECK_IN_LATER and made.may_cancel
    clock.set(local(*MONDAY, 9, 50))
    (mine,) = bookings.bookings_of(ADULT)
    assert mine.check_in == CHECK_IN_OPEN
    clock.set(local(*MONDAY, 10, 5))  # started, not checked in yet: too late to cancel
    (mine,) = bookings.bookings_of(ADULT)
    assert mine.check_in == CHECK_IN_OPEN and not mine.may_cancel
    with refused("booking.cannot_cancel"):
        bookings.cancel(ADULT, made.id)
    checked = bookings.check_in(ADULT, made.id)
    assert checked.check_in == CHECK_IN_NONE and checked.check_in_opens is None
    assert not checked.may_cancel
    clock.set(local(*MONDAY, 10, 20))
    later = bookings.book(ADULT, "pc-1", local(*MONDAY, 12), 30)
    clock.set(local(*MONDAY, 12, 15))  # the window closed: nothing to check in any more
    (_, missed) = bookings.bookings_of(ADULT)
    assert missed.id == later.id and missed.check_in == CHECK_IN_NONE


def test_the_view_brings_a_day_the_patron_s_bookings_and_the_days_to_move_to(
    bookings: Bookings,
) -> None:
    bookings.book(ADULT, "pc-1", local(*MONDAY, 10), 60)
    view = bookings.view(ADULT)
    assert view.today == date(*MONDAY) and view.grid.day == view.today
    assert [b.resource_id for b in view.mine] == ["pc-1"]
    assert view.previous_day is None and view.next_day == date(2026, 12, 8)
    assert [r.id for r in view.resources] == ["printer-1", "pc-1", "pc-2", "laser-1"]
    last = bookings.view(ADULT, date(*MONDAY) + timedelta(days=7))  # horizon: 7 days
    assert last.next_day is None and last.previous_day == date(2026, 12, 13)
    # A day beyond the horizon (or before today) is clamped to the bookable days.
    assert bookings.view(ADULT, date(2027, 1, 1)).grid.day == date(2026, 12, 14)
    assert bookings.view(ADULT, date(2026, 1, 1)).grid.day == date(*MONDAY)


def test_staff_see_today_s_bookings_waiting_for_a_check_in(
    bookings: Bookings, clock: FakeClock
) -> None:
    early = bookings.book(ADULT, "pc-1", local(*MONDAY, 10), 30)
    late = bookings.book(ADULT, "pc-2", local(*MONDAY, 14), 30)
    bookings.book(ADULT, "pc-1", local(*MONDAY, 8) + timedelta(days=1), 30)  # tomorrow
    assert [b.id for b in bookings.waiting()] == [early.id, late.id]
    bookings.check_in(None, early.id)
    clock.set(local(*MONDAY, 14, 40))  # the 14:00 one has ended
    assert bookings.waiting() == []


def test_a_card_expiring_today_is_valid_all_the_library_s_day(
    kiosk, bookings: Bookings, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    """On a UTC host the library's day starts 8 hours before the host's: a card that
    expires today (WITA) must book at 07:00 WITA (23:00 UTC the day before), and one
    that expired yesterday must not, at 01:00 WITA (17:00 UTC, still 'yesterday' on
    the host)."""
    with kiosk.store.transaction() as db:
        db.execute("UPDATE patrons SET expires_on = ? WHERE id = ?", ["2026-12-07", int(ADULT)])
        db.execute("UPDATE patrons SET expires_on = ? WHERE id = ?", ["2026-12-06", int(TRAINED)])
    clock.set(local(*MONDAY, 7, 0))
    assert clock().date() == date(2026, 12, 6)  # the host's (UTC) date is still Sunday
    assert library_date(clock(), ZONE) == date(*MONDAY)
    assert bookings.book(ADULT, "pc-1", local(*MONDAY, 9), 30).patron_ref == ADULT
    clock.set(local(*MONDAY, 1, 0))
    with refused("booking.card_expired"):
        bookings.book(TRAINED, "pc-2", local(*MONDAY, 9), 30)
    assert to_db(clock()).startswith("2026-12-06T17")


def test_a_card_tap_checks_in_the_open_booking_and_nothing_is_no_refusal(
    kiosk,
    bookings: Bookings,  # type: ignore[no-untyped-def]
) -> None:
    assert bookings.arrive(ADULT) is None  # most sign-ins
    made = bookings.book(ADULT, "pc-1", local(*MONDAY, 9, 30), 30)  # window from 09:15
    arrived = bookings.arrive(ADULT)
    assert arrived is not None and (arrived.id, arrived.status) == (made.id, "checked_in")
    assert bookings.arrive(ADULT) is None
    with refused("booking.nothing_to_check_in"):
        bookings.check_in(ADULT)  # asked for explicitly, it is still a refusal
    counted = kiosk.store.conn.execute(
        "SELECT detail FROM usage_counters WHERE action = 'refusal'"
    ).fetchall()
    assert [r["detail"] for r in counted] == ["booking.nothing_to_check_in"]


def test_the_view_tells_a_patron_early_what_they_may_not_book(bookings: Bookings) -> None:
    """Issue 14 item 8: the answer carries the refusal a booking would get (no
    induction, not in the resource's groups) and offers that patron no durations; a
    trained patron gets none, staff (who override the rules) none either."""
    cases = {
        ADULT: {"printer-1": "booking.training_needed", "laser-1": "booking.group_not_allowed"},
        TRAINED: {"printer-1": "", "laser-1": "booking.group_not_allowed"},
        STAFF: {"printer-1": "", "laser-1": ""},
    }
    for ref, expected in cases.items():
        view = bookings.view(ref, date(*MONDAY))
        told = {r.id: r.refusal for r in view.resources}
        assert told == {**expected, "pc-1": "", "pc-2": ""}, ref
        for day in view.grid.resources:
            offered = [slot for slot in day.slots if slot.durations]
            assert bool(offered) != bool(day.resource.refusal), (ref, day.resource.id)
        for resource_id, key in expected.items():
            if key:
                with refused(key):
                    bookings.book(ref, resource_id, local(*MONDAY, 11, 0), 60)
    assert {r.refusal for r in bookings.resources()} == {""}  # no patron asked about
