"""Staff alerts: what staff must know about, kept until they have dealt with it.

Sources:

- the equipment controller's :class:`~kiosk.domain.events.EquipmentFault` (a plug that
  did not confirm a command, went offline, a refused command, the broker's restart
  notice and its loss: resource ``""``, the whole kiosk),
- a device reporting a fault (:class:`~kiosk.domain.events.DeviceStatus` not ok: a
  card reader unplugged, the receipt printer out of paper), closed by itself when the
  device reports it is well again,
- offline checkouts and returns the ILS refused on replay (the SIP2 outbox's refused
  entries: read from the outbox, their one owner, and closed by resolving them there).

Why the kiosk's database and not memory: ``kiosk doctor`` runs in another process and
must see the open alerts; a fault at night must still be there after a restart in the
morning; and every kiosk (and later the hub) sharing the database sees the same list.

:class:`AlertRecorder` is the bus subscriber (started with the kiosk; its handlers run
on the publisher's thread and write one short transaction). :class:`LocalStaffAlerts`
is the :class:`StaffAlerts` service the staff screen and doctor read. Plain frozen data
in and out.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from kiosk.bus import EventBus
from kiosk.domain.errors import DomainError, KioskError
from kiosk.domain.events import DeviceStatus, EquipmentFault, EquipmentState
from kiosk.outbox import Outbox, outbox_targets
from kiosk.store import Store
from kiosk.timeutil import Clock, from_db, to_db, utcnow

log = logging.getLogger(__name__)

#: Where an alert came from (:attr:`StaffAlert.source`).
EQUIPMENT, DEVICE, ILS_REPLAY = "equipment", "device", "ils_replay"
#: Equipment faults a plug heard online again puts right by itself.
_CLEARED_WHEN_ONLINE = frozenset(
    {"equipment.offline", "equipment.not_answered", "equipment.no_echo", "equipment.broker_lost"}
)
#: Alerts about the whole kiosk (no resource) the broker's return puts right.
_CLEARED_BY_BROKER = frozenset({"equipment.broker_lost"})


@dataclass(frozen=True)
class StaffAlert:
    """One thing staff must know about. ``id`` is opaque (``"equipment:12"``,
    ``"ils_replay:5"``); ``resource`` the resource id or device name it concerns ("":
    the kiosk as a whole); ``key`` a message key the staff screen translates with
    ``resource`` and ``params``; ``raised_at`` when it first happened, ``last_at`` the
    latest of its ``repeats`` (aware UTC)."""

    id: str
    source: str
    resource: str
    key: str
    raised_at: datetime
    last_at: datetime
    repeats: int = 1
    params: dict[str, str] = field(default_factory=dict)


class StaffAlerts(Protocol):
    """Reading and closing staff alerts. Blocking on the database only (milliseconds);
    any thread."""

    def open_alerts(self) -> list[StaffAlert]:
        """Every alert staff have not dealt with, newest first."""
        ...

    def close(self, alert_id: str, staff: str | None = None) -> None:
        """Staff dealt with it (``staff``: their patron ref). Raises DomainError
        ``alerts.not_found`` for an alert that is not open."""
        ...


class LocalStaffAlerts:
    """:class:`StaffAlerts` on the kiosk's database (``staff_alerts`` and the outbox)."""

    def __init__(self, store: Store, clock: Clock = utcnow) -> None:
        self.store = store
        self.clock = clock

    def open_alerts(self) -> list[StaffAlert]:
        with self.store.lock:
            rows = self.store.conn.execute(
                """SELECT id, source, resource, key, raised_at, last_at, repeats
                   FROM staff_alerts WHERE closed_at IS NULL"""
            ).fetchall()
        found = [
            StaffAlert(
                id=f"{row['source']}:{row['id']}",
                source=row["source"],
                resource=row["resource"],
                key=row["key"],
                raised_at=from_db(row["raised_at"]),
                last_at=from_db(row["last_at"]),
                repeats=int(row["repeats"]),
            )
            for row in rows
        ]
        found += self._replay_refusals()
        return sorted(found, key=lambda a: (a.last_at, a.id), reverse=True)

    def _replay_refusals(self) -> list[StaffAlert]:
        found = []
        for target in outbox_targets(self.store):
            for entry in Outbox(self.store, target, self.clock).refusals():
                at = entry.refused_at or entry.created_at
                found.append(
                    StaffAlert(
                        id=f"{ILS_REPLAY}:{entry.id}",
                        source=ILS_REPLAY,
                        resource="",
                        key=f"alerts.ils_refused_{entry.kind}",
                        raised_at=at,
                        last_at=at,
                        params={
                            "barcode": str(entry.payload.get("barcode", "")),
                            "reason": entry.reason or "",
                        },
                    )
                )
        return found

    def close(self, alert_id: str, staff: str | None = None) -> None:
        source, _, number = alert_id.partition(":")
        if not number.isdigit():
            raise DomainError("alerts.not_found", alert=alert_id)
        if source == ILS_REPLAY:
            target = self._target_of(int(number))
            try:
                Outbox(self.store, target, self.clock).resolve(int(number))
            except KioskError:
                raise DomainError("alerts.not_found", alert=alert_id) from None
            return
        with self.store.transaction() as db:
            changed = db.execute(
                """UPDATE staff_alerts SET closed_at = ?, closed_by = ?
                   WHERE id = ? AND source = ? AND closed_at IS NULL""",
                [to_db(self.clock()), staff, int(number), source],
            ).rowcount
        if not changed:
            raise DomainError("alerts.not_found", alert=alert_id)

    def _target_of(self, entry_id: int) -> str:
        with self.store.lock:
            row = self.store.conn.execute(
                "SELECT target FROM outbox WHERE id = ?", [entry_id]
            ).fetchone()
        return str(row["target"]) if row is not None else ""


class AlertRecorder:
    """Subscribes to the bus and records alerts in ``staff_alerts`` (one open alert per
    resource and key: a repeat counts on it). A device or plug heard well again closes
    its open alerts by itself; staff close the rest."""

    def __init__(self, store: Store, bus: EventBus, kiosk_id: str, clock: Clock = utcnow) -> None:
        self.store = store
        self.bus = bus
        self.kiosk_id = kiosk_id
        self.clock = clock
        self._unsubscribes: list[Callable[[], None]] = []
        #: (source, resource) pairs with an open alert: only those are closed on good
        #: news, so the frequent state reports cost no write.
        self._open: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        """Subscribe (returns at once)."""
        if self._unsubscribes:
            return
        with self.store.lock:
            rows = self.store.conn.execute(
                "SELECT DISTINCT source, resource FROM staff_alerts WHERE closed_at IS NULL"
            ).fetchall()
        with self._lock:
            self._open = {(row["source"], row["resource"]) for row in rows}
        self._unsubscribes = [
            self.bus.subscribe(EquipmentFault, self._on_fault),
            self.bus.subscribe(EquipmentState, self._on_state),
            self.bus.subscribe(DeviceStatus, self._on_device),
        ]

    def stop(self) -> None:
        while self._unsubscribes:
            self._unsubscribes.pop()()

    # -- handlers (the publisher's thread) --------------------------------------------
    def _on_fault(self, event: EquipmentFault) -> None:
        if event.key == "equipment.broker_restarted":
            self._close(EQUIPMENT, "", _CLEARED_BY_BROKER)
        self._raise(EQUIPMENT, event.resource, event.key, event.at)

    def _on_state(self, event: EquipmentState) -> None:
        if event.online and (EQUIPMENT, event.resource) in self._open:
            self._close(EQUIPMENT, event.resource, _CLEARED_WHEN_ONLINE)

    def _on_device(self, event: DeviceStatus) -> None:
        if event.kind == "switch":
            return  # plugs: the equipment controller's faults say it once, better
        if not event.ok:
            self._raise(DEVICE, event.device, event.detail or "alerts.device_fault", event.at)
        elif (DEVICE, event.device) in self._open:
            self._close(DEVICE, event.device, None)

    # -- writing ----------------------------------------------------------------------
    def _raise(self, source: str, resource: str, key: str, at: datetime) -> None:
        when = to_db(at)
        try:
            with self.store.transaction() as db:
                changed = db.execute(
                    """UPDATE staff_alerts SET last_at = ?, repeats = repeats + 1
                       WHERE source = ? AND resource = ? AND key = ? AND closed_at IS NULL""",
                    [when, source, resource, key],
                ).rowcount
                if not changed:
                    db.execute(
                        """INSERT INTO staff_alerts (source, resource, key, raised_at, last_at,
                             kiosk_id) VALUES (?, ?, ?, ?, ?, ?)""",
                        [source, resource, key, when, when, self.kiosk_id],
                    )
        except (sqlite3.Error, KioskError):
            # The alert is in the log at least; a full disk must not stop the publisher.
            log.exception("staff alert %s %s not recorded", resource, key)
            return
        with self._lock:
            self._open.add((source, resource))

    def _close(self, source: str, resource: str, keys: frozenset[str] | None) -> None:
        marks = ""
        params: list[object] = [to_db(self.clock()), source, resource]
        if keys is not None:
            marks = f" AND key IN ({','.join('?' * len(keys))})"
            params += sorted(keys)
        try:
            with self.store.transaction() as db:
                db.execute(
                    f"""UPDATE staff_alerts SET closed_at = ?, closed_by = 'kiosk'
                        WHERE source = ? AND resource = ? AND closed_at IS NULL{marks}""",
                    params,
                )
                still = db.execute(
                    """SELECT 1 FROM staff_alerts WHERE source = ? AND resource = ?
                       AND closed_at IS NULL LIMIT 1""",
                    [source, resource],
                ).fetchone()
        except (sqlite3.Error, KioskError):
            log.exception("staff alerts of %s not closed", resource)
            return
        if still is None:
            with self._lock:
                self._open.discard((source, resource))
