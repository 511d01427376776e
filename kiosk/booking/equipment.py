"""Equipment control: the one owner of equipment state, and the power of each resource
kept as its bookings say, without ever losing a booking because a plug misbehaves.

The record (:class:`~kiosk.booking.equipment_api.EquipmentStatus` per resource) is
built from what the switch adapters hear (:class:`~kiosk.domain.events.EquipmentState`)
and from the answers to the commands and questions sent through this controller; every
change is announced as :class:`~kiosk.domain.events.EquipmentChanged`. Everything that
shows equipment reads it here (:class:`~kiosk.booking.equipment_api.EquipmentStates`).

Power follows the database: a resource should be on while one of its bookings is
``active`` or ``ending``, off otherwise, unless staff switched it otherwise
(:mod:`kiosk.booking.override`): that holds until staff switch it back or the next
booking boundary, and survives a restart. Booking events only say *when* to look; each
job re-reads the database, so a duplicate or late event cannot switch the wrong way.
A command that is not confirmed is retried with backoff, then an
:class:`~kiosk.domain.events.EquipmentFault` tells staff.

3D printers (:mod:`kiosk.booking.printer_power`): a printer that is printing, paused,
hotter than ``[printing] cooldown_c``, running a job started outside the kiosk, or
unreachable while last seen busy (or with a job of this kiosk whose end was not seen)
is never cut; its heaters are turned off and it is looked at again every
``busy_recheck_s`` until it may lose power. When a job ends (done, failed, cancelled)
its heaters are turned off at once; after a printer's plug is switched on its host is
asked to connect to it (and again at each reconcile while it stays disconnected).

Staff notices: a plug whose Last Will says offline is reported after
``offline_grace_s`` (a blip is not worth a notice). A broker restart makes Mosquitto
publish every Last Will at once; offline reports around a lost broker connection are
folded into one ``equipment.broker_restarted`` notice when it is back (resource ""),
and only the plugs still not back ``broker_settle_s`` later are reported one by one.

Without a store (:meth:`watch` only) the controller keeps the record but never
switches by itself: the CLI and ``kiosk doctor`` use it so.

Threads: bus handlers only record and enqueue (they run on the publisher's thread);
one job per resource at a time runs on a small worker pool; :meth:`start` also runs a
periodic reconcile thread; notices run on timer threads.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from kiosk.booking.equipment_api import (
    NO_SWITCH,
    OFFLINE,
    ONLINE,
    UNKNOWN,
    EquipmentStatus,
    SwitchOutcome,
)
from kiosk.booking.override import Power, power, set_override
from kiosk.booking.printer_power import OpenJobs, PrinterPower, PrinterVerdict
from kiosk.bus import EventBus, Unsubscribe
from kiosk.domain.errors import DomainError
from kiosk.domain.events import (
    BookingCancelled,
    BookingEnded,
    BookingEvent,
    BookingExtended,
    BookingNoShow,
    BookingStarted,
    DeviceStatus,
    EquipmentChanged,
    EquipmentFault,
    EquipmentState,
    PrintEnded,
    PrintProgress,
)
from kiosk.ports import DEFAULT_COOLDOWN_C, EquipmentSwitch, PrinterHost, SwitchReply
from kiosk.store import Store
from kiosk.timeutil import Clock, utcnow

log = logging.getLogger(__name__)

#: How soon a resource kept on because its printer was busy is looked at again (s).
BUSY_RECHECK_S = 10.0
#: A plug offline for this long is reported (s).
OFFLINE_GRACE_S = 3.0
#: After the broker is back, plugs not back within this long are reported (s).
BROKER_SETTLE_S = 30.0

NO_ECHO = "equipment.no_echo"
#: Staff notice: a printer's host stopped answering while it was busy; kept on.
KEPT_ON_UNREACHABLE = "printing.kept_on_unreachable"
BROKER_LOST = "equipment.broker_lost"
BROKER_RESTARTED = "equipment.broker_restarted"
#: Problems no retry can fix now (the plug says offline, no broker, no such relay).
_HOPELESS = frozenset({"equipment.offline", BROKER_LOST, "equipment.no_channel"})


@dataclass
class _Record:
    """The mutable record behind one :class:`EquipmentStatus` (under the lock)."""

    status: EquipmentStatus
    #: monotonic time since which it is offline (None: not offline).
    offline_since: float | None = None


class EquipmentController:
    """Owns the equipment state and keeps every switch in line with the bookings.

    ``resources``: every configured resource id in config order (those without a plug
    too); default: the switches'. ``timeout`` seconds per attempt; ``attempts`` tries
    with ``backoff`` seconds before the second, doubling after; a full reconcile every
    ``reconcile_seconds``. ``cooldown_c``: a printer's hotend must be at or below this
    before its power is cut; a busy printer is looked at again every ``busy_recheck_s``
    (at most ``reconcile_seconds``). ``jobs``: the print job records (set with the store).
    ``clock``: the kiosk's now, for the staff overrides' boundaries (set with the store).
    """

    def __init__(
        self,
        store: Store | None,
        bus: EventBus,
        switches: dict[str, EquipmentSwitch],
        printers: dict[str, PrinterHost] | None = None,
        *,
        resources: Iterable[str] | None = None,
        timeout: float = 2.0,
        attempts: int = 3,
        backoff: float = 0.5,
        reconcile_seconds: float = 60.0,
        offline_grace_s: float = OFFLINE_GRACE_S,
        broker_settle_s: float = BROKER_SETTLE_S,
        sleep: Callable[[float], None] = time.sleep,
        cooldown_c: float = DEFAULT_COOLDOWN_C,
        busy_recheck_s: float = BUSY_RECHECK_S,
        jobs: OpenJobs | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.store = store
        self.clock = clock
        self.bus = bus
        self.switches = switches
        self.printers = printers or {}
        self.printer_power = PrinterPower(self.printers, cooldown_c, jobs)
        self.busy_recheck_s = busy_recheck_s
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self.reconcile_seconds = reconcile_seconds
        self.offline_grace_s = offline_grace_s
        self.broker_settle_s = broker_settle_s
        self._sleep = sleep
        self._lock = threading.Lock()
        ids = list(resources) if resources is not None else []
        ids += [r for r in (*switches, *self.printers) if r not in ids]
        self._records: dict[str, _Record] = {
            rid: _Record(
                EquipmentStatus(
                    rid,
                    getattr(switches[rid], "name", "switch") if rid in switches else "",
                    UNKNOWN if rid in switches else NO_SWITCH,
                )
            )
            for rid in ids
        }
        self._running: set[str] = set()
        #: Resource -> whether the job queued behind the running one must command.
        self._dirty: dict[str, bool] = {}
        #: Resource -> monotonic time before which state reports do not trigger retries
        #: (a plug that ignores OFF would otherwise be commanded in a loop).
        self._quiet_until: dict[str, float] = {}
        #: Resource -> (state, epoch seconds) of the last confirmed command.
        self._confirmed: dict[str, tuple[bool, float]] = {}
        #: When (monotonic) the broker connection was last lost, and whether it still is.
        self._broker_lost_at: float | None = None
        self._broker_down = False
        self._timers: set[threading.Timer] = set()
        self._pool: ThreadPoolExecutor | None = None
        self._watching: list[Unsubscribe] = []
        self._unsubscribes: list[Unsubscribe] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.kept_on_busy: set[str] = set()
        #: Resource -> what its power should be, as last decided (bookings and override).
        self._power: dict[str, Power] = {}
        #: Printers running a job started outside the kiosk ("in use, not booked here").
        self.foreign_jobs: set[str] = set()
        #: Printers kept on while their host does not answer (staff told once).
        self._kept_unreachable: set[str] = set()
        #: Each printer's last state from its progress events (a change looks again).
        self._printer_states: dict[str, str] = {}

    # -- lifecycle ----------------------------------------------------------------------
    def watch(self) -> None:
        """Keep the record from what the adapters hear (subscribe before they start,
        so that the retained Last Wills are not missed). Returns at once."""
        if self._watching:
            return
        self._stop.clear()  # (again, after a stop: its notices are timed from now on)
        self._watching = [
            self.bus.subscribe(EquipmentState, self._on_state),
            self.bus.subscribe(DeviceStatus, self._on_device_status),
        ]

    def start(self) -> None:
        """Watch, follow the bookings, reconcile everything once and then periodically
        (needs a store). Returns at once."""
        if self.store is None:
            raise RuntimeError("an equipment controller without a store only watches")
        self.watch()
        for event_type in (
            BookingStarted,
            BookingEnded,
            BookingCancelled,
            BookingNoShow,
            BookingExtended,
        ):
            self._unsubscribes.append(self.bus.subscribe(event_type, self._on_booking))
        if self.printers:
            self._unsubscribes += [
                self.bus.subscribe(PrintEnded, self._on_print_ended),
                self.bus.subscribe(PrintProgress, self._on_print_progress),
            ]
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="equipment")
        self._stop.clear()
        self._thread = threading.Thread(target=self._periodic, name="reconcile", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Unsubscribe and wait (bounded by the command timeouts) for running jobs."""
        for unsubscribe in self._unsubscribes + self._watching:
            unsubscribe()
        self._unsubscribes.clear()
        self._watching.clear()
        self._stop.set()
        with self._lock:
            timers, self._timers = self._timers, set()
        for timer in timers:
            timer.cancel()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _periodic(self) -> None:
        while not self._stop.is_set():
            self.reconcile_all(force=False)
            wait = self.busy_recheck_s if self.kept_on_busy else self.reconcile_seconds
            self._stop.wait(min(wait, self.reconcile_seconds))

    # -- reading (EquipmentStates) ----------------------------------------------------------
    def equipment_state(self, resource_id: str) -> EquipmentStatus:
        with self._lock:
            record = self._records.get(resource_id)
            if record is None:
                raise DomainError("booking.unknown_resource", resource=resource_id)
            decided = self._power.get(resource_id)
            override = decided.override if decided is not None else None
            return replace(
                record.status,
                printer_busy=resource_id in self.kept_on_busy,
                printer_foreign=resource_id in self.foreign_jobs,
                bookings_on=decided.bookings if decided is not None else None,
                override_on=override.on if override is not None else None,
                override_until=override.until if override is not None else None,
            )

    def all_states(self) -> tuple[EquipmentStatus, ...]:
        with self._lock:
            ids = list(self._records)
        return tuple(self.equipment_state(rid) for rid in ids)

    # -- staff commands (EquipmentControl) ------------------------------------------------
    def switch(self, resource_id: str, on: bool, timeout: float | None = None) -> SwitchOutcome:
        """Staff's command. With a store it is an override that the reconcile keeps
        until staff switch back or the next booking boundary (recorded before the
        command, so that no reconcile in between switches it back)."""
        switch = self._switch_of(resource_id)
        if self.store is not None:
            decided = set_override(self.store, resource_id, on, self.clock())
            self._remember(resource_id, decided)
            until = decided.override.until if decided.override is not None else None
            if until is not None:
                # At the boundary the bookings rule again, booking event or not.
                wait = (until - self.clock()).total_seconds() + 1.0
                self._later(max(wait, 0.0), lambda: self.submit(resource_id, force=False))
        reply = switch.set(on, timeout or self.timeout)
        self._record_reply(resource_id, reply, want=on)
        # A job that decided before the override may have sent the other command.
        self.submit(resource_id, force=False)
        rtt = reply.round_trip_s * 1000 if reply.round_trip_s is not None else None
        return SwitchOutcome(resource_id, on, reply.on, rtt, reply.device, reply.problem)

    def probe(self, resource_id: str, timeout: float | None = None) -> EquipmentStatus:
        self._ask(resource_id, timeout)
        return self.equipment_state(resource_id)

    def _switch_of(self, resource_id: str) -> EquipmentSwitch:
        if resource_id not in self._records:
            raise DomainError("booking.unknown_resource", resource=resource_id)
        switch = self.switches.get(resource_id)
        if switch is None:
            raise DomainError("equipment.no_switch", resource=resource_id)
        return switch

    def _ask(self, resource_id: str, timeout: float | None = None) -> SwitchReply:
        reply = self._switch_of(resource_id).ask(timeout or self.timeout)
        self._record_reply(resource_id, reply, want=None)
        return reply

    # -- the record -----------------------------------------------------------------------
    def _update(self, resource_id: str, **changes: object) -> EquipmentStatus | None:
        """Change the record; announce it when something shown changed. Returns the
        status before (None: not a resource of ours)."""
        since = time.monotonic()
        with self._lock:
            record = self._records.get(resource_id)
            if record is None:
                return None
            before = record.status
            record.status = replace(before, **changes)  # type: ignore[arg-type]
            after = record.status
            went_offline = after.liveness == OFFLINE and before.liveness != OFFLINE
            if went_offline:
                record.offline_since = since
            elif after.liveness != OFFLINE:
                record.offline_since = None
        if went_offline:
            self._later(self.offline_grace_s, lambda: self._offline_due(resource_id, since))
        shown = ("liveness", "on", "problem", "fault", "heard_from")
        if any(getattr(before, f) != getattr(after, f) for f in shown):
            self.bus.publish(EquipmentChanged(resource=resource_id))
        return before

    def _problem(self, resource_id: str) -> str:
        with self._lock:
            record = self._records.get(resource_id)
            return record.status.problem if record is not None else ""

    def _record_reply(self, resource_id: str, reply: SwitchReply, want: bool | None) -> None:
        """What an answer (or its absence) tells about the plug."""
        changes: dict[str, object] = {}
        if reply.round_trip_s is not None:
            changes["round_trip_ms"] = reply.round_trip_s * 1000
        if reply.on is not None:
            changes.update(liveness=ONLINE, on=reply.on, problem="")
        elif reply.problem in (NO_ECHO, BROKER_LOST):
            # "No answer to GetStatus" is not online, whatever its Last Will said.
            changes.update(liveness=UNKNOWN, on=None, problem=reply.problem)
        elif reply.problem == "equipment.offline":
            # Refused at once because its Last Will says so (the event saying the same
            # may still be on its way from the network thread).
            changes.update(liveness=OFFLINE, on=None, problem="")
        elif reply.problem:
            changes["problem"] = reply.problem
        if want is not None:
            outcome = SwitchOutcome(resource_id, want, reply.on, problem=reply.problem)
            changes["fault"] = outcome.key
        self._update(resource_id, **changes)

    # -- triggers -------------------------------------------------------------------------
    def _on_state(self, event: EquipmentState) -> None:
        rid = event.resource
        if rid not in self.switches:
            return
        changes: dict[str, object] = {}
        if event.device:
            changes.update(heard_at=event.at, heard_from=event.device)
        if event.online is None:
            changes.update(liveness=UNKNOWN, on=None, problem=event.problem)
        elif not event.online:
            changes.update(liveness=OFFLINE, on=None, problem="")
        else:
            changes["liveness"] = ONLINE
            if event.problem:
                changes["problem"] = event.problem
            elif event.on is not None or self._problem(rid) in (BROKER_LOST, NO_ECHO):
                # A reading of its own relay also proves that the relay exists; any word
                # from it ends "not connected" and "no answer".
                changes["problem"] = ""
            if event.on is not None:
                changes["on"] = event.on
        before = self._update(rid, **changes)
        if before is None or self.equipment_state(rid).liveness != ONLINE:
            return
        if before.liveness != ONLINE:
            # Back (or heard for the first time): forget the last fault, put it right.
            self._quiet_until.pop(rid, None)
            self.submit(rid, force=False)
            return
        if event.on is not None and time.monotonic() >= self._quiet_until.get(rid, 0.0):
            self.submit(rid, force=False)

    def _on_device_status(self, event: DeviceStatus) -> None:
        if event.kind != "mqtt":
            return
        if not event.ok:
            with self._lock:
                self._broker_down = True
                self._broker_lost_at = time.monotonic()
            self._later(self.broker_settle_s, self._broker_still_lost)
            return
        with self._lock:
            was_lost, self._broker_down = self._broker_down, False
        if was_lost:
            log.warning("MQTT broker back: every plug is asked again")
            self.bus.publish(EquipmentFault(resource="", key=BROKER_RESTARTED))
            self._later(self.broker_settle_s, self._after_broker_return)
        self._quiet_until.clear()
        self.reconcile_all(force=False)  # only while switching (started)

    def _offline_due(self, resource_id: str, since: float) -> None:
        with self._lock:
            if self._records[resource_id].offline_since != since:
                return  # back meanwhile (or gone again: that report follows)
            lost = self._broker_lost_at
            folded = self._broker_down or (
                lost is not None and lost >= since - self.offline_grace_s
            )
        if folded:
            return  # the broker's restart, not this plug: one notice when it is back
        log.warning("%s: the plug went offline", resource_id)
        self.bus.publish(EquipmentFault(resource=resource_id, key="equipment.offline"))

    def _broker_still_lost(self) -> None:
        with self._lock:
            lost = self._broker_down
        if lost:
            self.bus.publish(EquipmentFault(resource="", key=BROKER_LOST))

    def _after_broker_return(self) -> None:
        """Plugs that did not come back after the broker did: one report each."""
        for status in self.all_states():
            if status.liveness == OFFLINE:
                self.bus.publish(
                    EquipmentFault(resource=status.resource_id, key="equipment.offline")
                )
            elif status.liveness == UNKNOWN:
                self.bus.publish(
                    EquipmentFault(resource=status.resource_id, key="equipment.not_answered")
                )

    def _later(self, seconds: float, fn: Callable[[], None]) -> None:
        def run() -> None:
            with self._lock:
                self._timers.discard(timer)
            if not self._stop.is_set():
                fn()

        timer = threading.Timer(seconds, run)
        timer.daemon = True
        with self._lock:
            self._timers.add(timer)
        timer.start()

    def _on_booking(self, event: BookingEvent) -> None:
        self._quiet_until.pop(event.resource, None)
        # A start or an end commands even when the last report already matches (it may
        # be stale); the others only correct a plug whose report disagrees.
        self.submit(
            event.resource,
            force=isinstance(event, BookingStarted | BookingEnded),
            since=event.at.timestamp(),
        )

    # -- what the bookings say ------------------------------------------------------------
    def desired(self, resource: str) -> bool:
        """True while a booking of ``resource`` is active or ending, unless a staff
        override holds (indexed queries; the answer is kept for the status)."""
        assert self.store is not None
        decided = power(self.store, resource, self.clock())
        self._remember(resource, decided)
        return decided.on

    def _remember(self, resource: str, decided: Power) -> None:
        with self._lock:
            before = self._power.get(resource)
            self._power[resource] = decided
        if before is not None and before != decided:
            self.bus.publish(EquipmentChanged(resource=resource))

    def reconcile_all(self, force: bool = False) -> None:
        """Queue a check of every switch and printer (returns at once); ``force``
        commands even a switch whose last report already matches."""
        for resource in dict.fromkeys([*self.switches, *self.printers]):
            self.submit(resource, force=force)

    def submit(self, resource: str, force: bool, since: float | None = None) -> None:
        """Queue one job for ``resource``; while one runs, it is repeated once after.

        ``since`` (epoch seconds): a forced job is skipped when the device confirmed the
        wanted state after that moment (two triggers for one change send one command).
        """
        pool = self._pool
        if (resource not in self.switches and resource not in self.printers) or pool is None:
            return  # not ours, or only watching
        with self._lock:
            if resource in self._running:
                self._dirty[resource] = self._dirty.get(resource, False) or force
                return
            self._running.add(resource)
        try:
            pool.submit(self._job, resource, force, since)
        except RuntimeError:  # pool shut down: the kiosk is stopping
            with self._lock:
                self._running.discard(resource)

    def _job(self, resource: str, force: bool, since: float | None) -> None:
        try:
            while True:
                try:
                    self.apply(resource, force=force, since=since)
                except Exception:
                    log.exception("equipment job for %s failed", resource)
                with self._lock:
                    if resource not in self._dirty:
                        self._running.discard(resource)
                        return
                    force = self._dirty.pop(resource)
                    since = time.time() - 0.5 if force else None
        except BaseException:
            with self._lock:
                self._running.discard(resource)
            raise

    # -- the work -------------------------------------------------------------------------
    def apply(self, resource: str, force: bool = True, since: float | None = None) -> bool:
        """Bring ``resource`` to what its bookings say; blocking (up to the retries).

        Returns True when the device confirmed (or already was in) the wanted state. A
        printer without a plug is only looked at (its flags in the record): the kiosk
        does not manage its power, so it leaves its heaters alone too.
        """
        want = self.desired(resource)
        switch = self.switches.get(resource)
        if switch is None:
            if resource in self.printers:
                self._printer_flags(resource, self.printer_power.verdict(resource))
            return True
        status = self.equipment_state(resource)
        current = status.on if status.liveness == ONLINE else None
        confirmed = self._confirmed.get(resource)
        if since is not None and current == want and confirmed is not None:
            confirmed_state, confirmed_at = confirmed
            if confirmed_state == want and confirmed_at >= since:
                return True  # another trigger for the same change already did it
        if not force:
            if current is None:
                if status.liveness == OFFLINE:
                    return False  # staff are told; put right when it is back
                current = self._ask(resource).on  # its answer is recorded too
                if current is None:
                    return False  # not answering: asked again at the next reconcile
            if current == want:
                self._settled(resource, want)
                return True
            if time.monotonic() < self._quiet_until.get(resource, 0.0):
                return False  # it just failed and staff were told; retried later
        if not want and self._busy(resource):
            return False
        delay = self.backoff
        reply = SwitchReply(None, problem=NO_ECHO)
        for attempt in range(self.attempts):
            if attempt:
                self._sleep(delay)
                delay *= 2
                if self.desired(resource) != want:
                    return False  # the bookings changed meanwhile: a newer job follows
            reply = switch.set(want, timeout=self.timeout)
            self._record_reply(resource, reply, want=want)
            if reply.on is want:
                self._quiet_until.pop(resource, None)
                self._confirmed[resource] = (want, time.time())
                self._settled(resource, want)
                return True
            if reply.problem in _HOPELESS:
                break  # no use retrying what a retry cannot change now
        self._quiet_until[resource] = time.monotonic() + self.reconcile_seconds
        key = SwitchOutcome(resource, want, reply.on, problem=reply.problem).key
        with self._lock:
            broker_down = self._broker_down
            offline_told = self._records[resource].offline_since is not None
        log.warning("%s: not switched %s (%s)", resource, "on" if want else "off", key)
        if key == BROKER_LOST and broker_down:
            return False  # one notice for the broker; put right when it is back
        if key == "equipment.offline" and offline_told:
            return False  # its going offline is (or is about to be) the one notice
        if key == status.fault:
            return False  # staff were told at the first failure; retried quietly
        self.bus.publish(EquipmentFault(resource=resource, key=key))
        return False

    # -- 3D printers ----------------------------------------------------------------------
    def _busy(self, resource: str) -> bool:
        """May ``resource`` lose power? Asks its printer (none: yes); heaters left on
        without a job are turned off. Blocking (the printer's host)."""
        if resource not in self.printers:
            return False
        verdict = self.printer_power.verdict(resource, cool=True)
        self._printer_flags(resource, verdict)
        return verdict.busy

    def _settled(self, resource: str, on: bool) -> None:
        """The plug is as the bookings want. Powered on: a printer's host is asked to
        connect while it is not (just powered, or it lost the printer); off: the printer
        has no power, so nothing keeps it on any more."""
        if resource not in self.printers:
            return
        if not on:
            self._printer_flags(resource, None)
            return
        verdict = self.printer_power.verdict(resource)
        self._printer_flags(resource, verdict)
        if verdict.status.online and verdict.status.state in ("disconnected", "error"):
            self.printer_power.connect(resource)

    def _printer_flags(self, resource: str, verdict: PrinterVerdict | None) -> None:
        """Record what the printer said (None: it has no power); announce a change and
        tell staff once when an unreachable printer is kept on."""
        busy = verdict is not None and verdict.busy
        foreign = verdict is not None and verdict.foreign
        blind = verdict is not None and verdict.busy and verdict.unreachable
        with self._lock:
            before = (resource in self.kept_on_busy, resource in self.foreign_jobs)
            told = resource in self._kept_unreachable
            for flag, members in ((busy, self.kept_on_busy), (foreign, self.foreign_jobs)):
                if flag:
                    members.add(resource)
                else:
                    members.discard(resource)
            if blind:
                self._kept_unreachable.add(resource)
            elif verdict is None or verdict.status.online:
                self._kept_unreachable.discard(resource)
        if blind and not told:
            log.warning("%s: its printer does not answer and was busy: kept on", resource)
            self.bus.publish(EquipmentFault(resource=resource, key=KEPT_ON_UNREACHABLE))
        if before != (busy, foreign):
            self.bus.publish(EquipmentChanged(resource=resource))

    def _on_print_ended(self, event: PrintEnded) -> None:
        """A job ended: heaters off now (on a worker), then look at the power again."""
        resource = event.resource
        pool = self._pool
        if resource not in self.printers or pool is None:
            return

        def cool_then_look() -> None:
            self.printer_power.after_job(resource)
            self.submit(resource, force=False)

        with contextlib.suppress(RuntimeError):  # pool shut down: the kiosk is stopping
            pool.submit(cool_then_look)

    def _on_print_progress(self, event: PrintProgress) -> None:
        """A printer's state changed (a job started or ended, the host lost it): look."""
        with self._lock:
            before = self._printer_states.get(event.resource)
            self._printer_states[event.resource] = event.state
        if before != event.state:
            self.submit(event.resource, force=False)
