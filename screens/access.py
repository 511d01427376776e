"""Accessibility options a patron can change at the kiosk: text size and theme.
(Speech and keypad mode come with the accessibility layer.)"""

from __future__ import annotations

from kivy.properties import ListProperty

from accessibility.theme import THEMES
from screens.base import KioskScreen

TEXT_SCALES = (1.0, 1.5, 2.0)


class AccessScreen(KioskScreen):
    themes = ListProperty([])

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
            button.help_key = "ui.help.access.theme"  # what Help says (screens/keypad.py)
            button.bind(on_release=lambda _b, n=name: self._pick(n))
            box.add_widget(button)

    def _pick(self, name: str) -> None:
        self.app.set_theme(name)
        self.render()
