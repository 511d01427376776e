"""Equipment control: power each resource as its bookings say, and never lose a booking
because a plug misbehaves.

The database is the truth: a resource should be on while one of its bookings is
``active`` or ``ending``, off otherwise. Booking events only say *when* to look; each
job re-reads the database, so a duplicate or late event cannot switch the wrong way.
A command that is not confirmed is retried with backoff, then an
:class:`~kiosk.domain.events.EquipmentFault` tells staff. A resource whose printer
reports busy (printing, paused or hot) is never cut: its heaters are turned down and it
is looked at again until it has cooled.

Threads: bus handlers only enqueue (they run on the publisher's thread); one job per
resource at a time runs on a small worker pool; :meth:`start` also runs a periodic
reconcile thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from kiosk.bus import EventBus, Unsubscribe
from kiosk.domain.errors import KioskError
from kiosk.domain.events import (
    BookingCancelled,
    BookingEnded,
    BookingEvent,
    BookingExtended,
    BookingNoShow,
    BookingStarted,
    EquipmentFault,
    EquipmentState,
)
from kiosk.ports import EquipmentSwitch, PrinterHost
from kiosk.store import Store
from kiosk.store.schema import HOLDING_BOOKING_STATES

log = logging.getLogger(__name__)

#: How soon a resource kept on because its printer was busy is looked at again (s).
BUSY_RECHECK_S = 10.0


class EquipmentController:
    """Keeps every switch in line with the bookings.

    ``timeout`` seconds per attempt; ``attempts`` tries with ``backoff`` seconds before
    the second, doubling after; a full reconcile every ``reconcile_seconds``.
    """

    def __init__(
        self,
        store: Store,
        bus: EventBus,
        switches: dict[str, EquipmentSwitch],
        printers: dict[str, PrinterHost] | None = None,
        *,
        timeout: float = 2.0,
        attempts: int = 3,
        backoff: float = 0.5,
        reconcile_seconds: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.bus = bus
        self.switches = switches
        self.printers = printers or {}
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self.reconcile_seconds = reconcile_seconds
        self._sleep = sleep
        self._lock = threading.Lock()
        self._running: set[str] = set()
        #: Resource -> whether the job queued behind the running one must command.
        self._dirty: dict[str, bool] = {}
        #: Resource -> monotonic time before which state echoes do not trigger retries
        #: (a plug that ignores OFF would otherwise be commanded in a loop).
        self._quiet_until: dict[str, float] = {}
        self._online: dict[str, bool] = {}
        #: Resource -> (state, epoch seconds) of the last confirmed command.
        self._confirmed: dict[str, tuple[bool, float]] = {}
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="equipment")
        self._unsubscribes: list[Unsubscribe] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.kept_on_busy: set[str] = set()

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> None:
        """Subscribe to the bus, reconcile everything once, start the periodic reconcile."""
        for event_type in (
            BookingStarted,
            BookingEnded,
            BookingCancelled,
            BookingNoShow,
            BookingExtended,
        ):
            self._unsubscribes.append(self.bus.subscribe(event_type, self._on_booking))
        self._unsubscribes.append(self.bus.subscribe(EquipmentState, self._on_state))
        self._stop.clear()
        self._thread = threading.Thread(target=self._periodic, name="reconcile", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Unsubscribe and wait (bounded by the command timeouts) for running jobs."""
        for unsubscribe in self._unsubscribes:
            unsubscribe()
        self._unsubscribes.clear()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _periodic(self) -> None:
        while not self._stop.is_set():
            self.reconcile_all(force=False)
            wait = BUSY_RECHECK_S if self.kept_on_busy else self.reconcile_seconds
            self._stop.wait(min(wait, self.reconcile_seconds))

    # -- what the bookings say ------------------------------------------------------------
    def desired(self, resource: str) -> bool:
        """True while a booking of ``resource`` is active or ending (one indexed query)."""
        with self.store.lock:
            row = self.store.conn.execute(
                # The holding-states term lets SQLite use the small partial index.
                f"SELECT 1 FROM bookings WHERE resource_id = ? AND status IN "
                f"{HOLDING_BOOKING_STATES} AND status IN ('active', 'ending') LIMIT 1",
                [resource],
            ).fetchone()
        return row is not None

    def online(self, resource: str) -> bool | None:
        """The plug's liveness (None: no plug or nothing heard yet)."""
        switch = self.switches.get(resource)
        if switch is None:
            return None
        return switch.state().online

    # -- triggers -------------------------------------------------------------------------
    def _on_booking(self, event: BookingEvent) -> None:
        self._quiet_until.pop(event.resource, None)
        # A start or an end commands even when the last report already matches (it may
        # be stale); the others only correct a plug whose report disagrees.
        self.submit(
            event.resource,
            force=isinstance(event, BookingStarted | BookingEnded),
            since=event.at.timestamp(),
        )

    def _on_state(self, event: EquipmentState) -> None:
        was = self._online.get(event.resource)
        self._online[event.resource] = event.online
        if not event.online:
            if was is not False:
                log.warning("%s: the plug went offline", event.resource)
                self.bus.publish(EquipmentFault(resource=event.resource, key="equipment.offline"))
            return
        if was is False:
            # Back online: forget the last fault and put it right at once.
            self._quiet_until.pop(event.resource, None)
        if event.on is None or time.monotonic() < self._quiet_until.get(event.resource, 0.0):
            return
        self.submit(event.resource, force=False, reported=event.on)

    def reconcile_all(self, force: bool = False) -> None:
        """Queue a check of every switch (returns at once); ``force`` commands even a
        switch whose last report already matches."""
        for resource in list(self.switches):
            self.submit(resource, force=force)

    def submit(
        self,
        resource: str,
        force: bool,
        reported: bool | None = None,
        since: float | None = None,
    ) -> None:
        """Queue one job for ``resource``; while one runs, it is repeated once after.

        ``since`` (epoch seconds): a forced job is skipped when the device confirmed the
        wanted state after that moment (two triggers for one change send one command).
        """
        if resource not in self.switches:
            return
        with self._lock:
            if resource in self._running:
                self._dirty[resource] = self._dirty.get(resource, False) or force
                return
            self._running.add(resource)
        try:
            self._pool.submit(self._job, resource, force, reported, since)
        except RuntimeError:  # pool shut down: the kiosk is stopping
            with self._lock:
                self._running.discard(resource)

    def _job(self, resource: str, force: bool, reported: bool | None, since: float | None) -> None:
        try:
            while True:
                try:
                    self.apply(resource, force=force, reported=reported, since=since)
                except Exception:
                    log.exception("equipment job for %s failed", resource)
                with self._lock:
                    if resource not in self._dirty:
                        self._running.discard(resource)
                        return
                    force, reported = self._dirty.pop(resource), None
                    since = time.time() - 0.5 if force else None
        except BaseException:
            with self._lock:
                self._running.discard(resource)
            raise

    # -- the work -------------------------------------------------------------------------
    def apply(
        self,
        resource: str,
        force: bool = True,
        reported: bool | None = None,
        since: float | None = None,
    ) -> bool:
        """Bring ``resource`` to what its bookings say; blocking (up to the retries).

        Returns True when the device confirmed (or already was in) the wanted state.
        """
        switch = self.switches[resource]
        want = self.desired(resource)
        state = switch.state()
        current = reported if reported is not None else state.on
        confirmed = self._confirmed.get(resource)
        if since is not None and current == want and confirmed is not None:
            confirmed_state, confirmed_at = confirmed
            if confirmed_state == want and confirmed_at >= since:
                return True  # another trigger for the same change already did it
        if not force:
            if current == want:
                return True
            if time.monotonic() < self._quiet_until.get(resource, 0.0):
                return False  # it just failed and staff were told; retried later
            if not state.online:
                return False  # staff were told when it went offline; fixed on its return
            if current is None:
                # Not heard yet: its answer to the state query triggers this job again.
                return True
        if not want and self._busy(resource):
            return False
        delay = self.backoff
        for attempt in range(self.attempts):
            if attempt:
                self._sleep(delay)
                delay *= 2
                if self.desired(resource) != want:
                    return False  # the bookings changed meanwhile: a newer job follows
            if switch.set(want, timeout=self.timeout):
                self._quiet_until.pop(resource, None)
                self._confirmed[resource] = (want, time.time())
                return True
            if not switch.state().online:
                break  # no use retrying a plug that says it is offline
        self._quiet_until[resource] = time.monotonic() + self.reconcile_seconds
        key = "equipment.offline" if not switch.state().online else "equipment.no_echo"
        log.warning("%s: not switched %s (%s)", resource, "on" if want else "off", key)
        self.bus.publish(EquipmentFault(resource=resource, key=key))
        return False

    def _busy(self, resource: str) -> bool:
        """Ask the printer port; cool a hot idle printer down. Unreachable: not busy."""
        printer = self.printers.get(resource)
        if printer is None:
            self.kept_on_busy.discard(resource)
            return False
        try:
            status = printer.status()
            if status.busy and not (status.printing or status.paused):
                printer.cool_down()
        except KioskError:
            log.warning("printer of %s unreachable; treated as idle", resource)
            self.kept_on_busy.discard(resource)
            return False
        if status.busy:
            self.kept_on_busy.add(resource)
            return True
        self.kept_on_busy.discard(resource)
        return False
