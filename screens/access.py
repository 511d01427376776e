"""Accessibility options a patron can change at the kiosk: text size and theme.
(Speech and keypad mode come with the accessibility layer.)"""

from __future__ import annotations

from kivy.properties import ListProperty, StringProperty

from accessibility.theme import THEMES
from screens.base import KioskScreen

TEXT_SCALES = (1.0, 1.5, 2.0)


class AccessScreen(KioskScreen):
    themes = ListProperty([])
    #: The screen the accessibility button was pressed on: Back returns there.
    came_from = StringProperty("")

    def open_from(self, screen: str) -> None:
        """Open from the accessibility button on ``screen`` (any screen, any time)."""
        if screen != self.name:
            self.came_from = screen
        self.app.go(self.name)

    def back(self) -> str:
        """Where Back goes: where the patron came from (``app.go`` shows attract
        instead when that screen needs a patron who has signed out meanwhile)."""
        return self.came_from or ("home" if self.app.signed_in else "attract")

    def reset(self) -> None:
        self.came_from = ""

    def on_pre_enter(self, *_args: object) -> None:
        self.themes = sorted(THEMES)
        self.render()

    def render(self) -> None:
        from kivy.factory import Factory

        box = self.ids.themes
        box.clear_widgets()
        if len(self.themes) < 2:
            box.parent.opacity = 0
            return
        box.parent.opacity = 1
        for name in self.themes:
            button = Factory.KToggle(
                text=self.app.tr(f"ui.access.theme.{name}"),
                chosen=self.app.theme.name == name,
                font_size=self.app.small_px,
            )
            button.bind(on_release=lambda _b, n=name: self._pick(n))
            # The row is as tall as its tallest button (large text wraps their words).
            button.bind(height=self._fit_themes)
            box.add_widget(button)

    def _fit_themes(self, *_args: object) -> None:
        box = self.ids.themes
        box.height = max([self.app.touch_px] + [c.height for c in box.children])

    def _pick(self, name: str) -> None:
        self.app.set_theme(name)
        self.render()
