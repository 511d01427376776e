"""Accessibility options a patron can change at any moment, from the button on every
screen: text size, colours, speech and longer time. A signed-in patron may also have
them remembered for their card (opt-in; nothing is stored otherwise). Every change goes
through ``app.settings`` (the app mirrors it for kv and, when remembered, stores it)."""

from __future__ import annotations

from typing import Any

from kivy.properties import ListProperty, StringProperty

from accessibility.theme import THEMES
from screens.base import KioskScreen


class AccessScreen(KioskScreen):
    themes = ListProperty([])
    #: The screen the accessibility button was pressed on: Back returns there.
    came_from = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Strong references: kv ids are weak, and the section is off the tree for guests.
        self._remember_box: Any = self.ids.remember_box.__self__
        self._remember_parent: Any = self._remember_box.parent
        self._remember_index = self._remember_parent.children.index(self._remember_box)

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

    def _show_remember(self, shown: bool) -> None:
        box = self._remember_box
        if shown and box.parent is None:
            self._remember_parent.add_widget(box, index=self._remember_index)
        elif not shown and box.parent is not None:
            box.parent.remove_widget(box)

    def render(self) -> None:
        from kivy.factory import Factory

        self._show_remember(self.app.signed_in)
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
                font_role="small",
            )
            button.bind(on_release=lambda _b, n=name: self._pick(n))
            button.help_key = "ui.help.access.theme"  # what Help says (screens/keypad.py)
            # The row is as tall as its tallest button (large text wraps their words).
            button.bind(height=self._fit_themes)
            box.add_widget(button)

    def _fit_themes(self, *_args: object) -> None:
        box = self.ids.themes
        box.height = max([self.app.touch_px] + [c.height for c in box.children])

    def _pick(self, name: str) -> None:
        self.app.settings.set_theme(name)
        self.render()

    def pick_scale(self, scale: float) -> None:
        self.app.settings.set_text_scale(scale)

    def toggle_speech(self) -> None:
        self.app.settings.set_speech(not self.app.speech_on)

    def toggle_long_timeouts(self) -> None:
        self.app.settings.set_long_timeouts(not self.app.long_timeouts)

    def toggle_remember(self) -> None:
        self.app.remember.set(not self.app.remembered)
