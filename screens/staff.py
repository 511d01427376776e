"""Staff mode, opened by a staff card and its PIN: device status, the alerts staff
must deal with (``Services.alerts``: equipment faults, refused offline loans ...),
this week's key figures (``Services.figures``, read on the worker; small counts as
"< 5") with a small chart of each day's activity and its finding in words, equipment
(as the equipment controller knows it: ``Services.equipment``) with an override and
what the bookings alone would do, today's bookings waiting for a check-in (staff check
them in for the patron), and the only way to leave the app. The lists are kv rules
filled from data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk.alerts import StaffAlert
from kiosk.booking.api import Booking
from kiosk.booking.equipment_api import EquipmentStatus, SwitchOutcome
from kiosk.circulation.api import EventCheckIn, LibraryEvent
from kiosk.domain.errors import KioskError
from kiosk.domain.events import CardTapped, DeviceStatus, EquipmentChanged, EquipmentFault
from kiosk.i18n import catalogue
from kiosk.report.context import written_count, written_mean
from kiosk.report.daily import DailyChart, daily_chart
from kiosk.report.figures import KeyFigures
from screens import (
    data_list,  # noqa: F401  (DataBox: used by the kv rules)
    day_chart,  # noqa: F401  (DayChart: used by the kv rules)
)
from screens import format as fmt
from screens.base import KioskScreen

#: Keeps a figure's words and number on one line.
NBSP = "\u00a0"


class StaffScreen(KioskScreen):
    needs_patron = True
    confirm_exit = BooleanProperty(False)
    #: What the kv rules show (``Row`` properties per line).
    device_rows = ListProperty([])
    alert_rows = ListProperty([])
    equipment_rows = ListProperty([])
    alerts_note = StringProperty("")
    week_rows = ListProperty([])
    week_title = StringProperty("")
    #: This week's chart: one ``DayBar`` property dict per day (none: no chart), what
    #: the chart says as one keypad item, and its finding in one sentence.
    week_bars = ListProperty([])
    week_chart_said = StringProperty("")
    week_caption = StringProperty("")
    event_rows = ListProperty([])
    events_note = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: device config key -> (ok, reason) from the last check.
        self.checks: dict[str, tuple[bool, str]] = {}
        self.notes: dict[str, str] = {}
        #: Today's bookings that wait for a check-in (``booked``, not ended).
        self.waiting: list[Booking] = []
        #: Open staff alerts, newest first.
        self.alerts: list[StaffAlert] = []
        #: This week's key figures (None: not read yet, or not to be had).
        self.week: KeyFigures | None = None
        self.week_failed = False
        #: Today's events, and the one whose participants' cards are being checked in.
        self.events_today: list[LibraryEvent] = []
        self.checking_event: int | None = None

    def on_kv_post(self, _base: Any) -> None:
        if self.app is not None:
            # The owner's record changed (a plug answered, went offline, ...).
            self.app.dispatcher.subscribe(EquipmentChanged, self._equipment_changed)
            # Something staff must know about happened (recorded by the kiosk first).
            self.app.dispatcher.subscribe(EquipmentFault, self._alerted)
            self.app.dispatcher.subscribe(DeviceStatus, self._alerted)

    def _equipment_changed(self, _event: EquipmentChanged) -> None:
        if self.app.current == self.name:
            self.render()

    def _alerted(self, _event: EquipmentFault | DeviceStatus) -> None:
        if self.app.current == self.name:
            self.load_alerts()

    def on_pre_enter(self, *_args: Any) -> None:
        patron = self.app.session.patron
        if patron is None or not patron.is_staff or not patron.pin_verified:
            # Never show staff controls to anyone else, nor to a staff card whose PIN
            # this sign-in did not check.
            self.app.go("home" if patron is not None else "attract")
            return
        self.checking_event = None
        self.refresh()

    def refresh(self) -> None:
        self.render()
        # Plugs are not checked here: their rows show the equipment owner's record.
        devices = [(k, d) for k, d in self.app.kiosk.devices if not k.startswith("resources[")]

        def check_all() -> dict[str, tuple[bool, str]]:
            results: dict[str, tuple[bool, str]] = {}
            for key, device in devices:
                try:
                    results[key] = device.check()
                except Exception as exc:  # a broken adapter is itself the finding
                    results[key] = (False, str(exc))
            return results

        self.app.call(check_all, self._checked, device=True)
        self.load_waiting()
        self.load_alerts()
        self.load_week()
        self.load_events()

    # -- alerts ---------------------------------------------------------------------
    def load_alerts(self) -> None:
        services = self.app.services
        if services is None:
            return
        self.app.call(services.alerts.open_alerts, self._got_alerts, quick=True)

    def _got_alerts(self, alerts: list[StaffAlert]) -> None:
        self.alerts = alerts
        self.render()

    def close_alert(self, alert: StaffAlert) -> None:
        services = self.app.services
        if services is None:
            return
        staff = self.app.session.ref
        title = self._alert_title(alert)

        def done(_result: None) -> None:
            self.app.announce(self.app.tr("ui.staff.alert_closed", title=title))
            self.load_alerts()

        def failed(error: KioskError) -> None:
            self.app.alert(self.app.describe(error))
            self.load_alerts()

        self.app.call(lambda: services.alerts.close(alert.id, staff), done, failed, quick=True)

    def _alert_title(self, alert: StaffAlert) -> str:
        if not alert.resource:
            return str(self.app.tr("ui.staff.alert_kiosk"))
        return self._names().get(alert.resource, alert.resource)

    def _alert_detail(self, alert: StaffAlert) -> str:
        app, zone = self.app, self.app.kiosk.config.kiosk.timezone
        title = self._alert_title(alert)
        when = f"{fmt.short_day(alert.raised_at, app.language, zone)} "
        when += fmt.clock(alert.raised_at, app.language, zone)
        text = app.tr(alert.key, resource=title, **alert.params)
        parts = [when, text]
        if alert.repeats > 1:
            last = fmt.clock(alert.last_at, app.language, zone)
            parts.append(app.tr("ui.staff.alert_repeats", count=alert.repeats, last=last))
        return " · ".join(parts)

    # -- this week's figures ---------------------------------------------------------
    def load_week(self) -> None:
        """Read this week's figures on the worker (several counts over the week's
        records: not a quick call); spoken when they arrive."""
        services = self.app.services
        if services is None:
            return

        def failed(_error: KioskError) -> None:
            self.week, self.week_failed = None, True
            self.render()

        self.app.call(services.figures.this_week, self._got_week, failed)

    def _got_week(self, week: KeyFigures) -> None:
        self.week, self.week_failed = week, False
        self.render()
        if self.app.current == self.name:
            self.app.announce(self.week_said())

    def week_said(self) -> str:
        """The figures as one spoken text: the heading, each line, then the chart's
        finding (its caption ends with its own full stop)."""
        lines = [f"{row['title']}: {row['detail']}" for row in self.week_rows]
        said = ". ".join([self.week_title, *lines])
        return f"{said}. {self.week_caption}" if self.week_caption else said

    def _week_chart(self) -> DailyChart | None:
        return daily_chart(self.week, self.app.language) if self.week is not None else None

    @staticmethod
    def _bar_data(chart: DailyChart | None) -> list[dict[str, Any]]:
        if chart is None or chart.empty:
            return []  # an empty week: the caption says so, no chart is drawn
        return [
            {"label": b.label, "value": b.value, "share": b.share, "suppressed": b.suppressed}
            for b in chart.bars
        ]

    def _week_rows(self) -> list[dict[str, Any]]:
        week, app = self.week, self.app
        if week is None:
            key = "ui.staff.week_failed" if self.week_failed else "ui.staff.checking"
            return [self._figure_row("week", app.tr("ui.staff.week"), app.tr(key))]
        lang, small = app.language, week.small_cell

        def figure(label: str, value: str) -> str:
            # No line break inside one figure ("tidak datang < 5"), only between them.
            return f"{label} {value}".replace(" ", NBSP)

        def said(pairs: list[tuple[str, int]]) -> str:
            return " · ".join(
                figure(app.tr(key), written_count(value, small, lang)) for key, value in pairs
            )

        mean = written_mean(week.mean_rating, week.feedback, small, lang)
        rated = [figure(app.tr("ui.staff.week.mean_rating"), mean)] if week.feedback else []
        groups = [
            (
                "ui.staff.week.self_service",
                said(
                    [
                        ("ui.staff.week.sign_ins", week.sign_ins),
                        ("ui.staff.week.checkouts", week.checkouts),
                        ("ui.staff.week.returns", week.returns),
                        ("ui.staff.week.renewals", week.renewals),
                        ("ui.staff.week.refusals", week.refusals),
                    ]
                ),
            ),
            (
                "ui.staff.week.makerspace",
                said(
                    [
                        ("ui.staff.week.bookings", week.bookings),
                        ("ui.staff.week.no_shows", week.no_shows),
                    ]
                ),
            ),
            (
                "ui.staff.week.events",
                said(
                    [
                        ("ui.staff.week.registrations", week.registrations),
                        ("ui.staff.week.attended", week.attended),
                    ]
                ),
            ),
            (
                "ui.staff.week.feedback",
                " · ".join(
                    [
                        said([("ui.staff.week.feedback_entries", week.feedback)]),
                        *rated,
                        said([("ui.staff.week.survey_responses", week.survey_responses)]),
                    ]
                ),
            ),
        ]
        return [self._figure_row(key, app.tr(key), detail) for key, detail in groups]

    @staticmethod
    def _figure_row(ident: str, title: str, detail: str) -> dict[str, Any]:
        return {
            "mark": "",
            "title": title,
            "detail": detail,
            "ident": ident,
            "action_text": "",
            "action": None,
        }

    def _week_heading(self) -> str:
        week, app = self.week, self.app
        if week is None:
            return str(app.tr("ui.staff.week"))
        first = fmt.short_day(week.first, app.language)
        last = fmt.short_day(week.last, app.language)
        span = first if week.first == week.last else f"{first} – {last}"
        return str(app.tr("ui.staff.week_span", days=span))

    # -- attendance at today's events -------------------------------------------------
    def load_events(self) -> None:
        services = self.app.services
        if services is None:
            return
        self.app.call(services.events.today, self._got_events, quick=True)

    def _got_events(self, events: list[LibraryEvent]) -> None:
        self.events_today = events
        if self.checking_event not in {e.id for e in events}:
            self.checking_event = None
        self.render()

    def toggle_event_check_in(self, event_id: int) -> None:
        """Start (or end) taking participants' cards for ``event_id``: while on, a card
        tapped here checks its patron in instead of signing anyone in."""
        starting = self.checking_event != event_id
        self.checking_event = event_id if starting else None
        self.render()
        if starting:
            self.app.announce(self.app.tr("ui.staff.event_tap_cards"))

    def on_card(self, event: CardTapped) -> bool:
        event_id = self.checking_event
        services = self.app.services
        if event_id is None or services is None:
            return False
        events = services.events
        title = next(
            (e.title(self.app.language) for e in self.events_today if e.id == event_id), ""
        )

        def done(result: EventCheckIn) -> None:
            key = "ui.staff.event_walk_in" if result.walk_in else "ui.staff.event_checked_in"
            self.app.announce(self.app.tr(key, event=title))
            self.load_events()

        def failed(error: KioskError) -> None:
            self.app.alert(self.app.describe(error))

        card = event.uid or event.number or ""
        self.app.call(lambda: events.check_in_card(card, event_id), done, failed, quick=True)
        return True

    def _event_rows(self) -> list[dict[str, Any]]:
        app = self.app
        zone = app.kiosk.config.kiosk.timezone
        rows = []
        for event in self.events_today:
            checking = event.id == self.checking_event
            when = f"{fmt.clock(event.starts_at, app.language, zone)}-"
            when += fmt.clock(event.ends_at, app.language, zone)
            detail = app.tr(
                "ui.staff.event_detail",
                when=when,
                registered=event.registrations,
                attended=event.attended,
            )
            if checking:
                detail = f"{detail} · {app.tr('ui.staff.event_tap_cards')}"
            rows.append(
                {
                    "mark": "pending" if checking else "",
                    "title": event.title(app.language),
                    "detail": detail,
                    "ident": f"event:{event.id}",
                    "action_text": app.tr(
                        "ui.staff.event_done" if checking else "ui.staff.event_check_in"
                    ),
                    "action_role": "secondary" if checking else "primary",
                    "action": lambda i=event.id: self.toggle_event_check_in(i),
                }
            )
        return rows

    # -- check-in by staff ------------------------------------------------------------
    def load_waiting(self) -> None:
        services = self.app.services
        bookings = None if services is None else services.bookings
        if bookings is None:
            self.waiting = []
            return
        self.app.call(bookings.waiting, self._got_waiting, quick=True)

    def _got_waiting(self, waiting: list[Booking]) -> None:
        self.waiting = waiting
        self.render()

    def check_in(self, booking_id: int) -> None:
        services = self.app.services
        bookings = None if services is None else services.bookings
        if bookings is None:
            return

        def done(booking: Booking) -> None:
            said = self.app.tr("ui.staff.checked_in", resource=booking.resource_name, id=booking.id)
            self.app.announce(said)
            self.load_waiting()

        def failed(error: KioskError) -> None:
            self.app.alert(self.app.describe(error))
            self.load_waiting()

        self.app.call(lambda: bookings.check_in(None, booking_id), done, failed, quick=True)

    def _checked(self, results: dict[str, tuple[bool, str]]) -> None:
        self.checks = results
        self.render()

    def switch(self, resource_id: str, on: bool) -> None:
        services = self.app.services
        if services is None:
            return
        equipment = services.equipment
        name = self._names().get(resource_id, resource_id)

        def done(outcome: SwitchOutcome) -> None:
            # The owner recorded the answer; this note is only what the command did.
            self.notes[resource_id] = outcome.key or "ui.staff.switch_done"
            self.render()
            said = f"{name}: {self.app.tr(self.notes[resource_id], resource=name)}"
            why = self.power_reason(equipment.equipment_state(resource_id))
            if why:
                said = f"{said}. {why}"
            if outcome.confirmed:
                self.app.announce(said)
            else:
                self.app.alert(said)

        def failed(error: KioskError) -> None:
            self.notes[resource_id] = error.key
            self.render()
            self.app.alert(f"{name}: {self.app.describe(error)}")

        self.app.call(lambda: equipment.switch(resource_id, on), done, failed, device=True)

    def equipment_detail(self, status: EquipmentStatus, name: str) -> str:
        app = self.app
        if status.bookable:
            detail = app.tr("ui.staff.power_on" if status.on else "ui.staff.power_off")
            if status.on is None:
                detail = app.tr("ui.equipment.state_unknown")
        elif status.reason == "equipment.reason.offline":
            detail = app.tr("ui.equipment.state_offline")
        else:
            detail = app.tr(status.reason)
        if status.printer_busy:
            detail = f"{detail} · {app.tr('ui.staff.printer_busy')}"
        why = self.power_reason(status)
        if why:
            detail = f"{detail} · {why}"
        note = self.notes.get(status.resource_id)
        if note:
            detail = f"{detail} · {app.tr(note, resource=name)}"
        return detail

    def power_reason(self, status: EquipmentStatus) -> str:
        """A staff override and what the bookings alone would do ("no booking now:
        would be off"); the bookings' word also when the plug is not as they say (the
        controller is about to switch it). "" when there is nothing to explain."""
        app = self.app
        bookings = status.bookings_on
        if bookings is None:
            return ""
        parts = []
        held = status.override_on
        if held is not None:
            until = status.override_until
            if until is None:
                parts.append(app.tr("ui.staff.kept_on" if held else "ui.staff.kept_off"))
            else:
                key = "ui.staff.kept_on_until" if held else "ui.staff.kept_off_until"
                parts.append(app.tr(key, time=self._when(until)))
        if held is not None or (status.on is not None and status.on != bookings):
            parts.append(app.tr("ui.staff.bookings_on" if bookings else "ui.staff.bookings_off"))
        return " · ".join(parts)

    def _when(self, moment: datetime) -> str:
        """A time today, or a short day and a time."""
        app, zone = self.app, self.app.kiosk.config.kiosk.timezone
        said = fmt.clock(moment, app.language, zone)
        if fmt.local_date(moment, zone) != fmt.local_date(app.kiosk.clock(), zone):
            said = f"{fmt.short_day(moment, app.language, zone)} {said}"
        return said

    def exit_app(self) -> None:
        if not self.confirm_exit:
            self.confirm_exit = True
            return
        self.app.quit()

    def _names(self) -> dict[str, str]:
        return {r.id: r.name or r.id for r in self.app.kiosk.config.resources}

    # -- drawing: data for the kv rules -------------------------------------------------
    def render(self) -> None:
        self.device_rows = self._device_rows()
        self.alert_rows = [
            {
                "mark": "warning",
                "title": self._alert_title(alert),
                "detail": self._alert_detail(alert),
                "ident": f"alert:{alert.id}",
                "action_text": self.app.tr("ui.staff.alert_done"),
                "action_role": "secondary",
                "action": lambda a=alert: self.close_alert(a),
            }
            for alert in self.alerts
        ]
        self.alerts_note = "" if self.alerts else self.app.tr("ui.staff.alerts_none")
        self.week_title = self._week_heading()
        self.week_rows = self._week_rows()
        chart = self._week_chart()
        self.week_bars = self._bar_data(chart)
        self.week_chart_said = chart.said() if chart is not None else ""
        self.week_caption = chart.caption if chart is not None else ""
        self.event_rows = self._event_rows()
        self.events_note = "" if self.events_today else self.app.tr("ui.staff.events_none")
        self.equipment_rows = self._plug_rows() + self._printer_rows() + self._waiting_rows()

    def _device_rows(self) -> list[dict[str, Any]]:
        app = self.app
        rows = []
        for key, device in app.kiosk.devices:
            if key.startswith("resources["):
                continue
            result = self.checks.get(key)
            status = app.device_status.get(device.name)
            if result is None and status is not None:
                result = (status.ok, app.tr(status.detail) if status.detail else "")
            if result is None:
                mark, detail = "pending", app.tr("ui.staff.checking")
            else:
                mark = "ok" if result[0] else "refused"
                word = app.tr("ui.staff.ok" if result[0] else "ui.staff.fault")
                detail = f"{word}: {result[1]}" if result[1] else word
            kind_name = str(getattr(device, "kind", "device"))
            kind_key = f"ui.staff.kind.{kind_name}"
            # A new adapter kind without a word yet shows its code, not a missing key.
            kind = app.tr(kind_key) if kind_key in catalogue(app.language) else kind_name
            rows.append(
                {
                    "mark": mark,
                    "title": f"{kind}: {device.name}",
                    "detail": detail,
                    "ident": key,
                    "action_text": "",
                    "action": None,
                }
            )
        return rows

    def _plug_rows(self) -> list[dict[str, Any]]:
        app = self.app
        services = app.services
        names = self._names()
        rows = []
        for status in services.equipment.all_states() if services is not None else ():
            if not status.switch:
                continue
            rid = status.resource_id
            is_on = bool(status.on)
            rows.append(
                {
                    "mark": "ok" if status.bookable else "refused",
                    "title": names.get(rid, rid),
                    "detail": self.equipment_detail(status, names.get(rid, rid)),
                    "ident": rid,
                    "action_text": app.tr("ui.staff.turn_off" if is_on else "ui.staff.turn_on"),
                    "action_role": "danger" if is_on else "primary",
                    "action": lambda r=rid, on=not is_on: self.switch(r, on),
                }
            )
        return rows

    def _printer_rows(self) -> list[dict[str, Any]]:
        """Each 3D printer, with the way into the print pane (staff may watch and
        cancel any print; the pane says when no booking of it runs)."""
        app = self.app
        services = app.services
        if services is None or services.printing is None:
            return []
        names = self._names()
        rows = []
        for status in services.equipment.all_states():
            rid = status.resource_id
            if rid not in app.kiosk.printers:
                continue
            if status.printer_foreign:
                detail = app.tr("ui.print.foreign")
            elif status.printer_busy:
                detail = app.tr("ui.staff.printer_busy")
            else:
                detail = app.tr("ui.staff.print_watch")
            rows.append(
                {
                    "mark": "pending" if status.printer_busy or status.printer_foreign else "ok",
                    "title": names.get(rid, rid),
                    "detail": detail,
                    "ident": f"print:{rid}",
                    "action_text": app.tr("ui.staff.print_open"),
                    "action_role": "secondary",
                    "action": lambda r=rid: app.screen("print").open_for(r, back_to=self.name),
                }
            )
        return rows

    def _waiting_rows(self) -> list[dict[str, Any]]:
        """Below the plugs, in the same list: today's bookings nobody checked in to."""
        app = self.app
        zone = app.kiosk.config.kiosk.timezone
        rows = []
        for booking in self.waiting:
            start = fmt.clock(booking.starts_at, app.language, zone)
            when = f"{start}-{fmt.clock(booking.ends_at, app.language, zone)}"
            rows.append(
                {
                    "mark": "pending",
                    "title": booking.resource_name,
                    "detail": app.tr("ui.staff.booking_waiting", id=booking.id, when=when),
                    "ident": f"booking:{booking.id}",
                    "action_text": app.tr("ui.staff.check_in"),
                    "action_role": "primary",
                    "action": lambda i=booking.id: self.check_in(i),
                }
            )
        return rows

    def reset(self) -> None:
        self.confirm_exit = False
        self.checks = {}
        self.notes = {}
        self.waiting = []
        self.alerts = []
        self.week = None
        self.week_failed = False
        self.events_today = []
        self.checking_event = None
