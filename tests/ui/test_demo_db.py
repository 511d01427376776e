"""``kiosk demo --db FILE`` uses that file (issue 14 item 12): made with demo data when
it is not there, opened as it is when it is a demo database (the refusal of a library's
database is in tests/unit/test_demo.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk import demo
from kiosk.store import Store
from tests.support.offscreen import run_offscreen

pytestmark = pytest.mark.ui


def demo_run(db: Path, tmp_path: Path) -> None:
    args = ["-m", "kiosk", "demo", "--db", str(db), "--exit-after", "1"]
    result = run_offscreen(args, tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def test_kiosk_demo_makes_the_file_and_reopens_it_as_it_is(tmp_path: Path) -> None:
    db = tmp_path / "try" / "demo.db"
    demo_run(db, tmp_path)
    store = Store(db)
    try:
        assert demo.is_demo(store)
        patrons = store.conn.execute("SELECT count(*) FROM patrons").fetchone()[0]
        assert patrons >= 20
        # What someone did in the demo stays for the next run.
        store.conn.execute(
            "INSERT INTO feedback (day, rating, comment, language) VALUES "
            "('2026-12-07', 5, 'kept', 'id')"
        )
    finally:
        store.close()
    demo_run(db, tmp_path)
    store = Store(db)
    try:
        assert store.conn.execute("SELECT count(*) FROM patrons").fetchone()[0] == patrons
        kept = store.conn.execute("SELECT count(*) FROM feedback WHERE comment = 'kept'")
        assert kept.fetchone()[0] == 1
    finally:
        store.close()
