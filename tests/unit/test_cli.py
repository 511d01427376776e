"""The CLI frame: version, init (with demo data), doctor, common options anywhere."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import __version__
from kiosk.cli import main

REPO = Path(__file__).resolve().parents[2]


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *argv],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"kiosk {__version__}"


def test_init_demo_json_lists_demo_cards(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = run("init", "--db", str(db), "--demo", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["demo_loaded"] is True
    cards = data["demo_cards"]
    assert {c["kind"] for c in cards} == {"ok", "expired", "fines", "pin", "staff"}
    for card in cards:
        assert set(card) == {"card_number", "card_key", "kind", "pin"}
        assert card["card_key"] == card["card_key"].upper()
        assert (card["pin"] is not None) == (card["kind"] in ("pin", "staff"))
    # A second init migrates nothing and loads nothing twice.
    again = json.loads(run("--db", str(db), "init", "--demo", "--json").stdout)
    assert again["demo_loaded"] is False


def test_init_human_output_in_both_languages(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    english = run("init", "--db", str(db), "--demo", "--lang", "en")
    assert english.returncode == 0
    assert "Demo cards to try" in english.stdout
    assert "PLU-0001" in english.stdout
    assert "fines over the limit" in english.stdout
    indonesian = run("--lang", "id", "init", "--db", str(db))
    assert indonesian.stdout.startswith("Basis data siap")


def test_doctor_reports_every_check(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    assert run("init", "--db", str(db), "--demo").returncode == 0
    result = run("doctor", "--db", str(db), "--json")
    assert result.returncode == 0, result.stdout
    data = json.loads(result.stdout)
    names = [c["name"] for c in data["checks"]]
    assert names[0] == "config" and names[1] == "database"
    assert any(n.startswith("devices.card_readers[0]") for n in names)
    assert any(n.startswith("resources[0].switch") for n in names)
    assert data["ok"] is True
    human = run("doctor", "--db", str(db))
    assert human.returncode == 0
    assert all(line.startswith("ok ") for line in human.stdout.splitlines())


def test_doctor_fails_on_a_missing_database_and_an_offline_device(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('[devices]\ncard_readers = ["sim://desk?fail=offline"]\n')
    result = run("doctor", "--config", str(config), "--db", str(tmp_path / "none.db"))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith("FAIL database") and "kiosk init" in line for line in lines)
    assert any(line.startswith("FAIL devices.card_readers[0] (desk)") for line in lines)


@pytest.mark.parametrize("argv", [["frobnicate"], ["init", "--colour"], ["--lang", "fr", "init"]])
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith("kiosk")


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    out = capsys.readouterr().out
    for command in ("init", "doctor", "run", "demo"):
        assert command in out
