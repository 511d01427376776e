"""Booking availability: a day's grid for 50 resources over 100,000 past bookings.

Target: a few milliseconds per grid (p95).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk import bootstrap
from kiosk import config as config_module
from kiosk.timeutil import to_db

RESOURCES = 50
PAST = 100_000
ROUNDS = 300
ZONE = ZoneInfo("Asia/Makassar")


def _config_text() -> str:
    parts = ['[kiosk]\ntimezone = "Asia/Makassar"\n']
    for i in range(RESOURCES):
        kind = "3d_printer" if i < 10 else "computer" if i < 40 else "tool"
        parts.append(f'[[resources]]\nid = "r{i:02d}"\nkind = "{kind}"\nswitch = "sim://"\n')
    return "\n".join(parts)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main(argv: list[str]) -> None:
    config = config_module.parse(_config_text(), "<bench>")
    with tempfile.TemporaryDirectory() as folder:
        rng = random.Random(7)
        today = date(2026, 12, 7)
        now = datetime(2026, 12, 7, 7, 0, tzinfo=ZONE)
        kiosk = bootstrap.open_kiosk(
            config, Path(folder) / "bench.db", devices=False, clock=lambda: now
        )
        assert kiosk.store is not None and kiosk.services is not None
        store = kiosk.store
        with store.transaction() as db:
            db.conn.execute(
                "INSERT INTO patron_groups (code, name_id, name_en) VALUES ('a', 'A', 'A')"
            )
            db.conn.execute(
                "INSERT INTO patrons (id, name, patron_group, created_at) "
                "VALUES (1, 'P', 'a', '2026-01-01T00:00:00+00:00')"
            )
            rows = []
            for _ in range(PAST):
                start = now - timedelta(days=rng.randrange(1, 400), hours=rng.randrange(8))
                end = start + timedelta(minutes=30 * rng.randint(1, 4))
                status = rng.choice(["completed", "completed", "completed", "no_show", "cancelled"])
                rows.append((f"r{rng.randrange(RESOURCES):02d}", to_db(start), to_db(end), status))
            db.conn.executemany(
                "INSERT INTO bookings (resource_id, patron_id, starts_at, ends_at, hold_until, "
                "status, created_at) VALUES (?, 1, ?, ?, ?, ?, '2026-01-01T00:00:00+00:00')",
                [(r, s, e, e, st) for r, s, e, st in rows],
            )
            # Today's and the next days' bookings: a busy makerspace.
            for i in range(RESOURCES):
                for hour in (8, 10, 13, 15):
                    start = datetime(2026, 12, 7, hour, tzinfo=ZONE) + timedelta(
                        days=rng.randrange(3)
                    )
                    end = start + timedelta(minutes=60)
                    db.conn.execute(
                        "INSERT INTO bookings (resource_id, patron_id, starts_at, ends_at, "
                        "hold_until, status, created_at) VALUES (?, 1, ?, ?, ?, 'booked', ?)",
                        [f"r{i:02d}", to_db(start), to_db(end), to_db(end), to_db(now)],
                    )
        store.conn.execute("ANALYZE")
        service = kiosk.services.bookings
        assert service is not None
        timings = []
        for i in range(ROUNDS):
            t0 = time.perf_counter()
            grid = service.day(today + timedelta(days=i % 3), patron="1")
            timings.append((time.perf_counter() - t0) * 1000)
        slots = sum(len(r.slots) for r in grid.resources)
        total = store.conn.execute("SELECT count(*) FROM bookings").fetchone()[0]
        bootstrap.close_kiosk(kiosk)
    print(
        f"   day grid, {RESOURCES} resources ({slots} slots), {total:,} bookings in the "
        f"database: p50 {statistics.median(timings):.2f} ms, "
        f"p95 {_percentile(timings, 0.95):.2f} ms  (target: a few ms)"
    )
