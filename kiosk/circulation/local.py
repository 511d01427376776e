"""The local circulation backend: patrons, items, loans, holds and fines in SQLite.

Every method is synchronous and answers in a millisecond or two (a PIN check adds the
scrypt time, ~15-50 ms). Each action that writes runs in one ``BEGIN IMMEDIATE``
transaction, so its checks and writes are atomic across threads and processes: two
kiosks checking out the same copy at the same moment get exactly one loan (the second
one sees the first's loan; the unique index ``loans_open_item`` is the last guard),
and a process killed half-way leaves nothing behind. Refusals raise
:class:`~kiosk.domain.errors.DomainError` with a ``circulation.*`` message key.

Privacy: a returned loan keeps its patron only when the patron opted in to a reading
history (``patrons.keeps_history``); usage counters are anonymous.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from kiosk.circulation.api import (
    Capabilities,
    CheckoutResult,
    FineLine,
    Fines,
    Hold,
    ItemInfo,
    Loan,
    Patron,
    PatronOverview,
    RenewResult,
    ReturnResult,
)
from kiosk.circulation.pin_lock import PinLock, locked
from kiosk.circulation.rules import Policy, Rules
from kiosk.circulation.usage import add_usage
from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.money import Rupiah
from kiosk.patrons import PatronRecord, Standing, balance, find_card, library_date, read_patron
from kiosk.patrons import require_local_id as patron_id
from kiosk.pins import hash_pin, valid_pin, verify_pin
from kiosk.store import Store
from kiosk.timeutil import Clock, from_db, to_db, utcnow

#: Item statuses that are not on a shelf to borrow, with their refusal keys.
_UNAVAILABLE = {
    "damaged": "circulation.item_damaged",
    "missing": "circulation.item_unavailable",
    "withdrawn": "circulation.item_unavailable",
    "in_transit": "circulation.item_unavailable",
}

#: Account blocks as renewal refusals (a RenewResult carries no message parameters).
_RENEW_BLOCKS = {
    "circulation.card_blocked": "circulation.renew_card_blocked",
    "circulation.card_expired": "circulation.renew_card_expired",
    "circulation.fines_over_limit": "circulation.renew_fines",
}


@dataclass(frozen=True)
class _Item:
    """A row of ``items``, by name."""

    id: int
    barcode: str
    title: str
    authors: str | None
    item_type: str
    call_number: str | None
    location: str | None
    status: str
    biblio_id: int | None
    not_for_loan: bool

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> _Item:
        values = {name: row[name] for name in cls.__dataclass_fields__}
        return cls(**{**values, "not_for_loan": bool(values["not_for_loan"])})


@dataclass(frozen=True)
class _Loan:
    """An open row of ``loans``, by name."""

    id: int
    patron_id: int | None
    due_at: datetime
    renewals: int

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> _Loan:
        return cls(row["id"], row["patron_id"], from_db(row["due_at"]), int(row["renewals"]))


class LocalCirculation:
    """The :class:`~kiosk.circulation.api.Circulation` of the local backend.

    Safe to share between threads (the store serialises them). ``clock`` gives the
    current UTC time, so tests drive time.
    """

    def __init__(self, store: Store, config: Config, clock: Clock = utcnow) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.rules = Rules(config.circulation, config.kiosk.timezone)
        self.kiosk_id = config.kiosk.id
        section = config.circulation
        self.pin_lock = PinLock(
            PatronCounts(store), section.pin_max_tries, section.pin_lock_minutes, clock
        )

    # -- helpers ----------------------------------------------------------------
    def _today(self, now: datetime) -> date:
        return library_date(now, self.rules.zone)

    def _patron_row(self, db: Any, pid: int) -> PatronRecord:
        record = read_patron(db, pid)
        if record is None:
            raise DomainError("circulation.patron_unknown")
        return record

    def _patron(self, db: Any, record: PatronRecord, card_number: str | None = None) -> Patron:
        if card_number is None:
            found = db.execute(
                """SELECT card_number FROM cards WHERE patron_id = ? AND status = 'active'
                   AND card_number IS NOT NULL ORDER BY id LIMIT 1""",
                [record.id],
            ).fetchone()
            card_number = found["card_number"] if found else None
        # No language here: the patron's remembered one is their stored preferences
        # (Services.preferences), read once at sign-in; the record holds no other.
        return Patron(
            ref=str(record.id),
            name=record.name,
            patron_group=record.patron_group,
            is_staff=record.is_staff,
            expires_on=record.expires_on,
            card_number=card_number,
            has_pin=bool(record.pin_hash),
        )

    def _standing(self, db: Any, record: PatronRecord, *, fines: bool) -> Standing:
        """The account's standing from the kiosk's records (the fines only when asked:
        signing in does not depend on them)."""
        if not fines:
            return record.standing
        return replace(
            record.standing,
            balance=balance(db, record.id),
            fines_limit=self.config.circulation.fines_limit,
        )

    def _item_row(self, db: Any, barcode: str) -> _Item:
        row = db.execute(
            """SELECT id, barcode, title, authors, item_type, call_number, location, status,
                      biblio_id, not_for_loan
               FROM items WHERE barcode = ?""",
            [barcode.strip()],
        ).fetchone()
        if row is None:
            raise DomainError("circulation.item_not_found", barcode=barcode.strip())
        return _Item.from_row(row)

    def _open_loan(self, db: Any, item_id: int) -> _Loan | None:
        row = db.execute(
            """SELECT id, patron_id, due_at, renewals FROM loans
               WHERE item_id = ? AND returned_at IS NULL""",
            [item_id],
        ).fetchone()
        return _Loan.from_row(row) if row is not None else None

    def _waiting_for_other(self, db: Any, item: _Item, pid: int) -> bool:
        """Someone else waits for this copy: a hold on this item, or a title-level
        hold that no available copy of the title could fill instead."""
        if db.execute(
            """SELECT 1 FROM holds WHERE item_id = ? AND status = 'waiting'
               AND patron_id <> ? LIMIT 1""",
            [item.id, pid],
        ).fetchone():
            return True
        if item.biblio_id is None:
            return False
        row = db.execute(
            """SELECT
                 (SELECT count(*) FROM holds WHERE biblio_id = :b AND item_id IS NULL
                    AND status = 'waiting' AND patron_id <> :p) AS waiting,
                 (SELECT count(*) FROM items WHERE biblio_id = :b AND id <> :i
                    AND status = 'available' AND not_for_loan = 0) AS spare""",
            {"b": item.biblio_id, "p": pid, "i": item.id},
        ).fetchone()
        return bool(row["waiting"] > row["spare"])

    def _renewals_left(self, policy: Policy, renewals: int) -> int:
        return max(0, policy.max_renewals - renewals)

    def _checkout_written(self) -> None:
        """Called inside the checkout transaction after every write, before COMMIT.

        Does nothing; a crash test overrides it to kill the process at this point.
        """

    # -- what it can do -----------------------------------------------------------
    def capabilities(self) -> Capabilities:
        """Everything but holds placed at the kiosk (the local backend takes holds from
        its import and the desk), always on line."""
        return Capabilities(
            online=True,
            checkout=True,
            checkin=True,
            renew=True,
            renew_all=True,
            item_info=True,
            pay=True,
            place_hold=False,
            cancel_hold=False,
            pin_change=True,
            offline_checkouts=False,
        )

    def end_session(self, patron: str) -> None:
        """Nothing to tell anyone: the session lives in the screens only."""

    # -- sign-in ----------------------------------------------------------------
    def sign_in(
        self, *, uid: str | None = None, number: str | None = None, pin: str | None = None
    ) -> Patron:
        """By card key or card number; refusals in the order a patron can act on
        them: unknown or lost card, locked card, PIN, blocked, expired."""
        now = self.clock()
        with self.store.lock:
            card = find_card(self.store, uid=uid, number=number)
            if card is None:
                raise DomainError("circulation.card_unknown")
            if card.status != "active":
                raise DomainError("circulation.card_lost")
            record = self._patron_row(self.store.conn, card.patron_id)
        if record.locked_until is not None and record.locked_until > now:
            raise locked(record.locked_until, now)
        verified = False
        if record.pin_hash:
            if not pin:
                raise DomainError("circulation.pin_required")
            self._check_pin(card.patron_id, pin)
            verified = True
        elif record.is_staff:
            # Staff mode (equipment override, quitting the kiosk) only with a PIN.
            raise DomainError(
                "circulation.staff_pin_missing", card=card.card_number or card.card_key
            )
        elif self.config.circulation.require_pin:
            raise DomainError("circulation.pin_not_set")
        record.standing.check(self._today(now), fines=False)
        with self.store.transaction() as db:
            add_usage(db, now.astimezone(self.rules.zone), "sign_in")
            patron = self._patron(db, record, card.card_number)
        return replace(patron, pin_verified=verified)

    def _check_pin(self, pid: int, pin: str) -> None:
        """Check ``pin`` against the patron's under the card lock's rule
        (:mod:`kiosk.circulation.pin_lock`: the attempt is counted first, in a short
        write transaction, scrypt runs outside it). Raises ``circulation.pin_wrong`` or
        ``.card_locked``."""

        def verify() -> bool:
            with self.store.lock:
                row = self.store.conn.execute(
                    "SELECT pin_hash FROM patrons WHERE id = ?", [pid]
                ).fetchone()
            stored = row["pin_hash"] if row else None
            return stored is not None and self._verify_pin(pin, str(stored))

        self.pin_lock.check(str(pid), verify)

    def _verify_pin(self, pin: str, stored: str) -> bool:
        """The scrypt check itself (blocking, 50-100 ms on a Pi)."""
        return verify_pin(pin, stored)

    # -- PINs -------------------------------------------------------------------
    def set_pin(
        self, patron: str, new_pin: str, old_pin: str | None = None, *, by_staff: bool = False
    ) -> None:
        pid = patron_id(patron)
        if not valid_pin(new_pin):
            raise DomainError("pin.invalid")
        with self.store.lock:
            record = self._patron_row(self.store.conn, pid)
        if record.pin_hash and not by_staff:
            if not old_pin:
                raise DomainError("pin.old_required")
            self._check_pin(pid, old_pin)
        stored = hash_pin(new_pin)  # scrypt outside the write lock
        with self.store.transaction() as db:
            db.execute(
                """UPDATE patrons SET pin_hash = ?, pin_failures = 0, locked_until = NULL
                   WHERE id = ?""",
                [stored, pid],
            )

    def clear_pin(self, patron: str) -> None:
        """Remove the patron's PIN and lift a lock (the desk; a staff card without a
        PIN cannot sign in until one is set again)."""
        pid = patron_id(patron)
        with self.store.transaction() as db:
            self._patron_row(db, pid)
            db.execute(
                """UPDATE patrons SET pin_hash = NULL, pin_failures = 0, locked_until = NULL
                   WHERE id = ?""",
                [pid],
            )

    def patron(self, ref: str) -> Patron:
        """The patron behind a ref, without any check (staff views)."""
        with self.store.lock:
            return self._patron(self.store.conn, self._patron_row(self.store.conn, patron_id(ref)))

    def find_patron(self, text: str) -> Patron:
        """A patron by card number or card key typed by staff, without PIN or status
        checks (staff views such as ``kiosk circ patron``)."""
        with self.store.lock:
            card = find_card(self.store, text=text)
            if card is None:
                raise DomainError("circulation.card_unknown")
            row = self._patron_row(self.store.conn, card.patron_id)
            return self._patron(self.store.conn, row, card.card_number)

    def problems(self, ref: str) -> list[DomainError]:
        """Every block on the patron's account now (empty: in good standing)."""
        now = self.clock()
        found: list[DomainError] = []
        with self.store.lock:
            db = self.store.conn
            record = self._patron_row(db, patron_id(ref))
            if record.locked_until is not None and record.locked_until > now:
                found.append(locked(record.locked_until, now))
            standing = self._standing(db, record, fines=True)
        return found + standing.problems(self._today(now))

    # -- overview and lists -----------------------------------------------------
    def overview(self, patron: str) -> PatronOverview:
        pid = patron_id(patron)
        now = to_db(self.clock())
        with self.store.lock:
            db = self.store.conn
            record = self._patron_row(db, pid)
            person = self._patron(db, record)
            standing = self._standing(db, record, fines=True)
            today = self._today(self.clock())
            counts = db.execute(
                """SELECT count(*) AS loans, coalesce(sum(due_at < ?), 0) AS overdue
                   FROM loans WHERE patron_id = ? AND returned_at IS NULL""",
                [now, pid],
            ).fetchone()
            ready = db.execute(
                """SELECT count(*) AS ready FROM holds WHERE patron_id = ? AND status = 'ready'
                   AND (expires_on IS NULL OR expires_on >= ?)""",
                [pid, today.isoformat()],
            ).fetchone()
            return PatronOverview(
                patron=person,
                loans=int(counts["loans"]),
                overdue=int(counts["overdue"]),
                holds_ready=int(ready["ready"]),
                fines_balance=standing.balance,
                fines_limit=standing.fines_limit,
                fines_block=standing.fines_block,
                card_expired=standing.card_expired(today),
                card_expiring=standing.card_expiring(today),
            )

    def loans(self, patron: str) -> list[Loan]:
        """Open loans, soonest due first, each with why a renewal now would be refused
        (the rules :meth:`renew` applies, read without writing)."""
        pid = patron_id(patron)
        now = self.clock()
        result = []
        with self.store.lock:
            db = self.store.conn
            record = self._patron_row(db, pid)
            blocks = self._standing(db, record, fines=True).problems(self._today(now))
            rows = db.execute(
                """SELECT l.id, l.patron_id, l.due_at, l.renewals, l.checked_out_at, i.barcode
                   FROM loans l JOIN items i ON i.id = l.item_id
                   WHERE l.patron_id = ? AND l.returned_at IS NULL
                   ORDER BY l.due_at, i.title""",
                [pid],
            ).fetchall()
            for row in rows:
                item = self._item_row(db, row["barcode"])
                loan = _Loan.from_row(row)
                policy = self.rules.policy(record.patron_group, item.item_type)
                result.append(
                    Loan(
                        barcode=item.barcode,
                        title=item.title,
                        authors=item.authors,
                        checked_out_at=from_db(row["checked_out_at"]),
                        due_at=loan.due_at,
                        overdue=loan.due_at < now,
                        renewals=loan.renewals,
                        renewals_left=self._renewals_left(policy, loan.renewals),
                        renew_refusal=self._renew_refusal(db, record, item, loan, now, blocks),
                    )
                )
        return result

    def holds(self, patron: str) -> list[Hold]:
        """Ready holds first (with shelf and expiry), then those still waiting. A ready
        hold whose pickup time has passed is no longer listed."""
        pid = patron_id(patron)
        with self.store.lock:
            db = self.store.conn
            self._patron_row(db, pid)
            rows = db.execute(
                """SELECT coalesce(i.title, b.title) AS title, h.status, h.pickup_location,
                          h.shelf_location, h.expires_on, i.barcode
                   FROM holds h
                   LEFT JOIN items i ON i.id = h.item_id
                   LEFT JOIN biblios b ON b.id = h.biblio_id
                   WHERE h.patron_id = ? AND (h.status = 'waiting' OR (h.status = 'ready'
                     AND (h.expires_on IS NULL OR h.expires_on >= ?)))
                   ORDER BY h.status = 'waiting', h.expires_on, h.placed_at""",
                [pid, self._today(self.clock()).isoformat()],
            ).fetchall()
        return [
            Hold(
                title=row["title"] or "",
                status=row["status"],
                pickup_location=row["pickup_location"],
                shelf_location=row["shelf_location"] if row["status"] == "ready" else None,
                expires_on=date.fromisoformat(row["expires_on"]) if row["expires_on"] else None,
                barcode=row["barcode"] if row["status"] == "ready" else None,
            )
            for row in rows
        ]

    def fines(self, patron: str) -> Fines:
        """What is still owed, line by line: payments settle the oldest fines first."""
        pid = patron_id(patron)
        with self.store.lock:
            db = self.store.conn
            self._patron_row(db, pid)
            return self._fines(db, pid)

    def _fines(self, db: Any, pid: int) -> Fines:
        rows = db.execute(
            """SELECT amount, reason, item_barcode, created_at FROM fines
               WHERE patron_id = ? ORDER BY created_at, id""",
            [pid],
        ).fetchall()
        paid = db.execute(
            "SELECT coalesce(sum(amount), 0) AS paid FROM payments WHERE patron_id = ?", [pid]
        ).fetchone()
        lines: list[FineLine] = []
        left = int(paid["paid"])
        for row in rows:
            amount = row["amount"]
            settled = min(left, amount)
            left -= settled
            if amount - settled > 0:
                lines.append(
                    FineLine(
                        amount - settled,
                        row["reason"],
                        row["item_barcode"],
                        from_db(row["created_at"]),
                    )
                )
        balance = sum(line.amount for line in lines) - left
        return Fines(balance=balance, lines=tuple(lines), limit=self.config.circulation.fines_limit)

    def item(self, barcode: str) -> ItemInfo:
        with self.store.lock:
            db = self.store.conn
            item = self._item_row(db, barcode)
            loan = self._open_loan(db, item.id)
        return ItemInfo(
            barcode=item.barcode,
            title=item.title,
            authors=item.authors,
            item_type=item.item_type,
            status=item.status,
            call_number=item.call_number,
            location=item.location,
            due_at=loan.due_at if loan else None,
        )

    # -- checkout ---------------------------------------------------------------
    def checkout(self, patron: str, barcode: str) -> CheckoutResult:
        pid = patron_id(patron)
        try:
            with self.store.transaction() as db:
                now = self.clock()
                result = self._checkout(db, pid, barcode, now)
                self._checkout_written()
                return result
        except sqlite3.IntegrityError as exc:
            # Only reachable when another writer slipped past the checks (it cannot
            # under BEGIN IMMEDIATE); the unique open-loan index still refuses it.
            if "loans" in str(exc):
                raise DomainError("circulation.item_on_loan", barcode=barcode.strip()) from None
            raise

    def _checkout(self, db: Any, pid: int, barcode: str, now: datetime) -> CheckoutResult:
        record = self._patron_row(db, pid)
        self._standing(db, record, fines=True).check(self._today(now))
        item = self._item_row(db, barcode)
        item_id, code, title, item_type = item.id, item.barcode, item.title, item.item_type
        loan = self._open_loan(db, item_id)
        if loan is not None:
            if loan.patron_id == pid:
                raise DomainError("circulation.item_already_yours", title=title)
            raise DomainError("circulation.item_on_loan", title=title)
        if item.status in _UNAVAILABLE:
            raise DomainError(_UNAVAILABLE[item.status], title=title)
        policy = self.rules.policy(record.patron_group, item_type)
        if item.not_for_loan or not policy.loanable:
            raise DomainError("circulation.item_not_for_loan", title=title)
        ready = db.execute(
            "SELECT id, patron_id, expires_on FROM holds WHERE item_id = ? AND status = 'ready'",
            [item_id],
        ).fetchone()
        if ready is not None and ready["patron_id"] != pid:
            if ready["expires_on"] and ready["expires_on"] < self._today(now).isoformat():
                # Not collected in time: the copy is free for the next patron.
                db.execute("UPDATE holds SET status = 'expired' WHERE id = ?", [ready["id"]])
                ready = None
            else:
                raise DomainError("circulation.item_on_hold", title=title)
        if ready is None and self._waiting_for_other(db, item, pid):
            raise DomainError("circulation.item_on_hold", title=title)
        if policy.max_items is not None:
            count = db.execute(
                "SELECT count(*) AS n FROM loans WHERE patron_id = ? AND returned_at IS NULL",
                [pid],
            ).fetchone()["n"]
            if count >= policy.max_items:
                raise DomainError("circulation.loan_limit", limit=policy.max_items)
        if policy.max_items_of_type is not None:
            count = db.execute(
                """SELECT count(*) AS n FROM loans l JOIN items i ON i.id = l.item_id
                   WHERE l.patron_id = ? AND l.returned_at IS NULL AND i.item_type = ?""",
                [pid, item_type],
            ).fetchone()["n"]
            if count >= policy.max_items_of_type:
                raise DomainError(
                    "circulation.loan_limit_type", limit=policy.max_items_of_type, title=title
                )
        due = self.rules.due_at(now, policy.loan_days)
        db.execute(
            """INSERT INTO loans (item_id, patron_id, checked_out_at, due_at, kiosk_id)
               VALUES (?, ?, ?, ?, ?)""",
            [item_id, pid, to_db(now), to_db(due), self.kiosk_id],
        )
        db.execute("UPDATE items SET status = 'on_loan' WHERE id = ?", [item_id])
        # A collected hold forgets its patron, as a returned loan does (privacy by
        # default), unless the patron keeps a reading history.
        keep = record.keeps_history
        if ready is not None:
            db.execute(
                """UPDATE holds SET status = 'collected',
                     patron_id = CASE WHEN ? THEN patron_id END WHERE id = ?""",
                [keep, ready["id"]],
            )
        else:
            # The patron's own waiting hold (on this copy or its title) is filled.
            db.execute(
                """UPDATE holds SET status = 'collected',
                     patron_id = CASE WHEN ? THEN patron_id END WHERE id = (
                     SELECT id FROM holds WHERE patron_id = ? AND status = 'waiting'
                     AND (item_id = ? OR (item_id IS NULL AND biblio_id = ?))
                     ORDER BY placed_at LIMIT 1)""",
                [keep, pid, item_id, item.biblio_id],
            )
        add_usage(db, now.astimezone(self.rules.zone), "checkout")
        return CheckoutResult(barcode=code, title=title, due_at=from_db(to_db(due)))

    # -- return -----------------------------------------------------------------
    def checkin(self, barcode: str) -> ReturnResult:
        """Return an item; works without a signed-in patron."""
        with self.store.transaction() as db:
            now = self.clock()
            item = self._item_row(db, barcode)
            item_id, code, title, item_type = item.id, item.barcode, item.title, item.item_type
            loan = self._open_loan(db, item_id)
            if loan is None:
                raise DomainError("circulation.item_not_on_loan", title=title)
            loan_id, pid, due = loan.id, loan.patron_id, loan.due_at
            fine = 0
            keeps = False
            if pid is not None:
                row = db.execute(
                    "SELECT patron_group, keeps_history FROM patrons WHERE id = ?", [pid]
                ).fetchone()
                keeps = bool(row["keeps_history"])
                policy = self.rules.policy(row["patron_group"], item_type)
                fine = self.rules.fine(policy, due, now)
                if fine > 0:
                    db.execute(
                        """INSERT INTO fines (patron_id, amount, reason, item_barcode, created_at)
                           VALUES (?, ?, 'overdue', ?, ?)""",
                        [pid, fine, code, to_db(now)],
                    )
            # Privacy by default: the returned loan forgets its patron.
            db.execute(
                """UPDATE loans SET returned_at = ?, patron_id = CASE WHEN ? THEN patron_id END
                   WHERE id = ?""",
                [to_db(now), keeps, loan_id],
            )
            shelf = self._fill_hold(db, item, now)
            db.execute(
                "UPDATE items SET status = ? WHERE id = ?",
                ["on_hold_shelf" if shelf else "available", item_id],
            )
            add_usage(db, now.astimezone(self.rules.zone), "return")
            return ReturnResult(
                barcode=code,
                title=title,
                to_hold_shelf=shelf is not None,
                hold_shelf_location=shelf,
                was_overdue=due < now,
                fine=fine,
            )

    def _fill_hold(self, db: Any, item: _Item, now: datetime) -> str | None:
        """The oldest waiting hold this copy can fill becomes ready on the hold shelf;
        returns the shelf location (None: no hold waits for it)."""
        hold = db.execute(
            """SELECT id, shelf_location FROM holds
               WHERE status = 'waiting'
                 AND (item_id = ? OR (item_id IS NULL AND biblio_id = ?))
               ORDER BY placed_at, id LIMIT 1""",
            [item.id, item.biblio_id],
        ).fetchone()
        if hold is None:
            return None
        shelf = hold["shelf_location"] or self.config.circulation.hold_shelf
        db.execute(
            """UPDATE holds SET status = 'ready', item_id = ?, shelf_location = ?, ready_at = ?,
                 expires_on = ? WHERE id = ?""",
            [item.id, shelf, to_db(now), self.rules.hold_expires_on(now).isoformat(), hold["id"]],
        )
        return str(shelf)

    # -- renew ------------------------------------------------------------------
    def renew(self, patron: str, barcode: str) -> RenewResult:
        """Refusals of the renewal itself come back as ``ok`` False with a key; an
        unknown item or one not on loan to this patron raises."""
        pid = patron_id(patron)
        with self.store.transaction() as db:
            now = self.clock()
            record = self._patron_row(db, pid)
            item = self._item_row(db, barcode)
            loan = self._open_loan(db, item.id)
            if loan is None or loan.patron_id != pid:
                raise DomainError("circulation.not_your_loan", title=item.title)
            result = self._renew(db, record, item, loan, now)
            if result.ok:
                add_usage(db, now.astimezone(self.rules.zone), "renew")
            return result

    def renew_all(self, patron: str) -> list[RenewResult]:
        pid = patron_id(patron)
        results: list[RenewResult] = []
        with self.store.transaction() as db:
            now = self.clock()
            record = self._patron_row(db, pid)
            loans = db.execute(
                """SELECT l.id, l.patron_id, l.due_at, l.renewals, i.barcode
                   FROM loans l JOIN items i ON i.id = l.item_id
                   WHERE l.patron_id = ? AND l.returned_at IS NULL ORDER BY l.due_at""",
                [pid],
            ).fetchall()
            for row in loans:
                item = self._item_row(db, row["barcode"])
                result = self._renew(db, record, item, _Loan.from_row(row), now)
                if result.ok:
                    add_usage(db, now.astimezone(self.rules.zone), "renew")
                results.append(result)
        return results

    def _renew(
        self, db: Any, record: PatronRecord, item: _Item, loan: _Loan, now: datetime
    ) -> RenewResult:
        code, title = item.barcode, item.title

        def refused(key: str) -> RenewResult:
            return RenewResult(barcode=code, title=title, ok=False, due_at=due, refusal=key)

        due = loan.due_at
        blocks = self._standing(db, record, fines=True).problems(self._today(now))
        refusal = self._renew_refusal(db, record, item, loan, now, blocks)
        if refusal is not None:
            return refused(refusal)
        policy = self.rules.policy(record.patron_group, item.item_type)
        new_due = self.rules.due_at(now, policy.loan_days)
        db.execute(
            "UPDATE loans SET due_at = ?, renewals = renewals + 1 WHERE id = ?",
            [to_db(new_due), loan.id],
        )
        return RenewResult(barcode=code, title=title, ok=True, due_at=from_db(to_db(new_due)))

    def _renew_refusal(
        self,
        db: Any,
        record: PatronRecord,
        item: _Item,
        loan: _Loan,
        now: datetime,
        blocks: list[DomainError],
    ) -> str | None:
        """Why renewing ``loan`` now is refused (a ``circulation.renew_*`` key), None
        when it may be renewed; ``blocks``: the account's problems now. The one home of
        the renewal rules: :meth:`_renew` applies them, :meth:`loans` tells them early."""
        if blocks:
            # A result carries a key without parameters: each block has its own.
            return _RENEW_BLOCKS[blocks[0].key]
        policy = self.rules.policy(record.patron_group, item.item_type)
        if loan.renewals >= policy.max_renewals:
            return "circulation.renew_limit"
        if self._waiting_for_other(db, item, record.id):
            return "circulation.renew_on_hold"
        if loan.due_at < now and not self.config.circulation.renew_overdue:
            return "circulation.renew_overdue"
        if self.rules.due_at(now, policy.loan_days) <= loan.due_at:
            return "circulation.renew_too_soon"
        return None

    # -- payments ---------------------------------------------------------------
    def pay(self, patron: str, amount: int, taken_by: str | None = None) -> Fines:
        """Record a payment taken at the desk: whole rupiah, at most what is owed."""
        pid = patron_id(patron)
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise DomainError("circulation.amount_invalid")
        with self.store.transaction() as db:
            now = self.clock()
            self._patron_row(db, pid)
            owed = balance(db, pid)
            if amount > owed:
                raise DomainError("circulation.pay_too_much", balance=Rupiah(max(owed, 0)))
            db.execute(
                "INSERT INTO payments (patron_id, amount, paid_at, taken_by) VALUES (?, ?, ?, ?)",
                [pid, amount, to_db(now), taken_by],
            )
            add_usage(db, now.astimezone(self.rules.zone), "payment")
            return self._fines(db, pid)


class PatronCounts:
    """The card lock's counts (:class:`~kiosk.circulation.pin_lock.Counts`) in the
    patron's row (``pin_failures``, ``locked_until``), keyed by the patron id: shared by
    every process on the database and kept across restarts."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, key: str, now: datetime, max_tries: int, lock_until: datetime) -> int:
        with self.store.transaction() as db:
            row = db.execute(
                "SELECT pin_failures, locked_until FROM patrons WHERE id = ?", [int(key)]
            ).fetchone()
            if row is None:
                raise DomainError("circulation.patron_unknown")
            failures, until = row["pin_failures"], row["locked_until"]
            if until is not None:
                if from_db(until) > now:
                    raise locked(from_db(until), now)
                failures = 0  # the lock has run its time: a fresh series of tries
            failures += 1
            db.execute(
                "UPDATE patrons SET pin_failures = ?, locked_until = ? WHERE id = ?",
                [failures, to_db(lock_until) if failures >= max_tries else None, int(key)],
            )
        return int(failures)

    def clear(self, key: str) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE patrons SET pin_failures = 0, locked_until = NULL WHERE id = ?", [int(key)]
            )

    def locked_until(self, key: str) -> datetime | None:
        with self.store.lock:
            row = self.store.conn.execute(
                "SELECT locked_until FROM patrons WHERE id = ?", [int(key)]
            ).fetchone()
        return from_db(row["locked_until"]) if row and row["locked_until"] else None
