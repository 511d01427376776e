"""The booking service: rules, overlap (held by the database), grid, check-in, extend."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from kiosk.booking.api import BOOKED, FREE, MINE, UNAVAILABLE
from kiosk.booking.rules import rules_for
from kiosk.booking.service import BookingService
from kiosk.bus import EventBus
from kiosk.config import Config
from kiosk.domain.errors import ConfigError, DomainError
from kiosk.domain.events import BookingCancelled, BookingCheckedIn, BookingExtended, Event
from kiosk.i18n import catalogue, placeholders
from kiosk.store import Store
from tests.booking_support import (
    ADULT,
    BLOCKED,
    MONDAY,
    STAFF,
    TRAINED,
    FakeClock,
    local,
    make_config,
    make_store,
    refused,
)


@pytest.fixture
def config() -> Config:
    return make_config()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(local(*MONDAY, 7, 0))


@pytest.fixture
def db(tmp_path: Path, config: Config) -> Iterator[Store]:
    store = make_store(tmp_path / "k.db", config)
    yield store
    store.close()


@pytest.fixture
def events() -> list[Event]:
    return []


@pytest.fixture
def service(db: Store, config: Config, clock: FakeClock, events: list[Event]) -> BookingService:
    bus = EventBus()
    bus.subscribe(Event, events.append)
    return BookingService(db, config, clock, bus)


def at(hour: int, minute: int = 0, day: tuple[int, int, int] = MONDAY) -> object:
    return local(*day, hour, minute)


def test_rules_layer_resource_over_kind_over_defaults(config: Config) -> None:
    printer = rules_for(config, config.resources[0])
    pc = rules_for(config, config.resources[1])
    laser = rules_for(config, config.resources[3])
    assert (printer.min_minutes, printer.buffer_minutes, printer.training) == (60, 15, "3d_printer")
    assert (pc.min_minutes, pc.buffer_minutes, pc.training) == (30, 0, "")
    assert printer.max_bookings_per_day == pc.max_bookings_per_day == 3
    assert laser.groups == frozenset({"staff"})
    assert pc.opening(date(2026, 12, 12)) == (480, 720)  # Saturday
    assert pc.opening(date(2026, 12, 13)) is None  # Sunday
    assert pc.opening(date(2026, 12, 25)) is None  # closed date


def test_bad_rules_are_config_errors() -> None:
    from kiosk import bootstrap
    from kiosk import config as config_module

    with pytest.raises(ConfigError, match=r"bookings\.defaults\.hours"):
        config_module.parse('[bookings.defaults]\nhours = { mon = "9-5" }', "<t>")
    bad = make_config(extra="\n[bookings.kinds.computer]\nmin_minutes = 45\n")
    with pytest.raises(ConfigError, match="whole slots"):
        bootstrap.check_booking_rules(bad)


def test_book_and_overlap_refused(service: BookingService) -> None:
    b = service.book(ADULT, "pc-1", at(9), 60)
    assert (b.status, b.minutes, b.resource_name) == ("booked", 60, "Komputer 1")
    assert b.starts_at == at(9)
    with pytest.raises(DomainError) as exc:
        service.book(TRAINED, "pc-1", at(9, 30), 30)
    assert exc.value.key == "booking.overlap"
    # Back to back is fine; another resource at the same time too.
    service.book(TRAINED, "pc-1", at(10), 30)
    service.book(TRAINED, "pc-2", at(9), 30)


def test_trigger_holds_even_for_a_raw_insert(service: BookingService, db: Store) -> None:
    service.book(ADULT, "pc-1", at(9), 60)
    with pytest.raises(sqlite3.IntegrityError, match=r"booking\.overlap"):
        db.conn.execute(
            "INSERT INTO bookings (resource_id, patron_id, starts_at, ends_at, created_at) "
            "VALUES ('pc-1', 2, '2026-12-07T01:30:00+00:00', '2026-12-07T02:30:00+00:00', 'x')"
        )


def test_buffer_after_a_printer_booking(service: BookingService) -> None:
    service.book(TRAINED, "printer-1", at(9), 60)
    with refused("booking.overlap"):
        service.book(STAFF, "printer-1", at(10), 60)  # inside the 15-minute buffer
    service.book(STAFF, "printer-1", at(10, 30), 60)


@pytest.mark.parametrize(
    ("patron", "resource", "start", "minutes", "key"),
    [
        (ADULT, "printer-1", (9, 0), 60, "booking.training_needed"),
        (ADULT, "laser-1", (9, 0), 60, "booking.group_not_allowed"),
        (BLOCKED, "pc-1", (9, 0), 30, "booking.patron_blocked"),
        (ADULT, "pc-1", (9, 0), 150, "booking.too_long"),
        (TRAINED, "printer-1", (9, 0), 30, "booking.too_short"),
        (ADULT, "pc-1", (9, 0), 45, "booking.whole_slots"),
        (ADULT, "pc-1", (9, 10), 30, "booking.whole_slots"),
        (ADULT, "pc-1", (7, 0), 30, "booking.outside_hours"),
        (ADULT, "pc-1", (15, 30), 60, "booking.outside_hours"),
        (ADULT, "nothing", (9, 0), 30, "booking.unknown_resource"),
        ("999", "pc-1", (9, 0), 30, "booking.unknown_patron"),
    ],
)
def test_rules_refuse(
    service: BookingService,
    patron: str,
    resource: str,
    start: tuple[int, int],
    minutes: int,
    key: str,
) -> None:
    with pytest.raises(DomainError) as exc:
        service.book(patron, resource, at(*start), minutes)
    assert exc.value.key == key


def test_days_lead_and_horizon(service: BookingService, clock: FakeClock) -> None:
    with refused("booking.closed_day"):
        service.book(ADULT, "pc-1", local(2026, 12, 13, 9), 30)  # Sunday
    with refused("booking.too_far"):
        service.book(ADULT, "pc-1", local(2026, 12, 15, 9), 30)
    clock.set(local(2026, 12, 22, 9))
    with refused("booking.closed_day"):
        service.book(ADULT, "pc-1", local(2026, 12, 25, 9), 30)
    clock.set(local(*MONDAY, 10, 10))
    # No lead time: the slot running now may be taken by a walk-in, not an earlier one.
    service.book(ADULT, "pc-1", at(10), 30)
    with refused("booking.too_soon"):
        service.book(ADULT, "pc-2", at(9, 30), 60)
    with refused("booking.in_past"):
        service.book(ADULT, "pc-2", at(9, 30), 30)


def test_per_patron_limits(service: BookingService) -> None:
    service.book(ADULT, "pc-1", at(8), 60)
    service.book(ADULT, "pc-2", at(10), 60)
    with refused("booking.limit_minutes_day"):
        service.book(ADULT, "pc-1", at(12), 90)
    service.book(ADULT, "pc-1", at(12), 30)
    with refused("booking.limit_count_day"):
        service.book(ADULT, "pc-2", at(14), 30)
    tuesday = (2026, 12, 8)
    service.book(ADULT, "pc-1", at(8, day=tuesday), 60)
    with refused("booking.limit_minutes_week"):
        service.book(ADULT, "pc-1", at(10, day=tuesday), 120)  # 330 of 300 minutes
    # A cancelled booking no longer counts.
    first = service.bookings_of(ADULT)[0]
    service.cancel(ADULT, first.id)
    service.book(ADULT, "pc-1", at(10, day=tuesday), 120)


def test_staff_override(service: BookingService) -> None:
    with refused("booking.training_needed"):
        service.book(ADULT, "printer-1", at(9), 60)
    b = service.book(ADULT, "printer-1", at(9), 240, staff=STAFF)
    assert b.created_by_staff
    with refused("booking.not_staff"):
        service.book(ADULT, "pc-1", at(9), 30, staff=TRAINED)
    # Staff override never overrides an overlap.
    with refused("booking.overlap"):
        service.book(STAFF, "printer-1", at(10), 60)


def test_day_grid(service: BookingService, clock: FakeClock) -> None:
    clock.set(local(*MONDAY, 9, 5))
    service.book(ADULT, "pc-1", at(10), 60)
    service.book(TRAINED, "printer-1", at(12), 60)
    grid = service.day(date(*MONDAY), patron=ADULT)
    by_id = {rd.resource.id: rd for rd in grid.resources}
    pc = {s.starts_at.strftime("%H:%M"): s.state for s in by_id["pc-1"].slots}
    assert len(pc) == 16  # 08:00-16:00 in 30-minute slots
    assert pc["08:00"] == UNAVAILABLE
    assert pc["09:00"] == FREE  # 09:00 is running now
    assert pc["10:00"] == pc["10:30"] == MINE
    assert pc["11:00"] == FREE
    printer = {s.starts_at.strftime("%H:%M"): s.state for s in by_id["printer-1"].slots}
    assert printer["12:30"] == BOOKED
    assert printer["13:00"] == BOOKED  # the buffer
    assert printer["13:30"] == FREE
    assert by_id["pc-1"].slots[0].starts_at.utcoffset() == timedelta(hours=8)
    laser = by_id["laser-1"].slots
    assert len(laser) == 8
    assert all(s.ends_at - s.starts_at == timedelta(hours=1) for s in laser)
    sunday = service.day(date(2026, 12, 13), kind="computer")
    assert [rd.resource.id for rd in sunday.resources] == ["pc-1", "pc-2"]
    assert all(rd.slots == () for rd in sunday.resources)
    assert [r.id for r in service.resources("3d_printer")] == ["printer-1"]


def test_check_in_window(service: BookingService, clock: FakeClock, events: list[Event]) -> None:
    b = service.book(ADULT, "pc-1", at(9), 60)
    clock.set(local(*MONDAY, 8, 30))
    with refused("booking.nothing_to_check_in"):
        service.check_in(ADULT)
    with refused("booking.check_in_closed"):
        service.check_in(ADULT, b.id)
    clock.set(local(*MONDAY, 8, 50))
    checked = service.check_in(ADULT)
    assert checked.status == "checked_in"
    assert checked.checked_in_at is not None
    assert isinstance(events[-1], BookingCheckedIn)
    with refused("booking.cannot_check_in"):
        service.check_in(ADULT, b.id)
    with refused("booking.not_yours"):
        service.cancel(TRAINED, b.id)


def test_cancel_and_extend(service: BookingService, clock: FakeClock, events: list[Event]) -> None:
    b = service.book(ADULT, "pc-1", at(9), 60)
    service.book(TRAINED, "pc-1", at(10, 30), 30)
    longer = service.extend(ADULT, b.id, 30)
    assert longer.ends_at == at(10, 30)
    assert isinstance(events[-1], BookingExtended)
    with refused("booking.next_slot_taken"):
        service.extend(ADULT, b.id, 30)
    with refused("booking.too_long"):
        service.extend(ADULT, b.id, 60)
    cancelled = service.cancel(ADULT, b.id)
    assert cancelled.status == "cancelled"
    assert isinstance(events[-1], BookingCancelled)
    assert [x.resource_id for x in service.bookings_of(ADULT)] == []
    # The slot is free again.
    service.book(STAFF, "pc-1", at(9), 60)


def test_check_extend_says_what_extend_would_and_changes_nothing(
    service: BookingService, events: list[Event]
) -> None:
    """A print's plan asks before Start: the same checks (the overlap trigger too),
    nothing written, no event."""
    b = service.book(ADULT, "pc-1", at(9), 60)
    service.book(TRAINED, "pc-1", at(10, 30), 30)
    seen = len(events)
    service.check_extend(ADULT, b.id, 30)  # would fit
    assert service.get(b.id).ends_at == at(10) and len(events) == seen
    with refused("booking.next_slot_taken"):
        service.check_extend(ADULT, b.id, 60)
    with refused("booking.not_yours"):
        service.check_extend(TRAINED, b.id, 30)
    assert service.get(b.id).ends_at == at(10) and len(events) == seen
    assert service.extend(ADULT, b.id, 30).ends_at == at(10, 30)


def test_messages_exist_in_both_languages() -> None:
    keys = [k for k in catalogue("en") if k.startswith(("booking.", "equipment.", "cli.book"))]
    assert len(keys) > 40
    for key in keys:
        assert key in catalogue("id"), key
        assert placeholders(catalogue("id")[key]) == placeholders(catalogue("en")[key]), key
