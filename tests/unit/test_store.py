"""The store: WAL, migrations (fresh, re-run, newer version), invariants in SQLite."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.store import MIGRATIONS, Migration, Store, StoreError, migrate
from kiosk.store.migrations import applied

REPO = Path(__file__).resolve().parents[2]
TABLES = {
    "patron_groups",
    "patrons",
    "cards",
    "biblios",
    "items",
    "loans",
    "holds",
    "fines",
    "payments",
    "resources",
    "bookings",
    "print_jobs",
    "events",
    "registrations",
    "feedback",
    "usage_counters",
    "outbox",
}


def test_fresh_database_has_every_table_and_wal(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.db")
    assert set(store.db.table_names()) >= TABLES
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert applied(store) == [m.name for m in MIGRATIONS]
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    store.close()


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    Store(tmp_path / "k.db").close()
    store = Store(tmp_path / "k.db")
    assert migrate(store) == []
    assert applied(store) == [m.name for m in MIGRATIONS]
    store.close()


def test_new_migration_applies_once_in_order(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.db")
    extra = Migration("9000_test_column", statements=("ALTER TABLE items ADD COLUMN shelf TEXT",))
    assert migrate(store, [*MIGRATIONS, extra]) == ["9000_test_column"]
    assert migrate(store, [*MIGRATIONS, extra]) == []
    assert "shelf" in store.db["items"].columns_dict
    store.close()


def test_failed_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.db")
    bad = Migration(
        "9001_bad",
        statements=(
            "ALTER TABLE items ADD COLUMN half TEXT",
            "THIS IS NOT SQL",
        ),
    )
    with pytest.raises(sqlite3.OperationalError):
        migrate(store, [*MIGRATIONS, bad])
    assert "half" not in store.db["items"].columns_dict
    assert "9001_bad" not in applied(store)
    store.close()


def test_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    store = Store(path)
    store.conn.execute(
        "INSERT INTO _migrations (name, applied_at) VALUES ('9999_future', '2030-01-01')"
    )
    store.close()
    with pytest.raises(StoreError) as caught:
        Store(path)
    assert caught.value.key == "store.newer_version"
    assert "9999_future" in caught.value.params["migrations"]
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "init", "--db", str(path), "--lang", "en"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 2
    assert "newer kiosk version" in result.stderr
    assert "Traceback" not in result.stderr


def test_unique_card_keys_numbers_and_barcodes(store: Store) -> None:
    conn = store.conn
    conn.execute("INSERT OR IGNORE INTO patron_groups VALUES ('adult', 'Umum', 'Adult', 0)")
    conn.execute("INSERT INTO patrons (name, patron_group, created_at) VALUES ('A', 'adult', 'x')")
    conn.execute("INSERT INTO cards (patron_id, card_key, card_number) VALUES (1, 'AB12', 'P1')")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO cards (patron_id, card_key) VALUES (1, 'AB12')")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO cards (patron_id, card_number) VALUES (1, 'P1')")
    with pytest.raises(sqlite3.IntegrityError):  # card keys are uppercase hex
        conn.execute("INSERT INTO cards (patron_id, card_key) VALUES (1, 'ab13')")
    conn.execute("INSERT INTO items (barcode, title, created_at) VALUES ('B1', 'T', 'x')")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO items (barcode, title, created_at) VALUES ('B1', 'U', 'x')")


def test_one_open_loan_per_item(store: Store) -> None:
    conn = store.conn
    conn.execute("INSERT OR IGNORE INTO patron_groups VALUES ('adult', 'Umum', 'Adult', 0)")
    conn.execute("INSERT INTO patrons (name, patron_group, created_at) VALUES ('A', 'adult', 'x')")
    conn.execute("INSERT INTO items (barcode, title, created_at) VALUES ('B1', 'T', 'x')")
    loan = "INSERT INTO loans (item_id, patron_id, checked_out_at, due_at) VALUES (1, 1, 'a', 'b')"
    conn.execute(loan)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(loan)
    conn.execute("UPDATE loans SET returned_at = 'c'")
    conn.execute(loan)  # returned loans do not count


def test_overlapping_bookings_are_refused_by_the_database(store: Store) -> None:
    conn = store.conn
    conn.execute("INSERT INTO resources (id, kind, name) VALUES ('p1', '3d_printer', 'P')")
    insert = (
        "INSERT INTO bookings (resource_id, starts_at, ends_at, status, created_at) "
        "VALUES ('p1', ?, ?, ?, 'x')"
    )
    conn.execute(insert, ["2026-12-01T02:00:00+00:00", "2026-12-01T03:00:00+00:00", "booked"])
    with pytest.raises(sqlite3.IntegrityError, match=r"booking\.overlap"):
        conn.execute(insert, ["2026-12-01T02:30:00+00:00", "2026-12-01T03:30:00+00:00", "booked"])
    # Touching ends do not overlap; cancelled bookings do not hold their slot.
    conn.execute(insert, ["2026-12-01T03:00:00+00:00", "2026-12-01T04:00:00+00:00", "booked"])
    conn.execute(insert, ["2026-12-01T02:15:00+00:00", "2026-12-01T02:45:00+00:00", "cancelled"])
    with pytest.raises(sqlite3.IntegrityError, match=r"booking\.overlap"):
        conn.execute("UPDATE bookings SET status = 'booked' WHERE status = 'cancelled'")


def test_transaction_rolls_back_on_error(store: Store) -> None:
    def fail_halfway() -> None:
        with store.transaction() as db:
            db.execute("INSERT INTO resources (id, kind, name) VALUES ('zz', 'tool', 'Z')")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_halfway()
    assert store.conn.execute("SELECT count(*) FROM resources WHERE id = 'zz'").fetchone()[0] == 0
