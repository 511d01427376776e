"""How many module boundaries a card tap and a booking cross (docs/architecture.md).

A *boundary* is a pair (calling module, called module) of the product's own modules
(``kiosk``, ``screens``, ``devices``, ``accessibility``): a function of one calls a
function of the other. Each counts once however often the path crosses it. Measured,
not read off the code: the real app (offscreen, simulated devices, the local backend,
a fresh demo database) runs each path with a profiler that records every call from
one product module into another, on every thread:

- **card tap**: a patron's card is tapped at the idle screen, until their name is
  drawn on the home screen and every background call has finished (sign-in, their
  settings, the check-in of a booking at sign-in, the home screen's counts);
- **booking**: on the booking screen, a free slot is picked, confirmed and booked,
  until the confirmation and the fetched grid are drawn.

``python -m bench boundaries`` prints both counts and, with ``-v``, the boundaries.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import Any

PRODUCT = ("kiosk", "screens", "devices", "accessibility")


def _module(frame: FrameType | None) -> str | None:
    while frame is not None:
        name = str(frame.f_globals.get("__name__", ""))
        if name.split(".")[0] in PRODUCT:
            return name
        return None
    return None


class Recorder:
    """A profiler on every thread (set before the app and its workers start, since a
    thread keeps the profiler it started with) that records only while asked."""

    def __init__(self) -> None:
        self.found: set[tuple[str, str]] = set()
        self.recording = False
        self._lock = threading.Lock()

    def __call__(self, frame: FrameType, event: str, _arg: Any) -> None:
        if event != "call" or not self.recording:
            return
        if frame.f_code.co_filename == "<string>":
            return  # generated code (a dataclass's __init__ or __eq__): data, not a call
        callee = _module(frame)
        caller = _module(frame.f_back)
        if callee and caller and callee != caller:
            with self._lock:
                self.found.add((caller, callee))

    def install(self) -> None:
        threading.setprofile(self)
        sys.setprofile(self)

    def uninstall(self) -> None:
        sys.setprofile(None)
        threading.setprofile(None)

    @contextmanager
    def boundaries(self) -> Iterator[set[tuple[str, str]]]:
        """The boundaries crossed while the block runs."""
        found: set[tuple[str, str]] = set()
        self.found, self.recording = found, True
        try:
            yield found
        finally:
            self.recording = False


RECORDER = Recorder()


class App:
    """The kiosk app offscreen on a fresh demo database (the composition root's)."""

    def __init__(self) -> None:
        from kiosk import bootstrap, demo
        from kiosk import config as config_module

        config = config_module.parse(config_module.default_config_text(), "<bench>")
        config = replace(config, kiosk=replace(config.kiosk, demo=True))
        self.folder = tempfile.TemporaryDirectory(prefix="kiosk-boundaries-")
        self.kiosk = bootstrap.open_kiosk(config, Path(self.folder.name) / "demo.db")
        assert self.kiosk.store is not None
        demo.load(self.kiosk.store, config)
        self.kiosk.start()
        from screens.app import configure_kivy

        configure_kivy(self.kiosk.config)
        from screens.kiosk_app import KioskApp

        self.app: Any = KioskApp(kiosk=self.kiosk, services=self.kiosk.services)
        self.app._run_prepare()
        # Every screen made first (the app makes them one per frame after start).
        from screens import registry

        self.until(lambda: len(self.app.screens()) == len(registry.NAMES))

    def frames(self, n: int = 1) -> None:
        from kivy.base import EventLoop

        for _ in range(n):
            EventLoop.idle()

    def until(self, condition: Callable[[], bool], rounds: int = 500) -> None:
        for _ in range(rounds):
            self.frames(1)
            if condition() and self.app.idle:
                self.frames(3)  # answers scheduled for the next frames are drawn too
                if self.app.idle:
                    return
        raise RuntimeError("the app did not come to rest")

    def close(self) -> None:
        from kiosk import bootstrap

        self.app.stop()
        bootstrap.close_kiosk(self.kiosk)
        self.folder.cleanup()


#: Each path runs this often; a boundary counts when every run crossed it (a timer's
#: work that happens to fall into one run is not the path's).
RUNS = 3


def card_tap(app: App) -> set[tuple[str, str]]:
    from kiosk import demo

    card = next(c for c in demo.demo_cards() if c.kind == "ok")
    runs = []
    for _ in range(RUNS):
        app.app.sign_out()
        app.until(lambda: app.app.manager.current == "attract")
        with RECORDER.boundaries() as found:
            app.kiosk.card_readers[0].tap(uid=card.card_key)  # type: ignore[attr-defined]
            app.until(lambda: card.name in app.app.screen("home").ids.greeting.text)
        runs.append(found)
    return set.intersection(*runs)


def booking(app: App) -> set[tuple[str, str]]:
    screen = app.app.screen("equipment")
    app.app.go("equipment")
    app.until(lambda: screen.loaded)
    screen.choose_kind("computer")
    app.until(lambda: True)
    runs = []
    for _ in range(RUNS):
        screen.pick(_first_free(app, screen))  # a day of its own (the per-day limit)
        app.until(lambda: screen.pane == "confirm")
        with RECORDER.boundaries() as found:
            screen.book()
            app.until(lambda: screen.pane == "done" and not screen.busy)
        runs.append(found)
        screen.back_to_grid()
        screen.shift_day(1)
        app.until(lambda: True)
    return set.intersection(*runs)


def _first_free(app: App, screen: Any) -> Any:
    for _ in range(15):
        free = [s for s in screen.slots() if s.durations]
        if free:
            return free[0]
        screen.shift_day(1)
        app.until(lambda: True)
    raise RuntimeError("no free computer slot in the horizon")


def main(argv: list[str]) -> None:
    RECORDER.install()
    app = App()
    try:
        tap = card_tap(app)
        booked = booking(app)
    finally:
        app.close()
        RECORDER.uninstall()
    print(f"   card tap -> name drawn: {len(tap)} module boundaries crossed")
    print(f"   booking -> confirmation drawn: {len(booked)} module boundaries crossed")
    if "-v" in argv:
        for name, found in (("card tap", tap), ("booking", booked)):
            print(f"   {name}:")
            for caller, callee in sorted(found):
                print(f"     {caller} -> {callee}")
