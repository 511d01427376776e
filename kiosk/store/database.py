"""Opening the database and running transactions."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from kiosk.domain.errors import KioskError

#: How long a writer waits for another process's write lock, in seconds.
BUSY_TIMEOUT_S = 10.0


class StoreError(KioskError):
    """The database cannot be used (newer version, unreadable file, ...)."""


class Store:
    """One SQLite connection, shared by the services of one process.

    The connection may be used from several threads (the scheduler, the UI); a lock
    serialises them. Writes go through :meth:`transaction`, which takes SQLite's write
    lock at once (``BEGIN IMMEDIATE``) so that checks and writes of one action are
    atomic across processes too.
    """

    def __init__(self, path: str | Path, *, migrate: bool = True) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            parent = Path(self.path).parent
            parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_S,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute("PRAGMA journal_mode=WAL")
        except sqlite3.Error as exc:
            raise StoreError("store.cannot_open", path=self.path, reason=str(exc)) from None
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self.lock = threading.RLock()
        if migrate:
            from kiosk.store.migrations import migrate as run_migrations

            run_migrations(self)

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

    def close(self) -> None:
        with self.lock:
            self.conn.close()
