"""The app class: small on purpose. It owns the properties kv binds to (language,
theme, sizes, who is signed in), the screen manager, the one dispatcher from the bus
and the workers; each screen's behaviour lives in its own module.

Threads: everything here runs on Kivy's main thread. Device events arrive through the
:class:`~kiosk.bus.Dispatcher`; slow calls go to a :class:`~screens.worker.Worker` and
come back through ``Clock.schedule_once``.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView
from kivy.uix.screenmanager import NoTransition, ScreenManager

from accessibility.keypad import Focusable, Keymap, KeypadNavigator
from accessibility.session import build_speech
from accessibility.theme import DEFAULT, THEMES, Theme, rgba, theme_named
from accessibility.timeouts import Phase, SessionTimer, TimeoutPolicy
from kiosk.bootstrap import Kiosk
from kiosk.bus import Dispatcher
from kiosk.circulation.api import Capabilities, Patron
from kiosk.domain.errors import KioskError
from kiosk.domain.events import (
    CardTapped,
    DeviceStatus,
    ItemScanned,
    SessionEnded,
    SessionWarning,
    TagsRead,
)
from kiosk.i18n import LANGUAGES, translate
from kiosk.preferences import Preferences
from kiosk.services import Services
from screens import registry
from screens.base import KioskScreen
from screens.session import PatronSession
from screens.worker import Worker

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
T = TypeVar("T")

#: Button roles -> (fill colour, label colour) theme fields.
ROLES = {
    "primary": ("primary", "on_primary"),
    "secondary": ("secondary", "on_secondary"),
    "danger": ("error", "on_error"),
    "quiet": ("surface", "text"),
}


class KioskApp(App):
    language = StringProperty("id")
    theme = ObjectProperty(DEFAULT)
    #: Text scale from the accessibility options: 1.0, 1.5 or 2.0.
    text_scale = NumericProperty(1.0)
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
    #: Speech mode is on (mirrors the speech controller, for the accessibility screen).
    speech_on = BooleanProperty(False)
    #: The signed-in patron asked for longer timeouts (a stored preference or a toggle).
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
        self.language = config.kiosk.language
        self.library_name = config.kiosk.library_name
        self.reduced_motion = config.display.reduced_motion
        self.demo = config.kiosk.demo
        self.exit_after = exit_after
        self.screenshot_path = screenshot
        self.screenshot_error: str | None = None
        self.session = PatronSession()
        a11y = config.accessibility
        self.theme = theme_named(a11y.theme)
        self.text_scale = a11y.text_scale
        #: Inactivity: warn, let the patron extend, then sign out (WCAG 2.2.1).
        self.base_policy = TimeoutPolicy.from_config(a11y)
        self.timer = SessionTimer(self.base_policy, clock=now)
        #: What the kiosk says aloud (alerts always, everything in speech mode); the
        #: keypad mode of the accessibility layer drives the rest of it.
        self.speech = build_speech(a11y, kiosk.speaker, self.language)
        #: Keypad mode (EZ Access): the current screen's controls in reading order.
        self.navigator = KeypadNavigator(
            self.speech,
            Keymap(a11y.keymap),
            help_twice_s=a11y.help_twice_s,
            on_back=self._keypad_back,
            on_focus=self._keypad_focus,
        )
        self.speech_on = self.speech.speech_mode
        self.speech.on_mode_change = self._speech_mode_changed
        self.focus_ring: Any = None
        self._speech_clock = now  # the idle prompt's clock (tests drive it)
        self.touch_glue: Any = None
        self._keypad_root: Any = None  # the screen or modal the keypad items are from
        self.idle_glue: Any = None
        self.dispatcher = Dispatcher(kiosk.bus, self._schedule)
        self.worker = Worker(self._schedule, "kiosk-services")
        self.device_worker = Worker(self._schedule, "kiosk-devices")
        #: Last health reported per device name (equipment state is the equipment
        #: controller's: ``services.equipment``).
        self.device_status: dict[str, DeviceStatus] = {}
        self.manager: ScreenManager | None = None
        self._warning: Any = None
        self._warned = False
        self._quitting = False
        self.bind(theme=self._resize, text_scale=self._resize)
        self._resize()

    @staticmethod
    def _schedule(fn: Callable[[], None]) -> None:
        # Clock.schedule_once is safe to call from any thread; fn runs on the UI thread.
        Clock.schedule_once(lambda _dt: fn())

    @staticmethod
    def _schedule_before_frame(fn: Callable[[], None]) -> None:
        # Timeout -1: still in this frame, just before it is drawn (UI thread only).
        Clock.schedule_once(lambda _dt: fn(), -1)

    # -- sizes and colours for kv ------------------------------------------------------
    def _resize(self, *_args: Any) -> None:
        """Font sizes from cap heights in mm (cap height ~0.7 of the font size), touch
        targets from mm, both on the configured panel."""
        theme: Theme = self.theme
        ppm = self.px_per_mm
        scale = self.text_scale

        def font(mm: float) -> int:
            return round(mm * ppm * scale / 0.7)

        self.font_px = font(theme.body_mm)
        self.title_px = font(theme.title_mm)
        self.heading_px = font(theme.heading_mm)
        self.small_px = font(theme.small_mm)
        self.touch_px = max(math.ceil(theme.touch_mm * ppm), round(self.font_px * 1.9))
        self.gap_px = max(4, round(theme.gap_mm * ppm))
        self.radius_px = round(theme.radius_mm * ppm)
        if self.manager is not None:
            Window.clearcolor = rgba(theme.background)
        if getattr(self, "focus_ring", None) is not None:
            self.focus_ring.set_theme(theme)

    def rgba(self, colour: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
        return rgba(colour, alpha)

    def fill_rgba(
        self, role: str, theme: Theme, disabled: bool = False
    ) -> tuple[float, float, float, float]:
        fill, _ink = ROLES.get(role, ROLES["primary"])
        return rgba(theme.surface if disabled else getattr(theme, fill))

    def ink_rgba(
        self, role: str, theme: Theme, disabled: bool = False
    ) -> tuple[float, float, float, float]:
        _fill, ink = ROLES.get(role, ROLES["primary"])
        return rgba(theme.muted_text if disabled else getattr(theme, ink))

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

    # -- run-time switches ------------------------------------------------------------
    def set_language(self, language: str) -> None:
        if language in LANGUAGES and language != self.language:
            self.language = language
            self.speech.language = language  # speech follows the screen
            for screen in self.screens():
                screen.render()

    def toggle_language(self) -> None:
        """The header's language button: a patron's own choice (remembered if they opted in)."""
        self.set_language("en" if self.language == "id" else "id")
        self.settings_changed()

    def set_theme(self, name: str) -> None:
        self.theme = THEMES[name]

    def set_text_scale(self, scale: float) -> None:
        self.text_scale = scale

    def set_speech(self, on: bool) -> None:
        self.speech.set_speech_mode(on)

    def _speech_mode_changed(self, on: bool) -> None:
        self.speech_on = on

    # -- patron preferences (opt-in) ------------------------------------------------
    def set_long_timeouts(self, on: bool) -> None:
        """Longer timeouts for this patron: the running countdown restarts with them."""
        self.long_timeouts = on
        if self.timer.phase is not Phase.STOPPED:
            self.timer.start(self.policy)

    @property
    def policy(self) -> TimeoutPolicy:
        return self.base_policy.for_patron(self.long_timeouts)

    def current_preferences(self) -> Preferences:
        """What "remember my settings" stores: everything the patron can choose here."""
        theme: Theme = self.theme
        return Preferences(
            language=self.language,
            theme=theme.name,
            text_scale=float(self.text_scale),
            speech=self.speech.speech_mode,
            long_timeouts=self.long_timeouts,
        )

    def apply_preferences(self, preferences: Preferences) -> None:
        """Sign-in: the patron's stored choices replace the kiosk defaults."""
        if preferences.language is not None:
            self.set_language(preferences.language)
        if preferences.theme is not None:
            self.set_theme(preferences.theme)
        if preferences.text_scale is not None:
            self.set_text_scale(preferences.text_scale)
        if preferences.speech is not None:
            self.speech.set_speech_mode(preferences.speech, announce=False)
        if preferences.long_timeouts is not None:
            self.set_long_timeouts(preferences.long_timeouts)
        self.remembered = not preferences.empty

    def remember_settings(self, on: bool) -> None:
        """The patron's "remember my settings" choice: store them now (and keep them up
        to date while signed in) or forget every stored choice."""
        services = self.services
        if services is None or services.preferences is None or not self.session.signed_in:
            return
        store, ref = services.preferences, self.session.ref
        wanted = self.current_preferences()
        self.remembered = on
        self.call(
            (lambda: store.save(ref, wanted)) if on else (lambda: store.forget(ref)),
            lambda _r: None,
            self._preferences_failed,
            quick=True,
        )

    def settings_changed(self) -> None:
        """A setting changed on the accessibility screen: a patron who asked to be
        remembered gets the new value stored too."""
        if self.remembered:
            self.remember_settings(True)

    def _preferences_failed(self, error: KioskError) -> None:
        self.remembered = False
        self.alert(self.describe(error))

    # -- lifecycle ------------------------------------------------------------------
    def build(self) -> Any:
        self.title = self.library_name
        # The shared widget classes must be registered before their rules load.
        import screens.widgets  # noqa: F401

        registry.load_kv("widgets")
        Window.clearcolor = rgba(self.theme.background)
        display = self.kiosk.config.display
        if display.hide_cursor:
            Window.show_cursor = False
        # Screens change at once: calm, and on a Pi's GPU or llvmpipe a cross-fade
        # costs frames that the tap-to-name time cannot spare.
        self.manager = ScreenManager(transition=NoTransition())
        # Only the idle screen before the first frame: the others are made one per frame
        # right after it is drawn (or at once when asked for), so the kiosk shows its
        # "tap your card" screen as early as it can.
        self.manager.add_widget(registry.make_screen(registry.NAMES[0]))
        Clock.schedule_once(lambda _dt: self._make_next_screen(), 0.05)
        from accessibility.kivy_focus import FocusRing

        self.focus_ring = FocusRing(self.theme, self.px_per_mm)
        self.manager.bind(current=lambda *_a: Clock.schedule_once(lambda _dt: self.keypad_page()))
        root = BoxLayout(orientation="horizontal")
        root.add_widget(self.manager)
        if self.demo:
            # Beside the screens, not over them: the demo strip never hides a button.
            from screens.demo_panel import DemoPanel

            registry.load_kv("demo_panel")
            root.add_widget(DemoPanel(kiosk=self.kiosk))
        return root

    def on_start(self) -> None:
        self.dispatcher.subscribe(CardTapped, self._on_card)
        self.dispatcher.subscribe(ItemScanned, self._on_item)
        self.dispatcher.subscribe(TagsRead, self._on_tags)
        self.dispatcher.subscribe(DeviceStatus, self._on_device_status)
        Window.bind(on_touch_down=self._activity, on_key_down=self._on_key_down)
        Window.bind(on_request_close=self._on_request_close)
        self._tick_event = Clock.schedule_interval(lambda _dt: self.tick(), 0.25)
        self._start_speech()
        if self.screenshot_path:
            Clock.schedule_once(lambda _dt: self.capture(self.screenshot_path or ""), 0.5)
        if self.exit_after is not None:
            Clock.schedule_once(lambda _dt: self.quit(), self.exit_after)

    def on_stop(self) -> None:
        self.dispatcher.close()
        self.worker.shutdown()
        self.device_worker.shutdown()
        if self.screenshot_path and not os.path.exists(self.screenshot_path):
            self.screenshot_error = "the app stopped before the first screen was drawn"
            log.error("screenshot not written: %s", self.screenshot_error)

    def quit(self) -> None:
        """End the app (staff mode, ``--exit-after``): the only way out in kiosk mode."""
        self._quitting = True
        self.stop()

    def _on_request_close(self, *_args: Any, **_kwargs: Any) -> bool:
        # Kiosk mode: closing the window does nothing; only staff mode quits.
        return self.kiosk_mode and not self._quitting

    @property
    def kiosk_mode(self) -> bool:
        display = self.kiosk.config.display
        return display.fullscreen or display.borderless

    def _on_key_down(
        self,
        _window: Any,
        key: int,
        _scancode: int = 0,
        codepoint: str | None = None,
        modifiers: list[str] | None = None,
        *_args: Any,
    ) -> bool:
        from accessibility.kivy_focus import key_name

        self.timer.activity()
        # The screen may have changed since the last key (a row added, a modal opened).
        self._keypad_sync()
        if self.navigator.handle_key(key_name(key, codepoint), modifiers or []):
            return True
        # Escape (27) must never leave the app in kiosk mode.
        return key == 27

    # -- keypad mode -----------------------------------------------------------------
    def keypad_items(self) -> list[Focusable]:
        from screens.keypad import focusables, top_modal

        if self.manager is None:
            return []
        root = top_modal(Window) or self.current_screen()
        return focusables(root, self)

    def keypad_page(self) -> None:
        """A new screen: its items, and its title spoken in speech mode."""
        from screens.keypad import top_modal

        if self.manager is None:
            return
        header = next(
            (w for w in self.current_screen().walk() if type(w).__name__ == "Header"), None
        )
        title = header.title if header is not None and header.title else ""
        if not title and top_modal(Window) is None and self.current == "attract":
            title = self.library_name
        modal = top_modal(Window)
        if modal is not None:
            title = str(getattr(modal, "title", "") or "")  # the modal's, not the screen's
        self._keypad_root = modal or self.current_screen()
        self.navigator.set_items(self.keypad_items(), title)

    def _keypad_sync(self) -> None:
        """Before a key: the same screen or modal keeps its focus position over its
        current items; a modal that opened or closed since starts at its top."""
        from screens.keypad import top_modal

        root = top_modal(Window) or (self.current_screen() if self.manager else None)
        if root is not self._keypad_root:
            self.keypad_page()
        else:
            self.navigator.update_items(self.keypad_items())

    def _modal_changed(self) -> None:
        from screens.keypad import top_modal

        if self.manager is None:
            return
        if (top_modal(Window) or self.current_screen()) is not self._keypad_root:
            self.keypad_page()  # opened or closed: its title now, focus at its top

    def _keypad_back(self) -> None:
        from screens.keypad import top_modal

        modal = top_modal(Window)
        if modal is not None:
            modal.dismiss()
            return
        header = next(
            (w for w in self.current_screen().walk() if type(w).__name__ == "Header"), None
        )
        if header is not None and header.back_to:
            self.go(header.back_to)

    def _keypad_focus(self, item: Focusable | None) -> None:
        from screens.speech_glue import scroll_into_view

        if item is not None:
            scroll_into_view(item.widget)  # a row further down a list comes into view
        if self.focus_ring is not None:
            self.focus_ring.follow(item)

    # -- speech for every screen (touch and hear, idle prompt, results) ---------------
    def _start_speech(self) -> None:
        from screens.speech_glue import IdleGlue, TouchGlue

        a11y = self.kiosk.config.accessibility
        self.idle_glue = IdleGlue(self, a11y.idle_prompt_s, self._speech_clock)
        # Window handlers bound later are called first; one returning True stops the
        # rest. The idle prompt hears of every key and touch before the keypad or a
        # widget may stop it; touch and hear, bound last, sees a touch before anyone.
        idle = self.idle_glue
        Window.bind(on_key_down=lambda *_a: idle.activity(), on_touch_down=self._touch_down)
        self.touch_glue = TouchGlue(self, a11y.touch_hear_ms)
        # A modal opened or closed (a keyboard, a question, the timeout warning): after
        # its first layout, the keypad moves into it (or back to the screen).
        Window.bind(children=lambda *_a: Clock.schedule_once(lambda _dt: self._modal_changed()))
        self.bind(signed_in=lambda _app, on: None if on else self._lists_to_top())

    def _lists_to_top(self) -> None:
        """Sign-out: every list back at its top (the keypad may have scrolled one down);
        the next patron starts where reading starts."""
        from screens.speech_glue import scroll_to_top

        for screen in self.screens():
            scroll_to_top(screen)

    def _touch_down(self, *_args: Any) -> None:
        # Any touch is a new action: it stops what is being said (an alert too), and
        # the idle prompt waits again. Returns None: the touch goes on to the widgets.
        self.speech.interrupt()
        if self.idle_glue is not None:
            self.idle_glue.activity()

    def touched(self) -> None:
        """A touch the widgets did not get (touch and hear held it back): still
        activity for the session timer and the idle prompt."""
        self._activity()
        if self.idle_glue is not None:
            self.idle_glue.activity()

    def announce(self, text: str) -> None:
        """A result the screen now shows, spoken in speech mode (errors go through
        :meth:`alert`, spoken always)."""
        self.speech.say(text)

    def _activity(self, *_args: Any) -> None:
        self.timer.activity()

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
        self.timer.activity()
        if self.manager.current == name:
            target.refresh()
        else:
            self.manager.current = name

    def go_home(self) -> None:
        self.go("home" if self.session.signed_in else "attract")

    # -- background calls ----------------------------------------------------------
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
        clears every trace, even of answers still on their way).

        ``quick``: a plain read or write of the library's records (no PIN hashing, no
        device, no network of its own). On the local backend such a call takes well
        under a millisecond, so it runs right here and its answer is drawn in this very
        frame instead of the next (DESIGN.md: services are "fast, sync"; only slow calls
        go to a worker). On a networked backend it goes to the worker like any other."""
        generation = self.session.generation

        def done(result: T) -> None:
            if generation == self.session.generation:
                on_done(result)

        def failed(error: KioskError) -> None:
            if generation == self.session.generation and on_error is not None:
                on_error(error)

        services = self.services
        if quick and not device and services is not None and services.local:
            self.worker.run_here(fn, done, failed, self._schedule_before_frame)
        else:
            (self.device_worker if device else self.worker).submit(fn, done, failed)

    @property
    def idle(self) -> bool:
        """No background call is running or waiting to be shown (tests, screenshots)."""
        return self.worker.idle and self.device_worker.idle

    # -- patron session --------------------------------------------------------------
    def begin_session(self, patron: Patron, *, card_in_hand: bool = False) -> None:
        """A patron signed in: their stored settings (if they opted in) apply, then staff
        go to staff mode (only with their PIN checked), others to the home screen.
        ``card_in_hand``: signed in with the card itself, not a typed number."""
        self.session.begin(patron, card_in_hand=card_in_hand)
        self.signed_in = True
        self.patron_name = patron.name
        if patron.language in LANGUAGES:
            self.set_language(patron.language or self.language)
        services = self.services
        if services is not None and services.preferences is not None:
            store, ref = services.preferences, patron.ref
            self.call(lambda: store.load(ref), self.apply_preferences, quick=True)
        self.timer.start(self.policy)
        self.refresh_capabilities()  # before home is drawn: its buttons are right at once
        self.go("staff" if patron.is_staff and patron.pin_verified else "home")

    def refresh_capabilities(self) -> None:
        services = self.services
        if services is not None:
            try:
                self.capabilities = services.circulation.capabilities()
            except Exception:  # a backend bug must not stop the tick
                log.exception("circulation capabilities unreadable")

    def sign_out(self, reason: str = "sign_out") -> None:
        """End the session and clear every trace of the patron from every screen."""
        self._dismiss_modals()
        services = self.services
        if services is not None and self.session.patron is not None:
            # The backend's end of the session (SIP2: 35, the session PIN forgotten).
            ref, circulation = self.session.ref, services.circulation
            self.call(lambda: circulation.end_session(ref), lambda _r: None, quick=True)
        self.session.end()
        self.signed_in = False
        self.patron_name = ""
        for screen in self.screens():
            screen.reset()
        self._warned = False
        # Nothing of one patron's choices stays for the next: language, colours, size.
        a11y = self.kiosk.config.accessibility
        self.set_language(self.kiosk.config.kiosk.language)
        self.theme = theme_named(a11y.theme)
        self.text_scale = a11y.text_scale
        self.long_timeouts = False
        self.remembered = False
        self.timer.stop()
        self.speech.reset()  # default volume, speech mode off, last utterance forgotten
        assert self.manager is not None
        self.manager.current = "attract"
        self.kiosk.bus.publish(SessionEnded(reason=reason))

    def more_time(self) -> None:
        # The press on this button already counted as activity, which extends during
        # the warning: extend only if that did not happen (one press, one extension).
        if self.timer.phase is Phase.WARNING:
            self.timer.extend()
        if self.timer.phase is not Phase.WARNING:
            self._hide_warning()

    def tick(self) -> None:
        """Four times a second: the inactivity warning and the sign-out. The countdown
        runs on every screen but the idle one (a return needs no card, and is timed too)."""
        self.refresh_capabilities()
        if self.manager is None or self.manager.current == "attract":
            self.timer.stop()
            self._hide_warning()
            return
        if self.timer.phase is Phase.STOPPED:
            self.timer.start(self.policy)
        phase = self.timer.poll()
        if phase is Phase.EXPIRED:
            self.sign_out("timeout")
        elif phase is Phase.WARNING:
            self._show_warning(self.timer.seconds_left())
        else:
            self._hide_warning()

    def _show_warning(self, seconds_left: int) -> None:
        from screens.widgets import TimeoutWarning

        last = self.timer.extensions_left <= 0
        if self._warning is None:
            self._warning = TimeoutWarning()
            self._warning.open(animation=False)
        self._warning.seconds_left = seconds_left
        self._warning.last = last
        if not self._warned:
            self._warned = True
            # The same words as on screen; the last warning says no more time is left.
            text_key = "ui.session.last_warning_text" if last else "ui.session.warning_text"
            self.speech.say(
                self.tr("ui.session.warning_title") + " " + self.tr(text_key, seconds=seconds_left),
                alert=True,
            )
            self.kiosk.bus.publish(
                SessionWarning(
                    key="ui.session.warning_text", seconds_left=seconds_left, language=self.language
                )
            )

    def _hide_warning(self) -> None:
        self._warned = False
        if self._warning is not None:
            self._warning.dismiss(animation=False)
            self._warning = None

    def _dismiss_modals(self) -> None:
        self._warning = None
        for child in list(Window.children):
            if isinstance(child, ModalView):
                child.dismiss(animation=False)

    # -- device events (already on the UI thread) -------------------------------------
    def _on_card(self, event: CardTapped) -> None:
        self.timer.activity()
        if self.current_screen().on_card(event):
            return
        if not self.session.signed_in:
            self.screen("signin").start_with_card(event)

    def _on_item(self, event: ItemScanned) -> None:
        self.timer.activity()
        if self.current_screen().on_item(event.barcode):
            return
        if self.current == "attract":
            # Scanning a book at the idle screen starts a return: no card needed.
            self.go("returns")
            self.screen("returns").on_item(event.barcode)
        elif self.current == "home":
            # A signed-in patron scanning at home wants to borrow it.
            self.go("borrow")
            self.screen("borrow").on_item(event.barcode)

    def _on_tags(self, event: TagsRead) -> None:
        self.timer.activity()
        self.current_screen().on_tags(event)

    def _on_device_status(self, event: DeviceStatus) -> None:
        self.device_status[event.device] = event
        if self.current == "staff":
            self.current_screen().render()

    # -- screenshots: taken in on_flip, after a redraw (a Clock callback can be black) --
    def capture(self, path: str, then: Callable[[], None] | None = None) -> None:
        """Write the window to ``path`` (PNG) at the next frame, then call ``then``."""

        def take(*_args: Any) -> None:
            Window.unbind(on_flip=take)
            target = Path(path).resolve()
            target.parent.mkdir(parents=True, exist_ok=True)
            written = Window.screenshot(name=str(target.with_suffix("")) + "%(counter)04d.png")
            if written:
                os.replace(written, target)
                log.info("screenshot written to %s", target)
            else:
                self.screenshot_error = "the window gave no screenshot"
            if then is not None:
                Clock.schedule_once(lambda _dt: then())

        Window.bind(on_flip=take)
        Window.canvas.ask_update()
