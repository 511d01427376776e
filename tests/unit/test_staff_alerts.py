"""Staff alerts (issue 13 item 6): the recorder collects equipment faults, the broker's
restart notice, device faults and refused offline loans; the service lists and closes
them; they outlive a restart; ``kiosk doctor`` mentions the open ones."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk import bootstrap
from kiosk.alerts import DEVICE, EQUIPMENT, ILS_REPLAY
from kiosk.cli import main
from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.domain.events import DeviceStatus, EquipmentFault, EquipmentState
from kiosk.i18n import translate
from kiosk.outbox import Outbox
from tests.support.kiosks import open_test_kiosk
from tests.unit.circ_helpers import MONDAY, FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY)


@pytest.fixture
def kiosk(tmp_path: Path, default_config: Config, clock: FakeClock) -> bootstrap.Kiosk:
    """A kiosk whose alerts recorder runs (its devices are not needed here)."""
    opened = open_test_kiosk(default_config, tmp_path / "k.db", clock=clock)
    assert opened.alerts is not None
    opened.alerts.start()
    return opened


def alerts_of(kiosk: bootstrap.Kiosk) -> list[tuple[str, str, str, int]]:
    assert kiosk.services is not None
    return [(a.source, a.resource, a.key, a.repeats) for a in kiosk.services.alerts.open_alerts()]


def test_an_equipment_fault_is_kept_with_its_time_and_resource_and_counted_once(
    kiosk: bootstrap.Kiosk, clock: FakeClock
) -> None:
    fault = EquipmentFault(resource="pc-1", key="equipment.no_echo", at=clock())
    kiosk.bus.publish(fault)
    clock.advance(minutes=5)
    kiosk.bus.publish(EquipmentFault(resource="pc-1", key="equipment.no_echo", at=clock()))
    kiosk.bus.publish(EquipmentFault(resource="", key="equipment.broker_lost", at=clock()))
    assert kiosk.services is not None
    first, second = kiosk.services.alerts.open_alerts()  # newest first
    assert (first.resource, first.key) == ("", "equipment.broker_lost")
    assert (second.source, second.resource, second.key) == (EQUIPMENT, "pc-1", "equipment.no_echo")
    assert second.raised_at == MONDAY and second.last_at == MONDAY + timedelta(minutes=5)
    assert second.repeats == 2


def test_good_news_closes_what_it_puts_right(kiosk: bootstrap.Kiosk) -> None:
    bus = kiosk.bus
    bus.publish(EquipmentFault(resource="pc-1", key="equipment.offline"))
    bus.publish(EquipmentFault(resource="pc-2", key="equipment.refused"))
    bus.publish(EquipmentFault(resource="", key="equipment.broker_lost"))
    bus.publish(DeviceStatus(device="receipt-printer", kind="receipt_printer", ok=False,
                             detail="device.paper_out"))  # fmt: skip
    bus.publish(DeviceStatus(device="pc-3", kind="switch", ok=False))  # plugs: the owner says
    assert len(alerts_of(kiosk)) == 4
    # The plug is heard online again; the broker is back; the printer has paper.
    bus.publish(EquipmentState(resource="pc-1", on=False, online=True, device="pc-1"))
    bus.publish(EquipmentFault(resource="", key="equipment.broker_restarted"))
    bus.publish(DeviceStatus(device="receipt-printer", kind="receipt_printer", ok=True))
    # A refused command is not put right by the plug being there: staff close it.
    assert sorted(alerts_of(kiosk)) == [
        (EQUIPMENT, "", "equipment.broker_restarted", 1),
        (EQUIPMENT, "pc-2", "equipment.refused", 1),
    ]


def test_staff_close_an_alert_and_it_outlives_a_restart(
    tmp_path: Path, default_config: Config, kiosk: bootstrap.Kiosk
) -> None:
    kiosk.bus.publish(EquipmentFault(resource="pc-2", key="equipment.refused"))
    kiosk.bus.publish(DeviceStatus(device="card-reader", kind="card_reader", ok=False))
    bootstrap.close_kiosk(kiosk)  # the kiosk restarts: the alerts are in its database
    again = open_test_kiosk(default_config, tmp_path / "k.db")
    assert again.services is not None
    service = again.services.alerts
    found = {a.resource: a for a in service.open_alerts()}
    assert set(found) == {"pc-2", "card-reader"}
    assert found["card-reader"].source == DEVICE
    assert found["card-reader"].key == "alerts.device_fault"
    service.close(found["pc-2"].id, staff="7")
    assert [a.resource for a in service.open_alerts()] == ["card-reader"]
    with pytest.raises(DomainError) as info:
        service.close(found["pc-2"].id)
    assert info.value.key == "alerts.not_found"
    with pytest.raises(DomainError):
        service.close("nonsense")
    # The recorder of the restarted kiosk knows which are open: good news closes them.
    assert again.alerts is not None
    again.alerts.start()
    again.bus.publish(DeviceStatus(device="card-reader", kind="card_reader", ok=True))
    assert service.open_alerts() == []


def test_offline_loans_the_ils_refused_are_alerts_until_resolved(kiosk: bootstrap.Kiosk) -> None:
    assert kiosk.store is not None and kiosk.services is not None
    outbox = Outbox(kiosk.store, "sip2", kiosk.clock)
    entry = outbox.add("checkout", {"patron": "P1", "barcode": "I-3", "at": "x", "due": "y"})
    outbox.replay(lambda _entry: "Item checked out")  # the ILS says no
    (alert,) = kiosk.services.alerts.open_alerts()
    assert (alert.source, alert.key) == (ILS_REPLAY, "alerts.ils_refused_checkout")
    assert alert.params == {"barcode": "I-3", "reason": "Item checked out"}
    text = translate(alert.key, "en", **alert.params)
    assert text == "The library system refused an offline loan of I-3: Item checked out"
    kiosk.services.alerts.close(alert.id, staff="7")
    assert kiosk.services.alerts.open_alerts() == []
    assert outbox.refusals() == [] and outbox.entries()[0].id == entry.id


def test_doctor_mentions_the_open_alerts(
    tmp_path: Path, default_config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "kiosk.db"
    assert main(["init", "--db", str(path)]) == 0
    capsys.readouterr()

    def line() -> dict[str, object]:
        main(["doctor", "--json", "--lang", "en", "--db", str(path)])
        report = json.loads(capsys.readouterr().out)
        return next(c for c in report["checks"] if c["name"] == "staff alerts")

    assert line() == {"name": "staff alerts", "ok": True, "reason": "none open", "warning": False}
    kiosk = open_test_kiosk(default_config, path)
    assert kiosk.alerts is not None
    kiosk.alerts.start()
    kiosk.bus.publish(EquipmentFault(resource="printer-2", key="equipment.offline"))
    bootstrap.close_kiosk(kiosk)
    found = line()
    assert found["ok"] is True and found["warning"] is True  # patrons are still served
    reason = str(found["reason"])
    assert reason.startswith("1 open (see the staff screen): ")
    assert "Printer 3D 2: Equipment Printer 3D 2 is offline." in reason
