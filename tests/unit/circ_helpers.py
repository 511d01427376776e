"""Shared helpers for the circulation tests: a clock tests can move, and builders."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from kiosk.config import Config
from kiosk.services import Services
from kiosk.store import Store
from tests.support.kiosks import services_on

#: A Monday morning in Palu (08:00 WITA).
MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    """A clock that stands still until a test moves it."""

    now: datetime = MONDAY

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def services(store: Store, config: Config, clock: FakeClock, **circulation: object) -> Services:
    if circulation:
        config = replace(config, circulation=replace(config.circulation, **circulation))
    return services_on(store, config, clock)


def add_patron(
    store: Store,
    number: str,
    *,
    group: str = "adult",
    key: str | None = None,
    expires_on: str | None = "2030-01-01",
    pin_hash: str | None = None,
    blocked: bool = False,
    keeps_history: bool = False,
) -> str:
    with store.transaction() as db:
        for code, staff in (("adult", 0), ("child", 0), ("staff", 1), ("student", 0)):
            db.execute(
                "INSERT OR IGNORE INTO patron_groups VALUES (?, ?, ?, ?)",
                [code, code, code, staff],
            )
        cursor = db.execute(
            """INSERT INTO patrons (name, patron_group, expires_on, pin_hash, blocked,
                 keeps_history, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [
                f"Patron {number}",
                group,
                expires_on,
                pin_hash,
                int(blocked),
                int(keeps_history),
                "2026-01-01T00:00:00+00:00",
            ],
        )
        pid = int(cursor.lastrowid or 0)
        db.execute(
            "INSERT INTO cards (patron_id, card_key, card_number) VALUES (?, ?, ?)",
            [pid, key, number],
        )
    return str(pid)


def add_item(
    store: Store,
    barcode: str,
    *,
    item_type: str = "book",
    title: str | None = None,
    status: str = "available",
    biblio: int | None = None,
    not_for_loan: bool = False,
) -> int:
    with store.transaction() as db:
        cursor = db.execute(
            """INSERT INTO items (barcode, biblio_id, title, item_type, status, not_for_loan,
                 created_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [
                barcode,
                biblio,
                title or f"Title {barcode}",
                item_type,
                status,
                int(not_for_loan),
                "2026-01-01T00:00:00+00:00",
            ],
        )
        return int(cursor.lastrowid or 0)


def add_biblio(store: Store, title: str) -> int:
    with store.transaction() as db:
        return int(db.execute("INSERT INTO biblios (title) VALUES (?)", [title]).lastrowid or 0)
