"""The UI test harness: ONE Kivy app and window per test session (Kivy allows one
window per process), reset between tests onto a fresh demo database.

Frames are advanced with ``EventLoop.idle()``; touches go through Kivy's real input
path (``UnitTestTouch``), keys through the window's keyboard events. Device input goes
through the simulators (``tap``, ``scan``, ``place``), so bus, dispatcher and workers
all run for real.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kiosk import bootstrap, demo
from kiosk import config as config_module
from kiosk.bootstrap import Kiosk
from kiosk.config import Config
from kiosk.domain.events import Event, SessionEnded, SessionWarning
from kiosk.services import Services
from kiosk.store import Store
from kiosk.timeutil import Clock, utcnow


@dataclass
class Monotonic:
    """The session timer's clock: real time plus whatever the test skips ahead."""

    skipped: float = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.skipped

    def skip(self, seconds: float) -> None:
        self.skipped += seconds


@dataclass
class UI:
    """What a UI test drives: the running app, its kiosk and helpers.

    ``devices`` is the session's kiosk without a database: its bus, simulators and
    equipment owner run for the whole session. Each test gets a ``kiosk`` of its own
    over them (``open_kiosk(share=...)``), on a fresh demo database."""

    app: Any
    devices: Kiosk
    clock: Monotonic
    folder: Path
    kiosk: Kiosk
    published: list[Event] = field(default_factory=list)
    runs: int = 0

    @property
    def store(self) -> Store:
        assert self.kiosk.store is not None
        return self.kiosk.store

    # -- frames ------------------------------------------------------------------
    def frames(self, count: int = 3) -> None:
        from kivy.base import EventLoop

        for _ in range(count):
            EventLoop.idle()

    def settle(self, timeout: float = 5.0) -> None:
        """Advance frames until the workers and the dispatcher have nothing left."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < 3:
            self.frames(1)
            moving = self.app.manager.transition.is_active or _fading_modal()
            quiet = quiet + 1 if self.app.idle and not moving else 0
            if time.monotonic() > deadline:
                raise AssertionError("the app did not settle")
            time.sleep(0.002)

    def wait(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            self.frames(1)
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            time.sleep(0.002)

    # -- input -------------------------------------------------------------------
    def tap(self, widget: Any) -> None:
        """Touch down and up at the widget's centre, through Kivy's input path."""
        from kivy.tests.common import UnitTestTouch

        # A strong reference: kv ids are weak, and a tap may close the dialog they are in.
        widget = getattr(widget, "__self__", widget)
        assert widget.get_root_window() is not None, f"{widget!r} is not on screen"
        assert not widget.disabled, f"{widget!r} is disabled"
        self.reveal(widget)
        scrolling = _in_scrolling_view(widget)
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(1)
        touch.touch_up()
        self.frames(2)
        if scrolling:
            # A ScrollView that can scroll holds a quick tap back and delivers its
            # release 0.2 s later (Kivy tells a tap from a swipe that way).
            deadline = time.monotonic() + 0.3
            while time.monotonic() < deadline:
                self.frames(1)
                time.sleep(0.01)
        self.settle()

    def reveal(self, widget: Any) -> None:
        """Scroll the widget's scroll view (if any) so the widget is in sight, as a
        patron would before tapping it (large text makes screens scroll)."""
        from kivy.uix.scrollview import ScrollView

        node = widget.parent
        while node is not None and node is not node.parent:
            # A list inside a scrolling page: the list first, then the page.
            if isinstance(node, ScrollView) and node.height < node.children[0].height:
                # A list still being laid out (rows added over a few frames) moves
                # the widget after the first scroll: scroll again until it holds.
                for _ in range(20):
                    node.scroll_to(widget, padding=0, animate=False)
                    self.frames(2)
                    if _inside(widget, node):
                        break
            node = node.parent

    def key(self, code: int, text: str | None = None) -> None:
        from kivy.core.window import Window

        Window.dispatch("on_key_down", code, 0, text, [])
        Window.dispatch("on_key_up", code, 0)
        self.frames(2)

    def card(self, kind: str = "ok", index: int = 0) -> demo.DemoCard:
        return [c for c in demo.demo_cards() if c.kind == kind][index]

    def tap_card(self, kind: str = "ok", index: int = 0) -> demo.DemoCard:
        card = self.card(kind, index)
        assert self.kiosk.card_readers[0].tap(uid=card.card_key)  # type: ignore[attr-defined]
        self.settle()
        return card

    def scan(self, barcode: str) -> None:
        assert self.kiosk.item_scanners[0].scan(barcode)  # type: ignore[attr-defined]
        self.settle()

    def sign_in(self, kind: str = "ok") -> None:
        self.tap_card(kind)
        if kind in ("pin", "staff"):
            card = self.card(kind)
            assert card.pin is not None
            self.type_pin(card.pin)
        self.settle()

    def type_pin(self, pin: str) -> None:
        pad = self.app.screen("signin").ids.pinpad
        for digit in pin:
            self.tap(self.button(pad, digit))
        self.tap(pad.ids.ok)

    # -- reading the screen ------------------------------------------------------
    @property
    def screen(self) -> Any:
        return self.app.current_screen()

    def rows(self, box: Any | None = None) -> list[Any]:
        """The Row widgets of the current screen's list, top to bottom."""
        from screens.widgets import Row

        box = box if box is not None else self.screen.ids.rows
        return [w for w in reversed(box.children) if isinstance(w, Row)]

    def button(self, parent: Any, text: str) -> Any:
        from screens.widgets import KButton

        found = [w for w in parent.walk() if isinstance(w, KButton) and w.text == text]
        assert found, f"no button {text!r}"
        return found[0]

    def texts(self, widget: Any | None = None) -> list[str]:
        from kivy.uix.label import Label

        root = widget if widget is not None else self.app.root
        return [w.text for w in root.walk() if isinstance(w, Label) and w.text]

    def t(self, key: str, **params: Any) -> str:
        return str(self.app.tr(key, **params))

    # -- between tests -----------------------------------------------------------
    def reopen(self, config: Config | None = None, clock: Clock = utcnow) -> Services:
        """The app on a kiosk of ``config`` (default: the UI tests' config) at ``clock``
        over the session's simulators, on a fresh demo database; returns its services."""
        config = config or ui_config()
        self.runs += 1
        kiosk = bootstrap.open_kiosk(
            config, self.folder / f"ui{self.runs}.db", clock=clock, share=self.devices
        )
        assert kiosk.store is not None and kiosk.services is not None
        demo.load(kiosk.store, config, clock)  # the demo library as of the kiosk's now
        old, self.kiosk = self.kiosk, kiosk
        self.app.kiosk = kiosk
        self.app.services = kiosk.services
        bootstrap.close_kiosk(old)
        return kiosk.services

    def reset(self) -> None:
        """Sign out, fresh demo database, configured language, default theme."""
        self.app.session_control.dismiss_modals()
        self.app.session_control.sign_out("sign_out")
        self.settle()
        self.reopen()
        self.app.settings.set_text_scale(1.0)
        self.app.settings.set_language("id")
        self.clock.skipped = 0.0
        self.app.session_control.timer.stop()
        self.published.clear()
        if self.kiosk.speaker is not None:
            self.kiosk.speaker.clear()  # type: ignore[attr-defined]
        self.app.go("attract")
        self.settle()


def _in_scrolling_view(widget: Any) -> bool:
    from kivy.uix.scrollview import ScrollView

    parent = widget.parent
    while parent is not None and parent is not parent.parent:
        if isinstance(parent, ScrollView) and (parent.do_scroll_x or parent.do_scroll_y):
            return True
        parent = parent.parent
    return False


def ui_config() -> Config:
    config = config_module.parse(config_module.default_config_text(), "<ui tests>")
    return replace(
        config,
        kiosk=replace(config.kiosk, demo=True, language="id"),
        display=replace(config.display, fullscreen=False, borderless=False, hide_cursor=False),
        devices=replace(config.devices, item_pad="sim://pad"),
    )


def _configure_window() -> None:
    """Window settings before ANY test module imports ``kivy.core.window`` (conftest is
    imported first), so every UI test shares one window of the configured panel size."""
    os.environ.pop("DISPLAY", None)  # SDL's offscreen driver: no X server needed
    from screens.app import configure_kivy

    configure_kivy(ui_config())


@pytest.fixture(scope="session")
def ui_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UI]:
    os.environ.pop("DISPLAY", None)  # SDL's offscreen driver: no X server needed
    folder = tmp_path_factory.mktemp("ui")
    devices = bootstrap.open_kiosk(ui_config(), store=False)
    first = bootstrap.open_kiosk(ui_config(), folder / "ui0.db", share=devices)
    from screens.kiosk_app import KioskApp

    clock = Monotonic()
    app = KioskApp(kiosk=first, services=first.services, now=clock)
    harness = UI(app=app, devices=devices, clock=clock, folder=folder, kiosk=first)
    devices.bus.subscribe(SessionWarning, harness.published.append)
    devices.bus.subscribe(SessionEnded, harness.published.append)
    devices.start()
    app._run_prepare()  # build, open the window, on_start: the first frames follow
    harness.frames(5)
    yield harness
    app.stop()
    from kivy.base import EventLoop

    EventLoop.close()
    bootstrap.close_kiosk(harness.kiosk)
    bootstrap.close_kiosk(devices)


@pytest.fixture
def ui(ui_session: UI) -> UI:
    ui_session.reset()
    return ui_session


_configure_window()


# -- booking at a fixed moment ----------------------------------------------------------
class FixedClock:
    """A clock that always says ``moment``."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def next_monday(zone: ZoneInfo) -> date:
    today = datetime.now(zone).date()
    return today + timedelta(days=7 - today.weekday())


def monday_booking(ui: UI, config: Config) -> Any:
    """The app on a fresh demo database whose clock says next Monday 09:20 local time
    (open 08:00-16:00, 30-minute slots; the 09:00 slot is running); returns its booking
    service (the next test's reset puts the kiosk's own clock back)."""
    zone = ZoneInfo(config.kiosk.timezone)
    clock = FixedClock(datetime.combine(next_monday(zone), clock_time(9, 20), zone))
    bookings = ui.reopen(config, clock).bookings
    assert bookings is not None
    return bookings


def _inside(widget: Any, view: Any) -> bool:
    """Whether ``widget``'s centre lies within ``view``'s rectangle on the window."""
    x, y = widget.to_window(*widget.center)
    left, bottom = view.to_window(view.x, view.y)
    return left <= x <= left + view.width and bottom <= y <= bottom + view.height


def _fading_modal() -> bool:
    """A dialog fading in or out (Kivy animates open and dismiss for 0.1 s): while it
    fades out it still covers the window and takes the next tap, which on a busy
    machine could land on it."""
    from kivy.core.window import Window
    from kivy.uix.modalview import ModalView

    return any(isinstance(w, ModalView) and w._anim_alpha < 1 for w in Window.children)
