"""Run slow calls off the UI thread and hand the result back on it.

A service call that may be slow (a SIP2 round trip, a receipt printer, an RFID tag
write) is submitted here; it runs on the worker's own thread and its result (or its
:class:`~kiosk.domain.errors.KioskError`) is delivered to a callback on the UI thread
through the same ``schedule`` door the bus dispatcher uses (Kivy's
``Clock.schedule_once`` in the app). The UI thread never waits.

One thread per worker keeps calls in submission order: a SIP2 connection must not get
two requests at once, and scanned items must be answered in the order they were read.
The app keeps two workers, one for library services and one for devices, so a slow
printer never holds up a checkout.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from kiosk.domain.errors import DomainError, KioskError

log = logging.getLogger(__name__)

T = TypeVar("T")
Schedule = Callable[[Callable[[], None]], None]


class Worker:
    """A single background thread whose results come back through ``schedule``."""

    def __init__(self, schedule: Schedule, name: str = "worker") -> None:
        self._schedule = schedule
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._pending = 0
        self.name = name

    @property
    def idle(self) -> bool:
        """True when nothing is running or waiting to be delivered."""
        with self._lock:
            return self._pending == 0

    def submit(
        self,
        fn: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[KioskError], None] | None = None,
    ) -> None:
        """Run ``fn()`` on the worker thread; returns at once.

        ``on_done(result)`` or ``on_error(error)`` then runs on the UI thread. An
        unexpected exception is logged with its traceback and reaches ``on_error`` as
        ``DomainError("ui.unexpected_error")``: a bug must not freeze the screen.
        """
        with self._lock:
            self._pending += 1
        future = self._executor.submit(fn)
        future.add_done_callback(
            lambda f: self._schedule(lambda: self._deliver(f, on_done, on_error))
        )

    def run_here(
        self,
        fn: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[KioskError], None] | None,
        schedule: Schedule,
    ) -> None:
        """Run ``fn()`` now, on the calling (UI) thread, for a call known to take well
        under a millisecond; its result is delivered like a worker's, through
        ``schedule`` (before the next frame), so a caller never sees its callback run
        inside :meth:`submit`'s place and errors are handled the same way."""
        with self._lock:
            self._pending += 1
        future: Future[Any] = Future()
        try:
            future.set_result(fn())
        except Exception as exc:  # handed to _deliver, which reports it as on_error
            future.set_exception(exc)
        schedule(lambda: self._deliver(future, on_done, on_error))

    def _deliver(
        self,
        future: Future[Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[KioskError], None] | None,
    ) -> None:
        try:
            try:
                result = future.result()
            except KioskError as exc:
                if on_error is not None:
                    on_error(exc)
                else:
                    log.warning("%s: %r not handled", self.name, exc)
                return
            except Exception:
                log.exception("%s: unexpected error in a background call", self.name)
                if on_error is not None:
                    on_error(DomainError("ui.unexpected_error"))
                return
            on_done(result)
        finally:
            with self._lock:
                self._pending -= 1

    def shutdown(self) -> None:
        """Stop taking work; waits for the running call (at most one) to end."""
        self._executor.shutdown(wait=True, cancel_futures=True)
