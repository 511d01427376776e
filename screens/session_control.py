"""A patron's visit, from sign-in to sign-out: the app owns one :class:`SessionController`.

- **Sign-in** (:meth:`SessionController.begin`): the patron's own settings (their
  record's language, their stored preferences if they opted in) are applied in one go,
  so every screen re-renders at most once; then home, or staff mode for staff whose PIN
  was checked.
- **Inactivity** (WCAG 2.2.1): an :class:`~accessibility.timeouts.SessionTimer`,
  polled four times a second on every screen but the idle one, warns (the dialog shows
  what :func:`~accessibility.timeouts.warn` says aloud), lets the patron ask for more
  time (:meth:`more_time`) and signs out when the time is up.
- **The patron leaves** (:meth:`leave`, their Sign out button): a survey may be
  offered first (``services.surveys.offer``; :mod:`screens.survey`), then sign-out.
  After a receipt's Done, :meth:`anything_else` asks "Anything else?" and signs out
  when its short countdown (:data:`ANYTHING_ELSE_S`) runs out.
- **Sign-out** (:meth:`sign_out`): the session counted (``services.usage.count_session``
  with the services and accessibility features used), every modal closed, every
  screen reset, its lists back at the top and no button left pressed, the settings
  back to the kiosk's defaults, the farewell said (speech mode), ``SessionEnded``
  published.

UI thread only (Kivy's clock and the app's workers call everything here on it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.modalview import ModalView

from accessibility.timeouts import Phase, SessionTimer, warn, warning_text, warning_title
from kiosk.circulation.api import Patron
from kiosk.domain.errors import KioskError
from kiosk.domain.events import SessionEnded, SessionWarning
from kiosk.i18n import LANGUAGES, translate
from kiosk.preferences import Preferences
from kiosk.surveys.api import Survey
from screens.speech_glue import scroll_to_top

if TYPE_CHECKING:
    from screens.kiosk_app import KioskApp
    from screens.session_end import AnythingElse
    from screens.widgets import TimeoutWarning

log = logging.getLogger(__name__)

#: How often the timer is polled and the warning's countdown redrawn, in seconds.
TICK_S = 0.25
#: "Anything else?" after a receipt's Done: seconds until the patron is signed out
#: (times ``long_timeout_factor`` for a patron who asked for more time). Any touch or
#: key while it shows starts the countdown again.
ANYTHING_ELSE_S = 20
#: Screen -> the service a session counts as used when the patron opened it
#: (``kiosk.circulation.usage.SESSION_SERVICES``).
SCREEN_FEATURES = {
    "borrow": "borrow",
    "returns": "return",
    "loans": "loans",
    "holds": "holds",
    "equipment": "booking",
    "events": "event",
    "feedback": "feedback",
    "pin_change": "pin",
    "print": "print",
}


class SessionController:
    def __init__(self, app: KioskApp, clock: Callable[[], float]) -> None:
        self.app = app
        self.timer = SessionTimer(
            app.settings.policy, clock=clock, on_warning=self._warn, on_expire=self._expired
        )
        #: The inactivity warning while it is open.
        self.warning: TimeoutWarning | None = None
        #: "Anything else?" while it is open, and when its countdown ends (clock s).
        self.prompt: AnythingElse | None = None
        self._prompt_ends = 0.0
        self._clock = clock
        #: What the patron used in this session (services and accessibility features).
        self.features: set[str] = set()
        self._tick: Any = None
        # Longer timeouts chosen mid-session: the running countdown restarts with them.
        app.bind(long_timeouts=lambda *_a: self._policy_changed())

    def start(self) -> None:
        """Start polling (the app's ``on_start``)."""
        self._tick = Clock.schedule_interval(lambda _dt: self.tick(), TICK_S)
        assert self.app.manager is not None
        self.app.manager.bind(current=lambda _m, name: self._opened(name))

    def _opened(self, screen: str) -> None:
        if screen != "home":
            self._hide_prompt()  # e.g. an item scanned at home: borrowing goes on
        feature = SCREEN_FEATURES.get(screen)
        if feature is not None and self.app.session.signed_in:
            self.features.add(feature)

    def _note_features(self) -> None:
        """The accessibility features in use now (sampled every tick and at the end)."""
        app = self.app
        if app.speech_on:
            self.features.add("speech")
        if app.keypad is not None and app.keypad.navigator.index is not None:
            self.features.add("keypad")
        if app.theme.name == "high_contrast":
            self.features.add("high_contrast")
        if app.text_scale > 1.0:
            self.features.add("large_text")

    def stop(self) -> None:
        """Stop polling: no warning, no sign-out by timeout (app stop, still frames)."""
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None

    def activity(self) -> None:
        """A touch, key or device input: the countdown starts again (or, during the
        warning, the session is extended; "Anything else?" waits its whole time again)."""
        self.timer.activity()
        if self.prompt is not None:
            self._prompt_ends = self._clock() + self._prompt_seconds()

    # -- sign-in ----------------------------------------------------------------------
    def begin(self, patron: Patron, *, card_in_hand: bool = False) -> None:
        """A patron signed in. ``card_in_hand``: with the card itself, not a typed
        number. Home follows once their stored settings are read (on the local backend
        within this frame)."""
        app = self.app
        self.features = set()
        app.session.begin(patron, card_in_hand=card_in_hand)
        app.signed_in = True
        app.patron_name = patron.name
        app.remember.load(lambda stored: self._settle_in(patron, stored))

    def _settle_in(self, patron: Patron, stored: Preferences) -> None:
        app = self.app
        # One apply: their record's language unless they stored another choice.
        own = patron.language if patron.language in LANGUAGES else None
        app.settings.apply(replace(stored, language=stored.language or own))
        self.timer.start(app.settings.policy)
        self.refresh_capabilities()  # before home is drawn: its buttons are right at once
        app.go("staff" if patron.is_staff and patron.pin_verified else "home")

    def refresh_capabilities(self) -> None:
        """What the circulation backend offers now (renew, "Set my PIN" ...)."""
        services = self.app.services
        if services is not None:
            try:
                self.app.capabilities = services.circulation.capabilities()
            except Exception:  # a backend bug must not stop the tick
                log.exception("circulation capabilities unreadable")

    # -- the end of a visit -------------------------------------------------------------
    def anything_else(self) -> None:
        """After a receipt's Done: home, and "Anything else?" with a countdown to
        sign-out (said in speech mode)."""
        from screens.session_end import AnythingElse

        app = self.app
        app.go("home")
        if not app.session.signed_in:
            return
        self._hide_prompt()
        self.prompt = AnythingElse(on_stay=self.stay, on_leave=self.leave)
        self._prompt_ends = self._clock() + self._prompt_seconds()
        self._update_prompt()
        self.prompt.open(animation=False)
        app.announce(f"{self.prompt.heading} {self.prompt.text}")

    def _prompt_seconds(self) -> float:
        longer = self.app.long_timeouts
        return ANYTHING_ELSE_S * (self.app.settings.policy.long_factor if longer else 1)

    def _update_prompt(self) -> None:
        if self.prompt is not None:
            left = max(0, round(self._prompt_ends - self._clock()))
            self.prompt.seconds_left = left
            self.prompt.heading = self.app.tr("ui.session.anything_else")
            self.prompt.text = self.app.tr("ui.session.countdown", seconds=left)

    def stay(self) -> None:
        """ "Yes, continue": back to Home, still signed in."""
        self._hide_prompt()

    def _hide_prompt(self) -> None:
        if self.prompt is not None:
            prompt, self.prompt = self.prompt, None
            prompt.dismiss(animation=False)

    def leave(self) -> None:
        """The patron signs out (their Sign out button): a survey first when one is
        offered to them now, then sign-out."""
        app = self.app
        self._hide_prompt()
        services = app.services
        if services is None or not app.session.signed_in:
            self.sign_out("sign_out")
            return
        ref, surveys = app.session.ref, services.surveys
        app.call(lambda: surveys.offer(ref), self._offered, self._not_offered, quick=True)

    def _offered(self, survey: Survey | None) -> None:
        if survey is None:
            self.sign_out("sign_out")
            return
        from screens.survey import SurveyDialog

        self.dismiss_modals()
        SurveyDialog(survey=survey, on_done=lambda: self.sign_out("sign_out")).show()

    def _not_offered(self, error: KioskError) -> None:
        log.warning("no survey offered: %s", error.key)
        self.sign_out("sign_out")

    # -- sign-out ---------------------------------------------------------------------
    def sign_out(self, reason: str = "sign_out") -> None:
        """End the session and clear every trace of the patron from every screen."""
        app = self.app
        self.dismiss_modals()
        services = app.services
        signed_in = app.session.patron is not None
        if services is not None and signed_in:
            # The backend's end of the session (SIP2: 35, the session PIN forgotten).
            ref, circulation = app.session.ref, services.circulation
            app.call(lambda: circulation.end_session(ref), lambda _r: None, quick=True)
            self._count(services.usage)
        # The farewell is said after the reset (which silences speech), in the words
        # and voice of the patron's language, if they listened.
        language, listening = app.language, app.speech.speech_mode
        app.session.end()
        app.signed_in = False
        app.patron_name = ""
        app.remembered = False  # before the reset: the defaults are not stored for them
        for screen in app.screens():
            screen.reset()
            scroll_to_top(screen)  # the keypad may have scrolled a list down
            release_buttons(screen)
        if app.keypad is not None:
            app.keypad.navigator.set_items([], announce=False)  # no focus ring left
        self.timer.stop()
        # Nothing of one patron's choices stays for the next: language, colours, size,
        # longer time, speech mode and volume.
        app.settings.reset()
        assert app.manager is not None
        app.manager.current = "attract"
        if signed_in and listening:
            key = "ui.session.timed_out" if reason == "timeout" else "ui.session.signed_out"
            app.speech.goodbye(translate(key, language), language)
        app.kiosk.bus.publish(SessionEnded(reason=reason))

    def _count(self, usage: Any) -> None:
        """One anonymous count of the session, what it used and its language."""
        self._note_features()
        manager = self.app.manager
        loans = manager.get_screen("loans") if manager and manager.has_screen("loans") else None
        if getattr(loans, "results", None):
            self.features.add("renew")  # a renewal was asked for, not only a look
        features, language = sorted(self.features), self.app.language
        self.features = set()
        try:
            usage.count_session(features, language)
        except Exception:  # counting must never keep a patron signed in
            log.exception("session not counted")

    def dismiss_modals(self) -> None:
        self.prompt = None
        self.warning = None
        for child in list(Window.children):
            if isinstance(child, ModalView):
                child.dismiss(animation=False)

    # -- inactivity -------------------------------------------------------------------
    def tick(self) -> None:
        """The countdown runs on every screen but the idle one (a return needs no card,
        and is timed too)."""
        self.refresh_capabilities()
        app = self.app
        if app.manager is None or app.current == "attract":
            self.timer.stop()
            self._hide_warning()
            return
        self._note_features()
        if self.prompt is not None:
            self._update_prompt()
            if self._clock() >= self._prompt_ends:
                self.sign_out("timeout")
                return
        if self.timer.phase is Phase.STOPPED:
            self.timer.start(app.settings.policy)
        phase = self.timer.poll()  # may call _warn or _expired
        if phase is Phase.WARNING:
            self.show_warning(self.timer.seconds_left())
        else:
            self._hide_warning()

    def _warn(self, seconds_left: int) -> None:
        """Once per countdown: said aloud (an alert, heard with speech mode off too)."""
        app = self.app
        warn(app.speech, seconds_left, self.timer.extensions_left)
        app.kiosk.bus.publish(
            SessionWarning(
                key="a11y.timeout.warning", seconds_left=seconds_left, language=app.language
            )
        )

    def _expired(self) -> None:
        self.sign_out("timeout")

    def show_warning(self, seconds_left: int) -> None:
        """Open the warning, or bring its countdown up to date: the same words
        :func:`~accessibility.timeouts.warn` says."""
        from screens.widgets import TimeoutWarning

        if self.warning is None:
            self.warning = TimeoutWarning()
            self.warning.open(animation=False)
        speech, left = self.app.speech, self.timer.extensions_left
        self.warning.heading = warning_title(speech)
        self.warning.text = warning_text(speech, seconds_left, left)
        self.warning.seconds_left = seconds_left
        self.warning.last = left <= 0

    def _hide_warning(self) -> None:
        if self.warning is not None:
            self.warning.dismiss(animation=False)
            self.warning = None

    def more_time(self) -> None:
        """The warning's "More time" button."""
        # The press on this button already counted as activity, which extends during
        # the warning: extend only if that did not happen (one press, one extension).
        if self.timer.phase is Phase.WARNING:
            self.timer.extend()
        if self.timer.phase is not Phase.WARNING:
            self._hide_warning()

    def _policy_changed(self) -> None:
        if self.timer.phase is not Phase.STOPPED:
            self.timer.start(self.app.settings.policy)


def release_buttons(root: Any) -> None:
    """No button under ``root`` left pressed: the next patron must not find the last
    one's press still shaded, nor have it act for them when that finger lifts."""
    for widget in root.walk(restrict=True):
        if isinstance(widget, ButtonBehavior) and widget.state != "normal":
            touch = widget.last_touch
            if touch is not None:
                touch.ungrab(widget)  # its touch-up no longer reaches the button
            widget.state = "normal"
