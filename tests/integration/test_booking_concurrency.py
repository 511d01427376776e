"""Several kiosk processes booking one database at once: never a double booking."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from tests.booking_support import hammer, make_config, make_store

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

PROCESSES = 4
ATTEMPTS = 300  # per process: 1,200 attempts in all


def test_no_double_booking_across_processes(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    make_store(path, make_config()).close()
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Manager().Event()
    with ctx.Pool(PROCESSES) as pool:
        results = [
            pool.apply_async(hammer, (str(path), seed, ATTEMPTS, start))
            for seed in range(PROCESSES)
        ]
        start.set()
        outcomes = [r.get(timeout=200) for r in results]
    booked = sum(b for b, _ in outcomes)
    refused = sum(r for _, r in outcomes)
    assert booked + refused == PROCESSES * ATTEMPTS
    assert booked > 50
    assert refused > 50  # they really competed for the same slots
    store = make_store(path, make_config())
    try:
        conn = store.conn
        held = "('booked', 'checked_in', 'active', 'ending')"
        (count,) = conn.execute(f"SELECT count(*) FROM bookings WHERE status IN {held}").fetchone()
        assert count == booked
        (overlaps,) = conn.execute(
            f"""SELECT count(*) FROM bookings a JOIN bookings b
                ON a.resource_id = b.resource_id AND a.id < b.id
               WHERE a.status IN {held} AND b.status IN {held}
                 AND a.starts_at < COALESCE(b.hold_until, b.ends_at)
                 AND b.starts_at < COALESCE(a.hold_until, a.ends_at)"""
        ).fetchone()
        assert overlaps == 0
    finally:
        store.close()
