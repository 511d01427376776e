"""The screens' one door to slow work: background calls whose answers come back on the
UI thread, and only to the patron who asked.

:class:`BackgroundCalls` keeps two :class:`~screens.worker.Worker` threads, one for
library services and one for devices (a slow printer never holds up a checkout), and
drops an answer that arrives after the patron's session changed. :func:`on_ui_thread`
is the door from any thread into the UI thread (the bus dispatcher uses it too).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from kivy.clock import Clock

from kiosk.domain.errors import KioskError
from kiosk.services import Services
from screens.session import PatronSession
from screens.worker import Worker

T = TypeVar("T")


def on_ui_thread(fn: Callable[[], None]) -> None:
    """Run ``fn`` on the UI thread at the next frame. Safe to call from any thread."""
    Clock.schedule_once(lambda _dt: fn())


def before_this_frame(fn: Callable[[], None]) -> None:
    """Run ``fn`` still in this frame, just before it is drawn (UI thread only)."""
    Clock.schedule_once(lambda _dt: fn(), -1)


Schedule = Callable[[Callable[[], None]], None]


class BackgroundCalls:
    def __init__(
        self,
        session: PatronSession,
        services: Callable[[], Services | None],
        *,
        schedule: Schedule = on_ui_thread,
        before_frame: Schedule = before_this_frame,
    ) -> None:
        """``services``: read at each call (tests swap the app's services). ``schedule``
        and ``before_frame``: the doors back to the UI thread (Kivy's clock)."""
        self.session = session
        self._services = services
        self._before_frame = before_frame
        self.worker = Worker(schedule, "kiosk-services")
        self.device_worker = Worker(schedule, "kiosk-devices")

    def call(
        self,
        fn: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[KioskError], None] | None = None,
        *,
        device: bool = False,
        quick: bool = False,
    ) -> None:
        """Run ``fn`` on a worker; deliver its result on the UI thread unless the
        patron's session changed meanwhile (then the result is dropped: a sign-out
        clears every trace, even of answers still on their way). Returns at once.

        ``device``: on the devices' worker. ``quick``: a plain read or write of the
        library's records (no PIN hashing, no device, no network of its own). On the
        local backend such a call takes well under a millisecond, so it runs right here
        and its answer is drawn in this very frame instead of the next (DESIGN.md:
        services are "fast, sync"; only slow calls go to a worker). On a networked
        backend it goes to the worker like any other."""
        generation = self.session.generation

        def done(result: T) -> None:
            if generation == self.session.generation:
                on_done(result)

        def failed(error: KioskError) -> None:
            if generation == self.session.generation and on_error is not None:
                on_error(error)

        services = self._services()
        if quick and not device and services is not None and services.local:
            self.worker.run_here(fn, done, failed, self._before_frame)
        else:
            (self.device_worker if device else self.worker).submit(fn, done, failed)

    @property
    def idle(self) -> bool:
        """No call is running or waiting to be delivered."""
        return self.worker.idle and self.device_worker.idle

    def shutdown(self) -> None:
        """Stop both workers (each finishes the call it is running)."""
        self.worker.shutdown()
        self.device_worker.shutdown()
