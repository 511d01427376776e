"""The app class: small on purpose. It wires the dispatcher, loads the screens'
``.kv`` files and owns the properties kv binds to (language, library name)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import NumericProperty, StringProperty

from accessibility.theme import DEFAULT, Theme, rgba
from kiosk.bootstrap import Kiosk
from kiosk.bus import Dispatcher
from kiosk.domain.events import CardTapped
from kiosk.i18n import translate

log = logging.getLogger(__name__)
HERE = Path(__file__).parent


class KioskApp(App):
    language = StringProperty("id")
    library_name = StringProperty("")
    status_text = StringProperty("")
    font_px = NumericProperty(24)
    title_px = NumericProperty(36)

    def __init__(
        self,
        kiosk: Kiosk,
        exit_after: float | None = None,
        screenshot: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.kiosk = kiosk
        self.theme: Theme = DEFAULT
        self.exit_after = exit_after
        self.screenshot_path = screenshot
        self.screenshot_error: str | None = None
        self.dispatcher = Dispatcher(kiosk.bus, lambda fn: Clock.schedule_once(lambda _dt: fn()))
        self.language = kiosk.config.kiosk.language
        self.library_name = kiosk.config.kiosk.library_name
        px_per_mm = kiosk.config.display.px_per_mm
        # Cap height is about 0.7 of the font size.
        self.font_px = round(self.theme.body_mm * px_per_mm / 0.7)
        self.title_px = round(self.theme.title_mm * px_per_mm / 0.7)

    # -- kv helpers ------------------------------------------------------------------
    def t(self, key: str, language: str, **params: Any) -> str:
        """Translate for kv; ``language`` is passed so bindings re-run on a switch."""
        return translate(key, language, **params)

    def colour(self, name: str) -> tuple[float, float, float, float]:
        return rgba(getattr(self.theme, name))

    # -- lifecycle -------------------------------------------------------------------
    def build(self) -> Any:
        self.title = self.library_name
        Window.clearcolor = self.colour("background")
        if self.kiosk.config.display.fullscreen:
            Window.bind(on_request_close=lambda *_args, **_kw: True)
        return Builder.load_file(str(HERE / "attract.kv"))

    def on_start(self) -> None:
        self.dispatcher.subscribe(CardTapped, self.on_card)
        if self.screenshot_path:
            Clock.schedule_once(lambda _dt: self._arm_screenshot(), 0.5)
        if self.exit_after is not None:
            Clock.schedule_once(lambda _dt: self.stop(), self.exit_after)

    def on_stop(self) -> None:
        self.dispatcher.close()
        if self.screenshot_path and not os.path.exists(self.screenshot_path):
            self.screenshot_error = "the app stopped before the first screen was drawn"
            log.error("screenshot not written: %s", self.screenshot_error)

    def on_card(self, event: CardTapped) -> None:
        card = event.uid or event.number or ""
        self.status_text = translate("app.card_read", self.language, card=card)

    def set_language(self, language: str) -> None:
        self.language = language

    # -- screenshot: taken in on_flip, after a redraw (a Clock callback can be black) --
    def _arm_screenshot(self) -> None:
        Window.bind(on_flip=self._take_screenshot)
        Window.canvas.ask_update()

    def _take_screenshot(self, *_args: Any) -> None:
        Window.unbind(on_flip=self._take_screenshot)
        assert self.screenshot_path is not None
        target = Path(self.screenshot_path).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        written = Window.screenshot(name=str(target.with_suffix("")) + "%(counter)04d.png")
        if written:
            os.replace(written, target)
            log.info("screenshot written to %s", target)
        else:
            self.screenshot_error = "the window gave no screenshot"
