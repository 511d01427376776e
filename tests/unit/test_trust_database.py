"""Issue 11 items 11, 12, 15: a mistyped --db never makes an empty library, opening
never writes unless a migration is due, read-only and locked databases get one clear
line, and a new database is private to its user."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import time
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.store import Store, StoreError

Run = tuple[int, str, str]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    code = main([*argv, "--lang", "en"])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "lib" / "kiosk.db"
    assert main(["init", "--demo", "--db", str(path)]) == 0
    capsys.readouterr()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# -- item 11 ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        ["circ", "patron", "X"],
        ["circ", "checkin", "B00001"],
        ["circ", "pay", "PLU-0004", "5000"],
        ["bookings", "list"],
        ["import", "items", "ITEMS", "--dry-run"],
        ["import", "items", "ITEMS"],
    ],
)
def test_a_missing_database_is_refused_and_nothing_is_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    items = tmp_path / "items.csv"
    items.write_text("barcode,title\nB1,Judul\n", encoding="utf-8")
    argv = [str(items) if a == "ITEMS" else a for a in argv]
    missing = tmp_path / "typo" / "missing.db"
    code, _out, err = run(capsys, "--db", str(missing), *argv)
    assert code == 2
    line = one_line(err)
    assert "kiosk init" in line and str(missing) in line
    assert not missing.parent.exists()


def test_doctor_reports_a_missing_database_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "typo" / "missing.db"
    code, out, _ = run(capsys, "doctor", "--db", str(missing))
    assert code == 1
    assert any(
        line.startswith("FAIL database") and "kiosk init" in line for line in out.splitlines()
    )
    assert not missing.parent.exists()


def test_a_zero_byte_database_is_refused_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    code, _, err = run(capsys, "circ", "patron", "X", "--db", str(empty))
    assert code == 2 and "kiosk init" in one_line(err)
    assert empty.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]


def test_init_run_and_demo_still_create(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "new" / "kiosk.db"
    code, _, _ = run(capsys, "init", "--db", str(path))
    assert code == 0 and path.stat().st_size > 0


def test_a_dry_run_import_creates_and_changes_nothing(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = tmp_path / "items.csv"
    items.write_text("barcode,title\nNEW-1,Judul Baru\n", encoding="utf-8")
    before = digest(demo)
    listing = sorted(p.name for p in demo.parent.iterdir())
    code, out, _ = run(capsys, "import", "items", str(items), "--dry-run", "--db", str(demo))
    assert code == 0 and "dry run" in out.lower()
    assert digest(demo) == before
    assert sorted(p.name for p in demo.parent.iterdir()) == listing


# -- item 12 ---------------------------------------------------------------------------
READ_ONLY_COMMANDS = [
    ["circ", "patron", "PLU-0001"],
    ["circ", "fines", "PLU-0004"],
    ["bookings", "list"],
]


@pytest.mark.parametrize("argv", READ_ONLY_COMMANDS)
def test_read_only_commands_never_write(
    demo: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    before = digest(demo)
    listing = sorted(p.name for p in demo.parent.iterdir())
    code, _out, err = run(capsys, *argv, "--db", str(demo))
    assert code == 0, err
    assert digest(demo) == before
    assert sorted(p.name for p in demo.parent.iterdir()) == listing


@pytest.mark.parametrize("query", ["mode=ro", "immutable=1"])
@pytest.mark.parametrize("argv", READ_ONLY_COMMANDS)
def test_read_only_commands_work_on_a_read_only_database(
    demo: Path, capsys: pytest.CaptureFixture[str], argv: list[str], query: str
) -> None:
    """SQLite's read-only URIs stand in for a read-only mount (root ignores file
    modes); ``immutable=1`` is what works without a -shm file on read-only media."""
    before = digest(demo)
    code, out, err = run(capsys, *argv, "--db", f"file:{demo}?{query}")
    assert code == 0, err
    assert out.strip()
    assert digest(demo) == before


def test_a_write_to_a_read_only_database_is_one_line(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "circ", "checkin", "B00003", "--db", f"file:{demo}?mode=ro")
    assert code in (1, 2)
    assert "read-only" in one_line(err)


def test_a_read_only_database_that_needs_a_migration_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk.store import MIGRATIONS, migrate

    path = tmp_path / "old.db"
    store = Store(path, migrate=False)
    migrate(store, MIGRATIONS[:-1])
    store.close()
    before = digest(path)
    code, _, err = run(capsys, "circ", "patron", "X", "--db", f"file:{path}?mode=ro")
    assert code == 2
    assert "kiosk init" in one_line(err)
    assert digest(path) == before


def test_a_locked_database_waits_a_bounded_time_then_says_so(
    demo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.store import database

    monkeypatch.setattr(database, "BUSY_TIMEOUT_S", 0.3)
    writer = sqlite3.connect(demo, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        code, _, err = run(capsys, "circ", "checkin", "B00003", "--db", str(demo))
        waited = time.monotonic() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert code == 1
    assert "busy" in one_line(err) or "locked" in one_line(err)
    assert 0.25 < waited < 5


def test_opening_an_up_to_date_database_writes_nothing(demo: Path) -> None:
    before = digest(demo)
    store = Store(demo, create=False)
    store.close()
    assert digest(demo) == before


def test_a_foreign_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE notes (text TEXT)")
    other.commit()
    other.close()
    before = digest(path)
    with pytest.raises(StoreError) as caught:
        Store(path)
    assert caught.value.key == "store.foreign"
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


# -- item 15 ---------------------------------------------------------------------------
def test_a_new_database_is_0600_in_a_0700_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INVOCATION_ID", raising=False)
    old = os.umask(0o022)
    try:
        path = tmp_path / "data" / "kiosk" / "kiosk.db"
        code, _, _ = run(capsys, "init", "--db", str(path))
    finally:
        os.umask(old)
    assert code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
