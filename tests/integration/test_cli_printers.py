"""``kiosk printers`` and ``kiosk doctor`` against a real OctoPrint, built from config
and a key in the environment, as on a kiosk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk import bootstrap
from kiosk.cli import main
from kiosk.domain.errors import ConfigError
from kiosk.ports import JobOwner
from tests.conftest import free_port
from tests.support import gcode as samples
from tests.support.octoprint import OctoPrintServer

pytestmark = pytest.mark.integration


def write_config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f"""
[kiosk]
language = "en"

[database]
path = "{tmp_path / "k.db"}"

[secrets]
file = "{tmp_path / "secrets.toml"}"

[[resources]]
id = "printer-1"
kind = "3d_printer"
printer = "{url}"
"""
    )
    return path


def test_status_files_and_doctor(
    octoprint: OctoPrintServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KIOSK_OCTOPRINT_KEYS_PRINTER_1", octoprint.api_key)
    config = str(write_config(tmp_path, octoprint.url()))
    host = bootstrap.open_kiosk(bootstrap.load_config(config), store=False).printers["printer-1"]
    host.upload("cube.gcode", samples.cura().encode(), JobOwner(7, "kiosk-1"))
    host.stop()
    assert main(["printers", "status", "--json", "--config", config]) == 0
    (printer,) = json.loads(capsys.readouterr().out)["printers"]
    assert (printer["online"], printer["state"]) == (True, "idle")
    assert main(["printers", "files", "printer-1", "--config", config]) == 0
    out = capsys.readouterr().out
    assert out.startswith("cube.gcode") and "booking 7" in out
    assert main(["init", "--config", config]) == 0
    capsys.readouterr()
    assert main(["doctor", "--config", config]) == 0
    doctor = capsys.readouterr().out
    assert "ok   resources[0].printer (printer-1): OctoPrint 1.11" in doctor
    assert "key accepted" in doctor and "printer: Operational" in doctor
    assert octoprint.api_key not in doctor
    monkeypatch.setenv("KIOSK_OCTOPRINT_KEYS_PRINTER_1", "not-the-key")
    assert main(["doctor", "--config", config, "--lang", "en"]) == 1
    assert "FAIL resources[0].printer (printer-1): printer-1 refused" in (capsys.readouterr().out)


def test_a_missing_key_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("KIOSK_OCTOPRINT_KEYS_PRINTER_1", raising=False)
    config = write_config(tmp_path, f"octoprint://127.0.0.1:{free_port()}")
    with pytest.raises(ConfigError, match="KIOSK_OCTOPRINT_KEYS_PRINTER_1"):
        bootstrap.open_kiosk(bootstrap.load_config(config), store=False)
    (tmp_path / "secrets.toml").write_text('[octoprint_keys]\nprinter-1 = "from-the-file"\n')
    host = bootstrap.open_kiosk(bootstrap.load_config(config), store=False).printers["printer-1"]
    assert host.status().problem == "printer.unreachable"  # nothing listens there
    host.stop()
    assert main(["printers", "status", "--config", str(config)]) == 0
    assert "offline" in capsys.readouterr().out
