"""Events (capacity, per-patron limit) and anonymous feedback."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.services import Services
from kiosk.store import Store
from kiosk.timeutil import to_db
from tests.unit.circ_helpers import MONDAY, FakeClock, add_patron, services


def add_event(store: Store, hours_from_now: float, capacity: int | None, title: str = "E") -> int:
    start = MONDAY + timedelta(hours=hours_from_now)
    with store.transaction() as db:
        cursor = db.execute(
            """INSERT INTO events (title_id, title_en, location, starts_at, ends_at, capacity)
               VALUES (?, ?, 'Aula', ?, ?, ?)""",
            [f"{title} (id)", f"{title} (en)", to_db(start), to_db(start + timedelta(hours=2)),
             capacity],
        )  # fmt: skip
        return int(cursor.lastrowid or 0)


def key_of(call: object, *args: object) -> str:
    with pytest.raises(DomainError) as info:
        call(*args)  # type: ignore[operator]
    return info.value.key


def test_upcoming_lists_seats_and_own_registration(store: Store, svc: Services) -> None:
    ref = add_patron(store, "M-1")
    soon = add_event(store, 3, 2, "Soon")
    add_event(store, 24 * 20, None, "Far")  # beyond 14 days
    add_event(store, -5, 10, "Over")  # ended already
    store.conn.execute("UPDATE events SET cancelled = 1 WHERE title_en = 'Far (en)'")
    listed = svc.events.upcoming(ref)
    assert [e.id for e in listed] == [soon]
    assert (listed[0].seats_left, listed[0].registered) == (2, False)
    after = svc.events.register(ref, soon)
    assert (after.seats_left, after.registered) == (1, True)
    assert svc.events.upcoming(ref)[0].registered
    assert not svc.events.upcoming()[0].registered  # anonymous view
    assert listed[0].title("en") == "Soon (en)"


def test_register_refusals(store: Store, default_config: Config, clock: FakeClock) -> None:
    svc = services(store, default_config, clock)
    one, two, three = (add_patron(store, f"M-{n}") for n in range(3))
    full = add_event(store, 5, 1)
    svc.events.register(one, full)
    assert key_of(svc.events.register, one, full) == "events.already_registered"
    assert key_of(svc.events.register, two, full) == "events.full"
    assert key_of(svc.events.register, two, 999) == "events.not_found"
    started = add_event(store, -0.5, None)
    assert key_of(svc.events.register, two, started) == "events.past"
    # Listed as under way, so that the screen offers no button to be refused.
    under_way = {e.id: e.under_way for e in svc.events.upcoming(two)}
    assert under_way[started] is True and under_way[full] is False
    assert key_of(svc.events.register, "404", full) == "circulation.patron_unknown"
    # The per-patron limit (3 by default) counts only events still to come.
    for _ in range(3):
        svc.events.register(three, add_event(store, 10, None))
    assert key_of(svc.events.register, three, add_event(store, 12, None)) == (
        "events.limit_reached"
    )


def test_unregister_frees_the_seat(store: Store, svc: Services, clock: FakeClock) -> None:
    one, two = add_patron(store, "M-1"), add_patron(store, "M-2")
    event = add_event(store, 5, 1)
    assert key_of(svc.events.unregister, one, event) == "events.not_registered"
    svc.events.register(one, event)
    assert svc.events.unregister(one, event).seats_left == 1
    svc.events.register(two, event)
    clock.advance(hours=6)
    assert key_of(svc.events.unregister, two, event) == "events.past"


def test_feedback_is_anonymous_and_validated(store: Store, svc: Services) -> None:
    add_patron(store, "M-1")
    svc.circulation.sign_in(number="M-1")
    svc.feedback.submit(5, "  Petugasnya ramah!  ", "id")
    svc.feedback.submit(3, "   ", "en")
    rows = store.conn.execute("SELECT * FROM feedback ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [
        (1, "2026-11-23", 5, "Petugasnya ramah!", "id", "kiosk-1"),
        (2, "2026-11-23", 3, None, "en", "kiosk-1"),
    ]
    for rating in (0, 6, True, 4.5):
        assert key_of(svc.feedback.submit, rating, None, "id") == "feedback.rating_invalid"
    assert key_of(svc.feedback.submit, 4, "x" * 1001, "id") == "feedback.comment_too_long"
    counters = dict(store.conn.execute("SELECT action, count FROM usage_counters").fetchall())
    assert counters["feedback"] == 2
