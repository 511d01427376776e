"""Attract / idle screen: library name and logo, "tap your card", language switch,
accessibility options, today's events. Scanning an item here starts a return."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kivy.animation import Animation
from kivy.factory import Factory

from kiosk.circulation.api import LibraryEvent
from screens import format as fmt
from screens.base import KioskScreen


class AttractScreen(KioskScreen):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.today_events: list[LibraryEvent] = []
        self._pulse: Animation | None = None

    def refresh(self) -> None:
        services = self.app.services
        if services is None:
            return
        self.app.call(lambda: services.events.upcoming(None, days=1), self._got_events)

    def _got_events(self, events: list[LibraryEvent]) -> None:
        zone = self.app.kiosk.config.kiosk.timezone
        today = fmt.local_date(datetime.now(UTC), zone)
        self.today_events = [e for e in events if fmt.local_date(e.starts_at, zone) == today]
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
        icon = self.ids.card_icon
        icon.glow = 1.0
        if not self.app.reduced_motion:
            pulse = Animation(glow=0.0, duration=0.9, t="in_out_sine") + Animation(
                glow=1.0, duration=0.9, t="in_out_sine"
            )
            pulse.repeat = True
            pulse.start(icon)
            self._pulse = pulse

    def on_leave(self, *_args: Any) -> None:
        if self._pulse is not None:
            self._pulse.cancel(self.ids.card_icon)
            self._pulse = None
            self.ids.card_icon.glow = 1.0
