"""The equipment controller as the one owner of equipment state, with simulated plugs and
hand-made adapter reports (the real broker is in tests/integration)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from devices.sim import SimSwitch
from kiosk.booking.equipment import EquipmentController
from kiosk.bus import EventBus
from kiosk.domain.errors import DomainError
from kiosk.domain.events import (
    DeviceStatus,
    EquipmentChanged,
    EquipmentFault,
    EquipmentState,
)
from kiosk.ports import EquipmentSwitch
from tests.support.waiting import Recorder


class Rig:
    def __init__(self) -> None:
        self.bus = EventBus()
        self.seen = Recorder(self.bus, EquipmentFault, EquipmentChanged)
        self.plug = SimSwitch(name="pc-1", resource="pc-1")
        switches: dict[str, EquipmentSwitch] = {"pc-1": self.plug}
        self.owner = EquipmentController(
            None,
            self.bus,
            switches,
            resources=["pc-1", "laser-1"],
            timeout=0.2,
            offline_grace_s=0.1,
            broker_settle_s=0.2,
        )
        self.owner.watch()

    def say(self, **fields: object) -> None:
        self.bus.publish(EquipmentState(resource="pc-1", **fields))  # type: ignore[arg-type]

    def faults(self) -> list[tuple[str, str]]:
        return [(e.resource, e.key) for e in self.seen.of(EquipmentFault)]

    def broker(self, ok: bool) -> None:
        self.bus.publish(DeviceStatus(device="mqtt://b", kind="mqtt", ok=ok))


@pytest.fixture
def rig() -> Iterator[Rig]:
    r = Rig()
    yield r
    r.owner.stop()


def test_unknown_until_the_plug_speaks(rig: Rig) -> None:
    pc = rig.owner.equipment_state("pc-1")
    assert (pc.switch, pc.liveness, pc.on, pc.heard_at) == ("pc-1", "unknown", None, None)
    assert not pc.bookable and pc.reason == "equipment.reason.not_answered"
    laser = rig.owner.equipment_state("laser-1")
    assert (laser.switch, laser.liveness, laser.bookable) == ("", "none", True)
    with pytest.raises(DomainError):
        rig.owner.equipment_state("nope")
    rig.plug.start(rig.bus)  # announces itself, as a Last Will topic does
    pc = rig.owner.equipment_state("pc-1")
    assert (pc.liveness, pc.on, pc.heard_from) == ("online", None, "pc-1")
    assert pc.heard_at is not None and pc.bookable
    assert rig.owner.probe("pc-1").on is False
    assert rig.owner.equipment_state("pc-1").round_trip_ms is not None
    assert [s.resource_id for s in rig.owner.all_states()] == ["pc-1", "laser-1"]
    assert {e.resource for e in rig.seen.of(EquipmentChanged)} == {"pc-1"}


def test_a_plug_that_stops_answering_is_unknown_again(rig: Rig) -> None:
    rig.plug.start(rig.bus)
    rig.plug.fail("timeout")
    status = rig.owner.probe("pc-1")
    assert (status.liveness, status.problem) == ("unknown", "equipment.no_echo")
    assert not status.bookable


def test_an_opposite_answer_is_the_fault(rig: Rig) -> None:
    rig.plug.start(rig.bus)
    assert rig.owner.switch("pc-1", True).confirmed
    rig.plug.fail("ignore_off")
    outcome = rig.owner.switch("pc-1", False)
    assert (outcome.confirmed, outcome.answered, outcome.key) == (
        False,
        True,
        "equipment.answered_on",
    )
    status = rig.owner.equipment_state("pc-1")
    assert (status.on, status.fault) == (True, "equipment.answered_on")
    with pytest.raises(DomainError, match="no_switch"):
        rig.owner.switch("laser-1", True)


def test_offline_is_told_once_after_the_grace(rig: Rig) -> None:
    rig.say(on=None, online=True, device="pc-1")
    rig.say(on=None, online=False, device="pc-1")
    rig.say(on=None, online=False, device="pc-1")  # the retained Last Will again
    assert rig.seen.wait_for(lambda: rig.faults() == [("pc-1", "equipment.offline")])
    # A blip shorter than the grace is not worth a notice.
    rig.say(on=None, online=True, device="pc-1")
    rig.say(on=None, online=False, device="pc-1")
    rig.say(on=None, online=True, device="pc-1")
    time.sleep(0.3)
    assert rig.faults() == [("pc-1", "equipment.offline")]


def test_a_broker_restart_is_one_notice(rig: Rig) -> None:
    rig.say(on=False, online=True, device="pc-1")
    # Mosquitto publishes every Last Will on its way down, then the connection drops.
    rig.say(on=None, online=False, device="pc-1")
    rig.broker(False)
    rig.say(on=None, online=None, problem="equipment.broker_lost")
    assert rig.owner.equipment_state("pc-1").reason == "equipment.reason.broker_lost"
    rig.broker(True)
    rig.say(on=None, online=True, device="pc-1")  # its Last Will topic, retained again
    time.sleep(0.4)  # past the grace and the settle time
    assert rig.faults() == [("", "equipment.broker_restarted")]


def test_a_plug_not_back_after_the_broker_is_told_on_its_own(rig: Rig) -> None:
    rig.say(on=False, online=True, device="pc-1")
    rig.broker(False)
    rig.say(on=None, online=None, problem="equipment.broker_lost")
    rig.broker(True)
    assert rig.seen.wait_for(lambda: len(rig.faults()) == 2)
    assert rig.faults() == [("", "equipment.broker_restarted"), ("pc-1", "equipment.not_answered")]
