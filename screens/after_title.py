"""Saying what a screen shows once it has been entered, after its title.

The keypad glue says a new screen's title in the frame after the screen changes
(:meth:`screens.keypad_glue.KeypadGlue.page`); a result known already while the screen
is entered (the local backend answers within that frame) would be said first and cut
off by the title. :class:`AfterTitle` holds such words until the screen's ``on_enter``
plus one frame, and says words that arrive later (a networked backend) at once.
UI thread only."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock


class AfterTitle:
    """One per screen: call :meth:`entered` from ``on_enter``, :meth:`left` from
    ``on_leave``, and :meth:`say` with the words (spoken in speech mode)."""

    def __init__(self, screen: Any) -> None:
        self.screen = screen
        self.ready = False
        self.waiting: str | None = None

    def entered(self) -> None:
        self.ready = False
        Clock.schedule_once(lambda _dt: self._title_said(), 0)

    def _title_said(self) -> None:
        app: Any = App.get_running_app()
        self.ready = app is not None and app.current == self.screen.name
        self._flush()

    def left(self) -> None:
        self.ready = False
        self.waiting = None

    def say(self, text: str) -> None:
        self.waiting = text
        self._flush()

    def _flush(self) -> None:
        if self.ready and self.waiting:
            text, self.waiting = self.waiting, None
            App.get_running_app().announce(text)
