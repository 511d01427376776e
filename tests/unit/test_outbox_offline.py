"""The outbox (order, refusals for staff, entries in doubt) and the offline desk (card
cache, offline due dates and limits)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from kiosk.circulation.api import Patron
from kiosk.circulation.offline import OfflineDesk
from kiosk.circulation.pin_lock import MemoryCounts, PinLock
from kiosk.config import Config
from kiosk.domain.errors import DeviceError, DomainError, KioskError
from kiosk.outbox import Outbox, OutboxEntry
from kiosk.store import Store
from tests.unit.circ_helpers import FakeClock


class UnreachableError(DeviceError):
    def __init__(self, maybe_done: bool) -> None:
        super().__init__("sip2.unreachable")
        self.maybe_done = maybe_done


def test_replay_in_order_refusals_kept_with_the_reason(store: Store) -> None:
    outbox = Outbox(store, "sip2", FakeClock())
    for n in range(4):
        outbox.add("checkout", {"barcode": f"I-{n}"})
    seen: list[str] = []

    def deliver(entry: OutboxEntry) -> str | None:
        seen.append(entry.payload["barcode"])
        return "Item on hold for another patron" if entry.payload["barcode"] == "I-1" else None

    report = outbox.replay(deliver)
    assert seen == ["I-0", "I-1", "I-2", "I-3"]
    assert (report.sent, report.refused, report.left, report.stopped) == (3, 1, 0, None)
    refused = outbox.refusals()
    assert [e.payload["barcode"] for e in refused] == ["I-1"]
    assert refused[0].reason == "Item on hold for another patron"
    assert refused[0].as_dict()["payload"] == {"barcode": "I-1"}
    assert outbox.replay(deliver).sent == 0  # nothing twice
    outbox.resolve(refused[0].id, by="staff-1")
    assert outbox.refusals() == []
    with pytest.raises(KioskError, match=r"outbox\.not_refused"):
        outbox.resolve(refused[0].id)


def test_an_error_stops_the_replay_and_marks_the_entry_in_doubt_when_it_may_have_arrived(
    store: Store,
) -> None:
    outbox = Outbox(store, "sip2", FakeClock())
    for n in range(3):
        outbox.add("checkin", {"barcode": f"I-{n}"})
    calls: list[tuple[str, bool]] = []

    def failing(maybe_done: bool) -> object:
        def deliver(entry: OutboxEntry) -> str | None:
            calls.append((entry.payload["barcode"], entry.in_doubt))
            if entry.payload["barcode"] == "I-1":
                raise UnreachableError(maybe_done)
            return None

        return deliver

    report = outbox.replay(failing(False))  # type: ignore[arg-type]
    assert (report.sent, report.left) == (1, 2) and report.stopped
    assert [e.state for e in outbox.open_entries()] == ["pending", "pending"]
    outbox.replay(failing(True))  # type: ignore[arg-type]
    assert [e.state for e in outbox.open_entries()] == ["sending", "pending"]
    calls.clear()
    report = outbox.replay(lambda entry: calls.append((entry.payload["barcode"], entry.in_doubt)))  # type: ignore[arg-type,func-returns-value]
    assert calls == [("I-1", True), ("I-2", False)]
    assert report.left == 0
    assert [e.attempts for e in outbox.entries()] == [1, 3, 1]


def test_targets_are_separate(store: Store) -> None:
    Outbox(store, "hub").add("checkout", {"barcode": "X"})
    assert not Outbox(store, "sip2").has_open()
    assert Outbox(store, "hub").has_open()


# -- the offline desk -------------------------------------------------------------------
def _desk(store: Store, config: Config, clock: FakeClock, **backend: object) -> OfflineDesk:
    section = replace(config.backend, **{"kind": "sip2", "offline_checkouts": True, **backend})
    config = replace(config, backend=section)
    pin_lock = PinLock(MemoryCounts(), 3, 15, clock)
    return OfflineDesk(store, config, Outbox(store, "sip2", clock), pin_lock, clock)


def _patron(ref: str = "P1") -> Patron:
    return Patron(ref, "Siti", "", False, None, card_number=ref, language="en")


def test_offline_sign_in_only_for_cards_seen_recently(store: Store, default_config: Config) -> None:
    clock = FakeClock()
    desk = _desk(store, default_config, clock, offline_card_days=10)
    desk.remember(_patron(), uid="04a1b2", pin="1234")
    patron = desk.sign_in(uid="04A1B2", number=None, pin="1234")
    assert (patron.ref, patron.name, patron.language) == ("P1", "Siti", "en")
    assert desk.sign_in(uid=None, number="P1", pin="1234").ref == "P1"
    with pytest.raises(DomainError, match="pin_required"):
        desk.sign_in(uid="04A1B2", number=None, pin=None)
    with pytest.raises(DomainError, match="pin_wrong"):
        desk.sign_in(uid="04A1B2", number=None, pin="0000")
    with pytest.raises(DomainError, match="offline_card_unknown"):
        desk.sign_in(uid=None, number="P2", pin=None)
    clock.advance(days=11)
    with pytest.raises(DomainError, match="offline_card_unknown"):
        desk.sign_in(uid="04A1B2", number=None, pin="1234")
    desk.remember(_patron("P2"), uid=None, pin=None)  # prunes what is too old
    assert desk.card("P1") is None
    # Only what sign-in needs is kept: never loans or history.
    columns = [r[1] for r in store.conn.execute("PRAGMA table_info(offline_cards)")]
    assert columns == [
        "patron_ref",
        "card_key",
        "card_number",
        "name",
        "language",
        "pin_hash",
        "seen_at",
    ]


def test_a_pin_the_kiosk_cannot_hash_keeps_the_card_out_of_the_cache(
    store: Store, default_config: Config
) -> None:
    desk = _desk(store, default_config, FakeClock())
    desk.remember(_patron(), uid=None, pin=None)
    assert desk.card("P1") is not None
    desk.remember(_patron(), uid=None, pin="correct horse")  # an ILS password, not a PIN
    assert desk.card("P1") is None  # so it never signs in offline without it


def test_nothing_is_cached_when_offline_circulation_is_off(
    store: Store, default_config: Config
) -> None:
    desk = _desk(store, default_config, FakeClock(), offline_checkouts=False)
    desk.remember(_patron(), uid="04A1", pin=None)
    assert desk.card("P1") is None


def test_offline_checkouts_due_dates_and_limits(store: Store, default_config: Config) -> None:
    clock = FakeClock()  # Monday 08:00 in Palu
    desk = _desk(store, default_config, clock, offline_loan_days=7, offline_max_items=2)
    result = desk.checkout("P1", " I-1 ")
    assert result.offline and result.barcode == "I-1"
    assert result.due_at == desk.rules.due_at(clock(), 7)
    assert result.due_at - clock() > timedelta(days=7)  # 23:59 local, an opening day
    with pytest.raises(DomainError, match="item_already_yours"):
        desk.checkout("P1", "I-1")
    with pytest.raises(DomainError, match="item_on_loan"):
        desk.checkout("P2", "I-1")
    desk.checkout("P1", "I-2")
    with pytest.raises(DomainError, match="offline_limit") as info:
        desk.checkout("P1", "I-3")
    assert info.value.params == {"limit": 2}
    returned = desk.checkin("I-1")
    assert returned.offline and returned.resensitize
    desk.checkout("P1", "I-3")  # I-1 came back: room for one more
    kinds = [(e.kind, e.payload["barcode"]) for e in desk.outbox.open_entries()]
    assert kinds == [
        ("checkout", "I-1"),
        ("checkout", "I-2"),
        ("checkin", "I-1"),
        ("checkout", "I-3"),
    ]
    assert desk.outbox.open_entries()[0].payload["due"] == "2026-11-30T15:59:00+00:00"
