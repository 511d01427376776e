"""Holds: ready holds with pickup location, shelf and expiry; waiting ones below."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty

from kiosk.circulation.api import Hold
from screens import format as fmt
from screens.after_title import AfterTitle
from screens.base import KioskScreen


class HoldsScreen(KioskScreen):
    needs_patron = True
    loaded = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.holds: list[Hold] = []
        self.said: list[str] = []
        self._speech = AfterTitle(self)

    def on_enter(self, *_args: Any) -> None:
        self._speech.entered()

    def on_leave(self, *_args: Any) -> None:
        self._speech.left()

    def refresh(self) -> None:
        services = self.app.services
        if services is None or not self.app.session.signed_in:
            return
        ref = self.app.session.ref
        self.app.call(lambda: services.circulation.holds(ref), self._got, quick=True)

    def _got(self, holds: list[Hold]) -> None:
        self.holds = sorted(holds, key=lambda h: (not h.ready, h.title))
        self.loaded = True
        self.render()
        self._speech.say(" ".join(self.said) or self.ids.empty.text)  # as shown (speech mode)

    def render(self) -> None:
        """The rows, and :attr:`said`: what they say (title and detail of each)."""
        said: list[str] = []
        box = self.ids.rows
        box.clear_widgets()
        app = self.app
        zone = app.kiosk.config.kiosk.timezone
        for hold in self.holds:
            if hold.ready:
                parts = [
                    app.tr("ui.holds.ready_at", place=hold.pickup_location or ""),
                ]
                if hold.shelf_location:
                    parts.append(app.tr("ui.holds.shelf", shelf=hold.shelf_location))
                if hold.expires_on:
                    parts.append(
                        app.tr("ui.holds.until", date=fmt.day(hold.expires_on, app.language, zone))
                    )
                mark, detail = "ok", " ".join(parts)
            else:
                mark, detail = "pending", app.tr("ui.holds.waiting")
            box.add_widget(Factory.Row(mark=mark, title=hold.title, detail=detail))
            said.append(f"{hold.title}. {detail}")
        self.ids.empty.opacity = 1 if self.loaded and not self.holds else 0
        self.said = said

    def reset(self) -> None:
        self.holds = []
        self.loaded = False
        self.render()
