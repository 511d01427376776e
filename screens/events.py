"""Events: upcoming workshops and community events, seats left, register and
unregister."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty

from kiosk.circulation.api import LibraryEvent
from kiosk.domain.errors import KioskError
from screens import format as fmt
from screens.base import KioskScreen


class EventsScreen(KioskScreen):
    needs_patron = True
    loaded = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.events: list[LibraryEvent] = []
        #: event id -> (message key, params) of the last action's outcome.
        self.notes: dict[int, tuple[str, dict[str, Any]]] = {}

    def refresh(self) -> None:
        services = self.app.services
        if services is None or not self.app.session.signed_in:
            return
        ref = self.app.session.ref
        self.app.call(lambda: services.events.upcoming(ref), self._got, quick=True)

    def _got(self, events: list[LibraryEvent]) -> None:
        self.events = sorted(events, key=lambda e: e.starts_at)
        self.loaded = True
        self.render()

    def toggle(self, event_id: int) -> None:
        services = self.app.services
        assert services is not None
        ref = self.app.session.ref
        event = next(e for e in self.events if e.id == event_id)
        if event.registered:
            call, key = services.events.unregister, "ui.events.unregistered"
        else:
            call, key = services.events.register, "ui.events.registered"

        title = event.title(self.app.language)

        def done(updated: LibraryEvent) -> None:
            self.notes[event_id] = (key, {})
            self.events = [updated if e.id == event_id else e for e in self.events]
            self.render()
            self.app.announce(f"{title}: {self.app.tr(key)}")

        def failed(error: KioskError) -> None:
            self.notes[event_id] = (error.key, dict(error.params))
            self.render()
            self.app.alert(f"{title}: {self.app.describe(error)}")

        self.app.call(lambda: call(ref, event_id), done, failed, quick=True)

    def render(self) -> None:
        box = self.ids.rows
        box.clear_widgets()
        app = self.app
        lang = app.language
        zone = app.kiosk.config.kiosk.timezone
        for event in self.events:
            when = app.tr(
                "ui.events.when",
                day=fmt.short_day(event.starts_at, lang, zone),
                start=fmt.clock(event.starts_at, lang, zone),
                end=fmt.clock(event.ends_at, lang, zone),
            )
            if event.seats_left is None:
                seats = app.tr("ui.events.open")
            elif event.seats_left == 0:
                seats = app.tr("ui.events.full")
            else:
                seats = app.tr("ui.events.seats_left", count=event.seats_left)
            # Under way: the seats left no longer matter (registration has closed).
            parts = [when, event.location or "", "" if event.under_way else seats]
            mark = ""
            if event.registered:
                mark = "ok"
                parts.append(app.tr("ui.events.you_are_registered"))
            if event.under_way:
                # Said before the patron tries: no button that can only be refused.
                parts.append(app.tr("ui.events.under_way"))
            note = self.notes.get(event.id)
            if note is not None and note[0] not in (
                "ui.events.registered",
                "ui.events.unregistered",
            ):
                mark = "refused"
                parts.append(app.tr(note[0], **note[1]))
            full = event.seats_left == 0 and not event.registered
            closed = full or event.under_way
            action = (
                ""
                if closed
                else app.tr("ui.events.cancel" if event.registered else "ui.events.join")
            )
            box.add_widget(
                Factory.Row(
                    mark=mark,
                    title=event.title(lang),
                    detail=" · ".join(p for p in parts if p),
                    ident=str(event.id),
                    action_text=action,
                    action_role="secondary" if event.registered else "primary",
                    action=(lambda i=event.id: self.toggle(i)) if action else None,
                )
            )
        self.ids.empty.opacity = 1 if self.loaded and not self.events else 0

    def reset(self) -> None:
        self.events = []
        self.notes = {}
        self.loaded = False
        self.render()
