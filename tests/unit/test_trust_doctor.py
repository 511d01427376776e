"""Issue 11 item 14: ``kiosk doctor`` checks the database's pages, never touches a
database that is not the kiosk's, names a backend it cannot build, and reports a broken
config section instead of crashing."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from kiosk.cli import main


def doctor(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:
    code = main(["doctor", "--json", "--lang", "en", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out), err


def checks(report: dict) -> dict[str, dict]:
    return {c["name"]: c for c in report["checks"]}


@pytest.fixture
def demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "kiosk.db"
    assert main(["init", "--demo", "--db", str(path)]) == 0
    capsys.readouterr()
    return path


def test_doctor_runs_quick_check_and_reports_a_damaged_page(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report, _ = doctor(capsys, "--db", str(demo))
    assert code == 0
    assert "quick_check ok" in checks(report)["database"]["reason"]
    # Damage one page of the items table (its b-tree page type byte).
    conn = sqlite3.connect(demo)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'items'").fetchone()[0]
    conn.close()
    data = bytearray(demo.read_bytes())
    data[(root - 1) * page_size] = 0x42
    demo.write_bytes(bytes(data))
    code, report, _ = doctor(capsys, "--db", str(demo))
    assert code == 1
    database = checks(report)["database"]
    assert not database["ok"] and "quick_check" in database["reason"]


def test_doctor_never_touches_a_foreign_sqlite_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "someone-else.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    code, report, _ = doctor(capsys, "--db", str(path))
    assert code == 1
    assert "not the kiosk's" in checks(report)["database"]["reason"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["someone-else.db"]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
    conn.close()
    assert tables == ["orders"]


def test_doctor_reports_a_configured_backend_that_does_not_answer(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An ILS configured but not reachable (nothing listens on the port) is a FAIL line
    naming the backend, and the other checks still run."""
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[backend]\nkind = "sip2"\nurl = "sip2://127.0.0.1:{port}?institution=PALU&timeout=1"\n',
        encoding="utf-8",
    )
    code, report, _ = doctor(capsys, "--config", str(config), "--db", str(demo))
    assert code == 1
    backend = checks(report)["backend"]
    assert not backend["ok"] and f"sip2 127.0.0.1:{port}" in backend["reason"]
    assert checks(report)["database"]["ok"]


@pytest.mark.parametrize(
    "text",
    [
        # Parses, but cannot be built: a plug without a broker.
        '[[resources]]\nid = "p1"\nkind = "tool"\nswitch = "tasmota://plug-1"\n',
        # Parses, but the secrets file is a folder.
        '[secrets]\nfile = "{folder}"\n[mqtt]\nurl = "mqtt://127.0.0.1:1"\n'
        '[[resources]]\nid = "p1"\nkind = "tool"\nswitch = "tasmota://plug-1"\n',
        # Parses, but the booking rules contradict each other.
        "[bookings.defaults]\nmin_minutes = 90\nmax_minutes = 60\n"
        '[[resources]]\nid = "pc-1"\nkind = "computer"\n',
    ],
)
def test_doctor_reports_a_broken_config_section_and_goes_on(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(text.replace("{folder}", str(tmp_path)), encoding="utf-8")
    code, report, _ = doctor(capsys, "--config", str(config), "--db", str(demo))
    assert code == 1
    found = checks(report)
    assert found["database"]["ok"]  # the other checks still ran
    failed = [c for c in report["checks"] if not c["ok"]]
    assert failed and all("\n" not in c["reason"] for c in failed)
