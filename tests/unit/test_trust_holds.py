"""Issue 11 item 9: a collected hold forgets its patron, as a returned loan does
(migration 0005_holds_forget_patron lets ``holds.patron_id`` be NULL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import Config
from kiosk.services import Services
from kiosk.store import MIGRATIONS, Store, migrate
from kiosk.store.migrations import applied
from tests.unit.circ_helpers import FakeClock, add_item, add_patron, services


@pytest.fixture
def svc(store: Store, default_config: Config) -> Services:
    return services(store, default_config, FakeClock())


def _ready_hold(store: Store, patron: str, barcode: str) -> None:
    item = add_item(store, barcode, status="on_hold_shelf")
    store.conn.execute(
        """INSERT INTO holds (patron_id, item_id, status, shelf_location, placed_at, expires_on)
           VALUES (?, ?, 'ready', 'Rak Pesanan', '2026-11-01T00:00:00+00:00', '2026-11-30')""",
        [int(patron), item],
    )


def _waiting_hold(store: Store, patron: str, barcode: str) -> None:
    item = add_item(store, barcode)
    store.conn.execute(
        """INSERT INTO holds (patron_id, item_id, status, placed_at)
           VALUES (?, ?, 'waiting', '2026-11-01T00:00:00+00:00')""",
        [int(patron), item],
    )


def holds(store: Store) -> list[tuple[str, int | None]]:
    rows = store.conn.execute("SELECT status, patron_id FROM holds").fetchall()
    return [(r["status"], r["patron_id"]) for r in rows]


def test_collecting_a_ready_hold_forgets_the_patron(store: Store, svc: Services) -> None:
    holder = add_patron(store, "H-1")
    _ready_hold(store, holder, "I-1")
    svc.circulation.checkout(holder, "I-1")
    svc.circulation.checkin("I-1")
    assert holds(store) == [("collected", None)]


def test_filling_a_waiting_hold_at_checkout_forgets_the_patron(store: Store, svc: Services) -> None:
    holder = add_patron(store, "H-2")
    _waiting_hold(store, holder, "I-2")
    svc.circulation.checkout(holder, "I-2")
    assert holds(store) == [("collected", None)]


def test_a_patron_who_keeps_a_history_keeps_the_link(store: Store, svc: Services) -> None:
    holder = add_patron(store, "H-3", keeps_history=True)
    _ready_hold(store, holder, "I-3")
    svc.circulation.checkout(holder, "I-3")
    assert holds(store) == [("collected", int(holder))]


def test_open_holds_still_need_a_patron(store: Store) -> None:
    import sqlite3

    item = add_item(store, "I-4")
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute(
            """INSERT INTO holds (patron_id, item_id, status, placed_at)
               VALUES (NULL, ?, 'waiting', '2026-11-01T00:00:00+00:00')""",
            [item],
        )


def test_the_migration_rebuilds_holds_and_forgets_collected_ones(tmp_path: Path) -> None:
    """A database from before (migrations up to 0004) with a collected hold: after
    migrating, the row has no patron, the indexes are back, nothing else is lost."""
    names = [m.name for m in MIGRATIONS]
    assert "0005_holds_forget_patron" in names
    before = MIGRATIONS[: names.index("0005_holds_forget_patron")]
    store = Store(tmp_path / "old.db", migrate=False)
    migrate(store, before)
    keeper = add_patron(store, "K-1", keeps_history=True)
    other = add_patron(store, "O-1")
    for number, (patron, status) in enumerate(
        [(other, "collected"), (keeper, "collected"), (other, "waiting"), (other, "ready")]
    ):
        item = add_item(store, f"I-{number}")
        store.conn.execute(
            """INSERT INTO holds (patron_id, item_id, status, placed_at)
               VALUES (?, ?, ?, '2026-11-01T00:00:00+00:00')""",
            [int(patron), item, status],
        )
    assert migrate(store) == names[len(before) :]
    rows = store.conn.execute("SELECT patron_id, status FROM holds ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [
        (None, "collected"),
        (int(keeper), "collected"),
        (int(other), "waiting"),
        (int(other), "ready"),
    ]
    indexes = {
        r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'holds'")
    }
    assert {"holds_patron", "holds_item", "holds_ready_item", "holds_biblio"} <= indexes
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert applied(store) == names
    store.close()
