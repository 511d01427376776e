"""Book equipment: the makerspace's resources by kind, a day grid of slots, booking
within the rules, the patron's own bookings with cancel and check-in.

Everything goes through ``Services.bookings`` (:class:`kiosk.booking.api.Bookings`):
one call (:meth:`~kiosk.booking.api.Bookings.view`) brings the day's grid, the
patron's bookings and the days the screen may move to. The answers carry what is
shown, decided by the service: the durations a free slot offers, whether a resource
can be booked right now and why not, a booking's check-in window and whether its
patron may check in or cancel it. This screen applies no rule; it chooses what to
show and formats it. Lists are kv rules filled from data (:mod:`screens.data_list`).

Panes: ``pick`` (kind tabs, resources, a day and its slots), ``confirm`` (duration and
the Book button: the one confirmation before anything is written), ``done`` (what was
booked and when to check in) and ``mine`` (My bookings). Refusals are the service's
``booking.*`` keys, shown translated and re-translated on a language switch.

Check-in: the patron's card tap signs them in, and a sign-in with a booking whose
check-in window is open checks them in at once (``Bookings.arrive``, "the card tap"),
then shows this screen with the confirmation. Inside My bookings a Check in button
does the same for one booking.

What the patron sees follows the service's events (the dispatcher hands them to the
UI thread): a check-in or a cancel made here is shown once, when its event arrives;
the scheduler's starts, ends and releases likewise; equipment that cannot be powered
right now is fetched again when the equipment controller says its reason changed
(``EquipmentChanged``).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout

from kiosk.booking.api import (
    CHECK_IN_LATER,
    CHECK_IN_OPEN,
    FREE,
    MINE,
    Booking,
    Bookings,
    BookingView,
    Resource,
    Slot,
)
from kiosk.domain.errors import KioskError
from kiosk.domain.events import BookingEvent, EquipmentChanged
from screens import data_list  # noqa: F401  (DataBox, DataGrid: used by the kv rules)
from screens import format as fmt
from screens.base import Panes
from screens.message import OK, REFUSED, MessageScreen
from screens.widgets import ConfirmModal, KButton

log = logging.getLogger(__name__)

KIND_ORDER = ("3d_printer", "computer", "tool")
#: The "My bookings" tab beside the kinds.
MINE_TAB = "mine"
#: Message marks: the shape tells what happened, the text says it.
#: A booking's mark in My bookings, by status (anything else: a warning).
#: A booking that runs now (its Print is offered when the print service names its printer).
RUNNING = ("active", "ending")
STATUS_MARKS = {"booked": "pending", "checked_in": "ok", "active": "ok"}


class SlotButton(KButton):
    """One slot of the day grid: its time and its state as words (never colour
    alone). Free slots that offer a booking and the patron's own are pressable."""

    slot = ObjectProperty(None, allownone=True)
    slot_state = StringProperty(FREE)


class BookingRow(BoxLayout):
    """One of the patron's bookings: mark, what and when, Check in and Cancel."""

    mark = StringProperty("")
    title = StringProperty("")
    detail = StringProperty("")
    ident = StringProperty("")
    booking_id = NumericProperty(0)
    can_check_in = BooleanProperty(False)
    can_cancel = BooleanProperty(False)
    #: The patron's running 3D printer booking: Print opens the print pane.
    can_print = BooleanProperty(False)
    resource_id = StringProperty("")


class ConfirmCancel(ConfirmModal):
    """Asks before a booking is cancelled."""

    title_key = StringProperty("ui.booking.cancel_title")
    keep_key = StringProperty("ui.booking.keep")
    yes_key = StringProperty("ui.booking.cancel_yes")
    keep_help = StringProperty("ui.help.confirm_cancel.keep")
    yes_help = StringProperty("ui.help.confirm_cancel.yes")


class EquipmentScreen(MessageScreen):
    needs_patron = True

    #: pick | confirm | done | mine
    pane = StringProperty("pick")
    #: The chosen kind (a tab).
    kind = StringProperty("")
    resource_id = StringProperty("")
    #: The last outcome: a mark and a message key with params (re-translated).
    #: False when this kiosk has no booking service.
    available = BooleanProperty(True)
    loaded = BooleanProperty(False)
    #: A booking is being written: the Book button waits (no double booking by a
    #: double tap).
    busy = BooleanProperty(False)

    # -- what the kv rules show (set by render) ----------------------------------------
    tab_data = ListProperty([])
    resource_data = ListProperty([])
    slot_data = ListProperty([])
    booking_data = ListProperty([])
    day_text = StringProperty("")
    grid_note = StringProperty("")
    can_go_back = BooleanProperty(False)
    can_go_forward = BooleanProperty(False)
    confirm_title = StringProperty("")
    confirm_when = StringProperty("")
    minutes_text = StringProperty("")
    rules_text = StringProperty("")
    can_shorten = BooleanProperty(False)
    can_lengthen = BooleanProperty(False)
    done_what = StringProperty("")
    done_check_in = StringProperty("")
    mine_empty = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        # Set before the kv rules apply: on_kv_post (inside super().__init__) uses them.
        self.day: date | None = None
        self.view: BookingView | None = None
        self.start: Slot | None = None
        self.minutes = 0
        self.booked: Booking | None = None
        #: The printers whose running booking is the patron's (``Printing.printers_of``).
        self.printers: tuple[str, ...] = ()
        super().__init__(**kwargs)

    def on_kv_post(self, _base: Any) -> None:
        self._panes = Panes(self, ("pick", "confirm", "done", "mine"))
        self.bind(pane=lambda *_: self._panes.show(self.pane))
        self._panes.show(self.pane)
        app = self.app
        if app is not None:
            # A card tap signs the patron in: that is also the check-in of a booking
            # whose window is open now.
            app.bind(signed_in=self._session_changed)
            # The service's and the scheduler's changes (their threads): what the
            # patron sees follows at once (the dispatcher hands it to this thread).
            app.dispatcher.subscribe(BookingEvent, self._booking_changed)
            app.dispatcher.subscribe(EquipmentChanged, self._equipment_changed)

    def _equipment_changed(self, event: EquipmentChanged) -> None:
        """Fetch again only when what this screen shows changed: whether the resource
        can be booked now, and why not (its plug switching on or off does not)."""
        shown = self.resource(event.resource)
        services = self.app.services
        if shown is None or services is None:
            return
        state = services.equipment.equipment_state(event.resource)
        foreign = shown.equipment is not None and shown.equipment.printer_foreign
        if state.reason != shown.not_bookable_reason or state.printer_foreign != foreign:
            self._booking_changed(event)

    def _booking_changed(self, _event: BookingEvent | EquipmentChanged) -> None:
        if self.loaded and self.app.current == self.name and self.app.session.signed_in:
            self.refresh()

    @property
    def bookings(self) -> Bookings | None:
        services = self.app.services
        return None if services is None else services.bookings

    @property
    def zone(self) -> str:
        return str(self.app.kiosk.config.kiosk.timezone)

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
        """Fetch the view of the chosen day (on the worker, or at once on the local
        backend) and show it."""
        bookings = self.bookings
        self.available = bookings is not None
        if bookings is None or not self.app.session.signed_in:
            self.render()
            return
        ref, day = self.app.session.ref, self.day
        printing = self.app.services.printing if self.app.services is not None else None
        if printing is not None:
            self.app.call(lambda: printing.printers_of(ref), self._got_printers, quick=True)
        self.app.call(lambda: bookings.view(ref, day), self.show, self._failed, quick=True)

    def _got_printers(self, printers: tuple[str, ...]) -> None:
        self.printers = tuple(printers)
        self.render()

    def print_on(self, resource_id: str) -> None:
        """The Print of a running printer booking: the print pane for that printer."""
        self.app.screen("print").open_for(resource_id, back_to=self.name)

    def show(self, view: BookingView) -> None:
        """Show ``view`` (a fetch's answer)."""
        self.view = view
        self.day = view.grid.day
        self.loaded = True
        shown = (self.kind, self.resource_id)
        kinds = self.kinds()
        if self.kind not in (*kinds, MINE_TAB):
            self.kind = kinds[0] if kinds else MINE_TAB
        of_kind = [r.id for r in self.resources if r.kind == self.kind]
        if self.resource_id not in of_kind:
            self.resource_id = of_kind[0] if of_kind else ""
        self.render()
        if (self.kind, self.resource_id) != shown:
            self._tell_refusal()  # the first tab opened by itself

    def _failed(self, error: KioskError) -> None:
        self.say(REFUSED, error.key, dict(error.params))

    @property
    def resources(self) -> tuple[Resource, ...]:
        return self.view.resources if self.view is not None else ()

    @property
    def mine(self) -> tuple[Booking, ...]:
        return self.view.mine if self.view is not None else ()

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
        self._tell_refusal()

    def choose_resource(self, resource_id: str) -> None:
        self.resource_id = resource_id
        self.clear_message()
        self.render()
        self._tell_refusal()

    def _tell_refusal(self) -> None:
        """A patron who may not book the resource just opened (no induction ...) hears
        why now, as the note under its grid says, not after picking slot and duration:
        the service's answer carries it (``Resource.refusal``)."""
        resource = self.resource()
        if self.pane == "pick" and resource is not None and resource.refusal:
            self.app.alert(self.grid_note)

    def shift_day(self, days: int) -> None:
        """The day before (-1) or after (1), when the service says it can be booked."""
        if self.view is None:
            return
        target = self.view.previous_day if days < 0 else self.view.next_day
        if target is None:
            return
        self.day = target
        self.clear_message()
        self.refresh()

    def resource(self, resource_id: str | None = None) -> Resource | None:
        rid = resource_id or self.resource_id
        return next((r for r in self.resources if r.id == rid), None)

    def slots(self) -> tuple[Slot, ...]:
        if self.view is None:
            return ()
        for day in self.view.grid.resources:
            if day.resource.id == self.resource_id:
                return day.slots
        return ()

    def pick(self, slot: Slot) -> None:
        """A slot was tapped: one that offers a booking opens the confirmation, the
        patron's own shows My bookings."""
        if slot.state == MINE:
            self.choose_kind(MINE_TAB)
            return
        if not slot.durations:
            return
        self.start = slot
        self.minutes = slot.durations[0]
        self.clear_message()
        self.pane = "confirm"
        self.render()

    def change_minutes(self, direction: int) -> None:
        """The next shorter (-1) or longer (1) duration the chosen slot offers."""
        if self.start is None:
            return
        choices = self.start.durations
        index = choices.index(self.minutes) if self.minutes in choices else 0
        self.minutes = choices[max(0, min(len(choices) - 1, index + direction))]
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
            self.refresh()  # a new booking has no event: the grid is fetched here

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
        """Cancel; the list follows the service's BookingCancelled (one fetch)."""
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

        self.app.call(lambda: bookings.cancel(ref, booking_id), done, self._refused)

    def check_in(self, booking_id: int | None = None) -> None:
        """Check in; the list follows the service's BookingCheckedIn (one fetch)."""
        bookings = self.bookings
        if bookings is None:
            return
        ref = self.app.session.ref
        self.app.call(
            lambda: bookings.check_in(ref, booking_id),
            lambda booking: self._checked_in(booking, fetch=False),
            self._refused,
        )

    def _checked_in(self, booking: Booking, *, fetch: bool) -> None:
        self.kind = MINE_TAB
        self.pane = "mine"
        self.say(
            OK,
            "ui.booking.checked_in",
            {"resource": booking.resource_name, "when": self._when_params(booking)},
        )
        if fetch:
            self.refresh()
        else:
            self.render()

    def _session_changed(self, _app: Any, signed_in: bool) -> None:
        """On sign-in: check the patron in when a booking's window is open now."""
        bookings = self.bookings
        session = self.app.session
        if not signed_in or bookings is None or session.patron is None:
            return
        if session.patron.is_staff:
            return  # staff go to staff mode; they check in from My bookings
        ref = session.ref

        def done(booking: Booking | None) -> None:
            if booking is None:
                return  # most sign-ins: no booking whose check-in window is open
            self.reset()
            # Nothing was loaded for this patron yet (the event found the screen empty
            # and left it): this one fetch shows it.
            self._checked_in(booking, fetch=True)
            if self.app.current == "home":
                self.app.go("equipment")

        def refused(error: KioskError) -> None:
            # Not the patron's concern at sign-in (My bookings says it when asked).
            log.info("no check-in at sign-in: %s", error.key)

        self.app.call(lambda: bookings.arrive(ref), done, refused)

    # -- messages --------------------------------------------------------------------
    def message_words(self, params: dict[str, Any]) -> dict[str, Any]:
        when = params.pop("when", None)
        if isinstance(when, dict):
            params["when"] = self._when_text(**when)
        return params

    # -- texts -----------------------------------------------------------------------
    def _when_params(self, booking: Booking) -> dict[str, Any]:
        # Kept as data so that a language switch re-formats the message.
        return {"starts_at": booking.starts_at, "ends_at": booking.ends_at}

    def _when_text(self, starts_at: datetime, ends_at: datetime) -> str:
        lang, zone = self.app.language, self.zone
        return self.app.tr(
            "ui.booking.when",
            day=fmt.short_day(starts_at, lang, zone),
            start=fmt.clock(starts_at, lang, zone),
            end=fmt.clock(ends_at, lang, zone),
        )

    def when(self, booking: Booking) -> str:
        return self._when_text(booking.starts_at, booking.ends_at)

    def _time(self, moment: datetime) -> str:
        return fmt.clock(moment, self.app.language, self.zone)

    def not_bookable_text(self, resource: Resource, short: bool) -> str:
        """Why it cannot be booked right now, in words (the resource button's second line
        when ``short``, else the note under the grid)."""
        reason = resource.not_bookable_reason
        if resource.bookable_now:
            return ""
        offline = reason == "equipment.reason.offline"
        if short:
            return self.app.tr(
                "ui.booking.offline_short" if offline else "ui.booking.unknown_short"
            )
        if offline:
            return self.app.tr("ui.booking.offline", resource=resource.name)
        return self.app.tr(
            "ui.booking.not_bookable", resource=resource.name, reason=self.app.tr(reason)
        )

    def resource_text(self, resource: Resource) -> str:
        lines = [resource.name]
        if resource.equipment is not None and resource.equipment.printer_foreign:
            lines.append(self.app.tr("ui.print.foreign"))
        if not resource.bookable_now:
            lines.append(self.not_bookable_text(resource, short=True))
        elif resource.training:
            lines.append(self.app.tr("ui.booking.training_short"))
        return "\n".join(lines)

    def _day_text(self) -> str:
        if self.view is None:
            return ""
        shown = self.view.grid.day
        text = fmt.short_day(shown, self.app.language, self.zone)
        return self.app.tr("ui.booking.today", day=text) if shown == self.view.today else text

    def _kind_label(self, kind: str) -> str:
        key = f"ui.equipment.kind.{kind}"
        label = self.app.tr(key)
        # A kind configured without a translation: its own name, never a key.
        return kind.replace("_", " ").capitalize() if label == key else label

    # -- drawing: data for the kv rules ----------------------------------------------
    def render(self) -> None:
        self.word_message()
        if not self._panes:
            return
        self._render_tabs()
        self._render_pick()
        self._render_confirm()
        self._render_done()
        self._render_mine()

    def _render_tabs(self) -> None:
        tabs = [] if not self.available else [*self.kinds(), MINE_TAB]
        self.tab_data = [
            {
                "tab": kind,
                "chosen": self.kind == kind,
                "text": (
                    self.app.tr("ui.booking.mine_tab", count=len(self.mine))
                    if kind == MINE_TAB
                    else self._kind_label(kind)
                ),
            }
            for kind in tabs
        ]

    def _render_pick(self) -> None:
        app = self.app
        view = self.view
        self.day_text = self._day_text()
        self.can_go_back = self.available and view is not None and view.previous_day is not None
        self.can_go_forward = self.available and view is not None and view.next_day is not None
        self.resource_data = [
            {"ident": r.id, "chosen": r.id == self.resource_id, "text": self.resource_text(r)}
            for r in self.resources
            if r.kind == self.kind
        ]
        resource = self.resource()
        slots = self.slots() if resource is not None and self.available else ()
        self.slot_data = [
            {
                "slot": slot,
                "slot_state": slot.state,
                "disabled": not (slot.durations or slot.state == MINE),
                "text": f"{self._time(slot.starts_at)}\n{app.tr(f'booking.slot.{slot.state}')}",
            }
            for slot in slots
        ]
        if not self.available:
            note = app.tr("ui.booking.unavailable")
        elif resource is None:
            note = ""
        elif resource.refusal:
            note = app.tr(resource.refusal, resource=resource.name)
        elif not resource.bookable_now:
            note = self.not_bookable_text(resource, short=False)
        elif not slots:
            note = app.tr("booking.closed_day")
        elif not any(s.durations for s in slots):
            note = app.tr("ui.booking.day_full")
        else:
            note = app.tr("ui.booking.pick_slot")
        self.grid_note = note

    def _render_confirm(self) -> None:
        app = self.app
        resource, start = self.resource(), self.start
        if resource is None or start is None:
            return
        lang, zone = app.language, self.zone
        ends = start.starts_at + timedelta(minutes=self.minutes)
        self.confirm_title = resource.name
        self.confirm_when = app.tr(
            "ui.booking.when_long",
            day=fmt.day(start.starts_at, lang, zone),
            start=self._time(start.starts_at),
            end=self._time(ends),
        )
        self.minutes_text = app.tr("ui.booking.minutes", minutes=self.minutes)
        self.can_shorten = self.minutes > start.durations[0]
        self.can_lengthen = self.minutes < start.durations[-1]
        self.rules_text = app.tr(
            "ui.booking.rules",
            min=resource.min_minutes,
            max=resource.max_minutes,
            slot=resource.slot_minutes,
        )

    def _render_done(self) -> None:
        booking = self.booked
        if booking is None:
            return
        self.done_what = f"{booking.resource_name}\n{self.when(booking)}"
        opens, closes = booking.check_in_opens, booking.check_in_closes
        self.done_check_in = (
            self.app.tr(
                "ui.booking.check_in_hint", opens=self._time(opens), closes=self._time(closes)
            )
            if opens is not None and closes is not None
            else ""
        )

    def _render_mine(self) -> None:
        app = self.app
        rows = []
        for booking in self.mine:
            parts = [self.when(booking), app.tr(f"booking.status.{booking.status}")]
            if booking.check_in == CHECK_IN_LATER and booking.check_in_opens is not None:
                opens = self._time(booking.check_in_opens)
                parts.append(app.tr("ui.booking.check_in_from", opens=opens))
            rows.append(
                {
                    "mark": STATUS_MARKS.get(booking.status, "warning"),
                    "title": booking.resource_name,
                    "detail": " · ".join(parts),
                    "ident": str(booking.id),
                    "booking_id": booking.id,
                    "can_check_in": booking.check_in == CHECK_IN_OPEN,
                    "can_cancel": booking.may_cancel,
                    "resource_id": booking.resource_id,
                    "can_print": booking.resource_id in self.printers and booking.status in RUNNING,
                }
            )
        self.booking_data = rows
        self.mine_empty = app.tr("ui.booking.mine_empty") if self.loaded and not rows else ""

    # -- leaving -----------------------------------------------------------------------
    def reset(self) -> None:
        self.day = None
        self.view = None
        self.start = None
        self.minutes = 0
        self.booked = None
        self.printers = ()
        self.busy = False
        self.kind = ""
        self.resource_id = ""
        self.loaded = False
        self.clear_message()
        self.pane = "pick"
        self.render()
