"""Equipment over a real Mosquitto broker with simulated Tasmota and Shelly plugs."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.mqtt import topics
from devices.mqtt.plugsim import PlugSim
from devices.mqtt.switch import MqttSwitch
from kiosk import bootstrap
from kiosk.booking.equipment import EquipmentController
from kiosk.bootstrap import Kiosk
from kiosk.domain.events import EquipmentFault, EquipmentState, Event
from tests.booking_support import (
    ADULT,
    MONDAY,
    TRAINED,
    FakeClock,
    add_patrons,
    local,
    make_config,
)
from tests.mqtt_support import Mosquitto, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

_names = itertools.count(1)


@pytest.fixture
def running_broker(broker: Mosquitto) -> Mosquitto:
    if broker.process is None:  # a test that restarted it failed half-way
        broker.start()
    return broker


class Site:
    """One kiosk (built by the real composition root) and its two simulated plugs."""

    def __init__(
        self, broker: Mosquitto, tmp_path: Path, printer_url: str = "", **flags: bool
    ) -> None:
        n = next(_names)
        self.broker = broker
        self.tmp_path = tmp_path
        self.printer_topic = f"plug-printer-{n}"
        self.pc_prefix = f"shellyplug-s-pc{n}"
        extra = f'\n[mqtt]\nurl = "{broker.url}"\nclient_id = "kiosk-test-{n}"\n'
        self.config = make_config(
            printer_url or f"tasmota://{self.printer_topic}", f"shelly://{self.pc_prefix}", extra
        )
        self.tasmota = PlugSim("tasmota", self.printer_topic, port=broker.port, **flags)
        self.shelly = PlugSim("shelly", self.pc_prefix, port=broker.port, **flags)
        self.tasmota.start()
        self.shelly.start()
        self.clock = FakeClock(local(*MONDAY, 8, 0))
        self.events: list[Event] = []
        self.kiosk = self.new_kiosk()

    def new_kiosk(self) -> Kiosk:
        kiosk = bootstrap.open_kiosk(self.config, self.tmp_path / "kiosk.db", clock=self.clock)
        # Notices sooner than in production (3 s and 30 s), so the tests can see them;
        # the settle time still outlasts the plug simulators' reconnect (at most 2 s).
        kiosk.equipment.offline_grace_s = 0.3
        kiosk.equipment.broker_settle_s = 4.0
        assert kiosk.store is not None
        add_patrons(kiosk.store)
        kiosk.bus.subscribe(Event, self.events.append)
        kiosk.start()
        for resource in ("printer-1", "pc-1"):
            switch = kiosk.switches[resource]
            assert isinstance(switch, MqttSwitch)
            assert switch.connection.wait_connected(5)
        return kiosk

    @property
    def space(self):  # type: ignore[no-untyped-def]
        assert self.kiosk.makerspace is not None
        return self.kiosk.makerspace

    def switch(self, resource: str) -> MqttSwitch:
        switch = self.kiosk.switches[resource]
        assert isinstance(switch, MqttSwitch)
        return switch

    @property
    def owner(self) -> EquipmentController:
        assert self.kiosk.equipment is not None
        return self.kiosk.equipment

    def faults(self, resource: str) -> list[str]:
        return [
            e.key for e in self.events if isinstance(e, EquipmentFault) and e.resource == resource
        ]

    def start_booking(self, patron: str, resource: str, minutes: int = 60) -> int:
        svc = self.space.service
        booking = svc.book(patron, resource, local(*MONDAY, 9), minutes)
        self.clock.set(local(*MONDAY, 9, 0))
        svc.check_in(patron, booking.id)  # wakes the scheduler thread: active at once
        return booking.id

    def close(self) -> None:
        bootstrap.close_kiosk(self.kiosk)
        self.tasmota.stop()
        self.shelly.stop()


@pytest.fixture
def site(running_broker: Mosquitto, tmp_path: Path) -> Iterator[Site]:
    s = Site(running_broker, tmp_path)
    yield s
    s.close()


def test_on_off_confirmed_in_both_dialects(site: Site) -> None:
    site.space.equipment.stop()  # the adapters alone: no reconcile switching it back
    for resource, sim in (("printer-1", site.tasmota), ("pc-1", site.shelly)):
        switch = site.switch(resource)
        assert switch.ask(timeout=1.0).on is False
        assert switch.set(True, timeout=1.0).on is True
        assert sim.on is True
        assert switch.ask(timeout=1.0).on is True
        assert switch.set(False, timeout=1.0).on is False
        assert sim.on is False
        assert sim.commands == [True, False]  # ON and OFF, never a toggle
        assert switch.check()[0]


def test_booking_powers_the_plug_and_end_cuts_it(site: Site) -> None:
    site.start_booking(TRAINED, "printer-1")
    assert wait_for(lambda: site.tasmota.on is True)
    site.clock.set(local(*MONDAY, 10, 0))
    site.space.scheduler.wake()
    assert wait_for(lambda: site.tasmota.on is False)
    assert site.tasmota.commands == [True, False]


def test_drop_ack_and_ignore_off(running_broker: Mosquitto, tmp_path: Path) -> None:
    site = Site(running_broker, tmp_path)
    site.space.equipment.stop()
    try:
        site.shelly.drop_ack = True
        t0 = time.monotonic()
        assert site.switch("pc-1").set(True, timeout=0.2).problem == "equipment.no_echo"
        assert time.monotonic() - t0 < 0.5
        site.shelly.drop_ack = False
        site.tasmota.ignore_off = True
        assert site.switch("printer-1").set(True, timeout=0.5).on is True
        assert site.switch("printer-1").set(False, timeout=0.2).on is True  # what it says
    finally:
        site.close()


def test_ignore_off_at_the_end_alerts_staff(site: Site) -> None:
    site.start_booking(ADULT, "pc-1")
    assert wait_for(lambda: site.shelly.on is True)
    site.shelly.ignore_off = True
    # OFF commands the plug had received when staff were told (a later reconcile may
    # try again once the quiet time is over).
    offs_when_told: list[int] = []
    site.kiosk.bus.subscribe(
        EquipmentFault, lambda e: offs_when_told.append(site.shelly.commands.count(False))
    )
    site.clock.set(local(*MONDAY, 10, 0))
    site.space.scheduler.wake()
    # The plug's own answer ("still ON"), said as such, after the configured retry.
    assert wait_for(lambda: "equipment.answered_on" in site.faults("pc-1"))
    assert offs_when_told[0] == 2
    status = site.owner.equipment_state("pc-1")
    assert (status.on, status.fault) == (True, "equipment.answered_on")
    # The next reconciles try again, quietly: one notice for the fault, not one each.
    assert wait_for(lambda: site.shelly.commands.count(False) >= 4)
    assert site.faults("pc-1") == ["equipment.answered_on"]


def test_duplicate_delivery_is_harmless(running_broker: Mosquitto, tmp_path: Path) -> None:
    site = Site(running_broker, tmp_path, duplicate=True)
    site.space.equipment.stop()
    try:
        for resource, sim in (("printer-1", site.tasmota), ("pc-1", site.shelly)):
            switch = site.switch(resource)
            assert switch.set(True, timeout=1.0).on is True
            # The broker hands the same ON over a second time (QoS 1 redelivery).
            assert switch.connection.publish(
                *switch.dialect.command(switch.device, 0, switch.src, True, lambda: 10_000)[0][0]
            )
            assert wait_for(lambda s=sim: s.commands == [True, True])
            assert sim.on is True
            assert switch.set(False, timeout=1.0).on is False
            assert sim.on is False
    finally:
        site.close()


def test_plug_offline_at_booking_start(site: Site) -> None:
    site.tasmota.go_offline()
    switch = site.switch("printer-1")
    assert wait_for(lambda: site.owner.equipment_state("printer-1").liveness == "offline")
    assert wait_for(lambda: "equipment.offline" in site.faults("printer-1"))
    printer = site.space.service.resources("3d_printer")[0]
    assert not printer.bookable_now
    assert printer.equipment is not None
    assert printer.equipment.reason == "equipment.reason.offline"
    booking = site.start_booking(TRAINED, "printer-1")
    assert wait_for(lambda: site.space.service.get(booking).status == "active")
    t0 = time.monotonic()
    # Fails fast: its Last Will says offline, so no stale command is queued.
    assert switch.set(True, timeout=1.0).problem == "equipment.offline"
    assert time.monotonic() - t0 < 0.2  # far below the 1 s timeout
    site.tasmota.come_online()
    # Back online: asked and put right (on, since the booking is active).
    assert wait_for(lambda: site.tasmota.on is True)
    assert site.space.service.get(booking).status == "active"
    assert wait_for(lambda: site.space.service.resources("3d_printer")[0].bookable_now)
    assert site.faults("printer-1") == ["equipment.offline"]  # one, not one per retry


def test_a_plug_that_never_answered_is_unknown_and_not_bookable(
    running_broker: Mosquitto, tmp_path: Path
) -> None:
    # A mistyped Tasmota topic: nothing answers and no Last Will was ever published.
    site = Site(running_broker, tmp_path, printer_url="tasmota://plug-printr-typo")
    try:
        owner = site.owner
        assert wait_for(lambda: owner.equipment_state("pc-1").liveness == "online")
        assert wait_for(lambda: owner.equipment_state("pc-1").on is False)
        pc = owner.equipment_state("pc-1")
        assert pc.heard_from == site.pc_prefix and pc.heard_at is not None
        assert pc.round_trip_ms is not None and pc.bookable
        # Asked at start; no answer within the switch timeout.
        assert wait_for(lambda: owner.equipment_state("printer-1").problem == "equipment.no_echo")
        printer = owner.equipment_state("printer-1")
        assert (printer.liveness, printer.on, printer.heard_at) == ("unknown", None, None)
        assert printer.reason == "equipment.reason.not_answered"
        resource = site.space.service.resources("3d_printer")[0]
        assert not resource.bookable_now
        states = {s.resource_id: s for s in owner.all_states()}
        assert list(states) == ["printer-1", "pc-1", "pc-2", "laser-1"]
        assert states["laser-1"].liveness == "none" and states["laser-1"].bookable
    finally:
        site.close()


def test_broker_restart_during_an_active_booking(site: Site, running_broker: Mosquitto) -> None:
    booking = site.start_booking(ADULT, "pc-1")
    assert wait_for(lambda: site.shelly.on is True)
    switch = site.switch("pc-1")
    running_broker.stop()
    assert wait_for(lambda: not switch.connection.connected.is_set())
    assert wait_for(lambda: site.owner.equipment_state("pc-1").liveness == "unknown")
    assert site.owner.equipment_state("pc-1").reason == "equipment.reason.broker_lost"
    t0 = time.monotonic()
    assert switch.set(False, timeout=1.0).problem == "equipment.broker_lost"  # fail fast
    assert time.monotonic() - t0 < 0.2  # far below the 1 s timeout
    # The booking ends while the broker is away: the OFF cannot be sent now.
    site.clock.set(local(*MONDAY, 10, 0))
    site.space.scheduler.wake()
    assert wait_for(lambda: site.space.service.get(booking).status == "completed")
    running_broker.start()
    # Reconnect -> ask -> reconcile: the plug is cut, by exactly one fresh OFF; the
    # commands that failed while away were never delivered later.
    assert wait_for(lambda: site.shelly.on is False, timeout=10)
    time.sleep(0.2)
    assert site.shelly.commands == [True, False]
    # Staff got one notice for the broker, not one alert per plug.
    assert wait_for(lambda: "equipment.broker_restarted" in site.faults(""))
    assert site.faults("pc-1") == [] and site.faults("printer-1") == []


def test_a_broker_restart_is_one_notice_not_an_alert_per_plug(
    site: Site, running_broker: Mosquitto
) -> None:
    owner = site.owner
    both = ("printer-1", "pc-1")
    assert wait_for(lambda: all(owner.equipment_state(r).on is False for r in both))
    running_broker.stop()  # Mosquitto publishes every client's Last Will on its way down
    running_broker.start()
    assert wait_for(lambda: all(owner.equipment_state(r).on is False for r in both), timeout=15)
    time.sleep(owner.broker_settle_s + 0.5)  # past the check for plugs that did not return
    faults = [(e.resource, e.key) for e in site.events if isinstance(e, EquipmentFault)]
    assert faults == [("", "equipment.broker_restarted")]


def test_a_plug_that_does_not_come_back_after_a_broker_restart(
    site: Site, running_broker: Mosquitto
) -> None:
    owner = site.owner
    assert wait_for(lambda: owner.equipment_state("printer-1").on is False)
    site.tasmota.vanish()  # its power was cut while the broker restarted
    running_broker.stop()
    running_broker.start()
    assert wait_for(lambda: owner.equipment_state("pc-1").liveness == "online", timeout=15)
    # The restarted broker has no retained Last Will of it, and it does not answer.
    assert wait_for(lambda: owner.equipment_state("printer-1").problem == "equipment.no_echo")
    printer = owner.equipment_state("printer-1")
    assert (printer.liveness, printer.bookable) == ("unknown", False)
    assert wait_for(lambda: site.faults("printer-1") == ["equipment.not_answered"], timeout=10)
    assert site.faults("") == ["equipment.broker_restarted"]
    assert site.faults("pc-1") == []


def test_no_show_never_powers_the_plug(site: Site) -> None:
    svc = site.space.service
    booking = svc.book(ADULT, "pc-1", local(*MONDAY, 9), 60).id
    site.clock.set(local(*MONDAY, 9, 10))
    site.space.scheduler.wake()
    assert wait_for(lambda: svc.get(booking).status == "no_show")
    time.sleep(0.1)
    assert site.shelly.commands == []
    assert site.shelly.on is False


def test_kiosk_restart_in_the_middle_of_a_booking(site: Site) -> None:
    booking = site.start_booking(TRAINED, "printer-1")
    assert wait_for(lambda: site.tasmota.on is True)
    bootstrap.close_kiosk(site.kiosk)  # the kiosk goes down; the plug stays on
    states: list[EquipmentState] = []
    site.clock.set(local(*MONDAY, 9, 30))
    site.kiosk = site.new_kiosk()
    site.kiosk.bus.subscribe(EquipmentState, states.append)
    time.sleep(0.2)
    assert site.tasmota.on is True  # still active: left alone
    assert site.tasmota.commands == [True]
    # It ended while the kiosk was down again: the new one completes it and cuts power.
    bootstrap.close_kiosk(site.kiosk)
    site.clock.set(local(*MONDAY, 10, 5))
    site.kiosk = site.new_kiosk()
    assert wait_for(lambda: site.space.service.get(booking).status == "completed")
    assert wait_for(lambda: site.tasmota.on is False)
    assert site.tasmota.commands == [True, False]


class Agent:
    """What a PC's agent does: follow the retained session message."""

    def __init__(self, port: int, resource: str, kiosk_id: str) -> None:
        import paho.mqtt.client as mqtt

        self.sessions: list[dict[str, object]] = []
        self.kiosk_status: list[str] = []
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"agent-{resource}-{next(_names)}"
        )
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.subscribe(topics.pc_session(resource), qos=1)
        self.client.subscribe(topics.kiosk_status(kiosk_id), qos=1)
        self.client.loop_start()

    def _on_message(self, client: object, userdata: object, msg: object) -> None:
        import json

        if msg.topic.endswith("/status"):  # type: ignore[attr-defined]
            self.kiosk_status.append(msg.payload.decode())  # type: ignore[attr-defined]
        else:
            self.sessions.append(json.loads(msg.payload))  # type: ignore[attr-defined]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_pc_session_contract(site: Site) -> None:
    agent = Agent(site.broker.port, "pc-1", "maker-1")
    try:
        assert wait_for(lambda: agent.kiosk_status[-1:] == ["online"])
        booking = site.start_booking(ADULT, "pc-1")
        assert wait_for(lambda: agent.sessions[-1:] and agent.sessions[-1]["state"] == "unlocked")
        unlocked = agent.sessions[-1]
        assert unlocked["booking_id"] == booking
        assert unlocked["name"] == "Ani L."
        assert unlocked["ends_at"] == "2026-12-07T10:00:00+08:00"
        site.clock.set(local(*MONDAY, 9, 58))
        site.space.scheduler.wake()
        assert wait_for(lambda: agent.sessions[-1]["state"] == "warning")
        assert agent.sessions[-1]["minutes_left"] == 2
        assert agent.sessions[-1]["name"] == "Ani L."
        site.clock.set(local(*MONDAY, 10, 0))
        site.space.scheduler.wake()
        assert wait_for(lambda: agent.sessions[-1]["state"] == "locked")
        # A late agent (a PC booting) gets the retained state at once.
        late = Agent(site.broker.port, "pc-1", "maker-1")
        try:
            assert wait_for(lambda: late.sessions[-1:] and late.sessions[-1]["state"] == "locked")
        finally:
            late.close()
        bootstrap.close_kiosk(site.kiosk)
        assert wait_for(lambda: agent.kiosk_status[-1:] == ["offline"])
    finally:
        agent.close()


def test_plugsim_runs_from_the_command_line(running_broker: Mosquitto) -> None:
    import subprocess
    import sys

    from devices.mqtt.connection import MqttConnection
    from devices.mqtt.dialects import TASMOTA
    from kiosk.bus import EventBus

    process = subprocess.Popen(
        [sys.executable, "-m", "devices.mqtt.plugsim", "--broker", running_broker.url,
         "tasmota://cli-sim-plug"],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    connection = MqttConnection(running_broker.url, "kiosk-cli-sim", kiosk_id="cli-sim")
    switch = MqttSwitch("pc-9", TASMOTA, "cli-sim-plug", connection)
    try:
        assert process.stdout is not None
        assert "online" in process.stdout.readline()
        switch.start(EventBus())
        assert connection.wait_connected(5)
        assert switch.set(True, timeout=2.0).on is True
        assert switch.ask(timeout=2.0).on is True
    finally:
        switch.stop()
        process.terminate()
        assert process.wait(timeout=5) == 0
        process.stdout.close()  # type: ignore[union-attr]
