"""Attract / idle screen: library name and logo, "tap your card", language switch,
accessibility options, today's events. Scanning an item here starts a return."""

from __future__ import annotations

import math
import time
from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory

from kiosk.circulation.api import LibraryEvent
from screens import format as fmt
from screens.base import KioskScreen

#: One breath of the card icon's glow, in seconds.
PULSE_S = 1.8
#: Glow steps per second. Each step redraws the whole window; a Pi's GPU does that in
#: a blink, but a software renderer spends 40-100 ms a frame, and a card tapped during
#: such a frame waits for it. Ten steps a second look smooth for a slow breath and leave
#: the window idle most of the time, ready for the tap.
PULSE_STEPS_PER_S = 10


class AttractScreen(KioskScreen):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.today_events: list[LibraryEvent] = []
        self._pulse: Any = None

    def refresh(self) -> None:
        services = self.app.services
        if services is None:
            return
        self.app.call(services.events.today, self._got_events, quick=True)

    def _got_events(self, events: list[LibraryEvent]) -> None:
        self.today_events = events
        self.render()

    def render(self) -> None:
        box = self.ids.events
        box.clear_widgets()
        lang = self.app.language
        zone = self.app.kiosk.config.kiosk.timezone
        if not self.today_events:
            box.add_widget(Factory.KSmall(text=self.app.tr("ui.attract.no_events_today")))
            return
        for event in self.today_events[:3]:
            when = fmt.clock(event.starts_at, lang, zone)
            detail = " · ".join(p for p in (when, event.location or "") if p)
            box.add_widget(
                Factory.Row(
                    mark="pending", title=event.title(lang), detail=detail, ident=str(event.id)
                )
            )

    def on_enter(self, *_args: Any) -> None:
        self.ids.card_icon.glow = 1.0
        if not self.app.reduced_motion and self._pulse is None:
            started = time.monotonic()
            self._pulse = Clock.schedule_interval(
                lambda _dt: self._breathe(time.monotonic() - started), 1 / PULSE_STEPS_PER_S
            )

    def _breathe(self, elapsed: float) -> None:
        # 1 -> 0 -> 1 over PULSE_S, eased like a sine.
        glow = 0.5 + 0.5 * math.cos(2 * math.pi * elapsed / PULSE_S)
        self.ids.card_icon.glow = round(glow, 2)

    def on_leave(self, *_args: Any) -> None:
        if self._pulse is not None:
            self._pulse.cancel()
            self._pulse = None
        self.ids.card_icon.glow = 1.0
