"""Book equipment: the makerspace's resources by kind, a day grid of slots, booking
within the rules, the patron's own bookings with cancel and check-in.

Everything goes through ``Services.bookings`` (:class:`kiosk.booking.api.Bookings`) on
the app's worker, never on the UI thread. Panes: ``pick`` (kind tabs, resources, a day
and its slots), ``confirm`` (duration and the Book button: the one confirmation before
anything is written), ``done`` (what was booked and when to check in) and ``mine`` (My
bookings). Refusals are the service's ``booking.*`` keys, shown translated and
re-translated on a language switch.

Check-in: the patron's card tap signs them in, and a sign-in with a booking whose
check-in window is open checks them in at once (``Bookings.check_in`` without a
booking id, "the card tap"), then shows this screen with the confirmation. Inside My
bookings a Check in button does the same for one booking.

Equipment that cannot be powered right now (``Resource.equipment``: the equipment
controller's record, read with the grid; its plug offline, not answered yet, or
refusing) is shown with the reason and cannot be booked until it is back; the screen
fetches again when the controller says its record changed (``EquipmentChanged``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from kivy.factory import Factory
from kivy.properties import (
    BooleanProperty,
    DictProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView

from kiosk.booking.api import FREE, MINE, Booking, DayGrid, Resource, Slot
from kiosk.booking.rules import Rules, rules_for
from kiosk.config import Config
from kiosk.domain.errors import KioskError
from kiosk.domain.events import BookingEvent, EquipmentChanged
from kiosk.timeutil import utcnow
from screens import format as fmt
from screens.base import KioskScreen
from screens.widgets import KButton

log = logging.getLogger(__name__)

KIND_ORDER = ("3d_printer", "computer", "tool")
#: The "My bookings" tab beside the kinds.
MINE_TAB = "mine"
#: How many days the day selector offers when the rules cannot be read.
DEFAULT_HORIZON = 14
#: Message marks: the shape tells what happened, the text says it.
OK, REFUSED, INFO = "ok", "refused", "info"


def hhmm(moment: datetime, language: str, zone: str) -> str:
    # Babel's English times use a narrow no-break space ("10:00\u202fAM"), which the
    # kiosk's font has no glyph for.
    return fmt.clock(moment, language, zone).replace("\u202f", " ")


@dataclass(frozen=True)
class Snapshot:
    """What one background fetch brings back: resources, the day grid, own bookings."""

    resources: list[Resource]
    grid: DayGrid
    mine: list[Booking]
    now: datetime
    #: Resource id -> its effective rules (check-in window, horizon).
    rules: dict[str, Rules]


def _rules(bookings: Any, config: Config) -> dict[str, Rules]:
    """Every resource's rules: the service's own when it tells them (the interface
    does not promise it), else the configured ones. Called on the worker."""
    found: dict[str, Rules] = {}
    told = getattr(bookings, "rules", None)
    for resource in config.resources:
        rules = None
        if callable(told):
            try:
                rules = told(resource.id)
            except KioskError:
                rules = None
        found[resource.id] = rules if isinstance(rules, Rules) else rules_for(config, resource)
    return found


class SlotButton(KButton):
    """One slot of the day grid: its time and its state as words (never colour
    alone). Free slots and the patron's own are pressable."""

    slot = ObjectProperty(None, allownone=True)
    slot_state = StringProperty(FREE)


class BookingRow(BoxLayout):
    """One of the patron's bookings: mark, what and when, Check in and Cancel."""

    mark = StringProperty("")
    title = StringProperty("")
    detail = StringProperty("")
    ident = StringProperty("")
    can_check_in = BooleanProperty(False)
    can_cancel = BooleanProperty(False)
    check_in_action = ObjectProperty(None, allownone=True)
    cancel_action = ObjectProperty(None, allownone=True)


class ConfirmCancel(ModalView):
    """Asks before a booking is cancelled; ``confirm`` runs on Yes."""

    text = StringProperty("")
    confirm = ObjectProperty(None, allownone=True)

    def yes(self) -> None:
        self.dismiss(animation=False)
        if self.confirm is not None:
            self.confirm()


class EquipmentScreen(KioskScreen):
    needs_patron = True

    #: pick | confirm | done | mine
    pane = StringProperty("pick")
    #: The chosen kind (a tab).
    kind = StringProperty("")
    resource_id = StringProperty("")
    #: The last outcome: a mark and a message key with params (re-translated).
    message_mark = StringProperty("")
    message_key = StringProperty("")
    message_params = DictProperty({})
    message = StringProperty("")
    #: False when this kiosk has no booking service.
    available = BooleanProperty(True)
    loaded = BooleanProperty(False)
    #: A booking is being written: the Book button waits (no double booking by a
    #: double tap).
    busy = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        # Set before the kv rules apply: on_kv_post (inside super().__init__) uses them.
        self.day: date | None = None
        self.resources: list[Resource] = []
        self.grid: DayGrid | None = None
        self.mine: list[Booking] = []
        self.now: datetime = utcnow()
        self.start: Slot | None = None
        self.minutes = 0
        self.booked: Booking | None = None
        self.rules_by_id: dict[str, Rules] = {}
        self._panes: dict[str, Any] = {}
        super().__init__(**kwargs)

    def on_kv_post(self, _base: Any) -> None:
        # ids hold weak references; panes out of the tree need strong ones.
        self._panes = {
            name: getattr(self.ids, f"{name}_pane").__self__
            for name in ("pick", "confirm", "done", "mine")
        }
        for pane in self._panes.values():
            pane.parent.remove_widget(pane)
        self.bind(pane=lambda *_: self._show_pane())
        self._show_pane()
        app = self.app
        if app is not None:
            # A card tap signs the patron in: that is also the check-in of a booking
            # whose window is open now.
            app.bind(signed_in=self._session_changed)
            # The scheduler (its own thread) starts, ends and releases bookings: what
            # the patron sees follows at once (the dispatcher hands it to this thread).
            app.dispatcher.subscribe(BookingEvent, self._booking_changed)
            app.dispatcher.subscribe(EquipmentChanged, self._equipment_changed)

    def _equipment_changed(self, event: EquipmentChanged) -> None:
        """Fetch again only when what this screen shows changed: whether the resource
        can be booked now, and why not (its plug switching on or off does not)."""
        shown = next((r for r in self.resources if r.id == event.resource), None)
        if shown is None:
            return
        services = self.app.services
        owner = None if services is None else services.equipment
        known = shown.equipment
        same = (
            owner is not None
            and known is not None
            and owner.equipment_state(event.resource).reason == known.reason
        )
        if not same:
            self._booking_changed(event)

    def _booking_changed(self, _event: BookingEvent | EquipmentChanged) -> None:
        if self.loaded and self.app.current == self.name and self.app.session.signed_in:
            self.refresh()

    def _show_pane(self) -> None:
        body = self.ids.body
        body.clear_widgets()
        body.add_widget(self._panes[self.pane])

    # -- the service and its clock ------------------------------------------------------
    @property
    def bookings(self) -> Any:
        services = self.app.services
        return None if services is None else services.bookings

    def _clock(self) -> datetime:
        # The service's own clock decides what is past and what is today; the screen
        # must agree with it (tests drive it).
        clock = getattr(self.bookings, "clock", None)
        return clock() if callable(clock) else utcnow()

    @property
    def zone(self) -> str:
        return str(self.app.kiosk.config.kiosk.timezone)

    def rules(self, resource_id: str) -> Rules | None:
        """The effective rules of a resource, as fetched with the grid."""
        return self.rules_by_id.get(resource_id)

    def today(self) -> date:
        return fmt.local_date(self.now, self.zone)

    def horizon(self) -> int:
        days = [r.horizon_days for r in (self.rules(x.id) for x in self.resources) if r]
        return max(days) if days else DEFAULT_HORIZON

    # -- fetching ------------------------------------------------------------------------
    def on_pre_enter(self, *args: Any) -> None:
        # Coming back to the screen: a half-made booking or an old confirmation is not
        # shown again (My bookings, e.g. after a check-in at sign-in, stays).
        if self.pane in ("confirm", "done"):
            self.start = None
            self.clear_message()
            self.pane = "pick"
        super().on_pre_enter(*args)

    def refresh(self) -> None:
        bookings = self.bookings
        self.available = bookings is not None
        if bookings is None or not self.app.session.signed_in:
            self.render()
            return
        ref = self.app.session.ref
        wanted_day = self.day
        zone = self.zone
        clock = self._clock
        config = self.app.kiosk.config

        def fetch() -> Snapshot:
            now = clock()
            resources = bookings.resources()
            day = wanted_day or fmt.local_date(now, zone)
            # Every kind in one query: switching tabs needs no round trip.
            grid = bookings.day(day, patron=ref)
            return Snapshot(
                resources, grid, bookings.bookings_of(ref), now, _rules(bookings, config)
            )

        self.app.call(fetch, self._fetched, self._failed, quick=True)

    def _fetched(self, snap: Snapshot) -> None:
        self.resources = snap.resources
        self.grid = snap.grid
        self.mine = snap.mine
        self.now = snap.now
        self.rules_by_id = snap.rules
        self.day = snap.grid.day
        self.loaded = True
        kinds = self.kinds()
        if self.kind not in (*kinds, MINE_TAB):
            self.kind = kinds[0] if kinds else MINE_TAB
        of_kind = [r.id for r in self.resources if r.kind == self.kind]
        if self.resource_id not in of_kind:
            self.resource_id = of_kind[0] if of_kind else ""
        self.render()

    def _failed(self, error: KioskError) -> None:
        self.say(REFUSED, error.key, dict(error.params))

    def kinds(self) -> list[str]:
        present = {r.kind for r in self.resources}
        ordered = [k for k in KIND_ORDER if k in present]
        return ordered + sorted(present - set(ordered))

    # -- choosing --------------------------------------------------------------------
    def choose_kind(self, kind: str) -> None:
        self.kind = kind
        self.clear_message()
        if kind == MINE_TAB:
            self.pane = "mine"
        else:
            self.pane = "pick"
            of_kind = [r.id for r in self.resources if r.kind == kind]
            self.resource_id = of_kind[0] if of_kind else ""
        self.render()

    def choose_resource(self, resource_id: str) -> None:
        self.resource_id = resource_id
        self.clear_message()
        self.render()

    def can_go_back(self) -> bool:
        return self.day is not None and self.day > self.today()

    def can_go_forward(self) -> bool:
        return self.day is not None and self.day < self.today() + timedelta(days=self.horizon())

    def shift_day(self, days: int) -> None:
        if self.day is None:
            return
        target = self.day + timedelta(days=days)
        last = self.today() + timedelta(days=self.horizon())
        if not self.today() <= target <= last:
            return
        self.day = target
        self.clear_message()
        self.refresh()

    def resource(self, resource_id: str | None = None) -> Resource | None:
        rid = resource_id or self.resource_id
        return next((r for r in self.resources if r.id == rid), None)

    def bookable(self, resource: Resource) -> bool:
        """Whether its equipment can be powered now, as fetched with the grid."""
        return resource.bookable_now

    def not_bookable_text(self, resource: Resource, short: bool) -> str:
        """Why it cannot be booked right now, in words (the resource button's second line
        when ``short``, else the note under the grid)."""
        status = resource.equipment
        if status is None or status.bookable:
            return ""
        offline = status.reason == "equipment.reason.offline"
        if short:
            return self.app.tr(
                "ui.booking.offline_short" if offline else "ui.booking.unknown_short"
            )
        if offline:
            return self.app.tr("ui.booking.offline", resource=resource.name)
        return self.app.tr(
            "ui.booking.not_bookable", resource=resource.name, reason=self.app.tr(status.reason)
        )

    def slots(self) -> tuple[Slot, ...]:
        if self.grid is None:
            return ()
        for day in self.grid.resources:
            if day.resource.id == self.resource_id:
                return day.slots
        return ()

    def pick(self, slot: Slot) -> None:
        """A slot was tapped: a free one opens the confirmation, the patron's own
        shows My bookings."""
        if slot.state == MINE:
            self.choose_kind(MINE_TAB)
            return
        resource = self.resource()
        if slot.state != FREE or resource is None or not self.bookable(resource):
            return
        self.start = slot
        self.minutes = self._choices()[0]
        self.clear_message()
        self.pane = "confirm"
        self.render()

    def _choices(self) -> list[int]:
        """Durations offered from the chosen start: whole slots from the minimum to the
        maximum, as far as the slots after the start are free (at least the minimum:
        the service has the last word)."""
        resource = self.resource()
        if resource is None or self.start is None:
            return [0]
        step = resource.slot_minutes
        slots = list(self.slots())
        free = 0
        for slot in slots[slots.index(self.start) :] if self.start in slots else []:
            if slot.state != FREE:
                break
            free += step
        longest = max(resource.min_minutes, min(resource.max_minutes, free))
        return list(range(resource.min_minutes, longest + 1, step)) or [resource.min_minutes]

    def change_minutes(self, direction: int) -> None:
        choices = self._choices()
        index = choices.index(self.minutes) if self.minutes in choices else 0
        index = max(0, min(len(choices) - 1, index + direction))
        self.minutes = choices[index]
        self.render()

    def back_to_grid(self) -> None:
        self.start = None
        self.clear_message()
        self.pane = "pick"
        self.render()

    # -- writing ---------------------------------------------------------------------
    def book(self) -> None:
        bookings, resource, start = self.bookings, self.resource(), self.start
        if bookings is None or resource is None or start is None:
            return
        ref, minutes = self.app.session.ref, self.minutes
        self.busy = True

        def done(booking: Booking) -> None:
            self.busy = False
            self.booked = booking
            self.start = None
            self.say(OK, "ui.booking.booked", {})
            self.pane = "done"
            self.refresh()

        self.app.call(
            lambda: bookings.book(ref, resource.id, start.starts_at, minutes),
            done,
            self._refused,
        )

    def _refused(self, error: KioskError) -> None:
        self.busy = False
        self.say(REFUSED, error.key, dict(error.params))
        # The grid may have changed (someone else booked the slot): fetch it again.
        self.refresh()

    def ask_cancel(self, booking_id: int) -> None:
        booking = next((b for b in self.mine if b.id == booking_id), None)
        if booking is None:
            return
        text = self.app.tr(
            "ui.booking.cancel_question", resource=booking.resource_name, when=self.when(booking)
        )
        ConfirmCancel(text=text, confirm=lambda: self.cancel(booking_id)).open(animation=False)

    def cancel(self, booking_id: int) -> None:
        bookings = self.bookings
        if bookings is None:
            return
        ref = self.app.session.ref

        def done(booking: Booking) -> None:
            self.say(
                OK,
                "ui.booking.cancelled",
                {"resource": booking.resource_name, "when": self._when_params(booking)},
            )
            self.refresh()

        self.app.call(lambda: bookings.cancel(ref, booking_id), done, self._refused)

    def check_in(self, booking_id: int | None = None) -> None:
        bookings = self.bookings
        if bookings is None:
            return
        ref = self.app.session.ref
        self.app.call(lambda: bookings.check_in(ref, booking_id), self._checked_in, self._refused)

    def _checked_in(self, booking: Booking) -> None:
        self.kind = MINE_TAB
        self.pane = "mine"
        self.say(
            OK,
            "ui.booking.checked_in",
            {"resource": booking.resource_name, "when": self._when_params(booking)},
        )
        self.refresh()

    def _session_changed(self, _app: Any, signed_in: bool) -> None:
        """On sign-in: check the patron in when a booking's window is open now."""
        bookings = self.bookings
        session = self.app.session
        if not signed_in or bookings is None or session.patron is None:
            return
        if session.patron.is_staff:
            return  # staff go to staff mode; they check in from My bookings
        ref = session.ref

        def done(booking: Booking) -> None:
            self.reset()
            self._checked_in(booking)
            if self.app.current == "home":
                self.app.go("equipment")

        def nothing(error: KioskError) -> None:
            # Most sign-ins have nothing to check in to; other refusals are not the
            # patron's concern at sign-in (My bookings says them when asked).
            if error.key != "booking.nothing_to_check_in":
                log.info("no check-in at sign-in: %s", error.key)

        self.app.call(lambda: bookings.check_in(ref), done, nothing)

    # -- messages --------------------------------------------------------------------
    def say(self, mark: str, key: str, params: dict[str, Any]) -> None:
        self.message_mark = mark
        self.message_key = key
        self.message_params = params
        self._translate_message()
        # Shown and spoken: a refusal always (an alert), a success in speech mode.
        if key and mark == REFUSED:
            self.app.alert(self.message)
        elif key and mark == OK:
            self.app.announce(self.message)

    def clear_message(self) -> None:
        self.say("", "", {})

    def _translate_message(self) -> None:
        key = self.message_key
        if not key:
            self.message = ""
            return
        params = dict(self.message_params)
        when = params.pop("when", None)
        if isinstance(when, dict):
            params["when"] = self._when_text(**when)
        self.message = self.app.tr(key, **params)

    # -- texts -----------------------------------------------------------------------
    def _when_params(self, booking: Booking) -> dict[str, Any]:
        # Kept as data so that a language switch re-formats the message.
        return {"starts_at": booking.starts_at, "ends_at": booking.ends_at}

    def _when_text(self, starts_at: datetime, ends_at: datetime) -> str:
        lang, zone = self.app.language, self.zone
        return self.app.tr(
            "ui.booking.when",
            day=fmt.short_day(starts_at, lang, zone),
            start=hhmm(starts_at, lang, zone),
            end=hhmm(ends_at, lang, zone),
        )

    def when(self, booking: Booking) -> str:
        return self._when_text(booking.starts_at, booking.ends_at)

    def check_in_window(self, booking: Booking) -> tuple[datetime, datetime] | None:
        rules = self.rules(booking.resource_id)
        if rules is None:
            return None
        opens = booking.starts_at - timedelta(minutes=rules.check_in_early_minutes)
        closes = min(booking.starts_at + timedelta(minutes=rules.no_show_minutes), booking.ends_at)
        return opens, closes

    def check_in_open(self, booking: Booking) -> bool:
        window = self.check_in_window(booking)
        if booking.status != "booked" or window is None:
            return False
        return window[0] <= self.now < window[1]

    def day_text(self) -> str:
        if self.day is None:
            return ""
        lang = self.app.language
        text = fmt.short_day(self.day, lang, self.zone)
        if self.day == self.today():
            return self.app.tr("ui.booking.today", day=text)
        return text

    def slot_text(self, slot: Slot) -> str:
        lang = self.app.language
        return "{}\n{}".format(
            hhmm(slot.starts_at, lang, self.zone), self.app.tr(f"booking.slot.{slot.state}")
        )

    def resource_text(self, resource: Resource) -> str:
        lines = [resource.name]
        if not self.bookable(resource):
            lines.append(self.not_bookable_text(resource, short=True))
        elif resource.training:
            lines.append(self.app.tr("ui.booking.training_short"))
        return "\n".join(lines)

    # -- drawing ---------------------------------------------------------------------
    def render(self) -> None:
        self._translate_message()
        if not self._panes:
            return
        self._render_tabs()
        self._render_pick()
        self._render_confirm()
        self._render_done()
        self._render_mine()

    def _render_tabs(self) -> None:
        box = self.ids.tabs
        box.clear_widgets()
        if not self.available:
            return
        app = self.app
        for kind in self.kinds():
            key = f"ui.equipment.kind.{kind}"
            label = app.tr(key)
            if label == key:
                # A kind configured without a translation: its own name, never a key.
                label = kind.replace("_", " ").capitalize()
            toggle = Factory.TabToggle(text=label)
            toggle.chosen = self.kind == kind
            toggle.tab = kind
            toggle.help_key = "ui.help.equipment.tab"  # what Help says (screens/keypad.py)
            toggle.bind(on_release=lambda b: self.choose_kind(b.tab))
            box.add_widget(toggle)
        mine = Factory.TabToggle(text=app.tr("ui.booking.mine_tab", count=len(self.mine)))
        mine.chosen = self.kind == MINE_TAB
        mine.tab = MINE_TAB
        mine.help_key = "ui.help.equipment.tab_mine"
        mine.bind(on_release=lambda b: self.choose_kind(b.tab))
        box.add_widget(mine)

    def _render_pick(self) -> None:
        app = self.app
        resources_box = self.ids.resources
        resources_box.clear_widgets()
        slots_box = self.ids.slots
        slots_box.clear_widgets()
        self.ids.day_label.text = self.day_text()
        self.ids.prev_day.disabled = not (self.available and self.can_go_back())
        self.ids.next_day.disabled = not (self.available and self.can_go_forward())
        note = ""
        if not self.available:
            note = app.tr("ui.booking.unavailable")
        for each in self.resources:
            if each.kind != self.kind:
                continue
            toggle = Factory.ResourceToggle(text=self.resource_text(each))
            toggle.chosen = each.id == self.resource_id
            toggle.ident = each.id
            toggle.help_key = "ui.help.equipment.resource"
            toggle.bind(on_release=lambda b: self.choose_resource(b.ident))
            resources_box.add_widget(toggle)
        resource = self.resource()
        slots = self.slots()
        if resource is not None and self.available:
            bookable = self.bookable(resource)
            if not bookable:
                note = self.not_bookable_text(resource, short=False)
            elif not slots:
                note = app.tr("booking.closed_day")
            elif not any(s.state == FREE for s in slots):
                note = app.tr("ui.booking.day_full")
            else:
                note = app.tr("ui.booking.pick_slot")
            for slot in slots:
                button = SlotButton(text=self.slot_text(slot), slot=slot, slot_state=slot.state)
                pressable = (slot.state == FREE and bookable) or slot.state == MINE
                button.disabled = not pressable
                button.help_key = (
                    f"ui.help.equipment.slot_{'mine' if slot.state == MINE else 'free'}"
                )
                button.bind(on_release=lambda b: self.pick(b.slot))
                slots_box.add_widget(button)
        self.ids.grid_note.text = note

    def _render_confirm(self) -> None:
        app = self.app
        resource, start = self.resource(), self.start
        if resource is None or start is None:
            return
        lang, zone = app.language, self.zone
        ends = start.starts_at + timedelta(minutes=self.minutes)
        self.ids.confirm_title.text = resource.name
        self.ids.confirm_when.text = app.tr(
            "ui.booking.when_long",
            day=fmt.day(start.starts_at, lang, zone),
            start=hhmm(start.starts_at, lang, zone),
            end=hhmm(ends, lang, zone),
        )
        self.ids.minutes_label.text = app.tr("ui.booking.minutes", minutes=self.minutes)
        choices = self._choices()
        self.ids.shorter.disabled = self.minutes <= choices[0]
        self.ids.longer.disabled = self.minutes >= choices[-1]
        self.ids.confirm_rules.text = app.tr(
            "ui.booking.rules",
            min=resource.min_minutes,
            max=resource.max_minutes,
            slot=resource.slot_minutes,
        )

    def _render_done(self) -> None:
        booking = self.booked
        if booking is None:
            return
        app = self.app
        self.ids.done_what.text = f"{booking.resource_name}\n{self.when(booking)}"
        window = self.check_in_window(booking)
        lang, zone = app.language, self.zone
        self.ids.done_check_in.text = (
            app.tr(
                "ui.booking.check_in_hint",
                opens=hhmm(window[0], lang, zone),
                closes=hhmm(window[1], lang, zone),
            )
            if window
            else ""
        )

    def _render_mine(self) -> None:
        app = self.app
        box = self.ids.bookings_box
        box.clear_widgets()
        lang, zone = app.language, self.zone
        for booking in self.mine:
            parts = [self.when(booking), app.tr(f"booking.status.{booking.status}")]
            window = self.check_in_window(booking)
            can_check_in = self.check_in_open(booking)
            if booking.status == "booked" and window is not None and self.now < window[0]:
                parts.append(app.tr("ui.booking.check_in_from", opens=hhmm(window[0], lang, zone)))
            mark = {"booked": "pending", "checked_in": "ok", "active": "ok"}.get(
                booking.status, "warning"
            )
            row = BookingRow(
                mark=mark,
                title=booking.resource_name,
                detail=" · ".join(parts),
                ident=str(booking.id),
                can_check_in=can_check_in,
                can_cancel=booking.status in ("booked", "checked_in")
                and booking.starts_at > self.now,
                check_in_action=lambda i=booking.id: self.check_in(i),
                cancel_action=lambda i=booking.id: self.ask_cancel(i),
            )
            box.add_widget(row)
        self.ids.mine_empty.text = (
            app.tr("ui.booking.mine_empty") if self.loaded and not self.mine else ""
        )

    # -- leaving -----------------------------------------------------------------------
    def reset(self) -> None:
        self.day = None
        self.resources = []
        self.grid = None
        self.mine = []
        self.start = None
        self.minutes = 0
        self.booked = None
        self.rules_by_id = {}
        self.busy = False
        self.kind = ""
        self.resource_id = ""
        self.loaded = False
        self.clear_message()
        self.pane = "pick"
        self.render()
