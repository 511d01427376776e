"""Helpers shared by the booking tests: a config, patrons and a clock to drive."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk import config as config_module
from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.store import Store
from kiosk.timeutil import to_db
from tests.support.kiosks import open_test_kiosk, store_of

ZONE = ZoneInfo("Asia/Makassar")

CONFIG = """
[kiosk]
id = "maker-1"
timezone = "Asia/Makassar"

[bookings]
tick_seconds = 0.05
switch_timeout_seconds = 1.0
switch_attempts = 2
switch_backoff_seconds = 0.05
reconcile_seconds = 0.5

[bookings.defaults]
slot_minutes = 30
min_minutes = 30
max_minutes = 120
max_bookings_per_day = 3
max_minutes_per_day = 180
max_bookings_per_week = 5
max_minutes_per_week = 300
horizon_days = 7
no_show_minutes = 10
check_in_early_minutes = 15
hours = { mon = "08:00-16:00", tue = "08:00-16:00", wed = "08:00-16:00", \
thu = "08:00-16:00", fri = "08:00-16:00", sat = "08:00-12:00", sun = "closed" }
closed_dates = ["2026-12-25"]

[bookings.kinds.3d_printer]
training = "3d_printer"
buffer_minutes = 15
min_minutes = 60
max_minutes = 180
slot_minutes = 30
max_minutes_per_day = 240

[[resources]]
id = "printer-1"
kind = "3d_printer"
name = "Printer 3D 1"
switch = "{switch1}"
printer = "sim://"

[[resources]]
id = "pc-1"
kind = "computer"
name = "Komputer 1"
switch = "{switch2}"

[[resources]]
id = "pc-2"
kind = "computer"
name = "Komputer 2"
switch = "sim://"

[[resources]]
id = "laser-1"
kind = "tool"
name = "Laser Cutter"
rules = { groups = ["staff"], slot_minutes = 60, min_minutes = 60 }
"""


def make_config(switch1: str = "sim://", switch2: str = "sim://", extra: str = "") -> Config:
    text = CONFIG.replace("{switch1}", switch1).replace("{switch2}", switch2) + extra
    return config_module.parse(text, "<booking test>")


def make_store(path: Path, config: Config) -> Store:
    store = store_of(open_test_kiosk(config, path))
    add_patrons(store)
    return store


#: Patron refs of the fixture patrons.
ADULT, TRAINED, STAFF, BLOCKED = "1", "2", "3", "4"


def add_patrons(store: Store) -> None:
    now = to_db(datetime.now(UTC))
    with store.transaction() as db:
        db.conn.execute(
            "INSERT OR IGNORE INTO patron_groups (code, name_id, name_en, is_staff) "
            "VALUES ('adult', 'Dewasa', 'Adult', 0), ('staff', 'Petugas', 'Staff', 1)"
        )
        for pid, name, group, blocked, trained in (
            (1, "Ani Lestari", "adult", 0, []),
            (2, "Budi Santoso Wijaya", "adult", 0, ["3d_printer"]),
            (3, "Citra Petugas", "staff", 0, []),
            (4, "Dedi Diblokir", "adult", 1, []),
        ):
            db.conn.execute(
                "INSERT OR IGNORE INTO patrons (id, name, patron_group, blocked, trained_on, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [pid, name, group, blocked, json.dumps(trained), now],
            )
            db.conn.execute(
                "INSERT OR IGNORE INTO cards (patron_id, card_key, card_number) VALUES (?, ?, ?)",
                [pid, f"04A1B2C3D4E5{pid:02d}", f"PLU-{pid:04d}"],
            )


class FakeClock:
    """A clock tests move by hand (thread-safe)."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment.astimezone(UTC)

    def advance(self, **kwargs: float) -> datetime:
        with self._lock:
            self._now += timedelta(**kwargs)
            return self._now


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZONE)


#: A Monday: 2026-12-07 (WITA).
MONDAY = (2026, 12, 7)


@contextmanager
def refused(key: str) -> Iterator[None]:
    """Expect a DomainError with exactly this message key."""
    with pytest.raises(DomainError) as exc:
        yield
    assert exc.value.key == key


def hammer(db_path: str, seed: int, attempts: int, start: object) -> tuple[int, int]:
    """One kiosk process booking at random (run in a child process).

    Waits on ``start`` (a multiprocessing Event) so every process begins together.
    Returns (booked, refused as overlapping).
    """
    import random

    from kiosk.booking.service import BookingService

    config = make_config()
    store = Store(db_path)
    service = BookingService(store, config, FakeClock(local(*MONDAY, 6, 0)))
    rng = random.Random(seed)
    start.wait(10)  # type: ignore[attr-defined]
    booked = refused = 0
    try:
        for _ in range(attempts):
            resource = rng.choice(["pc-1", "pc-2", "printer-1"])
            day = (2026, 12, 7 + rng.randrange(3))
            begin = local(*day, 8) + timedelta(minutes=30 * rng.randrange(14))
            try:
                # A staff booking: only the overlap trigger can refuse it.
                service.book(STAFF, resource, begin, 30 * rng.randint(1, 4), staff=STAFF)
                booked += 1
            except DomainError as exc:
                if exc.key != "booking.overlap":
                    raise
                refused += 1
    finally:
        store.close()
    return booked, refused
