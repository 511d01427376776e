"""``kiosk equipment ...`` and ``kiosk bookings ...`` against a real broker and plugs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.mqtt.plugsim import PlugSim
from kiosk.cli import main
from tests.booking_support import CONFIG, make_config, make_store
from tests.mqtt_support import Mosquitto

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


@pytest.fixture(scope="module")
def broker() -> Iterator[Mosquitto]:
    b = Mosquitto()
    b.start()
    yield b
    b.close()


@pytest.fixture
def setup(broker: Mosquitto, tmp_path: Path) -> Iterator[tuple[Path, PlugSim, PlugSim]]:
    text = (
        CONFIG.replace("{switch1}", "tasmota://cli-printer").replace("{switch2}", "shelly://cli-pc")
        + f'\n[mqtt]\nurl = "{broker.url}"\n'
        + f'\n[database]\npath = "{tmp_path / "k.db"}"\n'
    )
    path = tmp_path / "kiosk.toml"
    path.write_text(text)
    make_store(tmp_path / "k.db", make_config()).close()
    tasmota = PlugSim("tasmota", "cli-printer", port=broker.port)
    shelly = PlugSim("shelly", "cli-pc", port=broker.port)
    tasmota.start()
    shelly.start()
    yield path, tasmota, shelly
    tasmota.stop()
    shelly.stop()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_equipment_commands(
    setup: tuple[Path, PlugSim, PlugSim], capsys: pytest.CaptureFixture[str]
) -> None:
    config, tasmota, shelly = setup
    code, out = run(capsys, "equipment", "list", "--json", "--config", str(config))
    assert code == 0
    assert [r["id"] for r in json.loads(out)][:2] == ["printer-1", "pc-1"]
    code, out = run(capsys, "--lang", "en", "equipment", "on", "printer-1", "--config", str(config))
    assert (code, tasmota.on) == (0, True)
    assert "printer-1: on (confirmed by the device)" in out
    code, out = run(capsys, "equipment", "status", "printer-1", "--json", "--config", str(config))
    assert code == 0
    assert json.loads(out) == {"resource": "printer-1", "on": True, "online": True}
    shelly.drop_ack = True
    code, out = run(
        capsys,
        "equipment",
        "on",
        "pc-1",
        "--timeout",
        "0.2",
        "--lang",
        "en",
        "--config",
        str(config),
    )
    assert code == 1
    assert "NOT confirmed" in out
    shelly.go_offline()
    code, out = run(capsys, "equipment", "off", "pc-1", "--lang", "en", "--config", str(config))
    assert code == 1
    assert "not reachable" in out


def test_bookings_commands(
    setup: tuple[Path, PlugSim, PlugSim], capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(setup[0])
    start = "2030-01-07T09:00"
    code, out = run(
        capsys, "bookings", "create", "pc-1", "PLU-0001", start, "60", "--config", config
    )
    assert code == 1  # beyond the booking horizon
    assert "7 hari" in out
    code, out = run(
        capsys,
        "bookings", "create", "pc-1", "PLU-0001", start, "60",
        "--staff", "PLU-0003", "--json", "--config", config,
    )  # fmt: skip
    assert code == 0
    created = json.loads(out)
    assert created["status"] == "booked"
    assert created["starts_at"].startswith("2030-01-07T09:00:00+08:00")
    code, out = run(
        capsys, "bookings", "create", "pc-1", "PLU-0002", "2030-01-07T09:30", "30",
        "--staff", "PLU-0003", "--lang", "en", "--config", config,
    )  # fmt: skip
    assert code == 1
    assert "already booked" in out
    code, out = run(capsys, "bookings", "list", "--day", "2030-01-07", "--json", "--config", config)
    assert [b["id"] for b in json.loads(out)] == [created["id"]]
    code, out = run(
        capsys, "bookings", "cancel", str(created["id"]), "--lang", "en", "--config", config
    )
    assert code == 0
    assert f"Booking #{created['id']} cancelled." in out
    code, out = run(
        capsys, "bookings", "list", "--day", "2030-01-07", "--lang", "en", "--config", config
    )
    assert "cancelled" in out
    code, out = run(capsys, "bookings", "create", "pc-1", "NOPE", start, "60", "--config", config)
    assert code == 1


def test_doctor_checks_the_plugs(
    setup: tuple[Path, PlugSim, PlugSim], capsys: pytest.CaptureFixture[str]
) -> None:
    config, _, shelly = setup
    shelly.go_offline()
    code, out = run(capsys, "doctor", "--json", "--config", str(config))
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert checks["resources[0].switch (tasmota://cli-printer)"]["ok"]
    assert not checks["resources[1].switch (shelly://cli-pc)"]["ok"]
    assert checks["mqtt broker"]["ok"]
    assert checks["booking rules"]["ok"]
    assert code == 1
