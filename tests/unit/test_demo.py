"""The demo data has what a new user needs to try every flow."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import get_day_names

from kiosk import config as config_module
from kiosk import demo, formatting
from kiosk.store import Store
from kiosk.timeutil import from_db


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


def run_kiosk(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *argv],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    )


def test_a_loaded_database_is_marked_as_a_demo_one(tmp_path: Path) -> None:
    config = config_module.parse(config_module.default_config_text(), "<test>")
    store = Store(tmp_path / "demo.db")
    try:
        assert not demo.is_demo(store)
        assert demo.load(store, config)
        assert demo.is_demo(store)
    finally:
        store.close()


def test_kiosk_demo_refuses_a_library_s_database_and_leaves_it_alone(tmp_path: Path) -> None:
    """Issue 14 item 12: ``kiosk demo --db`` on a library's database: one line that
    points to ``kiosk run --db``, exit 1, not a byte written (no migration, no data)."""
    real = tmp_path / "library.db"
    assert run_kiosk("init", "--db", str(real)).returncode == 0
    before = real.read_bytes()
    for lang, words in (("id", "kiosk run --db"), ("en", "kiosk run --db")):
        result = run_kiosk("demo", "--db", str(real), "--exit-after", "1", "--lang", lang)
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0] and str(real) in lines[0], result.stderr
    assert real.read_bytes() == before
    # A demo database made by ``kiosk init --demo`` is one the demo may open.
    made = tmp_path / "made.db"
    assert run_kiosk("init", "--db", str(made), "--demo").returncode == 0
    store = Store(made)
    try:
        assert demo.is_demo(store)
    finally:
        store.close()


@pytest.mark.parametrize("offset", range(7))
def test_demo_events_fall_on_the_weekday_their_name_says(tmp_path: Path, offset: int) -> None:
    """Issue 14 item 12: on any day of the week, an event named for a weekday (in
    either language) starts on that weekday."""
    config = config_module.parse(config_module.default_config_text(), "<test>")
    zone = ZoneInfo(config.kiosk.timezone)
    now = datetime(2026, 12, 7, 8, 0, tzinfo=zone) + timedelta(days=offset)
    store = Store(tmp_path / "demo.db")
    try:
        demo.load(store, config, lambda: now.astimezone(UTC))
        rows = store.conn.execute("SELECT title_id, title_en, starts_at FROM events").fetchall()
    finally:
        store.close()
    named = 0
    for row in rows:
        weekday = from_db(row["starts_at"]).astimezone(zone).weekday()
        for title, lang in ((row["title_id"], "id"), (row["title_en"], "en")):
            days = get_day_names("wide", locale=formatting.babel_locale(lang))
            said = [n for n, name in days.items() if name.lower() in title.lower()]
            if said:
                named += 1
                assert said == [weekday], (title, weekday)
    assert named >= 2  # the storytelling, in both languages
