"""Opening the database and running transactions.

Opening never writes unless a migration is due: an up-to-date database can be read
from a read-only mount or through SQLite's read-only URIs (``file:PATH?mode=ro``, or
``?immutable=1`` on read-only media where not even the ``-shm`` file can be made). A
file that is not a kiosk database (tables, but no ``_migrations``) is refused
untouched. A new database is created private: the file 0600, any folder made for it
0700.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

import sqlite_utils

from kiosk.domain.errors import KioskError

if TYPE_CHECKING:
    from kiosk.config import ResourceConfig

#: How long a writer waits for another process's write lock, in seconds.
BUSY_TIMEOUT_S = 10.0


class StoreError(KioskError):
    """The database cannot be used (newer version, unreadable file, ...)."""


def database_file(path: str | Path) -> Path | None:
    """The file behind a path or a ``file:`` URI (None: ``:memory:``)."""
    text = str(path)
    if text == ":memory:":
        return None
    if text.startswith("file:"):
        return Path(unquote(urlsplit(text).path))
    return Path(text)


def _read_only_uri(path: str) -> bool:
    if not path.startswith("file:"):
        return False
    query = parse_qs(urlsplit(path).query)
    return query.get("mode") == ["ro"] or query.get("immutable") == ["1"]


def exists(path: str | Path) -> bool:
    """A database is there: the file exists and is not empty."""
    file = database_file(path)
    return file is None or (file.is_file() and file.stat().st_size > 0)


def _create_private(file: Path) -> None:
    """Make the folders (0700) and an empty file (0600) for a new database, so that
    neither the database nor its -wal/-shm files (SQLite gives them the database
    file's mode) are ever readable by other users. Folders that exist are left alone
    (under systemd, StateDirectory= made them with the mode the unit asks for)."""
    missing = []
    folder = file.parent
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for made in reversed(missing):
        made.mkdir(mode=0o700)
        os.chmod(made, 0o700)  # whatever the umask
    fd = os.open(file, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    if file.stat().st_size == 0:
        os.chmod(file, 0o600)


def sqlite_failure(exc: sqlite3.Error, path: str) -> StoreError:
    """One SQLite failure as a StoreError with a message key (one line for the CLI)."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return StoreError("store.locked", path=path, seconds=f"{BUSY_TIMEOUT_S:g}")
    if "readonly" in text or "read-only" in text:
        return StoreError("store.read_only", path=path)
    if "full" in text:
        return StoreError("store.full", path=path)
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return StoreError("store.damaged", path=path, reason=str(exc))
    return StoreError("store.failed", path=path, reason=str(exc))


class Store:
    """One SQLite connection, shared by the services of one process.

    The connection may be used from several threads (the scheduler, the UI); a lock
    serialises them. Rows are :class:`sqlite3.Row`, read by column name. Writes go
    through :meth:`transaction`, which takes SQLite's write lock at once (``BEGIN
    IMMEDIATE``) so that checks and writes of one action are atomic across processes
    too.

    ``create`` False: a database that does not exist (or is 0 bytes) is refused with
    ``store.missing`` instead of being created. ``migrate`` False: opened as it is,
    nothing applied (``kiosk doctor``).
    """

    def __init__(self, path: str | Path, *, migrate: bool = True, create: bool = True) -> None:
        self.path = str(path)
        file = database_file(self.path)
        self.read_only = _read_only_uri(self.path)
        if file is not None and not exists(self.path):
            if not create or self.read_only:
                raise StoreError("store.missing", path=str(file))
            try:
                _create_private(file)
            except OSError as exc:
                raise StoreError(
                    "store.cannot_open", path=self.path, reason=exc.strerror or str(exc)
                ) from None
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_S,
                isolation_level=None,
                check_same_thread=False,
                uri=self.path.startswith("file:"),
            )
            # Rows are read by column name everywhere (``row["due_at"]``), never by
            # position: a column added to a SELECT cannot shift the others.
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            tables = {
                r["name"]
                for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        except sqlite3.Error as exc:
            raise sqlite_failure(exc, self.path) from None
        if tables and "_migrations" not in tables:
            conn.close()
            # Someone else's database: no WAL switch, no ledger added, nothing.
            raise StoreError("store.foreign", path=self.path)
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self.lock = threading.RLock()
        if migrate:
            from kiosk.store.migrations import migrate as run_migrations
            from kiosk.store.migrations import pending

            due = pending(self)
            if due and self.read_only:
                conn.close()
                raise StoreError("store.needs_migration", path=str(file), migrations=", ".join(due))
            try:
                if due:
                    conn.execute("PRAGMA journal_mode=WAL")
                run_migrations(self)  # refuses a newer version; writes only when due
            except sqlite3.Error as exc:
                conn.close()
                raise sqlite_failure(exc, self.path) from None
            except StoreError:
                conn.close()
                raise

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; rolls back on any exception.

        Nested use runs inside the outer transaction (a savepoint via sqlite-utils).
        """
        with self.lock:
            if self.conn.in_transaction:
                with self.db.atomic():
                    yield self.db
                return
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")

    def sync_resources(self, resources: Sequence[ResourceConfig]) -> None:
        """Resources are config: upsert each, and retire those no longer configured
        (kept in the table so that past bookings still name them). Writes only when
        the table differs from the config, so opening an up-to-date database writes
        nothing (and a read-only one can be opened at all)."""
        wanted = {
            (r.id, r.kind, r.name or r.id, r.switch or None, r.printer or None, 1)
            for r in resources
        }
        ids = [r.id for r in resources]
        with self.lock:
            rows = self.conn.execute(
                "SELECT id, kind, name, switch_url, printer_url, active FROM resources"
            ).fetchall()
        have = {
            (
                row["id"],
                row["kind"],
                row["name"],
                row["switch_url"],
                row["printer_url"],
                row["active"],
            )
            for row in rows
            if row["id"] in ids
        }
        stale = [row for row in rows if row["id"] not in ids and row["active"]]
        if (have == wanted and not stale) or self.read_only:
            return
        with self.transaction() as db:
            for r in resources:
                db.execute(
                    """INSERT INTO resources (id, kind, name, switch_url, printer_url, active)
                       VALUES (?, ?, ?, ?, ?, 1)
                       ON CONFLICT(id) DO UPDATE SET kind = excluded.kind,
                         name = excluded.name, switch_url = excluded.switch_url,
                         printer_url = excluded.printer_url, active = 1""",
                    [r.id, r.kind, r.name or r.id, r.switch or None, r.printer or None],
                )
            marks = ",".join("?" * len(ids))
            db.execute(
                f"UPDATE resources SET active = 0 WHERE id NOT IN ({marks})"
                if ids
                else "UPDATE resources SET active = 0",
                ids,
            )

    def close(self) -> None:
        with self.lock:
            self.conn.close()
