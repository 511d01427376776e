"""From a printer host's successive reports to bus events, the same for every adapter.

A host is seen two ways: as snapshots (:class:`~kiosk.ports.PrinterStatus`, from a poll
or a pushed status message) and, when it pushes them, as its own "job ended" events.
:class:`JobWatch` turns both into :class:`~kiosk.domain.events.PrintProgress` when
something a screen shows changes, exactly one :class:`~kiosk.domain.events.PrintEnded`
per job, and :class:`~kiosk.domain.events.DeviceStatus` when the host stops or starts
answering.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from kiosk.domain.events import (
    DeviceStatus,
    Event,
    PrintCancelled,
    PrintDone,
    PrintEnded,
    PrintFailed,
    PrintProgress,
)
from kiosk.ports import DEFAULT_COOLDOWN_C, JobOwner, PrinterStatus, PrintJob

ENDED_EVENTS: dict[str, type[PrintEnded]] = {
    "done": PrintDone,
    "failed": PrintFailed,
    "cancelled": PrintCancelled,
}


class JobWatch:
    """Tracks one printer's job. Thread-safe: adapters call it from their own threads.

    ``publish`` is called with no lock held (a bus handler may call back into the host).
    """

    def __init__(
        self,
        name: str,
        resource: str,
        publish: Callable[[Event], None],
        cooldown_c: float = DEFAULT_COOLDOWN_C,
    ) -> None:
        self.name = name
        self.resource = resource
        self.cooldown_c = cooldown_c
        self._publish = publish
        self._lock = threading.Lock()
        self._job: PrintJob | None = None
        self._online: bool | None = None
        self._shown: tuple[object, ...] | None = None
        self._last_busy = False

    @property
    def last_seen_busy(self) -> bool:
        """Printing, paused or hotter than the cooldown temperature when last seen online."""
        return self._last_busy

    @property
    def job(self) -> PrintJob | None:
        """The job being watched (kept while the host is offline)."""
        return self._job

    def observe(self, status: PrinterStatus, infer_end: bool = True) -> None:
        """A snapshot of the host. With ``infer_end`` a watched job that is no longer on
        the printer is taken as ended (polling, or the first push after a reconnect);
        without it only the host's own events end a job (:meth:`ended`)."""
        events: list[Event] = []
        with self._lock:
            if status.online != self._online:
                self._online = status.online
                events.append(
                    DeviceStatus(
                        device=self.name,
                        kind="printer",
                        ok=status.online,
                        detail="" if status.online else status.problem or "printer.unreachable",
                    )
                )
            if status.online:
                self._last_busy = status.busy_at(self.cooldown_c)
                active = status.printing or status.paused
                if active and status.job is not None:
                    self._job = status.job
                elif not active and self._job is not None and infer_end:
                    lost = "printer.failed_lost" if status.state == "disconnected" else None
                    events.append(self._end(self._inferred(status), self._job, None, lost))
            shown = _shown(status)
            if shown != self._shown:
                self._shown = shown
                events.append(_progress(self.resource, status))
        for event in events:
            self._publish(event)

    def ended(
        self,
        outcome: str,
        path: str,
        print_seconds: int | None = None,
        reason: str | None = None,
        completion: float | None = None,
        owner: Callable[[], JobOwner | None] | None = None,
    ) -> None:
        """The host said that the job on ``path`` ended (``outcome`` done, failed or
        cancelled; ``completion`` in percent when the host says how far it got). For a
        job not seen running (it ended before the first report) ``owner`` is asked."""
        with self._lock:
            job = self._job
        if job is None or job.path != path:
            job = PrintJob(
                path=path, name=path.rsplit("/", 1)[-1], owner=owner() if owner else None
            )
        with self._lock:
            if completion is not None:
                job = replace(job, completion=completion)
            event = self._end(outcome, job, print_seconds, reason)
        self._publish(event)

    # -- inside the lock -----------------------------------------------------------
    def _inferred(self, status: PrinterStatus) -> str:
        """How a job ended, from the first snapshot without it: polling sees no event.
        OctoPrint keeps 100 % after a finished job and clears it after a cancelled one;
        a printer in error or disconnected means the job failed."""
        job = status.job
        if job is not None and job.completion is not None and job.completion >= 100.0:
            return "done"
        if status.state in ("error", "disconnected"):
            return "failed"
        return "cancelled"

    def _end(
        self, outcome: str, job: PrintJob, print_seconds: int | None, reason: str | None
    ) -> PrintEnded:
        self._job = None
        owner = job.owner
        common = {
            "resource": self.resource,
            "file_name": job.name,
            "booking_id": owner.booking_id if owner else None,
            "kiosk_id": owner.kiosk_id if owner else None,
            "print_seconds": print_seconds if print_seconds is not None else job.print_seconds,
            "completion": 100.0 if outcome == "done" else job.completion,
        }
        if outcome == "failed":
            return PrintFailed(reason=reason or "printer.failed_error", **common)  # type: ignore[arg-type]
        return ENDED_EVENTS[outcome](**common)  # type: ignore[arg-type]


def _shown(status: PrinterStatus) -> tuple[object, ...]:
    """What a screen shows of a snapshot, rounded so that noise does not count."""
    job = status.job
    return (
        status.state,
        job.path if job else None,
        round(job.completion, 1) if job and job.completion is not None else None,
        job.time_left if job else None,
        _whole(status.hotend_c),
        _whole(status.hotend_target_c),
        _whole(status.bed_c),
        _whole(status.bed_target_c),
    )


def _whole(value: float | None) -> int | None:
    return None if value is None else round(value)


def _progress(resource: str, status: PrinterStatus) -> PrintProgress:
    job = status.job
    return PrintProgress(
        resource=resource,
        state=status.state,
        completion=job.completion if job else None,
        time_left=job.time_left if job else None,
        hotend_c=status.hotend_c,
        hotend_target_c=status.hotend_target_c,
        bed_c=status.bed_c,
        bed_target_c=status.bed_target_c,
        file_name=job.name if job else None,
    )
