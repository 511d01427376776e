"""Versioned, idempotent schema migrations.

Each migration has a unique name and is applied once, in list order, inside its own
``BEGIN IMMEDIATE`` transaction (so two processes opening a new database at once do
not both apply it). A database that records a migration this version does not know was
written by a newer kiosk and is refused rather than damaged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiosk.store import schema
from kiosk.timeutil import to_db, utcnow

if TYPE_CHECKING:
    from kiosk.store.database import Store


@dataclass(frozen=True)
class Migration:
    name: str
    statements: tuple[str, ...] = ()
    apply: Callable[[Store], None] | None = None


#: Append new migrations at the end; never edit or reorder one that has shipped.
MIGRATIONS: list[Migration] = [
    Migration("0001_initial", statements=schema.INITIAL),
    Migration("0002_circulation_local", statements=schema.CIRCULATION_LOCAL),
    Migration("0003_import_indexes", statements=schema.IMPORT_INDEXES),
    Migration("0004_booking_buffers", statements=schema.BOOKINGS_V2),
    Migration("0005_holds_forget_patron", statements=schema.HOLDS_FORGET_PATRON),
    Migration("0006_equipment_truth", statements=schema.EQUIPMENT_TRUTH),
    Migration("0007_sip2_offline", statements=schema.SIP2_OFFLINE),
    Migration("0008_usage_detail", statements=schema.USAGE_DETAIL),
    Migration("0009_print_jobs", statements=schema.PRINT_JOBS),
    Migration("0010_staff_alerts", statements=schema.STAFF_ALERTS),
    Migration("0011_staff_override", statements=schema.STAFF_OVERRIDE),
]

_LEDGER = """
CREATE TABLE IF NOT EXISTS _migrations (
    name TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL
)"""


def applied(store: Store) -> list[str]:
    """Names of the migrations the database records (reads only)."""
    has_ledger = store.conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
    ).fetchone()
    if not has_ledger:
        return []
    return [r["name"] for r in store.conn.execute("SELECT name FROM _migrations ORDER BY rowid")]


def pending(store: Store, migrations: list[Migration] | None = None) -> list[str]:
    """Names of the migrations still to apply (reads only; nothing is written)."""
    migrations = MIGRATIONS if migrations is None else migrations
    done = set(applied(store))
    return [m.name for m in migrations if m.name not in done]


def migrate(store: Store, migrations: list[Migration] | None = None) -> list[str]:
    """Apply what is missing; return the names applied now (empty when up to date).

    Raises :class:`~kiosk.store.database.StoreError` (``store.newer_version``) when the
    database has migrations unknown to this version.
    """
    from kiosk.store.database import StoreError

    migrations = MIGRATIONS if migrations is None else migrations
    known = {m.name for m in migrations}
    unknown = [name for name in applied(store) if name not in known]
    if unknown:
        raise StoreError("store.newer_version", path=store.path, migrations=", ".join(unknown))
    done: list[str] = []
    if not pending(store, migrations):
        return done  # up to date: opening writes nothing
    with store.transaction() as db:
        db.execute(_LEDGER)
    for migration in migrations:
        with store.transaction() as db:
            # Checked again under the write lock: another process may have won the race.
            if db.execute("SELECT 1 FROM _migrations WHERE name = ?", [migration.name]).fetchone():
                continue
            for statement in migration.statements:
                db.execute(statement)
            if migration.apply is not None:
                migration.apply(store)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                [migration.name, to_db(utcnow())],
            )
            done.append(migration.name)
    count = len(applied(store))
    if store.conn.execute("PRAGMA user_version").fetchone()["user_version"] != count:
        store.conn.execute(f"PRAGMA user_version = {count}")
    return done
