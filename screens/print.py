"""The print pane: a patron prints on the 3D printer they have booked, now.

Everything goes through ``Services.printing`` (:class:`kiosk.printing.api.Printing`);
its answers carry what is shown (whether a print fits the booking, whether the asker
may cancel, whether the printer runs a job started outside the kiosk). This screen
applies no rule: it chooses what to show and formats it (:mod:`kiosk.formatting`).

Reached from the booking screen's "Print" on the patron's running printer booking and
from Home's "Print" while such a booking runs (:meth:`PrintScreen.open_for`); staff
(signed in as staff) may open it for any printer whose booking runs, and act for
anyone (``patron`` None in every call).

Panes: ``choose`` (the files: USB sticks newest first, then the printer's, each with
its picture and estimate), ``plan`` (what starting would do to the booking, and
Start), ``sending`` (the upload's progress) and ``printing`` (progress, time left,
temperatures, Cancel; then done, failed or cancelled). Every call that asks the
printer or reads a stick runs on the app's worker; meanwhile the screen says it is
looking at the printer. Live updates come from the bus (``PrintProgress``,
``PrintDone``/``PrintFailed``/``PrintCancelled``, ``EquipmentChanged``), handed to
this thread by the dispatcher: nothing here polls.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from kivy.clock import Clock
from kivy.core.image import Image as CoreImage
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout

from kiosk import formatting
from kiosk.domain.errors import DeviceError, KioskError
from kiosk.domain.events import (
    EquipmentChanged,
    PrintEnded,
    PrintFailed,
    PrintProgress,
)
from kiosk.formatting import Duration
from kiosk.printing.api import (
    USB,
    PrintChoice,
    PrinterView,
    Printing,
    PrintPlan,
    PrintStarted,
)
from screens import data_list  # noqa: F401  (DataBox: used by the kv rules)
from screens.base import Panes
from screens.message import INFO, OK, REFUSED, MessageScreen
from screens.widgets import ConfirmModal

#: Message marks, as on the booking screen: the shape tells what happened.
#: The pictures' side in pixels (the service draws outlines this size).
PREVIEW_PX = 160
#: The upload's progress is shown in steps of this many percent (fewer frames).
SENT_STEP = 2


class ChoiceRow(BoxLayout):
    """One file a patron may print: its picture, name, and what it needs."""

    index = NumericProperty(0)
    ident = StringProperty("")
    title = StringProperty("")
    detail = StringProperty("")
    #: The picture (a Kivy texture made from the service's PNG); None: none yet.
    texture = ObjectProperty(None, allownone=True)
    #: The printer is being asked something: Choose waits.
    waiting = BooleanProperty(False)


class ConfirmPrintCancel(ConfirmModal):
    """Asks before a print is cancelled."""

    title_key = StringProperty("ui.print.cancel_title")
    keep_key = StringProperty("ui.print.keep")
    yes_key = StringProperty("ui.print.cancel_yes")
    keep_help = StringProperty("ui.help.print.keep")
    yes_help = StringProperty("ui.help.print.cancel_yes")


class PrintScreen(MessageScreen):
    needs_patron = True

    #: choose | plan | sending | printing
    pane = StringProperty("choose")
    #: Where Back goes: the screen the pane was opened from.
    back_to = StringProperty("home")
    resource_id = StringProperty("")
    printer_name = StringProperty("")
    #: A call to the printer is under way ("looking at the printer").
    looking = BooleanProperty(False)
    #: A start is being sent: no second one.
    busy = BooleanProperty(False)
    #: The printer runs a job started on OctoPrint itself (the equipment state).
    foreign = BooleanProperty(False)
    #: The last outcome: a mark and a message key with params (re-translated).

    # -- what the kv rules show (set by render) ----------------------------------------
    choice_data = ListProperty([])
    choices_note = StringProperty("")
    can_retry = BooleanProperty(False)
    plan_title = StringProperty("")
    plan_detail = StringProperty("")
    plan_text = StringProperty("")
    plan_mark = StringProperty("")
    can_start = BooleanProperty(False)
    sent = NumericProperty(0)
    sending_text = StringProperty("")
    job_title = StringProperty("")
    #: Percent done, 0-100 (the bar).
    completion = NumericProperty(0)
    progress_text = StringProperty("")
    temps_text = StringProperty("")
    can_cancel = BooleanProperty(False)
    #: The job ended (done, failed, cancelled): "Print another" is offered.
    ended = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        self.choices: tuple[PrintChoice, ...] = ()
        self.textures: dict[str, Any] = {}
        self.chosen: PrintChoice | None = None
        self.plan: PrintPlan | None = None
        self.view: PrinterView | None = None
        self.progress: PrintProgress | None = None
        self._shown_sent = -SENT_STEP
        super().__init__(**kwargs)

    def on_kv_post(self, _base: Any) -> None:
        self._panes = Panes(self, ("choose", "plan", "sending", "printing"))
        self.bind(pane=lambda *_: self._panes.show(self.pane))
        self._panes.show(self.pane)
        app = self.app
        if app is not None:
            app.dispatcher.subscribe(PrintProgress, self._on_progress)
            app.dispatcher.subscribe(PrintEnded, self._on_ended)
            app.dispatcher.subscribe(EquipmentChanged, self._on_equipment)

    # -- who and where ---------------------------------------------------------------
    @property
    def printing(self) -> Printing | None:
        services = self.app.services
        return None if services is None else services.printing

    @property
    def patron(self) -> str | None:
        """The signed-in patron's ref; None for staff (they act for anyone)."""
        patron = self.app.session.patron
        return None if patron is None or patron.is_staff else patron.ref

    @property
    def zone(self) -> str:
        return str(self.app.kiosk.config.kiosk.timezone)

    def open_for(self, resource_id: str, back_to: str = "home") -> None:
        """Show the pane for ``resource_id`` (the booking screen's and Home's Print)."""
        self.back_to = back_to
        if resource_id != self.resource_id or self.pane != "printing":
            self._forget()
        self.resource_id = resource_id
        self.app.go(self.name)

    def printer_label(self) -> str:
        for resource in self.app.kiosk.config.resources:
            if resource.id == self.resource_id:
                return resource.name or resource.id
        return self.resource_id

    # -- fetching ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Look at the printer (on the worker): its job when it prints, else the files."""
        printing = self.printing
        if printing is None or not self.app.session.signed_in:
            self.say(INFO, "ui.print.unavailable", {})
            self.render()
            return
        if not self.resource_id:
            mine = printing.printers_of(self.app.session.ref) if self.patron else ()
            if not mine:
                self.say(INFO, "ui.print.no_printer", {})
                self.render()
                return
            self.resource_id = mine[0]
        if self.busy or self.pane == "sending":
            return  # a start is under way: its answer shows what follows
        self.printer_name = self.printer_label()
        self.foreign = self._foreign_now()
        patron, rid = self.patron, self.resource_id
        self.looking = True
        self.can_retry = False
        self.render()
        self.app.call(lambda: printing.job(patron, rid), self._got_job, self._look_failed)

    def _got_job(self, view: PrinterView) -> None:
        if view.resource_id != self.resource_id:
            return
        self.view = view
        if not view.online:
            self.looking = False
            self.can_retry = True
            self.say(REFUSED, view.problem or "printer.unreachable", {"printer": view.name})
            self.render()
            return
        self.foreign = view.foreign or self.foreign
        if view.printing:
            self.looking = False
            self.ended = False
            self.progress = None
            self.pane = "printing"
            self.render()
            return
        if self.pane == "printing" and not self.ended:
            self.pane = "choose"
        self._fetch_choices()

    def _fetch_choices(self) -> None:
        printing = self.printing
        if printing is None:
            return
        patron, rid = self.patron, self.resource_id
        self.looking = True
        self.render()
        self.app.call(lambda: printing.choices(patron, rid), self._got_choices, self._look_failed)

    def _got_choices(self, choices: tuple[PrintChoice, ...]) -> None:
        self.looking = False
        self.choices = tuple(choices)
        self.can_retry = not self.choices  # a stick put in later: look again
        self.render()
        printing, rid = self.printing, self.resource_id
        if printing is None:
            return
        for choice in self.choices:
            if choice.ref in self.textures:
                continue
            self.app.call(
                lambda c=choice: printing.preview(rid, c, PREVIEW_PX),  # type: ignore[misc]
                lambda png, c=choice: self._got_preview(rid, c, png),  # type: ignore[misc]
                lambda _error: None,  # no picture: the row says what it is in words
            )

    def _got_preview(self, resource_id: str, choice: PrintChoice, png: bytes | None) -> None:
        if resource_id != self.resource_id or png is None:
            return
        try:
            texture = CoreImage(BytesIO(png), ext="png").texture
        except Exception:  # a picture Kivy cannot read: the words stay
            return
        self.textures[choice.ref] = texture
        self._render_choose()

    def _look_failed(self, error: KioskError) -> None:
        """The printer did not answer, or the patron may not print here: said in words;
        nothing was sent and nothing is lost (Try again looks once more)."""
        self.looking = False
        self.can_retry = isinstance(error, DeviceError)
        if not isinstance(error, DeviceError):
            self.choices = ()
        self.say(REFUSED, error.key, dict(error.params))
        self.render()

    def retry(self) -> None:
        self.clear_message()
        self.refresh()

    # -- choosing and starting -----------------------------------------------------------
    def choose(self, index: int) -> None:
        """A file was chosen: ask what starting it would do to the booking."""
        printing = self.printing
        if printing is None or not 0 <= index < len(self.choices) or self.looking:
            return
        choice = self.choices[index]
        self.chosen, self.plan = choice, None
        self.clear_message()
        self.pane = "plan"
        self.looking = True
        self.render()
        patron, rid = self.patron, self.resource_id
        self.app.call(lambda: printing.plan(patron, rid, choice), self._got_plan, self._plan_failed)

    def _got_plan(self, plan: PrintPlan) -> None:
        self.looking = False
        self.plan = plan
        self.render()
        self.app.announce(f"{self.plan_detail}. {self.plan_text}")
        # Large text makes the page scroll: what starting it means comes into sight
        # (then Start, just below it).
        Clock.schedule_once(lambda _dt: self._reveal(self.ids.plan_text), 0)

    def _plan_failed(self, error: KioskError) -> None:
        self.looking = False
        self.pane = "choose"
        self._look_failed(error)

    def back_to_files(self) -> None:
        self.chosen = self.plan = None
        self.clear_message()
        self.pane = "choose"
        self.render()

    def start(self) -> None:
        """Start the chosen file (the upload on the worker, its progress shown)."""
        printing, choice = self.printing, self.chosen
        if printing is None or choice is None or self.busy:
            return
        patron, rid = self.patron, self.resource_id
        self.busy = True
        self.sent = 0
        self._shown_sent = -SENT_STEP
        self.clear_message()
        self.pane = "sending"
        self.render()

        def progress(sent: int, total: int) -> None:  # the worker's thread
            share = 100 * sent // total if total else 100
            if share - self._shown_sent >= SENT_STEP or share == 100:
                self._shown_sent = share
                Clock.schedule_once(lambda _dt: self._sending(share), 0)

        self.app.call(
            lambda: printing.start(patron, rid, choice, progress), self._started, self._refused
        )

    def _sending(self, share: int) -> None:
        if self.pane == "sending":
            self.sent = share
            self._render_sending()

    def _started(self, started: PrintStarted) -> None:
        self.busy = False
        self.ended = False
        self.progress = None
        self.view = None
        params: dict[str, Any] = {"file": started.file_name}
        if started.extended:
            key = "ui.print.started_extended"
            params["ends"] = formatting.time_of_day(
                started.booking_ends_at, self.app.language, self.zone
            )
        else:
            key = "ui.print.started"
        self.say(OK, key, params)
        self.pane = "printing"
        self.render()
        self.refresh()  # the job's first look; the bus brings the rest
        # Large text makes the page scroll: the progress is what the patron looks for.
        Clock.schedule_once(lambda _dt: self._reveal(self.ids.job_bar), 0)

    def _reveal(self, widget: Any) -> None:
        page = self.children[0] if self.children else None
        if page is None:
            return
        # (A page with nothing to scroll keeps its top in view: Page.)
        if getattr(page, "do_scroll_y", False):
            page.scroll_to(widget, padding=self.app.gap_px * 6, animate=False)

    def _refused(self, error: KioskError) -> None:
        self.busy = False
        self.pane = "choose"
        self.say(REFUSED, error.key, dict(error.params))
        self.render()

    # -- the running job -----------------------------------------------------------------
    def _on_progress(self, event: PrintProgress) -> None:
        if event.resource != self.resource_id:
            return
        if self.pane == "printing" and not self.ended:
            self.progress = event
            self._render_printing()
        elif (
            event.state in ("printing", "paused")
            and self.pane == "choose"
            and not (self.looking or self.busy)
            and self.app.current == self.name
        ):
            self.refresh()  # someone started a job meanwhile (on the printer itself)

    def _on_ended(self, event: PrintEnded) -> None:
        if event.resource != self.resource_id or self.pane != "printing" or self.ended:
            return
        self.ended = True
        self.can_cancel = False
        key = f"ui.print.{event.outcome}"
        params: dict[str, Any] = {"file": event.file_name}
        if isinstance(event, PrintFailed):
            params["reason"] = event.reason
        self.say(OK if event.outcome == "done" else REFUSED, key, params)
        self.render()
        # The page got shorter (no progress, no Cancel): the outcome comes into sight.
        Clock.schedule_once(lambda _dt: self._reveal(self.ids.message_label), 0)

    def _on_equipment(self, event: EquipmentChanged) -> None:
        if event.resource == self.resource_id:
            foreign = self._foreign_now()
            if foreign != self.foreign:
                self.foreign = foreign
                self.render()

    def _foreign_now(self) -> bool:
        services = self.app.services
        if services is None or not self.resource_id:
            return False
        return bool(services.equipment.equipment_state(self.resource_id).printer_foreign)

    def ask_cancel(self) -> None:
        name = (self.view.file_name if self.view is not None else None) or self.printer_name
        text = self.app.tr("ui.print.cancel_question", file=name, printer=self.printer_name)
        ConfirmPrintCancel(text=text, confirm=self.cancel).open(animation=False)

    def cancel(self) -> None:
        printing = self.printing
        if printing is None:
            return
        patron, rid = self.patron, self.resource_id
        self.looking = True
        self.render()

        def sent(view: PrinterView) -> None:
            self.looking = False
            self.view = view
            self.can_cancel = False
            if not self.ended:  # the printer's own "cancelled" may have come first
                self.say(INFO, "ui.print.cancel_sent", {})
            self.render()

        def refused(error: KioskError) -> None:
            self.looking = False
            self.say(REFUSED, error.key, dict(error.params))
            self.render()

        self.app.call(lambda: printing.cancel(patron, rid), sent, refused)

    def print_another(self) -> None:
        Clock.schedule_once(lambda _dt: self._reveal(self.ids.printer_label), 0)
        self.ended = False
        self.view = self.progress = None
        self.chosen = self.plan = None
        self.clear_message()
        self.pane = "choose"
        self.refresh()

    # -- messages ----------------------------------------------------------------------
    def message_words(self, params: dict[str, Any]) -> dict[str, Any]:
        if "reason" in params:
            params["reason"] = self.app.tr(str(params["reason"]))
        return params

    # -- drawing -----------------------------------------------------------------------
    def render(self) -> None:
        self.word_message()
        if not self._panes:
            return
        self.printer_name = self.printer_label() if self.resource_id else ""
        self._render_choose()
        self._render_plan()
        self._render_sending()
        self._render_printing()

    def _choice_detail(self, choice: PrintChoice) -> str:
        app, lang = self.app, self.app.language
        parts = [app.tr(f"ui.print.source.{'usb' if choice.source == USB else 'host'}")]
        if choice.size_bytes is not None:
            parts.append(_size(app, choice.size_bytes, lang))
        if choice.modified_at is not None:
            parts.append(formatting.day_time(choice.modified_at, lang, self.zone))
        line = " · ".join(parts)
        needs = []
        if choice.estimated_seconds is not None:
            needs.append(app.tr("ui.print.needs_time", time=Duration(choice.estimated_seconds)))
        if choice.filament_mm is not None:
            metres = formatting.number(choice.filament_mm / 1000, lang, 1)
            if choice.filament_g is not None:
                grams = formatting.number(choice.filament_g, lang, 0)
                needs.append(app.tr("ui.print.filament_g", m=metres, g=grams))
            else:
                needs.append(app.tr("ui.print.filament", m=metres))
        if not needs:
            needs.append(app.tr("ui.print.no_estimate"))
        return f"{line}\n{' · '.join(needs)}"

    def _render_choose(self) -> None:
        app = self.app
        self.choice_data = [
            {
                "index": i,
                "ident": choice.ref,
                "title": choice.name,
                "detail": self._choice_detail(choice),
                "texture": self.textures.get(choice.ref),
                "waiting": self.looking,
            }
            for i, choice in enumerate(self.choices)
        ]
        if self.looking and self.pane == "choose":
            note = app.tr("ui.print.looking", printer=self.printer_name)
        elif self.message_mark == REFUSED and not self.choices:
            note = ""  # the message says why
        elif self.printing is None or not self.resource_id:
            note = ""
        elif not self.choices:
            note = app.tr("ui.print.no_files")
        else:
            note = app.tr("ui.print.pick_file")
        self.choices_note = note

    def _render_plan(self) -> None:
        app, lang = self.app, self.app.language
        choice, plan = self.chosen, self.plan
        if choice is None:
            return
        self.plan_title = choice.name
        self.plan_detail = self._choice_detail(choice).replace("\n", " · ")
        if plan is None:
            self.plan_text = app.tr("ui.print.looking", printer=self.printer_name)
            self.plan_mark = "pending"
            self.can_start = False
            return
        ends = formatting.time_of_day(plan.booking_ends_at, lang, self.zone)
        left = Duration(plan.seconds_left)
        needs = plan.choice.estimated_seconds
        if needs is None:
            key, mark = "ui.print.plan_no_estimate", "info"
        elif plan.fits:
            key, mark = "ui.print.plan_fits", "ok"
        elif plan.can_extend:
            key, mark = "ui.print.plan_extend", "warning"
        else:
            # Said before Start, with the numbers (the service would refuse the start).
            key, mark = "printing.does_not_fit", "refused"
        self.plan_text = app.tr(
            key,
            needs=Duration(needs or 0),
            ends=ends,
            left=left,
            minutes=plan.extend_minutes,
        )
        self.plan_mark = mark
        self.can_start = not self.busy and mark != "refused"

    def _render_sending(self) -> None:
        if self.chosen is None:
            return
        self.sending_text = self.app.tr(
            "ui.print.sending",
            file=self.chosen.name,
            percent=formatting.percent(self.sent / 100, self.app.language),
        )

    def _render_printing(self) -> None:
        app, lang = self.app, self.app.language
        view, live = self.view, self.progress
        file_name = view.file_name if view is not None else None
        if file_name is None and self.chosen is not None:
            file_name = self.chosen.name
        state = live.state if live is not None else (view.state if view is not None else "")
        completion = live.completion if live is not None else (view.completion if view else None)
        time_left = live.time_left if live is not None else (view.time_left if view else None)
        self.job_title = file_name or self.printer_name
        if self.ended:
            self.completion = 100 if self.message_key == "ui.print.done" else self.completion
        else:
            self.completion = max(0.0, min(100.0, completion or 0.0))
        lines = []
        if not self.ended:
            if state:
                lines.append(app.tr(f"ui.print.state.{state}"))
            lines.append(
                app.tr(
                    "ui.print.done_share",
                    percent=formatting.percent(self.completion / 100, lang),
                )
            )
            if time_left is not None:
                lines.append(app.tr("ui.print.time_left", time=Duration(time_left)))
        self.progress_text = " · ".join(lines)
        temps = _temps(live if live is not None else view)
        self.temps_text = (
            app.tr(
                "ui.print.temps",
                hotend=formatting.number(temps[0], lang),
                hotend_target=formatting.number(temps[1], lang),
                bed=formatting.number(temps[2], lang),
                bed_target=formatting.number(temps[3], lang),
            )
            if temps is not None
            else ""
        )
        self.can_cancel = (
            not self.ended and not self.looking and view is not None and view.can_cancel
        )

    # -- leaving -----------------------------------------------------------------------
    def _forget(self) -> None:
        self.choices = ()
        self.textures = {}
        self.chosen = self.plan = None
        self.view = self.progress = None
        self.ended = False
        self.busy = False
        self.looking = False
        self.foreign = False
        self.can_retry = False
        self.clear_message()
        self.pane = "choose"

    def reset(self) -> None:
        self._forget()
        self.resource_id = ""
        self.printer_name = ""
        self.render()


def _size(app: Any, size: int, lang: str) -> str:
    """A file's size as people read it: kilobytes below one megabyte."""
    if size < 1_000_000:
        return str(app.tr("ui.print.size_kb", kb=formatting.number(max(1, size // 1000), lang)))
    return str(app.tr("ui.print.size", mb=formatting.number(size / 1e6, lang, 1)))


def _temps(source: PrinterView | PrintProgress | None) -> tuple[float, float, float, float] | None:
    """Hotend and bed, actual and target (None: the printer said nothing)."""
    if source is None or source.hotend_c is None:
        return None
    return (
        source.hotend_c,
        source.hotend_target_c or 0.0,
        source.bed_c or 0.0,
        source.bed_target_c or 0.0,
    )
