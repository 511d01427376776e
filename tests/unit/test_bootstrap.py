"""The composition root: simulators by default, lazy device imports, resources synced."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import bootstrap, config
from kiosk.bus import EventBus
from kiosk.config import Config
from kiosk.domain.events import CardTapped, DeviceStatus
from kiosk.ports import CardReader, Device, EquipmentSwitch, ItemScanner, PrinterHost

REPO = Path(__file__).resolve().parents[2]


def test_default_config_builds_a_simulator_for_every_device(default_config: Config) -> None:
    kiosk = bootstrap.build(default_config)
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
    kiosk = bootstrap.build(default_config)
    seen: list[object] = []
    kiosk.bus.subscribe(CardTapped, seen.append)
    kiosk.bus.subscribe(DeviceStatus, seen.append)
    kiosk.start()
    reader = kiosk.card_readers[0]
    reader.tap(uid="04a1b2c3")  # type: ignore[attr-defined]
    kiosk.stop()
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
        bootstrap.build(broken)
    assert caught.value.key == "devices.item_pad"
    assert "quantum://" in str(caught.value)


def test_resources_are_synced_and_retired(tmp_path: Path, default_config: Config) -> None:
    path = tmp_path / "k.db"
    store = bootstrap.open_store(default_config, path)
    rows = store.conn.execute("SELECT id, kind, active FROM resources ORDER BY id").fetchall()
    assert len(rows) == 9
    assert all(active == 1 for _, _, active in rows)
    store.close()
    fewer = dataclasses.replace(default_config, resources=default_config.resources[:2])
    store = bootstrap.open_store(fewer, path)
    active = [r[0] for r in store.conn.execute("SELECT id FROM resources WHERE active = 1")]
    assert sorted(active) == ["printer-1", "printer-2"]
    # Retired resources stay, so past bookings still name them.
    assert store.conn.execute("SELECT count(*) FROM resources").fetchone()[0] == 9
    store.close()


def test_a_device_that_fails_to_start_does_not_stop_the_kiosk(default_config: Config) -> None:
    kiosk = bootstrap.build(default_config)

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
    kiosk.stop()
