"""``kiosk equipment ...`` and ``kiosk bookings ...`` against a real broker and plugs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.mqtt.plugsim import PlugSim
from kiosk.cli import main
from tests.booking_support import CONFIG, make_config, make_store
from tests.mqtt_support import Mosquitto

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


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
    code, out = run(
        capsys, "equipment", "status", "printer-1", "pc-1", "--json", "--config", str(config)
    )
    assert code == 0
    printer, pc = json.loads(out)
    assert (printer["resource_id"], printer["liveness"], printer["on"]) == (
        "printer-1",
        "online",
        True,
    )
    assert printer["heard_from"] == "cli-printer" and printer["round_trip_ms"] is not None
    assert (pc["liveness"], pc["on"], pc["ok"]) == ("online", False, True)
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


def test_one_command_and_its_echo_with_the_round_trip(
    setup: tuple[Path, PlugSim, PlugSim], capsys: pytest.CaptureFixture[str]
) -> None:
    config, tasmota, shelly = setup
    code, out = run(
        capsys, "-v", "--lang", "en", "equipment", "on", "pc-1", "--config", str(config)
    )
    assert code == 0
    assert re.search(r"Round trip \d+\.\d ms \(answered by cli-pc\)", out), out
    # One Switch.Set and the GetStatus that reads it back, in one round trip: no
    # state queries before it.
    methods = [json.loads(payload)["method"] for _, payload in shelly.received]
    assert methods == ["Switch.Set", "Switch.GetStatus"]
    code, out = run(capsys, "--lang", "en", "equipment", "on", "printer-1", "--config", str(config))
    assert code == 0 and "Round trip" not in out  # only with -v
    assert tasmota.received == [("cmnd/cli-printer/POWER", b"ON")]
    tasmota.ignore_off = True
    code, out = run(
        capsys, "--lang", "en", "equipment", "off", "printer-1", "--timeout", "5", "--config",
        str(config),
    )  # fmt: skip
    assert code == 1
    assert "printer-1: the device answered on to the command off." in out


def test_status_exits_1_unless_every_plug_is_confirmed_online(
    setup: tuple[Path, PlugSim, PlugSim], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, _, shelly = setup
    code, out = run(capsys, "--lang", "en", "equipment", "status", "--config", str(config))
    assert code == 0
    assert "printer-1: online, off; answered by cli-printer in" in out
    assert "pc-1: online, off; answered by cli-pc in" in out
    assert "pc-2: online, off; answered by pc-2 in" in out  # the simulated one
    # A mistyped topic: no plug answers and no Last Will was ever seen.
    typo = tmp_path / "typo.toml"
    typo.write_text(config.read_text().replace("tasmota://cli-printer", "tasmota://cli-printr"))
    code, out = run(
        capsys, "--lang", "en", "equipment", "status", "printer-1", "--timeout", "0.3",
        "--config", str(typo),
    )  # fmt: skip
    assert code == 1
    assert "printer-1: UNKNOWN: its power plug has not answered yet" in out
    shelly.go_offline()
    code, out = run(capsys, "--lang", "en", "equipment", "status", "pc-1", "--config", str(config))
    assert code == 1
    assert "pc-1: OFFLINE: its power plug says it is offline" in out
    code, out = run(
        capsys, "equipment", "status", "laser-1", "--lang", "en", "--config", str(config)
    )
    assert code == 1 and "has no smart plug" in out


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
    code, out = run(capsys, "doctor", "--json", "--lang", "en", "--config", str(config))
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    printer = checks["resources[0].switch (tasmota://cli-printer)"]
    assert printer["ok"]
    assert re.fullmatch(r"online, off; answered by cli-printer in \d+\.\d ms", printer["reason"])
    pc = checks["resources[1].switch (shelly://cli-pc)"]
    assert not pc["ok"] and pc["reason"] == "OFFLINE: its power plug says it is offline"
    broker = next(c for name, c in checks.items() if name.startswith("mqtt ("))
    assert broker["ok"] and "accepted the connection" in broker["reason"]
    assert checks["booking rules"]["ok"]
    assert code == 1


def test_bookings_made_at_the_desk_start_their_equipment(
    setup: tuple[Path, PlugSim, PlugSim], capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(setup[0])
    start = "2030-01-08T09:00"
    code, out = run(
        capsys, "bookings", "create", "printer-1", "PLU-0002", start, "60", "--auto",
        "--lang", "en", "--config", config,
    )  # fmt: skip
    assert code == 1
    assert "Only staff" in out
    code, out = run(
        capsys, "bookings", "create", "printer-1", "PLU-0002", start, "60", "--staff",
        "PLU-0003", "--auto", "--json", "--config", config,
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["auto_start"] is True
    code, out = run(
        capsys, "bookings", "create", "pc-1", "PLU-0001", start, "60", "--staff", "PLU-0003",
        "--json", "--config", config,
    )  # fmt: skip
    tap = json.loads(out)
    assert tap["auto_start"] is False
    code, out = run(
        capsys, "bookings", "checkin", str(tap["id"]), "--lang", "en", "--config", config
    )
    assert code == 0
    assert f"Booking #{tap['id']} checked in" in out
    code, out = run(
        capsys, "bookings", "checkin", str(tap["id"]), "--lang", "en", "--config", config
    )
    assert code == 1
    assert "cannot be checked in any more" in out
    code, out = run(capsys, "bookings", "checkin", "99999", "--lang", "en", "--config", config)
    assert code == 1
