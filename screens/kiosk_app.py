"""The Kivy app: small on purpose. It holds the properties kv binds to (language, theme,
sizes in px, who is signed in, what the backend can do), mirrored from the one
:class:`~accessibility.session.AccessibilitySettings`; the screen manager and navigation
(:meth:`KioskApp.go`); translation helpers for kv. The rest has a module of its own:

- ``app.settings``: the accessibility settings (screens change them only there);
- ``app.session_control`` (:mod:`screens.session_control`): sign-in, the inactivity
  warning, sign-out; ``app.remember`` (:mod:`screens.remember`): remembered settings;
- ``app.keypad`` (:mod:`screens.keypad_glue`): keypad mode and the focus ring;
  :mod:`screens.speech_glue`: touch and hear, the idle prompt, the speech cache;
- ``app.devices`` (:mod:`screens.device_input`): card taps, scans, device health;
- ``app.call`` (:mod:`screens.calls`): background calls answered on the UI thread.

Threads: everything here runs on Kivy's main thread; device events arrive through the
:class:`~kiosk.bus.Dispatcher`, background answers through ``Clock.schedule_once``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from accessibility.scaling import font_sizes
from accessibility.session import AccessibilitySettings, Snapshot, build_speech
from accessibility.theme import DEFAULT, rgba, theme_named
from kiosk.bootstrap import Kiosk
from kiosk.bus import Dispatcher
from kiosk.circulation.api import Capabilities
from kiosk.domain.errors import KioskError
from kiosk.i18n import DEFAULT_LANGUAGE, translate
from kiosk.services import Services
from screens import registry
from screens.base import KioskScreen
from screens.calls import BackgroundCalls, on_ui_thread
from screens.capture import capture
from screens.device_input import DeviceInput
from screens.keypad_glue import KeypadGlue
from screens.remember import RememberedSettings
from screens.session import PatronSession
from screens.session_control import SessionController
from screens.speech_glue import IdleGlue, TouchGlue, attach_speech

log = logging.getLogger(__name__)


class KioskApp(App):
    language = StringProperty(DEFAULT_LANGUAGE)
    theme = ObjectProperty(DEFAULT)
    #: Text scale from the accessibility options: 1.0, 1.5 or 2.0.
    text_scale = NumericProperty(1.0)
    #: Sizes in device pixels on the configured panel (accessibility.scaling).
    font_px = NumericProperty(24)
    title_px = NumericProperty(36)
    heading_px = NumericProperty(30)
    small_px = NumericProperty(20)
    touch_px = NumericProperty(60)
    gap_px = NumericProperty(10)
    radius_px = NumericProperty(8)
    library_name = StringProperty("")
    signed_in = BooleanProperty(False)
    patron_name = StringProperty("")
    reduced_motion = BooleanProperty(False)
    demo = BooleanProperty(False)
    #: A tapped card is being checked (the attract screen says so).
    checking_card = BooleanProperty(False)
    #: Speech mode is on; the signed-in patron asked for longer timeouts.
    speech_on = BooleanProperty(False)
    long_timeouts = BooleanProperty(False)
    #: The signed-in patron keeps their settings for the next visit (opt-in).
    remembered = BooleanProperty(False)
    #: What the circulation backend offers now (renew, "Set my PIN" ...): read at
    #: sign-in and on every tick, without a round trip; screens hide what it cannot do.
    #: Only a real change dispatches, so nothing flickers.
    capabilities = ObjectProperty(Capabilities())

    def __init__(
        self,
        kiosk: Kiosk,
        services: Services | None,
        *,
        now: Callable[[], float] = time.monotonic,
        exit_after: float | None = None,
        screenshot: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        from screens import kv_guard

        kv_guard.install()  # before any screen is made (configure_kivy does it too)
        self.kiosk = kiosk
        self.services = services
        config = kiosk.config
        self.px_per_mm = config.display.px_per_mm
        self.library_name = config.kiosk.library_name
        self.reduced_motion = config.display.reduced_motion
        self.demo = config.kiosk.demo
        self.exit_after = exit_after
        self.screenshot_path = screenshot
        self.screenshot_error: str | None = None
        self._clock = now  # the session timer's and idle prompt's clock (tests drive it)
        self._quitting = False
        self.manager: ScreenManager | None = None
        self.session = PatronSession()
        self.remember = RememberedSettings(self)
        a11y, language = config.accessibility, config.kiosk.language
        #: What the kiosk says aloud (alerts always, everything in speech mode).
        self.speech = build_speech(a11y, kiosk.speaker, language)
        self.settings = AccessibilitySettings(
            a11y, self.speech, language=language, on_change=self._mirror
        )
        self._mirror(self.settings.snapshot())
        self.bind(theme=self._resize, text_scale=self._resize)
        self._resize()
        self.dispatcher = Dispatcher(kiosk.bus, on_ui_thread)
        self.calls = BackgroundCalls(self.session, lambda: self.services)
        #: The screens' background calls (:meth:`screens.calls.BackgroundCalls.call`).
        self.call = self.calls.call
        self.session_control = SessionController(self, now)
        self.devices = DeviceInput(self)
        self.device_status = self.devices.status
        self.keypad: KeypadGlue | None = None  # made in build, with the screen manager
        self.idle_glue: IdleGlue | None = None
        self.touch_glue: TouchGlue | None = None

    # -- the settings, mirrored for kv; sizes and words for kv ----------------------
    def _mirror(self, now: Snapshot) -> None:
        """Every change of the accessibility settings, into the properties kv binds to.
        Only a real change dispatches; a new language re-renders every screen once."""
        language_changed = now.language != self.language
        self.language = now.language
        self.theme = theme_named(now.theme)
        self.text_scale = now.text_scale
        self.speech_on = now.speech
        self.long_timeouts = now.long_timeouts
        if language_changed and self.manager is not None:
            for screen in self.screens():
                screen.render()
        self.remember.changed()

    def _resize(self, *_args: Any) -> None:
        sizes = font_sizes(self.theme, self.text_scale, self.px_per_mm)
        self.font_px, self.title_px = sizes.body_px, sizes.title_px
        self.heading_px, self.small_px = sizes.heading_px, sizes.small_px
        self.touch_px = sizes.touch_px
        self.gap_px = max(4, round(self.theme.gap_mm * self.px_per_mm))
        self.radius_px = round(self.theme.radius_mm * self.px_per_mm)
        if self.manager is not None:
            Window.clearcolor = rgba(self.theme.background)

    def rgba(self, colour: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
        return rgba(colour, alpha)

    def t(self, key: str, language: str, **params: Any) -> str:
        """Translate for kv; ``language`` is passed so bindings re-run on a switch."""
        return translate(key, language, **params)

    def tr(self, key: str, **params: Any) -> str:
        """Translate into the current language (for Python code)."""
        return translate(key, self.language, **params)

    def describe(self, error: KioskError) -> str:
        return translate(error.key, self.language, **error.params)

    def alert(self, text: str) -> None:
        """An error shown on screen is spoken too (WCAG 3.3.1), with the error earcon."""
        self.speech.error(text)

    def announce(self, text: str) -> None:
        """A result the screen now shows, spoken in speech mode (errors: :meth:`alert`)."""
        self.speech.say(text)

    # -- lifecycle ------------------------------------------------------------------
    def build(self) -> Any:
        self.title = self.library_name
        # The shared widget classes must be registered before their rules load.
        import screens.widgets  # noqa: F401

        registry.load_kv("widgets")
        Window.clearcolor = rgba(self.theme.background)
        if self.kiosk.config.display.hide_cursor:
            Window.show_cursor = False
        # Screens change at once: calm, and on a Pi's GPU or llvmpipe a cross-fade
        # costs frames that the tap-to-name time cannot spare.
        self.manager = ScreenManager(transition=NoTransition())
        # Only the idle screen before the first frame: the others are made one per frame
        # right after it is drawn (or at once when asked for), so the kiosk shows its
        # "tap your card" screen as early as it can.
        self.manager.add_widget(registry.make_screen(registry.NAMES[0]))
        Clock.schedule_once(lambda _dt: self._make_next_screen(), 0.05)
        self.keypad = KeypadGlue(self, on_activity=self.activity)
        root = BoxLayout(orientation="horizontal")
        root.add_widget(self.manager)
        if self.demo:
            # Beside the screens, not over them: the demo strip never hides a button.
            from screens.demo_panel import DemoPanel

            registry.load_kv("demo_panel")
            root.add_widget(DemoPanel(kiosk=self.kiosk))
        return root

    def on_start(self) -> None:
        self.devices.subscribe(self.dispatcher)
        self.session_control.start()
        Window.bind(on_request_close=self._on_request_close)
        self.idle_glue, self.touch_glue = attach_speech(self, self._clock)
        if self.screenshot_path:
            path = self.screenshot_path
            Clock.schedule_once(lambda _dt: capture(path, self._screenshot_taken), 0.5)
        if self.exit_after is not None:
            Clock.schedule_once(lambda _dt: self.quit(), self.exit_after)

    def _screenshot_taken(self, error: str | None) -> None:
        self.screenshot_error = self.screenshot_error or error

    def on_stop(self) -> None:
        self.session_control.stop()
        self.dispatcher.close()
        self.calls.shutdown()
        if self.screenshot_path and not os.path.exists(self.screenshot_path):
            self.screenshot_error = "the app stopped before the first screen was drawn"
            log.error("screenshot not written: %s", self.screenshot_error)

    def quit(self) -> None:
        """End the app (staff mode, ``--exit-after``): the only way out in kiosk mode."""
        self._quitting = True
        self.stop()

    def _on_request_close(self, *_args: Any, **_kwargs: Any) -> bool:
        # Kiosk mode (full screen or borderless): closing the window does nothing.
        display = self.kiosk.config.display
        return (display.fullscreen or display.borderless) and not self._quitting

    def activity(self) -> None:
        """A touch or key (also one that touch and hear held back from the widgets):
        the session timer and the idle prompt start their wait again."""
        self.session_control.activity()
        if self.idle_glue is not None:
            self.idle_glue.activity()

    # -- navigation --------------------------------------------------------------------
    @property
    def current(self) -> str:
        assert self.manager is not None
        return str(self.manager.current)

    def screen(self, name: str) -> Any:
        assert self.manager is not None
        if not self.manager.has_screen(name):
            self.manager.add_widget(registry.make_screen(name))
        return self.manager.get_screen(name)

    def _make_next_screen(self) -> None:
        """Warm-up after start: make the next screen not made yet, one per frame."""
        assert self.manager is not None
        missing = [n for n in registry.NAMES if not self.manager.has_screen(n)]
        if missing:
            self.screen(missing[0])
            Clock.schedule_once(lambda _dt: self._make_next_screen(), 0)

    def screens(self) -> list[KioskScreen]:
        assert self.manager is not None
        return list(self.manager.screens)

    def current_screen(self) -> KioskScreen:
        assert self.manager is not None
        return self.manager.current_screen

    def go(self, name: str) -> None:
        """Show screen ``name``; a patron-only screen without a patron shows attract."""
        assert self.manager is not None
        target = self.screen(name)
        if target.needs_patron and not self.session.signed_in:
            name = "attract"
        self.session_control.activity()
        if self.manager.current == name:
            target.refresh()
        else:
            self.manager.current = name

    def go_home(self) -> None:
        self.go("home" if self.session.signed_in else "attract")

    @property
    def idle(self) -> bool:
        """No background call is running or waiting to be shown (tests, screenshots)."""
        return self.calls.idle
