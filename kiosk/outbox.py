"""The outbox: what the kiosk did while its backend was unreachable, to be sent later.

One outbox for every networked backend (SIP2 now, the hub client later): entries name
their ``target``. An entry is written durably (``synchronous=FULL``) before the patron
is told anything, and replayed strictly in the order it was written:

``pending`` -> ``sending`` -> ``sent`` | ``refused`` (-> ``resolved`` by staff)

``sending`` is written before the entry goes out, so an entry found in that state
(the kiosk died, or the connection broke after sending) is *in doubt*: it may have
arrived. The deliverer is told so and checks first, so that nothing arrives twice. A
refusal keeps the backend's reason for staff (:meth:`Outbox.refusals`).

One process replays a given database at a time (the kiosk itself). Safe to share
between threads.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.domain.errors import KioskError
from kiosk.store import Store
from kiosk.timeutil import Clock, from_db, to_db, utcnow

OPEN_STATES = ("pending", "sending")


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    target: str
    #: What was done: ``checkout``, ``checkin`` (the deliverer's vocabulary).
    kind: str
    payload: Mapping[str, Any]
    created_at: datetime
    state: str
    attempts: int
    #: Why the last attempt did not get through (unreachable, ...), for staff.
    last_error: str | None = None
    #: The backend's reason for a refusal, as it wrote it.
    reason: str | None = None
    sent_at: datetime | None = None
    refused_at: datetime | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None

    @property
    def in_doubt(self) -> bool:
        """A previous attempt may have reached the backend (it was being sent)."""
        return self.state == "sending"

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json`` and the staff screen (times as ISO text)."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            out[name] = value.isoformat() if isinstance(value, datetime) else value
        out["payload"] = dict(self.payload)
        return out


@dataclass(frozen=True)
class ReplayReport:
    sent: int = 0
    refused: int = 0
    #: Entries still open after the replay stopped (0: the outbox is empty).
    left: int = 0
    #: Why the replay stopped early (the backend's error), None when it went through.
    stopped: str | None = None


#: A deliverer sends one entry: returns None when it arrived, the backend's reason when
#: it was refused, or raises (a KioskError: unreachable) to stop the replay.
Deliver = Callable[[OutboxEntry], str | None]

_COLUMNS = """id, target, kind, payload, created_at, state, attempts, last_error, reason,
              sent_at, refused_at, resolved_at, resolved_by"""


class Outbox:
    def __init__(self, store: Store, target: str, clock: Clock = utcnow) -> None:
        self.store = store
        self.target = target
        self.clock = clock
        self._replaying = threading.Lock()

    # -- writing ---------------------------------------------------------------------
    def add(self, kind: str, payload: Mapping[str, Any], *, in_doubt: bool = False) -> OutboxEntry:
        """Write an entry durably (fsync'd before this returns). ``in_doubt``: it was
        sent once already and may have arrived (the deliverer will check first)."""
        state = "sending" if in_doubt else "pending"
        text = json.dumps(dict(payload), sort_keys=True)
        with self.store.lock:
            conn = self.store.conn
            # Durable against a power cut too, not only a crash: WAL + FULL syncs the
            # log at commit. Only for these writes (the rest of the kiosk keeps NORMAL).
            conn.execute("PRAGMA synchronous=FULL")
            try:
                with self.store.transaction() as db:
                    cursor = db.execute(
                        """INSERT INTO outbox (target, kind, payload, created_at, state, attempts)
                           VALUES (?, ?, ?, ?, ?, ?)""",
                        [self.target, kind, text, to_db(self.clock()), state, int(in_doubt)],
                    )
                    entry_id = int(cursor.lastrowid or 0)
            finally:
                conn.execute("PRAGMA synchronous=NORMAL")
            return self._get(entry_id)

    def resolve(self, entry_id: int, by: str | None = None) -> OutboxEntry:
        """Staff dealt with a refused entry: it leaves the refusals list (kept as
        ``resolved``). Raises KioskError ``outbox.not_refused`` for another entry."""
        with self.store.transaction() as db:
            changed = db.execute(
                """UPDATE outbox SET state = 'resolved', resolved_at = ?, resolved_by = ?
                   WHERE id = ? AND target = ? AND state = 'refused'""",
                [to_db(self.clock()), by, entry_id, self.target],
            ).rowcount
        if not changed:
            raise KioskError("outbox.not_refused", entry=entry_id)
        return self._get(entry_id)

    # -- reading ---------------------------------------------------------------------
    def open_entries(self) -> list[OutboxEntry]:
        """Entries still to send (pending or in doubt), oldest first."""
        return self._select("state IN ('pending', 'sending')")

    def has_open(self) -> bool:
        with self.store.lock:
            row = self.store.conn.execute(
                "SELECT 1 FROM outbox WHERE target = ? AND state IN ('pending', 'sending') LIMIT 1",
                [self.target],
            ).fetchone()
        return row is not None

    def refusals(self) -> list[OutboxEntry]:
        """Refused entries staff have not resolved yet, oldest first (plain data)."""
        return self._select("state = 'refused'")

    def entries(self) -> list[OutboxEntry]:
        """Every entry of this target, oldest first."""
        return self._select("1")

    # -- replay ----------------------------------------------------------------------
    def replay(self, deliver: Deliver) -> ReplayReport:
        """Send the open entries in order until one cannot get through. A refusal is
        recorded and the replay goes on; an error stops it (the entry stays open, in
        doubt when it may have arrived: the error's ``maybe_done``). A second caller
        waits for a replay in progress and then finds what is left."""
        sent = refused = 0
        with self._replaying:
            for entry in self.open_entries():
                self._mark(entry.id, "UPDATE outbox SET state = 'sending', attempts = attempts + 1")
                try:
                    reason = deliver(entry)
                except KioskError as exc:
                    maybe = bool(getattr(exc, "maybe_done", False)) or entry.in_doubt
                    self._mark(
                        entry.id,
                        "UPDATE outbox SET state = ?, last_error = ?",
                        ["sending" if maybe else "pending", str(exc)],
                    )
                    return ReplayReport(sent, refused, len(self.open_entries()), str(exc))
                now = to_db(self.clock())
                if reason is None:
                    self._mark(entry.id, "UPDATE outbox SET state = 'sent', sent_at = ?", [now])
                    sent += 1
                else:
                    self._mark(
                        entry.id,
                        "UPDATE outbox SET state = 'refused', reason = ?, refused_at = ?",
                        [reason, now],
                    )
                    refused += 1
        return ReplayReport(sent, refused, len(self.open_entries()))

    # -- helpers ---------------------------------------------------------------------
    def _mark(self, entry_id: int, update: str, params: list[Any] | None = None) -> None:
        with self.store.transaction() as db:
            db.execute(f"{update} WHERE id = ?", [*(params or []), entry_id])

    def _get(self, entry_id: int) -> OutboxEntry:
        return self._select("id = ?", [entry_id])[0]

    def _select(self, where: str, params: list[Any] | None = None) -> list[OutboxEntry]:
        with self.store.lock:
            cursor = self.store.conn.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE target = ? AND {where} ORDER BY id",
                [self.target, *(params or [])],
            )
            rows = [dict(row) for row in cursor.fetchall()]
        return [_entry(row) for row in rows]


def outbox_targets(store: Store) -> list[str]:
    """The targets with entries in this database, in the order they first wrote one
    (staff list every target's refusals: a kiosk may have changed backend since)."""
    with store.lock:
        rows = store.conn.execute(
            "SELECT target FROM outbox GROUP BY target ORDER BY min(id)"
        ).fetchall()
    return [str(row["target"]) for row in rows]


def _entry(row: dict[str, Any]) -> OutboxEntry:
    def when(name: str) -> datetime | None:
        return from_db(row[name]) if row[name] else None

    return OutboxEntry(
        id=row["id"],
        target=row["target"],
        kind=row["kind"],
        payload=json.loads(row["payload"]),
        created_at=from_db(row["created_at"]),
        state=row["state"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        reason=row["reason"],
        sent_at=when("sent_at"),
        refused_at=when("refused_at"),
        resolved_at=when("resolved_at"),
        resolved_by=row["resolved_by"],
    )
