"""Staff override over a real Mosquitto broker and a simulated Tasmota plug (issue 14
item 11): the kiosk's reconcile leaves the plug as staff left it, through a restart of
the kiosk, until the next booking boundary."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import bootstrap
from tests.booking_support import MONDAY, TRAINED, local
from tests.integration.test_mqtt_equipment import Site
from tests.mqtt_support import Mosquitto, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


@pytest.fixture
def site(broker: Mosquitto, tmp_path: Path) -> Iterator[Site]:
    s = Site(broker, tmp_path)
    yield s
    s.close()


def test_turn_on_sticks_through_reconcile_and_restart(site: Site) -> None:
    # A booking at 11:00 (checked in by staff) is the next boundary.
    booking = site.space.service.book(TRAINED, "printer-1", local(*MONDAY, 11), 60)
    assert site.owner.switch("printer-1", True).confirmed
    assert site.tasmota.on is True
    site.owner.reconcile_all(force=True)  # what the periodic reconcile does
    time.sleep(0.5)
    assert site.tasmota.on is True
    assert False not in site.tasmota.commands  # ON (again), never OFF
    status = site.owner.equipment_state("printer-1")
    assert (status.override_on, status.bookings_on) == (True, False)
    assert status.override_until == local(*MONDAY, 11)

    # The kiosk restarts during the override: the new one leaves the plug on.
    bootstrap.close_kiosk(site.kiosk)
    site.clock.set(local(*MONDAY, 10, 30))
    site.kiosk = site.new_kiosk()
    assert wait_for(lambda: site.owner.equipment_state("printer-1").override_on is True)
    time.sleep(0.5)
    assert site.tasmota.on is True and False not in site.tasmota.commands

    # The booking starts under the override: on, now for the booking; its end cuts it.
    site.clock.set(local(*MONDAY, 11, 0))
    site.space.service.check_in(TRAINED, booking.id)
    assert wait_for(lambda: site.space.service.get(booking.id).status == "active")
    assert wait_for(lambda: site.owner.equipment_state("printer-1").override_on is None)
    assert site.tasmota.on is True and False not in site.tasmota.commands
    site.clock.set(local(*MONDAY, 12, 0))
    site.space.scheduler.wake()
    assert wait_for(lambda: site.tasmota.on is False)


def test_the_override_ends_at_the_boundary_without_a_booking_event(site: Site) -> None:
    # Nobody checks in to the 09:00 booking: no event at 09:00, yet the override ends.
    site.space.service.book(TRAINED, "pc-1", local(*MONDAY, 9), 60)
    assert site.owner.switch("pc-1", True).confirmed
    site.clock.set(local(*MONDAY, 9, 0))
    site.owner.reconcile_all(force=False)  # the periodic reconcile's pass
    assert wait_for(lambda: site.shelly.on is False)
    # (An echo crossing the command may repeat the ON; one OFF, at the boundary.)
    assert site.shelly.commands[-1] is False and site.shelly.commands.count(False) == 1
    assert site.owner.equipment_state("pc-1").override_on is None
