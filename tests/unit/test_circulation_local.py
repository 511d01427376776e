"""The local circulation backend: every rule and every refusal, through the service."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.i18n import describe
from kiosk.pins import hash_pin
from kiosk.services import Services
from kiosk.store import Store
from tests.unit.circ_helpers import FakeClock, add_biblio, add_item, add_patron, services


def refused(call: object, *args: object, **kwargs: object) -> DomainError:
    with pytest.raises(DomainError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    return info.value


# -- sign-in ------------------------------------------------------------------------
def test_sign_in_by_card_number_or_key(store: Store, svc: Services) -> None:
    ref = add_patron(store, "M-1", key="04AABB")
    by_number = svc.circulation.sign_in(number="M-1")
    by_key = svc.circulation.sign_in(uid="04aabb")
    assert by_number.ref == by_key.ref == ref
    assert by_number.card_number == "M-1"
    assert not by_number.is_staff


def test_staff_patron_is_recognised(store: Store, svc: Services) -> None:
    add_patron(store, "S-1", group="staff", pin_hash=hash_pin("1357"))
    assert svc.circulation.sign_in(number="S-1", pin="1357").is_staff


def test_unknown_and_lost_cards_are_refused(store: Store, svc: Services) -> None:
    assert refused(svc.circulation.sign_in, number="nope").key == "circulation.card_unknown"
    add_patron(store, "M-2")
    store.conn.execute("UPDATE cards SET status = 'lost' WHERE card_number = 'M-2'")
    assert refused(svc.circulation.sign_in, number="M-2").key == "circulation.card_lost"


def test_expired_and_blocked_cards_have_their_own_keys(store: Store, svc: Services) -> None:
    add_patron(store, "E-1", expires_on="2026-11-22")
    add_patron(store, "B-1", blocked=True)
    add_patron(store, "T-1", expires_on="2026-11-23")  # expires today: still valid today
    error = refused(svc.circulation.sign_in, number="E-1")
    assert error.key == "circulation.card_expired"
    assert error.params == {"expired_on": date(2026, 11, 22)}  # the message writes it
    assert "22 Nov 2026" in describe(error, "en") and "22 Nov 2026" in describe(error, "id")
    assert refused(svc.circulation.sign_in, number="B-1").key == "circulation.card_blocked"
    assert svc.circulation.sign_in(number="T-1").card_number == "T-1"


def test_pin_required_wrong_then_locked_for_the_configured_time(
    store: Store, default_config: Config, clock: FakeClock
) -> None:
    svc = services(store, default_config, clock, pin_max_tries=3, pin_lock_minutes=10)
    add_patron(store, "P-1", pin_hash=hash_pin("2580"))
    assert refused(svc.circulation.sign_in, number="P-1").key == "circulation.pin_required"
    first = refused(svc.circulation.sign_in, number="P-1", pin="0000")
    assert (first.key, first.params) == ("circulation.pin_wrong", {"tries_left": 2})
    assert refused(svc.circulation.sign_in, number="P-1", pin="1111").params == {"tries_left": 1}
    locked = refused(svc.circulation.sign_in, number="P-1", pin="2222")
    assert (locked.key, locked.params) == ("circulation.card_locked", {"minutes": 10})
    # Even the right PIN is refused while locked, so guessing gains nothing.
    assert refused(svc.circulation.sign_in, number="P-1", pin="2580").key == (
        "circulation.card_locked"
    )
    clock.advance(minutes=10, seconds=1)
    assert svc.circulation.sign_in(number="P-1", pin="2580").card_number == "P-1"


def test_right_pin_resets_the_count(store: Store, svc: Services) -> None:
    add_patron(store, "P-2", pin_hash=hash_pin("1357"))
    refused(svc.circulation.sign_in, number="P-2", pin="0000")
    svc.circulation.sign_in(number="P-2", pin="1357")
    assert store.conn.execute("SELECT pin_failures FROM patrons").fetchone()[0] == 0


def test_pin_is_checked_before_account_status_is_revealed(store: Store, svc: Services) -> None:
    add_patron(store, "P-3", pin_hash=hash_pin("1357"), expires_on="2020-01-01")
    assert refused(svc.circulation.sign_in, number="P-3").key == "circulation.pin_required"
    error = refused(svc.circulation.sign_in, number="P-3", pin="1357")
    assert error.key == "circulation.card_expired"


# -- checkout -----------------------------------------------------------------------
def test_checkout_due_date_on_an_opening_day_in_library_time(
    store: Store, default_config: Config, clock: FakeClock
) -> None:
    ref = add_patron(store, "M-1")
    add_item(store, "I-1")
    # Monday + 14 days is a Monday; make it a closed date: due moves to Tuesday.
    svc = services(store, default_config, clock, closed_dates=["2026-12-07"])
    result = svc.circulation.checkout(ref, "I-1")
    local = result.due_at.astimezone(svc.circulation.rules.zone)  # type: ignore[attr-defined]
    assert local.date() == date(2026, 12, 8)
    assert (local.hour, local.minute) == (23, 59)
    assert result.due_at == datetime(2026, 12, 8, 15, 59, tzinfo=UTC)


def test_due_date_skips_sunday(store: Store, svc: Services, clock: FakeClock) -> None:
    ref = add_patron(store, "M-1")
    add_item(store, "I-1")
    clock.now = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # Saturday; +14 days = Saturday
    clock.now += timedelta(days=1)  # Sunday + 14 = Sunday: closed -> Monday
    due = svc.circulation.checkout(ref, "I-1").due_at
    assert due.astimezone(svc.circulation.rules.zone).date() == date(2026, 12, 14)  # type: ignore[attr-defined]


def test_checkout_loan_days_per_group_and_type(store: Store, svc: Services) -> None:
    staff = add_patron(store, "S-1", group="staff")
    adult = add_patron(store, "M-1")
    add_item(store, "I-1")
    add_item(store, "AV-1", item_type="av")
    zone = svc.circulation.rules.zone  # type: ignore[attr-defined]
    assert svc.circulation.checkout(staff, "I-1").due_at.astimezone(zone).date() == date(
        2026, 12, 21
    )
    assert svc.circulation.checkout(adult, "AV-1").due_at.astimezone(zone).date() == date(
        2026, 11, 30
    )


@pytest.mark.parametrize(
    ("setup", "key"),
    [
        ({"item_type": "reference"}, "circulation.item_not_for_loan"),
        ({"item_type": "magazine"}, "circulation.item_not_for_loan"),
        ({"not_for_loan": True}, "circulation.item_not_for_loan"),
        ({"status": "damaged"}, "circulation.item_damaged"),
        ({"status": "missing"}, "circulation.item_unavailable"),
        ({"status": "withdrawn"}, "circulation.item_unavailable"),
    ],
)
def test_items_that_cannot_be_borrowed(
    store: Store, svc: Services, setup: dict[str, object], key: str
) -> None:
    ref = add_patron(store, "M-1")
    add_item(store, "X-1", **setup)  # type: ignore[arg-type]
    assert refused(svc.circulation.checkout, ref, "X-1").key == key
    assert store.conn.execute("SELECT count(*) FROM loans").fetchone()[0] == 0


def test_checkout_refusals_for_the_patron(store: Store, svc: Services, clock: FakeClock) -> None:
    add_item(store, "I-1")
    expired = add_patron(store, "E-1", expires_on="2026-01-01")
    blocked = add_patron(store, "B-1", blocked=True)
    assert refused(svc.circulation.checkout, expired, "I-1").key == "circulation.card_expired"
    assert refused(svc.circulation.checkout, blocked, "I-1").key == "circulation.card_blocked"
    assert refused(svc.circulation.checkout, "999", "I-1").key == "circulation.patron_unknown"
    assert refused(svc.circulation.checkout, "abc", "I-1").key == "circulation.patron_unknown"
    ref = add_patron(store, "M-1")
    assert refused(svc.circulation.checkout, ref, "NOPE").key == "circulation.item_not_found"


def test_fines_over_the_limit_block_checkout(store: Store, svc: Services) -> None:
    ref = add_patron(store, "F-1")
    add_item(store, "I-1")
    store.conn.execute(
        "INSERT INTO fines (patron_id, amount, reason, created_at) VALUES (?, 50000, 'other',"
        " '2026-11-01T00:00:00+00:00')",
        [int(ref)],
    )
    svc.circulation.checkout(ref, "I-1")  # exactly at the limit: allowed
    store.conn.execute(
        "INSERT INTO fines (patron_id, amount, reason, created_at) VALUES (?, 500, 'other',"
        " '2026-11-02T00:00:00+00:00')",
        [int(ref)],
    )
    add_item(store, "I-2")
    error = refused(svc.circulation.checkout, ref, "I-2")
    assert error.key == "circulation.fines_over_limit"
    assert error.params == {"balance": 50500, "limit": 50000}
    assert "Rp 50.500" in describe(error, "id") and "Rp 50,500" in describe(error, "en")
    svc.circulation.pay(ref, 500, taken_by="desk")
    svc.circulation.checkout(ref, "I-2")


def test_item_on_loan_to_someone_else_or_already_yours(store: Store, svc: Services) -> None:
    one, two = add_patron(store, "M-1"), add_patron(store, "M-2")
    add_item(store, "I-1", title="Laskar Pelangi")
    svc.circulation.checkout(one, "I-1")
    error = refused(svc.circulation.checkout, two, "I-1")
    assert (error.key, error.params) == ("circulation.item_on_loan", {"title": "Laskar Pelangi"})
    assert refused(svc.circulation.checkout, one, "I-1").key == "circulation.item_already_yours"


def test_loan_limits_total_and_per_type(store: Store, svc: Services) -> None:
    child = add_patron(store, "C-1", group="child")
    for n in range(4):
        add_item(store, f"I-{n}")
    for n in range(3):
        svc.circulation.checkout(child, f"I-{n}")
    error = refused(svc.circulation.checkout, child, "I-3")
    assert (error.key, error.params) == ("circulation.loan_limit", {"limit": 3})
    adult = add_patron(store, "M-1")
    for n in range(3):
        add_item(store, f"AV-{n}", item_type="av")
    svc.circulation.checkout(adult, "AV-0")
    svc.circulation.checkout(adult, "AV-1")
    assert refused(svc.circulation.checkout, adult, "AV-2").key == "circulation.loan_limit_type"


def test_item_held_for_another_patron(store: Store, svc: Services) -> None:
    waiting, other = add_patron(store, "H-1"), add_patron(store, "M-1")
    item = add_item(store, "I-1")
    store.conn.execute(
        "INSERT INTO holds (patron_id, item_id, status, placed_at) VALUES (?, ?, 'waiting', ?)",
        [int(waiting), item, "2026-11-01T00:00:00+00:00"],
    )
    assert refused(svc.circulation.checkout, other, "I-1").key == "circulation.item_on_hold"
    svc.circulation.checkout(waiting, "I-1")
    status = store.conn.execute("SELECT status FROM holds").fetchone()[0]
    assert status == "collected"


def test_ready_hold_is_collected_only_by_its_patron(store: Store, svc: Services) -> None:
    holder, other = add_patron(store, "H-1"), add_patron(store, "M-1")
    item = add_item(store, "I-1", status="on_hold_shelf")
    store.conn.execute(
        """INSERT INTO holds (patron_id, item_id, status, shelf_location, placed_at, expires_on)
           VALUES (?, ?, 'ready', 'Rak Pesanan 2', ?, '2026-11-30')""",
        [int(holder), item, "2026-11-01T00:00:00+00:00"],
    )
    assert svc.circulation.holds(holder)[0].shelf_location == "Rak Pesanan 2"
    assert svc.circulation.overview(holder).holds_ready == 1
    assert refused(svc.circulation.checkout, other, "I-1").key == "circulation.item_on_hold"
    svc.circulation.checkout(holder, "I-1")
    assert svc.circulation.holds(holder) == []


def test_title_hold_blocks_only_when_no_other_copy_is_free(store: Store, svc: Services) -> None:
    waiting, other = add_patron(store, "H-1"), add_patron(store, "M-1")
    biblio = add_biblio(store, "Bumi Manusia")
    add_item(store, "I-1", biblio=biblio)
    add_item(store, "I-2", biblio=biblio)
    store.conn.execute(
        "INSERT INTO holds (patron_id, biblio_id, status, placed_at) VALUES (?, ?, 'waiting', ?)",
        [int(waiting), biblio, "2026-11-01T00:00:00+00:00"],
    )
    svc.circulation.checkout(other, "I-1")  # I-2 is still free for the hold
    assert refused(svc.circulation.checkout, other, "I-2").key == "circulation.item_on_hold"


# -- return -------------------------------------------------------------------------
def test_return_without_patron_forgets_the_patron(store: Store, svc: Services) -> None:
    ref = add_patron(store, "M-1")
    add_item(store, "I-1")
    svc.circulation.checkout(ref, "I-1")
    result = svc.circulation.checkin("I-1")
    assert (result.to_hold_shelf, result.fine, result.was_overdue) == (False, 0, False)
    row = store.conn.execute("SELECT patron_id, returned_at FROM loans").fetchone()
    assert row[0] is None
    assert row[1] is not None
    assert svc.circulation.item("I-1").status == "available"
    assert refused(svc.circulation.checkin, "I-1").key == "circulation.item_not_on_loan"


def test_return_keeps_history_when_patron_opted_in(store: Store, svc: Services) -> None:
    ref = add_patron(store, "M-1", keeps_history=True)
    add_item(store, "I-1")
    svc.circulation.checkout(ref, "I-1")
    svc.circulation.checkin("I-1")
    assert store.conn.execute("SELECT patron_id FROM loans").fetchone()[0] == int(ref)


def test_return_fills_the_oldest_hold_and_goes_to_the_hold_shelf(
    store: Store, svc: Services, clock: FakeClock
) -> None:
    borrower, first, second = (add_patron(store, n) for n in ("M-1", "H-1", "H-2"))
    biblio = add_biblio(store, "Pulang")
    add_item(store, "I-1", biblio=biblio)
    svc.circulation.checkout(borrower, "I-1")
    for ref, placed in ((second, "2026-11-10"), (first, "2026-11-05")):
        store.conn.execute(
            "INSERT INTO holds (patron_id, biblio_id, status, placed_at) VALUES (?, ?, 'waiting',"
            " ?)",
            [int(ref), biblio, placed + "T00:00:00+00:00"],
        )
    result = svc.circulation.checkin("I-1")
    assert result.to_hold_shelf
    assert result.hold_shelf_location == "Rak Pesanan"
    ready = svc.circulation.holds(first)
    assert ready[0].ready
    assert ready[0].barcode == "I-1"
    assert ready[0].expires_on == date(2026, 11, 30)  # 7 days on, an opening day
    assert svc.circulation.holds(second)[0].status == "waiting"
    assert svc.circulation.item("I-1").status == "on_hold_shelf"


@pytest.mark.parametrize(
    ("days_late", "item_type", "fine"),
    [
        (0, "book", 0),
        (1, "book", 500),
        (6, "book", 3000),  # closed days count here (fine_closed_days)
        (200, "book", 25_000),  # capped per item
        (3, "av", 3000),
    ],
)
def test_overdue_return_creates_a_capped_fine(
    store: Store,
    default_config: Config,
    clock: FakeClock,
    days_late: int,
    item_type: str,
    fine: int,
) -> None:
    svc = services(store, default_config, clock, fine_closed_days=True)
    ref = add_patron(store, "M-1")
    add_item(store, "I-1", item_type=item_type)
    due = svc.circulation.checkout(ref, "I-1").due_at
    # Returned late in the evening ``days_late`` local days after the due date.
    clock.now = due + timedelta(days=days_late, hours=-1)
    result = svc.circulation.checkin("I-1")
    assert result.fine == fine
    assert result.was_overdue == (days_late > 0)
    assert svc.circulation.fines(ref).balance == fine


def test_fines_count_only_opening_days_by_default(
    store: Store, svc: Services, clock: FakeClock
) -> None:
    ref = add_patron(store, "M-1")
    add_item(store, "I-1")
    due = svc.circulation.checkout(ref, "I-1").due_at  # Monday 7 Dec, 23:59 local
    clock.now = due + timedelta(days=7, hours=-1)  # next Monday: Tue..Mon, one Sunday
    assert svc.circulation.checkin("I-1").fine == 6 * 500


# -- renew --------------------------------------------------------------------------
def test_renew_until_the_limit(store: Store, svc: Services, clock: FakeClock) -> None:
    ref = add_patron(store, "M-1")
    add_item(store, "I-1")
    first_due = svc.circulation.checkout(ref, "I-1").due_at
    clock.advance(days=3)
    one = svc.circulation.renew(ref, "I-1")
    assert one.ok
    assert one.due_at is not None
    assert one.due_at > first_due
    clock.advance(days=3)
    assert svc.circulation.renew(ref, "I-1").ok
    clock.advance(days=3)
    limit = svc.circulation.renew(ref, "I-1")
    assert (limit.ok, limit.refusal) == (False, "circulation.renew_limit")
    loan = svc.circulation.loans(ref)[0]
    assert (loan.renewals, loan.renewals_left) == (2, 0)


def three_loans_one_held(store: Store, svc: Services) -> tuple[str, str, int]:
    """M-1 borrows I-1, I-2 and I-3; H-1 waits for I-1. Returns both patrons' refs and
    I-1's id."""
    ref, waiting = add_patron(store, "M-1"), add_patron(store, "H-1")
    held = add_item(store, "I-1")
    add_item(store, "I-2")
    add_item(store, "I-3")
    for code in ("I-1", "I-2", "I-3"):
        svc.circulation.checkout(ref, code)
    store.conn.execute(
        "INSERT INTO holds (patron_id, item_id, status, placed_at) VALUES (?, ?, 'waiting', ?)",
        [int(waiting), held, "2026-11-24T00:00:00+00:00"],
    )
    return ref, waiting, held


def test_renew_refusals(store: Store, svc: Services, clock: FakeClock) -> None:
    ref, waiting, _held = three_loans_one_held(store, svc)
    clock.advance(days=2)
    assert svc.circulation.renew(ref, "I-1").refusal == "circulation.renew_on_hold"
    assert svc.circulation.renew(ref, "I-2").ok
    assert refused(svc.circulation.renew, waiting, "I-3").key == "circulation.not_your_loan"
    assert refused(svc.circulation.renew, ref, "NOPE").key == "circulation.item_not_found"
    clock.advance(days=20)  # I-3 is overdue now
    assert svc.circulation.renew(ref, "I-3").refusal == "circulation.renew_overdue"
    store.conn.execute("UPDATE patrons SET blocked = 1 WHERE id = ?", [int(ref)])
    assert svc.circulation.renew(ref, "I-2").refusal == "circulation.renew_card_blocked"


def test_loans_tell_early_why_a_renewal_would_be_refused(
    store: Store, svc: Services, clock: FakeClock
) -> None:
    """Issue 14 item 7: each loan carries the refusal a renewal now would get, the same
    key renew() then gives, so the loans screen says why instead of offering Renew."""
    ref, _waiting, held = three_loans_one_held(store, svc)
    store.conn.execute("UPDATE loans SET renewals = 2 WHERE item_id != ?", [held])
    store.conn.execute(
        "UPDATE loans SET renewals = 0 WHERE item_id = (SELECT id FROM items WHERE barcode = 'I-2')"
    )
    clock.advance(days=2)
    told = {loan.barcode: loan.renew_refusal for loan in svc.circulation.loans(ref)}
    assert told == {
        "I-1": "circulation.renew_on_hold",
        "I-2": None,
        "I-3": "circulation.renew_limit",
    }
    results = {r.barcode: r.refusal for r in svc.circulation.renew_all(ref)}
    assert results == told  # what was told early is what renewing gives
    # Renewed today: renewing again today would not move the due date.
    assert svc.circulation.loans(ref)[-1].renew_refusal == "circulation.renew_too_soon"
    store.conn.execute("UPDATE patrons SET blocked = 1 WHERE id = ?", [int(ref)])
    blocked = {loan.renew_refusal for loan in svc.circulation.loans(ref)}
    assert blocked == {"circulation.renew_card_blocked"}


def test_renew_all_gives_a_result_per_item(store: Store, svc: Services, clock: FakeClock) -> None:
    ref, waiting = add_patron(store, "M-1"), add_patron(store, "H-1")
    held = add_item(store, "I-1")
    add_item(store, "I-2")
    svc.circulation.checkout(ref, "I-1")
    svc.circulation.checkout(ref, "I-2")
    store.conn.execute(
        "INSERT INTO holds (patron_id, item_id, status, placed_at) VALUES (?, ?, 'waiting', ?)",
        [int(waiting), held, "2026-11-24T00:00:00+00:00"],
    )
    clock.advance(days=1)
    results = {r.barcode: r for r in svc.circulation.renew_all(ref)}
    assert results["I-1"].refusal == "circulation.renew_on_hold"
    assert results["I-2"].ok
    store.conn.execute(
        "INSERT INTO fines (patron_id, amount, reason, created_at) VALUES (?, 60000, 'lost', ?)",
        [int(ref), "2026-11-24T00:00:00+00:00"],
    )
    assert {r.refusal for r in svc.circulation.renew_all(ref)} == {"circulation.renew_fines"}


# -- lists, fines, payments ---------------------------------------------------------
def test_loans_overview_and_overdue_marks(store: Store, svc: Services, clock: FakeClock) -> None:
    ref = add_patron(store, "M-1")
    add_item(store, "I-1")
    add_item(store, "AV-1", item_type="av")
    svc.circulation.checkout(ref, "I-1")
    svc.circulation.checkout(ref, "AV-1")
    clock.advance(days=10)
    loans = svc.circulation.loans(ref)
    assert [(loan.barcode, loan.overdue) for loan in loans] == [("AV-1", True), ("I-1", False)]
    overview = svc.circulation.overview(ref)
    assert (overview.loans, overview.overdue, overview.fines_balance) == (2, 1, 0)


def test_payments_settle_the_oldest_fines_first(store: Store, svc: Services) -> None:
    ref = add_patron(store, "M-1")
    for amount, day in ((3000, "01"), (2000, "02")):
        store.conn.execute(
            "INSERT INTO fines (patron_id, amount, reason, item_barcode, created_at)"
            " VALUES (?, ?, 'overdue', 'I-1', ?)",
            [int(ref), amount, f"2026-11-{day}T00:00:00+00:00"],
        )
    after = svc.circulation.pay(ref, 3500, taken_by="Ibu Kartini")
    assert after.balance == 1500
    assert [line.amount for line in after.lines] == [1500]
    assert after.limit == 50_000
    assert refused(svc.circulation.pay, ref, 2000).key == "circulation.pay_too_much"
    assert refused(svc.circulation.pay, ref, 0).key == "circulation.amount_invalid"
    assert svc.circulation.pay(ref, 1500).balance == 0
    assert store.conn.execute("SELECT taken_by FROM payments").fetchone()[0] == "Ibu Kartini"


def test_usage_counters_are_anonymous_per_day_and_action(
    store: Store, svc: Services, clock: FakeClock
) -> None:
    ref = add_patron(store, "M-1")
    add_item(store, "I-1")
    svc.circulation.sign_in(number="M-1")
    svc.circulation.checkout(ref, "I-1")
    svc.circulation.checkin("I-1")
    svc.usage.count("receipt")
    svc.usage.count("receipt")
    rows = store.conn.execute(
        "SELECT day, hour, action, detail, count FROM usage_counters ORDER BY action"
    ).fetchall()
    assert [tuple(r) for r in rows] == [  # 08:00 WITA: the local day and hour, nothing about who
        ("2026-11-23", 8, "checkout", "", 1),
        ("2026-11-23", 8, "receipt", "", 2),
        ("2026-11-23", 8, "return", "", 1),
        ("2026-11-23", 8, "sign_in", "", 1),
    ]
    with pytest.raises(ValueError, match="lowercase"):
        svc.usage.count("Drop Table")


def test_an_uncollected_hold_expires(store: Store, svc: Services, clock: FakeClock) -> None:
    holder, other = add_patron(store, "H-1"), add_patron(store, "M-1")
    item = add_item(store, "I-1", status="on_hold_shelf")
    store.conn.execute(
        """INSERT INTO holds (patron_id, item_id, status, shelf_location, placed_at, expires_on)
           VALUES (?, ?, 'ready', 'Rak Pesanan', ?, '2026-11-25')""",
        [int(holder), item, "2026-11-01T00:00:00+00:00"],
    )
    assert svc.circulation.overview(holder).holds_ready == 1
    clock.advance(days=3)  # Thursday 26th: the last pickup day was the 25th
    assert svc.circulation.holds(holder) == []
    assert svc.circulation.overview(holder).holds_ready == 0
    svc.circulation.checkout(other, "I-1")
    assert store.conn.execute("SELECT status FROM holds").fetchone()[0] == "expired"


def test_threads_of_one_process_share_the_store_safely(store: Store, svc: Services) -> None:
    import threading

    patrons = [add_patron(store, f"M-{n}") for n in range(6)]
    add_item(store, "I-1")
    outcomes: list[str] = []
    barrier = threading.Barrier(len(patrons))

    def borrow(ref: str) -> None:
        barrier.wait()
        try:
            svc.circulation.checkout(ref, "I-1")
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.key)

    threads = [threading.Thread(target=borrow, args=(ref,)) for ref in patrons]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes) == ["circulation.item_on_loan"] * 5 + ["ok"]
