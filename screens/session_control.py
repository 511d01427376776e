"""A patron's visit, from sign-in to sign-out: the app owns one :class:`SessionController`.

- **Sign-in** (:meth:`SessionController.begin`): the patron's own settings (their
  record's language, their stored preferences if they opted in) are applied in one go,
  so every screen re-renders at most once; then home, or staff mode for staff whose PIN
  was checked.
- **Inactivity** (WCAG 2.2.1): an :class:`~accessibility.timeouts.SessionTimer`,
  polled four times a second on every screen but the idle one, warns (the dialog shows
  what :func:`~accessibility.timeouts.warn` says aloud), lets the patron ask for more
  time (:meth:`more_time`) and signs out when the time is up.
- **Sign-out** (:meth:`sign_out`): every modal closed, every screen reset and its lists
  back at the top, the settings back to the kiosk's defaults, ``SessionEnded``
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
from kivy.uix.modalview import ModalView

from accessibility.timeouts import Phase, SessionTimer, warn, warning_text, warning_title
from kiosk.circulation.api import Patron
from kiosk.domain.events import SessionEnded, SessionWarning
from kiosk.i18n import LANGUAGES
from kiosk.preferences import Preferences
from screens.speech_glue import scroll_to_top

if TYPE_CHECKING:
    from screens.kiosk_app import KioskApp
    from screens.widgets import TimeoutWarning

log = logging.getLogger(__name__)

#: How often the timer is polled and the warning's countdown redrawn, in seconds.
TICK_S = 0.25


class SessionController:
    def __init__(self, app: KioskApp, clock: Callable[[], float]) -> None:
        self.app = app
        self.timer = SessionTimer(
            app.settings.policy, clock=clock, on_warning=self._warn, on_expire=self._expired
        )
        #: The inactivity warning while it is open.
        self.warning: TimeoutWarning | None = None
        self._tick: Any = None
        # Longer timeouts chosen mid-session: the running countdown restarts with them.
        app.bind(long_timeouts=lambda *_a: self._policy_changed())

    def start(self) -> None:
        """Start polling (the app's ``on_start``)."""
        self._tick = Clock.schedule_interval(lambda _dt: self.tick(), TICK_S)

    def stop(self) -> None:
        """Stop polling: no warning, no sign-out by timeout (app stop, still frames)."""
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None

    def activity(self) -> None:
        """A touch, key or device input: the countdown starts again (or, during the
        warning, the session is extended)."""
        self.timer.activity()

    # -- sign-in ----------------------------------------------------------------------
    def begin(self, patron: Patron, *, card_in_hand: bool = False) -> None:
        """A patron signed in. ``card_in_hand``: with the card itself, not a typed
        number. Home follows once their stored settings are read (on the local backend
        within this frame)."""
        app = self.app
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

    # -- sign-out ---------------------------------------------------------------------
    def sign_out(self, reason: str = "sign_out") -> None:
        """End the session and clear every trace of the patron from every screen."""
        app = self.app
        self.dismiss_modals()
        services = app.services
        if services is not None and app.session.patron is not None:
            # The backend's end of the session (SIP2: 35, the session PIN forgotten).
            ref, circulation = app.session.ref, services.circulation
            app.call(lambda: circulation.end_session(ref), lambda _r: None, quick=True)
        app.session.end()
        app.signed_in = False
        app.patron_name = ""
        app.remembered = False  # before the reset: the defaults are not stored for them
        for screen in app.screens():
            screen.reset()
            scroll_to_top(screen)  # the keypad may have scrolled a list down
        self.timer.stop()
        # Nothing of one patron's choices stays for the next: language, colours, size,
        # longer time, speech mode and volume.
        app.settings.reset()
        assert app.manager is not None
        app.manager.current = "attract"
        app.kiosk.bus.publish(SessionEnded(reason=reason))

    def dismiss_modals(self) -> None:
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
