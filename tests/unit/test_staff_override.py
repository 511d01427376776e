"""Staff override of a plug (issue 14 item 11), with simulated plugs: "Turn on" holds
until staff switch back or the next booking boundary, survives a restart, and the
status says what the bookings alone would do. The real broker is in
tests/integration/test_mqtt_override.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.sim import SimSwitch
from kiosk.booking.engine import Makerspace, build_equipment, build_makerspace
from kiosk.booking.override import power
from kiosk.bus import EventBus
from kiosk.config import Config
from kiosk.ports import EquipmentSwitch
from kiosk.store import Store
from tests.booking_support import ADULT, MONDAY, TRAINED, FakeClock, local, make_config, make_store


class Rig:
    def __init__(self, tmp_path: Path) -> None:
        self.path = tmp_path / "k.db"
        self.config: Config = make_config()
        self.store: Store = make_store(self.path, self.config)
        self.clock = FakeClock(local(*MONDAY, 8, 0))
        self.bus = EventBus()
        self.plug = SimSwitch(resource="pc-1")
        self.space = self.build()

    def build(self) -> Makerspace:
        switches: dict[str, EquipmentSwitch] = {"pc-1": self.plug}
        equipment = build_equipment(self.config, self.bus, switches, {})
        equipment.watch()
        self.plug.start(self.bus)
        return build_makerspace(self.store, self.config, self.bus, equipment, clock=self.clock)

    def restart(self) -> None:
        """The kiosk goes down and comes back on the same database; the plug stays."""
        self.space.equipment.stop()
        self.store.close()
        self.bus = EventBus()
        self.store = make_store(self.path, self.config)
        self.space = self.build()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = Rig(tmp_path)
    yield r
    r.space.equipment.stop()
    r.store.close()


def test_turn_on_without_a_booking_is_not_switched_back(rig: Rig) -> None:
    eq = rig.space.equipment
    assert eq.switch("pc-1", True).confirmed
    assert eq.apply("pc-1", force=True)  # the reconcile: the override holds
    assert eq.apply("pc-1", force=False)
    assert rig.plug.commands == [True, True]  # never OFF
    status = eq.equipment_state("pc-1")
    assert (status.on, status.bookings_on, status.override_on) == (True, False, True)
    assert status.override_until is None  # nothing booked: until staff switch back


def test_staff_turning_it_off_ends_the_override(rig: Rig) -> None:
    eq = rig.space.equipment
    eq.switch("pc-1", True)
    eq.switch("pc-1", False)
    assert eq.equipment_state("pc-1").override_on is None
    assert not power(rig.store, "pc-1", rig.clock()).override
    assert eq.apply("pc-1", force=False)
    assert rig.plug.commands == [True, False]


def test_the_override_ends_at_the_next_booking_start(rig: Rig) -> None:
    svc, eq = rig.space.service, rig.space.equipment
    svc.book(ADULT, "pc-1", local(*MONDAY, 10), 60)
    eq.switch("pc-1", True)
    assert eq.equipment_state("pc-1").override_until == local(*MONDAY, 10)
    rig.clock.set(local(*MONDAY, 9, 59))
    assert eq.apply("pc-1", force=False) and rig.plug.on
    # 10:00, nobody checked in: the bookings rule again, and they say off.
    rig.clock.set(local(*MONDAY, 10, 0))
    assert eq.apply("pc-1", force=False)
    assert rig.plug.commands == [True, False]
    status = eq.equipment_state("pc-1")
    assert (status.override_on, status.bookings_on, status.on) == (None, False, False)


def test_a_booking_starting_under_the_override_keeps_it_on_then_ends(rig: Rig) -> None:
    svc, sched, eq = rig.space.service, rig.space.scheduler, rig.space.equipment
    eq.switch("pc-1", True)  # 08:00, nothing booked yet
    svc.book(TRAINED, "pc-1", local(*MONDAY, 9), 60)  # brings the boundary forward
    assert eq.apply("pc-1", force=False)
    assert eq.equipment_state("pc-1").override_until == local(*MONDAY, 9)
    rig.clock.set(local(*MONDAY, 9, 0))
    svc.check_in(TRAINED)
    sched.tick()  # active
    assert eq.apply("pc-1")  # the start: on, now because of the booking
    status = eq.equipment_state("pc-1")
    assert (status.override_on, status.bookings_on) == (None, True)
    rig.clock.set(local(*MONDAY, 10, 0))
    sched.tick()  # completed
    assert eq.apply("pc-1")
    assert rig.plug.commands[-1] is False and not rig.plug.on


def test_turn_off_during_a_booking_holds_until_its_end(rig: Rig) -> None:
    svc, sched, eq = rig.space.service, rig.space.scheduler, rig.space.equipment
    svc.book(TRAINED, "pc-1", local(*MONDAY, 9), 60)
    svc.book(ADULT, "pc-1", local(*MONDAY, 10), 60)
    rig.clock.set(local(*MONDAY, 9, 0))
    svc.check_in(TRAINED)
    sched.tick()
    assert eq.apply("pc-1") and rig.plug.on
    rig.clock.set(local(*MONDAY, 9, 20))
    eq.switch("pc-1", False)  # something smells: staff cut it
    assert eq.apply("pc-1", force=False) and not rig.plug.on
    status = eq.equipment_state("pc-1")
    assert (status.override_on, status.bookings_on) == (False, True)
    assert status.override_until == local(*MONDAY, 10)


def test_the_override_survives_a_restart_and_ends_at_the_boundary(rig: Rig) -> None:
    rig.space.service.book(ADULT, "pc-1", local(*MONDAY, 11), 60)
    rig.space.equipment.switch("pc-1", True)
    rig.clock.set(local(*MONDAY, 9, 0))
    rig.restart()
    eq = rig.space.equipment
    assert eq.apply("pc-1", force=True)  # a restart reconciles every plug
    assert rig.plug.commands == [True, True]
    assert eq.equipment_state("pc-1").override_on is True
    # Down again over the boundary: the next kiosk finds it ended and cuts the power.
    rig.clock.set(local(*MONDAY, 11, 30))
    rig.restart()
    assert rig.space.equipment.apply("pc-1", force=True)
    assert rig.plug.commands[-1] is False
    assert rig.store.conn.execute("SELECT count(*) FROM equipment_overrides").fetchone()[0] == 0


def test_a_status_change_is_announced(rig: Rig) -> None:
    from kiosk.domain.events import EquipmentChanged
    from tests.support.waiting import Recorder

    seen = Recorder(rig.bus, EquipmentChanged)
    eq = rig.space.equipment
    eq.apply("pc-1", force=False)
    before = len(seen.of(EquipmentChanged))
    eq.switch("pc-1", True)
    assert len(seen.of(EquipmentChanged)) > before
