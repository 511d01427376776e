"""Check-in without a tap: ``checkin = "auto"`` per kind, a booking made to start by
itself (``--staff --auto``), and staff checking a patron in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import config as config_module
from kiosk.booking.rules import rules_for
from kiosk.booking.scheduler import Scheduler
from kiosk.booking.service import BookingService
from kiosk.bus import EventBus
from kiosk.config import Config
from kiosk.domain.errors import ConfigError
from kiosk.domain.events import BookingCheckedIn, BookingNoShow, BookingStarted, Event
from kiosk.store import Store
from tests.booking_support import (
    ADULT,
    CONFIG,
    MONDAY,
    STAFF,
    TRAINED,
    FakeClock,
    local,
    make_store,
    refused,
)

#: Computers start by themselves; 3D printers keep the card tap (the default).
AUTO = CONFIG.replace("{switch1}", "sim://").replace("{switch2}", "sim://") + (
    '\n[bookings.kinds.computer]\ncheckin = "auto"\n'
)


class Rig:
    def __init__(self, tmp_path: Path, text: str = AUTO) -> None:
        self.config: Config = config_module.parse(text, "<checkin test>")
        self.store: Store = make_store(tmp_path / "k.db", self.config)
        self.clock = FakeClock(local(*MONDAY, 7, 0))
        self.bus = EventBus()
        self.events: list[Event] = []
        self.bus.subscribe(Event, self.events.append)
        self.service = BookingService(self.store, self.config, self.clock, self.bus)
        self.scheduler = Scheduler(self.store, self.bus, self.service.rules, self.clock)

    def at(self, hour: int, minute: int = 0) -> list[Event]:
        self.clock.set(local(*MONDAY, hour, minute))
        return self.scheduler.tick()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = Rig(tmp_path)
    yield r
    r.store.close()


def test_checkin_is_configured_per_kind(rig: Rig) -> None:
    kinds = {r.id: rules_for(rig.config, r).checkin for r in rig.config.resources}
    assert kinds == {"printer-1": "tap", "pc-1": "auto", "pc-2": "auto", "laser-1": "tap"}
    bad = AUTO.replace('checkin = "auto"', 'checkin = "maybe"')
    with pytest.raises(ConfigError, match=r"checkin.*'tap', 'auto'.*'maybe'"):
        config_module.parse(bad, "<bad>")


def test_an_auto_booking_starts_at_its_start_and_is_never_a_no_show(rig: Rig) -> None:
    # Made at the desk: nobody taps a card.
    booking = rig.service.book(ADULT, "pc-1", local(*MONDAY, 9), 60)
    assert rig.at(8, 59) == []
    (started,) = rig.at(9, 0)
    assert isinstance(started, BookingStarted)
    assert started.display_name == "Ani L."
    assert rig.service.get(booking.id).status == "active"
    assert rig.at(9, 30) == []  # long past the no-show time: still running
    assert rig.service.get(booking.id).status == "active"


def test_a_tap_booking_still_needs_the_tap(rig: Rig) -> None:
    booking = rig.service.book(TRAINED, "printer-1", local(*MONDAY, 9), 60)
    assert rig.at(9, 0) == []
    (no_show,) = rig.at(9, 10)
    assert isinstance(no_show, BookingNoShow)
    assert rig.service.get(booking.id).status == "no_show"


def test_one_booking_made_to_start_by_itself(rig: Rig) -> None:
    # A tap kind, but staff said "auto" for this one booking (kiosk bookings create
    # --staff --auto).
    booking = rig.service.book(TRAINED, "printer-1", local(*MONDAY, 9), 60, staff=STAFF, auto=True)
    assert booking.auto_start and booking.created_by_staff
    (started,) = rig.at(9, 0)
    assert isinstance(started, BookingStarted)
    assert rig.service.get(booking.id).status == "active"
    # Only staff may say so.
    with refused("booking.auto_needs_staff"):
        rig.service.book(ADULT, "laser-1", local(*MONDAY, 11), 60, auto=True)


def test_a_kiosk_down_over_the_whole_auto_booking_completes_it(rig: Rig) -> None:
    booking = rig.service.book(ADULT, "pc-1", local(*MONDAY, 9), 60)
    rig.at(10, 5)
    assert rig.service.get(booking.id).status == "completed"


def test_staff_check_a_patron_in(rig: Rig) -> None:
    booking = rig.service.book(TRAINED, "printer-1", local(*MONDAY, 9), 60)
    rig.clock.set(local(*MONDAY, 8, 0))  # before the patron's window opens: staff may
    checked = rig.service.check_in(None, booking.id)
    assert checked.status == "checked_in"
    assert any(isinstance(e, BookingCheckedIn) for e in rig.events)
    (started,) = rig.at(9, 0)
    assert isinstance(started, BookingStarted)
    with refused("booking.cannot_check_in"):
        rig.service.check_in(None, booking.id)
    with refused("booking.nothing_to_check_in"):
        rig.service.check_in(None)  # staff name the booking
    late = rig.service.book(ADULT, "laser-1", local(*MONDAY, 10), 60, staff=STAFF)
    rig.clock.set(local(*MONDAY, 11, 0))
    with refused("booking.cannot_check_in"):
        rig.service.check_in(None, late.id)  # it has ended
