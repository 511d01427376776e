"""Issue 14 items 1 and 2, issue 17 phase 2, the core halves: what the overview tells
the home screen about what stands in the patron's way, the session's count with the
services used, and the farewell said after the session's speech was reset."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from accessibility.speech import SpeechController
from devices.sim import SimSpeaker
from kiosk.circulation.usage import SESSION_FEATURE, SESSION_SERVICES
from kiosk.patrons import CARD_EXPIRY_NOTICE_DAYS, Standing
from kiosk.services import Services
from kiosk.store import Store
from tests.unit.circ_helpers import add_patron
from tests.unit.test_usage_counters import counters

TODAY = date(2026, 11, 23)  # FakeClock's Monday, 08:00 in Palu


def fine(store: Store, ref: str, amount: int) -> None:
    with store.transaction() as db:
        db.execute(
            "INSERT INTO fines (patron_id, amount, reason, created_at)"
            " VALUES (?, ?, 'overdue', '2026-11-01T00:00:00+00:00')",
            [int(ref), amount],
        )


def test_fines_over_the_limit_block_and_the_limit_is_told(store: Store, svc: Services) -> None:
    ref = add_patron(store, "M-1")
    quiet = svc.circulation.overview(ref)
    assert (quiet.fines_balance, quiet.fines_block, quiet.fines_limit) == (0, False, 50_000)
    fine(store, ref, 50_000)  # at the limit: may still borrow
    assert not svc.circulation.overview(ref).fines_block
    fine(store, ref, 1)
    over = svc.circulation.overview(ref)
    assert (over.fines_balance, over.fines_block) == (50_001, True)


def test_a_card_near_its_end_is_told_with_its_last_day(store: Store, svc: Services) -> None:
    soon = TODAY + timedelta(days=CARD_EXPIRY_NOTICE_DAYS)
    later = soon + timedelta(days=1)
    for number, last, expiring in (("A", soon, True), ("B", later, False), ("C", TODAY, True)):
        ref = add_patron(store, number, expires_on=last.isoformat())
        overview = svc.circulation.overview(ref)
        assert (overview.card_expiring, overview.card_expired) == (expiring, False), number
        assert overview.patron.expires_on == last


def test_standing_judges_expiry_on_the_library_date() -> None:
    standing = Standing(expires_on=TODAY)
    assert standing.card_expiring(TODAY) and not standing.card_expired(TODAY)
    tomorrow = TODAY + timedelta(days=1)
    assert standing.card_expired(tomorrow) and not standing.card_expiring(tomorrow)
    assert not Standing().card_expiring(TODAY) and not Standing().card_expired(TODAY)
    assert Standing(balance=10, fines_over=True).fines_block  # the ILS's own judgement


def test_a_session_counts_the_services_the_patron_used(store: Store, svc: Services) -> None:
    svc.usage.count_session(["borrow", "loans", "renew", "speech", "borrow"], "id")
    used = sorted(r[3] for r in counters(store, SESSION_FEATURE))
    assert used == ["borrow", "loans", "renew", "speech"]
    for feature in SESSION_SERVICES:
        svc.usage.count_session([feature], "en")
    with pytest.raises(ValueError, match="unknown"):
        svc.usage.count_session(["snooping"], "en")


def test_the_farewell_is_said_after_the_reset_in_the_patrons_language() -> None:
    speaker = SimSpeaker()
    speech = SpeechController(speaker, "id")
    speech.set_speech_mode(True, announce=False)
    speech.language = "en"
    speech.reset()  # sign-out: silenced, back to the kiosk's language, mode off
    speaker.clear()
    assert speech.goodbye("You are signed out. Goodbye!", "en")
    assert speaker.spoken == [("You are signed out. Goodbye!", "en")]
    assert speech.last is None  # Repeat does not give it to the next person
    assert not speech.repeat()
    assert not speech.goodbye("  ", "en")
