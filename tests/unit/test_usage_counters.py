"""Usage counters per local day, hour, action and detail: the migration keeps what was
counted, services count refusals with their reason at the boundary, screens can count
a session's features and language; never a patron or an item."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk import bootstrap
from kiosk.circulation.local import LocalCirculation
from kiosk.circulation.usage import (
    LANGUAGE,
    REFUSAL,
    SESSION,
    SESSION_FEATURE,
    count_refusals,
)
from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.pins import hash_pin
from kiosk.report.context import written_count
from kiosk.services import Services
from kiosk.store import MIGRATIONS, Store, migrate
from tests.unit.circ_helpers import MONDAY, FakeClock, add_item, add_patron, services


def counters(store: Store, action: str | None = None) -> list[tuple[Any, ...]]:
    sql = "SELECT day, hour, action, detail, count FROM usage_counters"
    if action is not None:
        rows = store.conn.execute(
            sql + " WHERE action = ? ORDER BY day, hour, detail", [action]
        ).fetchall()
    else:
        rows = store.conn.execute(sql + " ORDER BY day, hour, action, detail").fetchall()
    return [tuple(r) for r in rows]


def test_migration_0008_keeps_the_counts_of_before_without_an_hour(tmp_path: Path) -> None:
    store = Store(tmp_path / "old.db", migrate=False)
    before = [m for m in MIGRATIONS if m.name < "0008"]
    migrate(store, before)
    store.conn.executemany(
        "INSERT INTO usage_counters (day, action, count) VALUES (?, ?, ?)",
        [("2026-11-20", "checkout", 31), ("2026-11-20", "return", 12), ("2026-11-21", "renew", 4)],
    )
    assert migrate(store)[0] == "0008_usage_detail"  # then any later ones
    assert counters(store) == [
        ("2026-11-20", None, "checkout", "", 31),
        ("2026-11-20", None, "return", "", 12),
        ("2026-11-21", None, "renew", "", 4),
    ]
    columns = [r[1] for r in store.conn.execute("PRAGMA table_info(usage_counters)")]
    assert columns == ["day", "hour", "action", "detail", "count"]  # nothing about who
    registrations = {r[1] for r in store.conn.execute("PRAGMA table_info(registrations)")}
    assert {"attended_at", "walk_in"} <= registrations
    store.close()


def test_actions_count_per_local_hour(store: Store, svc: Services, clock: FakeClock) -> None:
    ref = add_patron(store, "M-1")
    add_item(store, "I-1")
    svc.circulation.sign_in(number="M-1")  # 08:00 WITA
    clock.advance(hours=2, minutes=30)  # 10:30 WITA
    svc.circulation.checkout(ref, "I-1")
    svc.circulation.checkin("I-1")
    clock.advance(hours=14)  # 00:30 the next local day
    svc.usage.count("receipt")
    assert counters(store) == [
        ("2026-11-23", 8, "sign_in", "", 1),
        ("2026-11-23", 10, "checkout", "", 1),
        ("2026-11-23", 10, "return", "", 1),
        ("2026-11-24", 0, "receipt", "", 1),
    ]


def test_refusals_are_counted_with_their_reason_and_still_raised(
    store: Store, svc: Services, clock: FakeClock
) -> None:
    ref = add_patron(store, "M-1")
    add_patron(store, "OLD", expires_on="2026-01-01")
    add_patron(store, "PIN", pin_hash=hash_pin("1234"))
    add_item(store, "REF", not_for_loan=True)
    add_item(store, "I-1")
    for call, args, kwargs, key in (
        (svc.circulation.sign_in, (), {"number": "NOPE"}, "circulation.card_unknown"),
        (svc.circulation.sign_in, (), {"number": "OLD"}, "circulation.card_expired"),
        (svc.circulation.sign_in, (), {"number": "PIN", "pin": "9999"}, "circulation.pin_wrong"),
        (svc.circulation.checkout, (ref, "REF"), {}, "circulation.item_not_for_loan"),
        (svc.circulation.checkout, (ref, "REF"), {}, "circulation.item_not_for_loan"),
        (svc.circulation.checkin, ("I-1",), {}, "circulation.item_not_on_loan"),
        (svc.feedback.submit, (9, None, "id"), {}, "feedback.rating_invalid"),
        (svc.events.register, (ref, 999), {}, "events.not_found"),
    ):
        with pytest.raises(DomainError) as info:
            call(*args, **kwargs)
        assert info.value.key == key
    # Asking for the PIN is not a refusal.
    with pytest.raises(DomainError, match="pin_required"):
        svc.circulation.sign_in(number="PIN")
    # A renewal refused comes back as a result, and is counted too.
    svc.circulation.checkout(ref, "I-1")
    assert svc.circulation.renew(ref, "I-1").refusal == "circulation.renew_too_soon"
    assert [(r[3], r[4]) for r in counters(store, REFUSAL)] == [
        ("circulation.card_expired", 1),
        ("circulation.card_unknown", 1),
        ("circulation.item_not_for_loan", 2),
        ("circulation.item_not_on_loan", 1),
        ("circulation.pin_wrong", 1),
        ("circulation.renew_too_soon", 1),
        ("events.not_found", 1),
        ("feedback.rating_invalid", 1),
    ]


def test_the_wrapped_service_keeps_its_type_and_is_wrapped_once(
    store: Store, default_config: Config, clock: FakeClock
) -> None:
    svc = services(store, default_config, clock)
    assert isinstance(svc.circulation, LocalCirculation)
    assert svc.circulation.clock is clock  # type: ignore[attr-defined]
    count_refusals(svc.circulation, ["sign_in"], svc.usage)  # again: no double count
    with pytest.raises(DomainError):
        svc.circulation.sign_in(number="NOPE")
    assert counters(store, REFUSAL)[0][4] == 1


def test_a_broken_counter_never_changes_what_the_patron_is_told(
    store: Store, default_config: Config, clock: FakeClock
) -> None:
    class Broken:
        def count(self, action: str, detail: str | None = None) -> None:
            raise OSError("disk full")

        def count_session(self, features: Any, language: str | None) -> None:
            raise OSError("disk full")

    circulation = count_refusals(
        LocalCirculation(store, default_config, clock), ["sign_in"], Broken()
    )
    with pytest.raises(DomainError, match="card_unknown"):
        circulation.sign_in(number="NOPE")


def test_booking_refusals_are_counted(tmp_path: Path, default_config: Config) -> None:
    clock = FakeClock(MONDAY + timedelta(hours=1))
    kiosk = bootstrap.open_kiosk(default_config, tmp_path / "k.db", clock=clock)
    services_ = kiosk.services
    assert kiosk.store is not None and services_ is not None
    ref = add_patron(kiosk.store, "M-1")
    assert services_.bookings is not None
    start = clock() + timedelta(days=1)
    with pytest.raises(DomainError) as info:
        services_.bookings.book(ref, "pc-1", start, 600)
    bootstrap.close_kiosk(kiosk)
    store = Store(tmp_path / "k.db")
    assert [(r[2], r[3]) for r in counters(store, REFUSAL)] == [(REFUSAL, info.value.key)]
    store.close()


def test_a_session_counts_its_features_once_and_its_language(
    store: Store, svc: Services, clock: FakeClock
) -> None:
    svc.usage.count_session(["speech", "keypad", "speech"], "en")
    svc.usage.count_session([], "id")
    svc.usage.count_session(["large_text"], None)
    rows = [(r[2], r[3], r[4]) for r in counters(store)]
    assert rows == [
        (LANGUAGE, "en", 1),
        (LANGUAGE, "id", 1),
        (SESSION, "", 3),
        (SESSION_FEATURE, "keypad", 1),
        (SESSION_FEATURE, "large_text", 1),
        (SESSION_FEATURE, "speech", 1),
    ]
    for features, language in ((["telepathy"], "en"), ([], "fr")):
        with pytest.raises(ValueError, match="unknown"):
            svc.usage.count_session(features, language)
    with pytest.raises(ValueError, match="lowercase"):
        svc.usage.count("refusal", "Card Expired")
    with pytest.raises(ValueError, match="lowercase"):
        svc.usage.count("Refusal")


def test_this_weeks_key_figures_for_the_staff_screen(
    store: Store, svc: Services, clock: FakeClock
) -> None:
    ref = add_patron(store, "M-1")
    add_item(store, "I-1")
    svc.circulation.checkout(ref, "I-1")
    clock.advance(days=1)
    svc.circulation.checkin("I-1")
    svc.feedback.submit(4, None, "id")
    with pytest.raises(DomainError):
        svc.circulation.checkin("I-1")
    assert svc.figures is not None
    week = svc.figures.this_week()  # Monday 23 to Tuesday 24 November
    assert (week.first.isoformat(), week.last.isoformat()) == ("2026-11-23", "2026-11-24")
    assert (week.checkouts, week.returns, week.refusals, week.feedback) == (1, 1, 1, 1)
    assert week.mean_rating == 4
    assert [n for _, n in week.daily] == [1, 1]
    assert week.small_cell == 5
    assert written_count(week.checkouts, week.small_cell, "id") == "< 5"
    assert written_count(12345, week.small_cell, "id") == "12.345"
    assert written_count(0, week.small_cell, "en") == "0"
