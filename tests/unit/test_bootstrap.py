"""The composition root: one function opens a kiosk from its config (simulators by
default, lazy device imports, resources synced, every service typed), one closes it."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kiosk import bootstrap, config
from kiosk.bus import EventBus
from kiosk.circulation.local import LocalCirculation
from kiosk.config import BackendSection, Config
from kiosk.domain.errors import ConfigError
from kiosk.domain.events import CardTapped, DeviceStatus
from kiosk.ports import CardReader, Device, EquipmentSwitch, ItemScanner, PrinterHost
from kiosk.store import StoreError
from tests.support.kiosks import open_test_kiosk, store_of
from tests.unit.circ_helpers import FakeClock

REPO = Path(__file__).resolve().parents[2]


def test_default_config_builds_a_simulator_for_every_device(default_config: Config) -> None:
    kiosk = bootstrap.open_kiosk(default_config, store=False)
    assert len(kiosk.card_readers) == 1
    assert len(kiosk.item_scanners) == 1
    assert kiosk.receipt_printer is not None
    assert kiosk.speaker is not None
    assert kiosk.item_pad is None  # not configured by default
    assert set(kiosk.switches) == {
        "printer-1",
        "printer-2",
        "printer-3",
        "pc-1",
        "pc-2",
        "pc-3",
        "pc-4",
        "pc-5",
        "pc-6",
    }
    assert set(kiosk.printers) == {"printer-1", "printer-2", "printer-3"}
    for _, device in kiosk.devices:
        assert isinstance(device, Device)
        assert type(device).__module__.startswith("devices.sim.")
    assert isinstance(kiosk.card_readers[0], CardReader)
    assert isinstance(kiosk.item_scanners[0], ItemScanner)
    assert isinstance(kiosk.switches["pc-1"], EquipmentSwitch)
    assert isinstance(kiosk.printers["printer-1"], PrinterHost)
    assert kiosk.switches["pc-1"].resource == "pc-1"


def test_started_simulator_publishes_on_the_kiosk_bus(default_config: Config) -> None:
    kiosk = bootstrap.open_kiosk(default_config, store=False)
    seen: list[object] = []
    kiosk.bus.subscribe(CardTapped, seen.append)
    kiosk.bus.subscribe(DeviceStatus, seen.append)
    kiosk.start()
    reader = kiosk.card_readers[0]
    reader.tap(uid="04a1b2c3")  # type: ignore[attr-defined]
    bootstrap.close_kiosk(kiosk)
    taps = [e for e in seen if isinstance(e, CardTapped)]
    assert taps == [CardTapped(reader="card-reader", uid="04A1B2C3")]
    assert any(isinstance(e, DeviceStatus) and e.ok for e in seen)


def test_importing_the_core_loads_no_device_module_and_no_kivy() -> None:
    code = (
        "import sys, kiosk.bootstrap, kiosk.cli, kiosk.config;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('devices', 'kivy', 'screens')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_scheme_has_a_factory_and_unknown_ones_are_refused(default_config: Config) -> None:
    broken = dataclasses.replace(
        default_config,
        devices=dataclasses.replace(default_config.devices, item_pad="quantum://pad"),
    )
    with pytest.raises(config.ConfigError) as caught:
        bootstrap.open_kiosk(broken, store=False)
    assert caught.value.key == "devices.item_pad"
    assert "quantum://" in str(caught.value)


def test_resources_are_synced_and_retired(tmp_path: Path, default_config: Config) -> None:
    path = tmp_path / "k.db"
    store = store_of(open_test_kiosk(default_config, path))
    rows = store.conn.execute("SELECT id, kind, active FROM resources ORDER BY id").fetchall()
    assert len(rows) == 9
    assert all(row["active"] == 1 for row in rows)
    fewer = dataclasses.replace(default_config, resources=default_config.resources[:2])
    store = store_of(open_test_kiosk(fewer, path))
    active = [r["id"] for r in store.conn.execute("SELECT id FROM resources WHERE active = 1")]
    assert sorted(active) == ["printer-1", "printer-2"]
    # Retired resources stay, so past bookings still name them.
    assert store.conn.execute("SELECT count(*) AS n FROM resources").fetchone()["n"] == 9


def test_a_device_that_fails_to_start_does_not_stop_the_kiosk(default_config: Config) -> None:
    kiosk = bootstrap.open_kiosk(default_config, store=False)

    class Broken:
        name = "broken"

        def start(self, bus: EventBus) -> None:
            raise OSError("unplugged")

        def stop(self) -> None:
            pass

        def check(self) -> tuple[bool, str]:
            return False, "unplugged"

    kiosk.devices.insert(0, ("devices.card_readers[9]", Broken()))
    kiosk.start()
    assert kiosk.started
    assert kiosk.card_readers[0].tap(number="PLU-0001")  # type: ignore[attr-defined]
    bootstrap.close_kiosk(kiosk)


def test_one_function_opens_a_running_kiosk_and_one_closes_it(
    tmp_path: Path, default_config: Config
) -> None:
    clock = FakeClock()
    kiosk = bootstrap.open_kiosk(default_config, tmp_path / "k.db", clock=clock)
    services = kiosk.services
    assert services is not None and kiosk.store is not None
    # Every service is there, typed, on the kiosk's clock and its one equipment owner.
    assert isinstance(services.circulation, LocalCirculation)
    assert services.circulation.clock is clock
    assert services.equipment is kiosk.equipment
    assert services.bookings is not None and kiosk.makerspace is not None
    assert services.bookings is kiosk.makerspace.service
    assert kiosk.makerspace.scheduler.clock is clock
    assert services.events.upcoming() == [] and services.alerts.open_alerts() == []
    assert services.local is True
    kiosk.start()
    assert kiosk.started and kiosk.alerts is not None
    threads = {t.name for t in threading.enumerate()}
    assert "reconcile" in threads  # the equipment owner switches: it has the store
    bootstrap.close_kiosk(kiosk)
    assert not kiosk.started and kiosk.store is None and kiosk.services is None
    assert "reconcile" not in {t.name for t in threading.enumerate()}
    bootstrap.close_kiosk(kiosk)  # twice is harmless


def test_a_kiosk_without_resources_has_no_bookings(tmp_path: Path, default_config: Config) -> None:
    lobby = dataclasses.replace(default_config, resources=())
    kiosk = open_test_kiosk(lobby, tmp_path / "k.db")
    assert kiosk.services is not None and kiosk.services.bookings is None
    assert kiosk.makerspace is None


def test_the_cli_s_data_commands_open_no_devices(tmp_path: Path, default_config: Config) -> None:
    kiosk = open_test_kiosk(default_config, tmp_path / "k.db", devices=False)
    assert kiosk.devices == [] and kiosk.switches == {}
    assert kiosk.services is not None and kiosk.services.bookings is not None
    # Resources without a plug here are simply bookable (nothing to ask).
    assert all(r.bookable_now for r in kiosk.services.bookings.resources())


def test_a_missing_database_is_refused_unless_created(
    tmp_path: Path, default_config: Config
) -> None:
    with pytest.raises(StoreError) as info:
        bootstrap.open_kiosk(default_config, tmp_path / "none.db", create=False)
    assert info.value.key == "store.missing"
    assert not (tmp_path / "none.db").exists()


def test_kiosks_share_one_set_of_running_simulators(tmp_path: Path, default_config: Config) -> None:
    """What the UI tests and the screenshots do: one running kiosk without a database,
    a kiosk over its devices per fresh database, the same equipment owner throughout."""
    devices = bootstrap.open_kiosk(default_config, store=False)
    devices.start()
    try:
        first = bootstrap.open_kiosk(default_config, tmp_path / "a.db", share=devices)
        assert first.bus is devices.bus and first.card_readers == devices.card_readers
        assert first.equipment is devices.equipment
        assert devices.equipment.store is first.store
        second = bootstrap.open_kiosk(default_config, tmp_path / "b.db", share=devices)
        with pytest.raises(ValueError, match="store=False"):
            bootstrap.open_kiosk(default_config, tmp_path / "c.db", share=second)
        bootstrap.close_kiosk(first)  # the second's store stays with the owner
        assert devices.equipment.store is second.store
        seen: list[CardTapped] = []
        devices.bus.subscribe(CardTapped, seen.append)
        assert devices.card_readers[0].tap(uid="04A1")  # type: ignore[attr-defined]
        assert seen  # the devices still run: closing a sharing kiosk leaves them
        bootstrap.close_kiosk(second)
        assert devices.equipment.store is None
    finally:
        bootstrap.close_kiosk(devices)


def test_a_sip2_backend_without_a_url_is_a_config_error(
    tmp_path: Path, default_config: Config
) -> None:
    config = dataclasses.replace(default_config, backend=BackendSection(kind="sip2"))
    with pytest.raises(ConfigError) as info:
        bootstrap.open_kiosk(config, tmp_path / "k.db")
    assert info.value.key == "backend.url"
