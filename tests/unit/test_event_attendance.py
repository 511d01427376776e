"""Check-in at an event: registered patrons and walk-ins, once each, within the window;
staff do it with ``kiosk events checkin EVENT CARD``."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.cli import main
from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.i18n import describe
from kiosk.services import Services
from kiosk.store import Store
from kiosk.timeutil import to_db, utcnow
from tests.support.kiosks import open_test_kiosk, store_of
from tests.unit.circ_helpers import MONDAY, FakeClock, add_patron


def add_event(store: Store, starts_in: timedelta, capacity: int | None = 10) -> int:
    start = MONDAY + starts_in
    with store.transaction() as db:
        return int(
            db.execute(
                """INSERT INTO events (title_id, title_en, starts_at, ends_at, capacity)
                   VALUES ('Dongeng', 'Storytelling', ?, ?, ?)""",
                [to_db(start), to_db(start + timedelta(hours=2)), capacity],
            ).lastrowid
            or 0
        )


def test_registered_and_walk_in_patrons_are_checked_in_once(
    store: Store, svc: Services, clock: FakeClock
) -> None:
    registered, walk_in = add_patron(store, "M-1"), add_patron(store, "M-2")
    event = add_event(store, timedelta(hours=3), capacity=1)
    svc.events.register(registered, event)
    clock.advance(hours=2, minutes=30)  # half an hour before the start
    first = svc.events.check_in(registered, event)
    assert (first.walk_in, first.event.attended, first.event.registrations) == (False, 1, 1)
    second = svc.events.check_in(walk_in, event)  # the event is full: they are here anyway
    assert (second.walk_in, second.event.attended, second.event.registrations) == (True, 2, 2)
    for ref in (registered, walk_in):
        with pytest.raises(DomainError, match="already_checked_in"):
            svc.events.check_in(ref, event)
    rows = store.conn.execute(
        "SELECT walk_in, attended_at IS NOT NULL FROM registrations ORDER BY walk_in"
    ).fetchall()
    assert [tuple(r) for r in rows] == [(0, 1), (1, 1)]
    counted = store.conn.execute(
        "SELECT sum(count) FROM usage_counters WHERE action = 'event_checkin'"
    ).fetchone()[0]
    assert counted == 2
    assert [e.attended for e in svc.events.on_day(MONDAY.date())] == [2]


def test_check_in_window_and_unknown_events(store: Store, svc: Services, clock: FakeClock) -> None:
    ref = add_patron(store, "M-1")
    event = add_event(store, timedelta(hours=3))
    with pytest.raises(DomainError) as info:
        svc.events.check_in(ref, event)  # three hours early
    assert info.value.key == "events.check_in_closed"
    # The local time, written in the message's language (``10.00`` / ``10:00``).
    assert info.value.params["opens"].strftime("%H:%M") == "10:00"
    assert "10.00" in describe(info.value, "id") and "10:00" in describe(info.value, "en")
    clock.advance(days=2)  # more than a day after the end
    with pytest.raises(DomainError, match="check_in_closed"):
        svc.events.check_in(ref, event)
    with pytest.raises(DomainError, match="not_found"):
        svc.events.check_in(ref, 999)
    refusals = store.conn.execute(
        """SELECT detail, sum(count) FROM usage_counters WHERE action = 'refusal'
           GROUP BY detail ORDER BY detail"""
    ).fetchall()
    assert [tuple(r) for r in refusals] == [("events.check_in_closed", 2), ("events.not_found", 1)]


def test_staff_check_people_in_from_the_command_line(
    tmp_path: Path, default_config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "k.db"
    assert main(["init", "--demo", "--db", str(db)]) == 0
    store = store_of(open_test_kiosk(default_config, db))
    now = utcnow()
    start = now + timedelta(minutes=20)
    with store.transaction() as conn:
        event = conn.execute(
            """INSERT INTO events (title_id, title_en, starts_at, ends_at, capacity)
               VALUES ('Kelas Coding', 'Coding Class', ?, ?, 5)""",
            [to_db(start), to_db(start + timedelta(hours=1))],
        ).lastrowid
    store.close()
    capsys.readouterr()
    assert main(["events", "checkin", str(event), "PLU-0001", "--db", str(db), "--lang", "en"]) == 0
    assert "walk-in" in capsys.readouterr().out
    assert main(["events", "checkin", str(event), "PLU-0001", "--db", str(db), "--lang", "en"]) == 1
    assert "already checked in" in capsys.readouterr().err
    assert main(["events", "checkin", str(event), "NO-CARD", "--db", str(db)]) == 1
    assert capsys.readouterr().err.count("\n") == 1  # one line
    day = start.astimezone(ZoneInfo(default_config.kiosk.timezone)).date().isoformat()
    assert main(["events", "list", "--day", day, "--db", str(db), "--json"]) == 0
    listed = {e["id"]: e for e in json.loads(capsys.readouterr().out)}
    assert (listed[event]["attended"], listed[event]["registrations"]) == (1, 1)
    assert main(["events", "list", "--day", day, "--db", str(db), "--lang", "en"]) == 0
    assert "1 checked in  Coding Class" in capsys.readouterr().out


def test_the_idle_screen_s_events_are_today_s_on_the_library_s_date(
    store: Store, svc: Services, clock: FakeClock
) -> None:
    """MONDAY is 08:00 in Palu (00:00 UTC): an event at 23:30 WITA is today there,
    although it is Monday 15:30 UTC; one ended this morning is not listed."""
    ended = add_event(store, timedelta(hours=-3))  # 05:00-07:00 WITA
    tonight = add_event(store, timedelta(hours=15, minutes=30))  # 23:30 WITA
    tomorrow = add_event(store, timedelta(hours=17))  # 01:00 WITA the next day
    assert [e.id for e in svc.events.today()] == [tonight]
    assert ended in [e.id for e in svc.events.on_day(MONDAY.date())]  # ended: not today's
    clock.advance(hours=17)
    assert [e.id for e in svc.events.today()] == [tomorrow]
