"""The plug adapters alone against a real Mosquitto and plugs that answer as the firmware
does: Shelly with its own prefix, multi-relay strips, opposite answers, silence."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

import pytest

from devices.mqtt.connection import MqttConnection
from devices.mqtt.plugsim import PlugSim
from devices.mqtt.switch import MqttSwitch
from kiosk.bus import EventBus
from kiosk.domain.events import EquipmentState
from kiosk.ports import DeviceUrl
from tests.mqtt_support import Mosquitto, wait_for
from tests.support.waiting import Recorder

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

_names = itertools.count(1)


class Rig:
    """Plugs and switches on one kiosk connection; everything is stopped at the end."""

    def __init__(self, broker: Mosquitto) -> None:
        self.broker = broker
        self.bus = EventBus()
        self.seen = Recorder(self.bus, EquipmentState)
        n = next(_names)
        self.connection = MqttConnection(broker.url, f"kiosk-plugs-{n}", kiosk_id=f"plugs-{n}")
        self.sims: list[PlugSim] = []
        self.switches: list[MqttSwitch] = []

    def plug(self, kind: str, device: str, **options: object) -> PlugSim:
        sim = PlugSim(kind, device, port=self.broker.port, **options)  # type: ignore[arg-type]
        sim.start()
        assert sim.connected.is_set()
        self.sims.append(sim)
        return sim

    def switch(self, url: str, resource: str = "thing-1") -> MqttSwitch:
        switch = MqttSwitch.from_url(DeviceUrl.parse(url), resource, self.connection)
        switch.start(self.bus)
        assert self.connection.wait_connected(5)
        self.switches.append(switch)
        return switch

    def close(self) -> None:
        for switch in self.switches:
            switch.stop()
        for sim in self.sims:
            sim.stop()


@pytest.fixture
def rig(broker: Mosquitto) -> Iterator[Rig]:
    r = Rig(broker)
    yield r
    r.close()


def test_shelly_with_its_own_prefix_is_confirmed(rig: Rig) -> None:
    # The installer set the MQTT prefix to "makerspace/pc-7"; the device still answers
    # with its own id in "src".
    sim = rig.plug("shelly", "makerspace/pc-7", device_id="shellyplugsg3-abc123")
    switch = rig.switch("shelly://makerspace/pc-7")
    reply = switch.set(True, timeout=1.0)
    assert reply.on is True and reply.problem == ""
    assert reply.device == "shellyplugsg3-abc123"
    assert reply.round_trip_s is not None and reply.round_trip_s < 1.0
    assert sim.on is True
    assert switch.ask(timeout=1.0).on is True


def test_tasmota_channel_2_switches_relay_2_and_reads_it_back(rig: Rig) -> None:
    strip = rig.plug("tasmota", "strip-1", channels=4)
    second = rig.switch("tasmota://strip-1?channel=2", "pc-2")
    first = rig.switch("tasmota://strip-1", "pc-1")
    assert second.set(True, timeout=1.0).on is True
    assert strip.relays == [False, True, False, False]  # the right machine, only it
    assert [t for t, _ in strip.received] == ["cmnd/strip-1/POWER2"]
    assert second.ask(timeout=1.0).on is True
    assert first.ask(timeout=1.0).on is False  # relay 1 reads as itself
    assert first.set(True, timeout=1.0).on is True
    assert second.set(False, timeout=1.0).on is False
    assert strip.relays == [True, False, False, False]
    assert strip.channel_commands == [(1, True), (0, True), (1, False)]


def test_shelly_channel_1_is_switch_id_1(rig: Rig) -> None:
    sim = rig.plug("shelly", "shellyplus2pm-aa", channels=2)
    switch = rig.switch("shelly://shellyplus2pm-aa?channel=1")
    assert switch.set(True, timeout=1.0).on is True
    assert sim.relays == [False, True]
    assert switch.ask(timeout=1.0).on is True


@pytest.mark.parametrize(
    ("kind", "url"),
    [("tasmota", "tasmota://single-1?channel=3"), ("shelly", "shelly://single-2?channel=2")],
)
def test_a_relay_the_plug_lacks_is_reported(rig: Rig, kind: str, url: str) -> None:
    sim = rig.plug(kind, url.split("://")[1].split("?")[0])
    switch = rig.switch(url)
    t0 = time.monotonic()
    reply = switch.set(True, timeout=2.0)
    assert reply.on is None
    assert reply.problem == "equipment.no_channel"
    assert time.monotonic() - t0 < 1.0  # the plug's own refusal, not a timeout
    assert sim.relays == [False]
    assert switch.ask(timeout=2.0).problem == "equipment.no_channel"
    assert rig.seen.wait_for(
        lambda: any(e.problem == "equipment.no_channel" for e in rig.seen.of(EquipmentState))
    )


@pytest.mark.parametrize("kind", ["tasmota", "shelly"])
def test_an_opposite_answer_is_reported_at_once(rig: Rig, kind: str) -> None:
    sim = rig.plug(kind, f"stuck-{kind}", ignore_on=True)
    switch = rig.switch(f"{kind}://stuck-{kind}")
    t0 = time.monotonic()
    reply = switch.set(True, timeout=3.0)
    assert reply.on is False  # "answered OFF", said at once
    assert time.monotonic() - t0 < 1.0
    sim.ignore_on, sim.ignore_off = False, True
    assert switch.set(True, timeout=1.0).on is True
    t0 = time.monotonic()
    assert switch.set(False, timeout=3.0).on is True
    assert time.monotonic() - t0 < 1.0


@pytest.mark.parametrize("kind", ["tasmota", "shelly"])
def test_late_copies_of_an_old_echo_do_not_pass_for_the_answer(rig: Rig, kind: str) -> None:
    """A redelivery can bring copies of the plug's previous echo after the next command
    went out. Tasmota's echoes carry no request id: a contradicting copy waits for the
    echo that agrees, however many copies come (the second copy once passed for the
    answer: "answered ON" to an OFF the plug carried out)."""
    sim = rig.plug(kind, f"late-{kind}", late_echo=True)
    switch = rig.switch(f"{kind}://late-{kind}")
    for on in (True, False, True, False):
        t0 = time.monotonic()
        reply = switch.set(on, timeout=2.0)
        assert (reply.on, reply.problem) == (on, ""), on
        assert sim.on is on
        assert time.monotonic() - t0 < 0.4  # the agreeing echo, not the wait running out


@pytest.mark.parametrize("kind", ["tasmota", "shelly"])
def test_a_plug_that_never_answers(rig: Rig, kind: str) -> None:
    rig.plug(kind, f"mute-{kind}", mute=True)
    mute = rig.switch(f"{kind}://mute-{kind}", "mute")
    absent = rig.switch(f"{kind}://no-such-{kind}", "absent")  # a mistyped topic
    for switch in (mute, absent):
        reply = switch.ask(timeout=0.3)
        assert (reply.on, reply.problem, reply.round_trip_s) == (None, "equipment.no_echo", None)
        assert switch.set(True, timeout=0.3).problem == "equipment.no_echo"
    # The muted plug announced itself (its Last Will topic says online), the other did not.
    said = {e.resource: e.online for e in rig.seen.of(EquipmentState)}
    assert said.get("mute") is True
    assert "absent" not in said


def test_answers_say_who_and_liveness_follows_the_last_will(rig: Rig) -> None:
    sim = rig.plug("tasmota", "lwt-plug")
    switch = rig.switch("tasmota://lwt-plug")
    assert wait_for(lambda: any(e.online for e in rig.seen.of(EquipmentState)))
    sim.go_offline()
    assert wait_for(lambda: rig.seen.of(EquipmentState)[-1].online is False)
    t0 = time.monotonic()
    assert switch.set(True, timeout=1.0).problem == "equipment.offline"  # fails fast
    assert time.monotonic() - t0 < 0.2  # far below the 1 s timeout
    sim.come_online()
    assert wait_for(lambda: rig.seen.of(EquipmentState)[-1].online is True)
    reply = switch.set(True, timeout=1.0)
    assert (reply.on, reply.device) == (True, "lwt-plug")
