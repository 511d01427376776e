"""The demo data has what a new user needs to try every flow."""

from __future__ import annotations

from datetime import UTC, datetime

from kiosk.store import Store


def count(store: Store, sql: str) -> int:
    return int(store.conn.execute(sql).fetchone()[0])


def test_demo_data(demo_store: Store) -> None:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    today = now[:10]
    assert count(demo_store, "SELECT count(*) FROM patrons") >= 20
    assert count(demo_store, f"SELECT count(*) FROM patrons WHERE expires_on < '{today}'") >= 1
    assert count(demo_store, "SELECT count(*) FROM patrons WHERE pin_hash IS NOT NULL") >= 2
    assert (
        count(
            demo_store,
            """SELECT count(*) FROM patrons p JOIN patron_groups g
                                ON g.code = p.patron_group WHERE g.is_staff = 1
                                AND p.pin_hash IS NOT NULL""",
        )
        >= 1
    )
    assert count(demo_store, "SELECT count(*) FROM fines") >= 1
    assert count(demo_store, "SELECT count(*) FROM items") >= 200
    assert count(demo_store, """SELECT count(*) FROM biblios WHERE language = 'id'""") >= 40
    assert count(demo_store, """SELECT count(*) FROM biblios WHERE language = 'en'""") >= 40
    assert count(demo_store, "SELECT count(*) FROM loans WHERE returned_at IS NULL") >= 5
    assert count(demo_store, f"SELECT count(*) FROM loans WHERE due_at < '{now}'") >= 2
    assert count(demo_store, "SELECT count(*) FROM holds WHERE status = 'ready'") >= 2
    assert count(demo_store, "SELECT count(*) FROM resources WHERE kind = '3d_printer'") == 3
    assert count(demo_store, "SELECT count(*) FROM resources WHERE kind = 'computer'") == 6
    assert count(demo_store, f"SELECT count(*) FROM events WHERE ends_at > '{now}'") >= 5
    # Items on loan or on the hold shelf are marked so.
    assert (
        count(
            demo_store,
            """SELECT count(*) FROM loans l JOIN items i ON i.id = l.item_id
                                WHERE l.returned_at IS NULL AND i.status <> 'on_loan'""",
        )
        == 0
    )
    # Privacy by default: nobody keeps a reading history unless they opt in.
    assert count(demo_store, "SELECT count(*) FROM patrons WHERE keeps_history = 1") == 0


def test_some_demo_patrons_may_book_3d_printers(demo_store: Store) -> None:
    trained = demo_store.conn.execute(
        """SELECT c.card_number FROM patrons p JOIN cards c ON c.patron_id = p.id
           WHERE p.trained_on LIKE '%3d_printer%' ORDER BY c.card_number"""
    ).fetchall()
    assert [row[0] for row in trained] == ["PLU-0001", "PLU-0006", "PLU-0022"]
