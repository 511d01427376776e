"""Staff take attendance at an event's door by card (``Events.check_in_card``, used by
the staff screen): a tapped card key or a typed card number; unknown or inactive cards
refused; registered patrons and walk-ins as ``check_in`` has them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.domain.errors import DomainError
from kiosk.services import Services
from kiosk.store import Store
from tests.unit.circ_helpers import FakeClock, add_patron
from tests.unit.test_event_attendance import add_event


def test_check_in_by_card_key_or_number(store: Store, svc: Services, clock: FakeClock) -> None:
    registered = add_patron(store, "M-1", key="04A1B2C3")
    add_patron(store, "M-2")
    event = add_event(store, timedelta(hours=1))
    svc.events.register(registered, event)
    first = svc.events.check_in_card("04a1b2c3", event)  # as a reader reports a tap
    assert (first.walk_in, first.event.attended) == (False, 1)
    second = svc.events.check_in_card("M-2", event)  # typed: the printed number
    assert (second.walk_in, second.event.attended) == (True, 2)
    with pytest.raises(DomainError, match="already_checked_in"):
        svc.events.check_in_card("M-1", event)


def test_unknown_and_inactive_cards_are_refused(store: Store, svc: Services) -> None:
    add_patron(store, "M-3")
    store.conn.execute("UPDATE cards SET status = 'lost' WHERE card_number = 'M-3'")
    event = add_event(store, timedelta(hours=1))
    for card in ("NOPE-1", "M-3"):
        with pytest.raises(DomainError) as info:
            svc.events.check_in_card(card, event)
        assert info.value.key == "circulation.card_unknown"
    assert store.conn.execute("SELECT count(*) FROM registrations").fetchone()[0] == 0
