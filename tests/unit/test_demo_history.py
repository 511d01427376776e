"""Demo history: plausible, seeded, all before today, the database's rules kept."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk import demo, demo_history
from kiosk.cli import main
from kiosk.config import Config
from kiosk.store import Store
from kiosk.timeutil import from_db
from tests.support.kiosks import open_test_kiosk, store_of
from tests.unit.circ_helpers import MONDAY, FakeClock

TODAY = "2026-11-23"


def filled(path: Path, config: Config, days: int = 30, seed: int = 17) -> Store:
    store = store_of(open_test_kiosk(config, path))
    clock = FakeClock(MONDAY)
    demo.load(store, config, clock)
    assert demo_history.fill(store, config, days, clock, seed=seed)
    return store


def test_history_is_before_today_and_keeps_the_rules(
    tmp_path: Path, default_config: Config
) -> None:
    store = filled(tmp_path / "k.db", default_config)
    conn = store.conn
    first = "2026-10-24"
    assert conn.execute("SELECT max(day) FROM usage_counters").fetchone()[0] < TODAY
    assert conn.execute("SELECT max(day) FROM feedback").fetchone()[0] < TODAY
    assert conn.execute("SELECT min(day) FROM feedback").fetchone()[0] >= first
    hours = conn.execute(
        "SELECT min(hour), max(hour) FROM usage_counters WHERE action = 'checkout'"
    ).fetchone()
    assert tuple(hours) == (8, 16)
    # Bookings: past, never overlapping on one resource, in opening hours, outcomes known.
    rows = conn.execute(
        "SELECT resource_id, starts_at, ends_at, status FROM bookings ORDER BY starts_at"
    ).fetchall()
    assert rows and all(from_db(r[2]) <= MONDAY for r in rows)
    assert {r[3] for r in rows} == {"completed", "no_show", "cancelled"}
    last_end: dict[str, str] = defaultdict(str)
    for rid, start, end, _ in rows:
        assert start >= last_end[rid]
        last_end[rid] = end
        local = from_db(start) + timedelta(hours=8)
        assert local.hour >= 8 and local.weekday() != 6
    assert_print_jobs(conn, default_config)
    # Events: registrations within capacity; the survey ended, its hashes and salt gone.
    over = conn.execute(
        """SELECT count(*) FROM events e WHERE e.capacity < (SELECT count(*) FROM registrations
           r WHERE r.event_id = e.id AND r.walk_in = 0)"""
    ).fetchone()[0]
    assert over == 0
    survey = conn.execute("SELECT ends_on, salt FROM surveys").fetchone()
    assert survey[0] < TODAY and survey[1] is None
    assert conn.execute("SELECT count(*) FROM survey_offered").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM survey_responses").fetchone()[0] > 20
    store.close()


def assert_print_jobs(conn: Any, config: Config) -> None:
    """Print jobs as the kiosk writes them: one per used 3D printer booking at most,
    inside it, ended (a job whose end was not seen closed when the printer's next job
    started), filament from the estimate in grams with the configured filament."""
    jobs = conn.execute(
        """SELECT r.kind, b.status, b.starts_at, b.ends_at, p.resource_id, p.kiosk_id,
                  p.source, p.outcome, p.started_at, p.ended_at, p.estimated_seconds,
                  p.filament_mm, p.filament_g, p.file_name
           FROM print_jobs p JOIN bookings b ON b.id = p.booking_id
           JOIN resources r ON r.id = p.resource_id ORDER BY p.resource_id, p.started_at"""
    ).fetchall()
    assert len(jobs) == conn.execute("SELECT count(*) FROM print_jobs").fetchone()[0] > 50
    assert conn.execute("SELECT count(DISTINCT booking_id) FROM print_jobs").fetchone()[0] == len(
        jobs
    )
    assert {(j[0], j[1]) for j in jobs} == {("3d_printer", "completed")}
    assert {j[5] for j in jobs} == {config.kiosk.id}
    assert {j[6] for j in jobs} == {"usb", "host"}
    assert {j[7] for j in jobs} == {"done", "failed", "cancelled", "unknown"}
    density, radius = (
        config.printing.filament_density_g_cm3,
        config.printing.filament_diameter_mm / 2,
    )
    for index, job in enumerate(jobs):
        _, _, starts, ends, printer, _, _, outcome, started, ended, seconds, mm, g, name = job
        assert name.endswith(".gcode")
        assert starts < started < ended and from_db(ended) <= MONDAY
        assert 20 * 60 <= seconds <= 240 * 60
        took = (from_db(ended) - from_db(started)).total_seconds()
        if outcome == "unknown":  # closed by the next job on the same printer
            following = jobs[index + 1]
            assert following[4] == printer and following[8] == ended
            assert mm is None and g is None  # how much printed is not known
            continue
        assert g == pytest.approx(round(mm * math.pi * radius**2 / 1000 * density, 2))
        assert ended <= ends  # done before its booking ends
        if outcome == "done":  # the estimate: 4 to 7 metres an hour
            assert 65 <= mm / (seconds / 60) <= 115 and took >= 0.96 * seconds
        else:  # the part printed before the failure or cancel
            assert 0.03 <= took / seconds < 0.93 or took == 60
            assert mm <= 115 * (took / 60) + 1


def test_seeded_and_only_once(tmp_path: Path, default_config: Config) -> None:
    def total(store: Store) -> tuple[int, int, int, float]:
        return store.conn.execute(
            """SELECT sum(count), (SELECT count(*) FROM bookings),
                      (SELECT count(*) FROM print_jobs), (SELECT sum(filament_g) FROM print_jobs)
               FROM usage_counters"""
        ).fetchone()

    one, two = filled(tmp_path / "a.db", default_config), filled(tmp_path / "b.db", default_config)
    assert total(one) == total(two)
    assert not demo_history.fill(one, default_config, 30, FakeClock(MONDAY))
    one.close()
    two.close()


def test_init_demo_history_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "k.db")
    assert main(["init", "--demo", "--history", "7", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["history_loaded"] is True
    assert main(["init", "--demo", "--history", "7", "--db", db, "--lang", "en"]) == 0
    assert "already has history" in capsys.readouterr().out
    assert main(["init", "--history", "7", "--db", db, "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "--history DAYS (1 to 3660) goes with --demo" in err and err.count("\n") == 1
