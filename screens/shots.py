"""``kiosk screenshots``: walk through every screen in each language and write PNGs.

Each language starts on a fresh demo database, so both sets show the same story: the
idle screen, signing in (typing, PIN, a refused card), home, borrowing, the receipt,
returning, loans with renewals, holds, equipment, events, feedback, accessibility
options, the inactivity warning and staff mode. Device input goes through the bus,
exactly as a card reader's or scanner's thread would send it.
"""

from __future__ import annotations

import logging
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.clock import Clock

from kiosk import bootstrap, demo
from kiosk.bootstrap import Kiosk
from kiosk.domain.events import CardTapped, ItemScanned
from screens.capture import capture
from screens.kiosk_app import KioskApp
from screens.widgets import TextEntry

log = logging.getLogger(__name__)

Action = Callable[[], Any]


#: The sets ``kiosk screenshots`` renders: name -> (sub-folder, theme, text scale).
#: "standard" is the configured look; "high-contrast-2.0" the high-contrast theme at
#: the largest text size (ACCESSIBILITY.md: large text without clipping).
SETS: dict[str, tuple[str, str, float | None]] = {
    "standard": ("", "", None),
    "high-contrast-2.0": ("high-contrast-2.0", "high_contrast", 2.0),
}


class ScreenshotApp(KioskApp):
    """The app, driven by a script instead of a patron; quits when done."""

    def __init__(
        self,
        kiosk: Kiosk,
        out: Path,
        languages: list[str],
        sets: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(kiosk=kiosk, services=None, **kwargs)
        #: The running kiosk without a database whose simulators every walk-through
        #: uses; each language opens a kiosk of its own over them (:meth:`fresh`).
        self.device_kiosk = kiosk
        self.sets = list(sets or SETS)
        self._look: tuple[str, float | None] = ("", None)
        self.reduced_motion = True  # still frames: no fades, no pulsing
        self.out = out
        self.languages = languages
        self.written: list[Path] = []
        self.failure: str | None = None
        self._folder = tempfile.TemporaryDirectory(prefix="kiosk-shots-")
        self._steps: list[tuple[str, str, list[Action], tuple[str, float | None]]] = []
        self._actions: list[Action] = []
        self._target = Path()

    # -- the script ----------------------------------------------------------------
    def script(self, lang: str) -> list[tuple[str, list[Action]]]:
        cards: dict[str, demo.DemoCard] = {}
        for card in demo.demo_cards():
            cards.setdefault(card.kind, card)  # the first ordinary patron has the most to show
        bus = self.kiosk.bus
        signin = self.screen("signin")

        def tap(kind: str) -> Action:
            return lambda: bus.publish(CardTapped(reader="screenshots", uid=cards[kind].card_key))

        def scan(barcode: str) -> Action:
            return lambda: bus.publish(ItemScanned(scanner="screenshots", barcode=barcode))

        def pin(digits: str) -> Action:
            return lambda: [signin.add_digit(d) for d in digits]

        def out() -> None:
            self.session_control.sign_out("sign_out")
            self.settings.set_language(lang)

        def entry(title_key: str, layout: str, value: str) -> Action:
            return lambda: TextEntry(title=self.tr(title_key), layout=layout, value=value).open(
                animation=False
            )

        return [
            ("attract", [lambda: self.fresh(lang)]),
            ("signin-number", [signin.start_typing, lambda: setattr(signin, "typed", "PLU-00")]),
            ("signin-pin", [tap("pin"), pin("25")]),
            ("signin-refused", [self.session_control.dismiss_modals, tap("expired")]),
            ("home", [signin.reset, tap("ok")]),
            (
                "borrow",
                [lambda: self.go("borrow"), scan("B00004"), scan("B00005"), scan("B00092")],
            ),
            ("borrow-type-barcode", [entry("ui.items.type_title", "card", "B000")]),
            ("receipt", [self.session_control.dismiss_modals, self.screen("borrow").finish]),
            ("loans", [lambda: self.go("loans"), self.screen("loans").renew_all]),
            ("holds", [lambda: self.go("holds")]),
            ("equipment", [lambda: self.go("equipment")]),
            ("equipment-confirm", [self.pick_first_free_slot]),
            (
                "equipment-mine",
                [
                    self.screen("equipment").book,
                    lambda: self.screen("equipment").choose_kind("mine"),
                ],
            ),
            ("events", [lambda: self.go("events"), lambda: self.screen("events").toggle(1)]),
            (
                "feedback",
                [
                    lambda: self.go("feedback"),
                    lambda: self.screen("feedback").choose(4),
                    lambda: setattr(self.screen("feedback"), "comment", self.tr("ui.demo.comment")),
                ],
            ),
            ("feedback-keyboard", [entry("ui.feedback.comment_title", "text", "Ruang baca")]),
            ("access", [self.session_control.dismiss_modals, lambda: self.go("access")]),
            (
                "session-warning",
                [lambda: self.go("home"), lambda: self.session_control.show_warning(25)],
            ),
            (
                "returns",
                [
                    out,
                    lambda: self.go("returns"),
                    scan("B00003"),
                    scan("B00001"),
                ],
            ),
            ("staff", [out, tap("staff"), pin("1357"), signin.submit_pin]),
        ]

    def fresh(self, lang: str) -> None:
        """A new demo database for this language's walk-through, over the same
        simulators (the kiosk is not started: no scheduler for still frames)."""
        self.session_control.sign_out("sign_out")
        config = self.device_kiosk.config
        shown = bootstrap.open_kiosk(
            config, Path(self._folder.name) / f"{lang}.db", share=self.device_kiosk
        )
        assert shown.store is not None
        demo.load(shown.store, config)
        if self.kiosk is not self.device_kiosk:
            bootstrap.close_kiosk(self.kiosk)
        self.kiosk, self.services = shown, shown.services
        self.settings.set_language(lang)
        self.screen("attract").refresh()

    def pick_first_free_slot(self) -> None:
        """Open the booking confirmation for the first free computer slot from today on
        (the screen shows one day at a time: move to the next day that has one)."""
        screen = self.screen("equipment")
        screen.choose_kind("computer")
        bookings = screen.bookings
        while bookings is not None and screen.view is not None:
            free = [slot for slot in screen.slots() if slot.durations]
            if free or screen.view.next_day is None:
                if free:
                    screen.pick(free[0])
                return
            # Synchronous here (a still frame): the next day straight from the service.
            screen.show(bookings.view(self.session.ref, screen.view.next_day))

    # -- the runner ----------------------------------------------------------------
    def on_start(self) -> None:
        super().on_start()
        # The script shows the inactivity warning itself; no real timeout here.
        self.session_control.stop()
        for set_name in self.sets:
            folder, theme, scale = SETS[set_name]
            for lang in self.languages:
                for number, (name, actions) in enumerate(self.script(lang), start=1):
                    where = f"{folder}/{lang}" if folder else lang
                    self._steps.append((where, f"{number:02d}-{name}", actions, (theme, scale)))
        Clock.schedule_once(lambda _dt: self._next(), 0.3)

    def _next(self) -> None:
        if not self._steps or self.failure:
            self.quit()
            return
        where, name, actions, self._look = self._steps.pop(0)
        lang = where.rsplit("/", 1)[-1]
        self._target = self.out / where / f"{name}.png"
        self._actions = list(actions)
        # The script sets the language itself on the first step; keep later ones on it.
        if self.language != lang and name != "01-attract":
            self.settings.set_language(lang)
        self._advance()

    def _advance(self) -> None:
        if self.failure:
            self.quit()
            return
        if not self._actions:
            target = self._target
            theme, scale = self._look
            # Signing out restores the configured look: apply the set's just before.
            if (theme and self.theme.name != theme) or (scale and self.text_scale != scale):
                if theme:
                    self.settings.set_theme(theme)
                if scale:
                    self.settings.set_text_scale(scale)
                self._settle(self._advance)
                return
            capture(str(target), lambda _error: self._written(target))
            return
        action = self._actions.pop(0)
        try:
            action()
        except Exception:
            self.failure = f"{self._target.name}: {traceback.format_exc()}"
            log.error("screenshot step failed: %s", self.failure)
        self._settle(self._advance)

    def _written(self, target: Path) -> None:
        self.written.append(target)
        self._next()

    def _settle(self, then: Callable[[], None]) -> None:
        """Wait until bus events, workers and layout have all come to rest."""
        quiet = [0]

        def poll(_dt: float) -> bool:
            quiet[0] = quiet[0] + 1 if self.idle else 0
            if quiet[0] >= 4:
                then()
                return False
            return True

        Clock.schedule_interval(poll, 0.03)

    def on_stop(self) -> None:
        super().on_stop()
        if self.kiosk is not self.device_kiosk:
            bootstrap.close_kiosk(self.kiosk)
        self._folder.cleanup()
