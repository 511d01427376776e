"""Home: a greeting by name, what stands in the patron's way (the summary), and a large
button per service the circulation backend offers now (an ILS may not lend or take
returns at the moment, and keeps patrons' PINs itself: then those buttons are not there
at all).

The summary is worded here from the backend's :class:`PatronOverview` (which judges the
blocks on the library's date): fines with their amount, the card's end, overdue items,
holds ready, loans. At sign-in, in speech mode, the greeting and the whole summary are
said once, after the page's title."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.properties import ListProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.stacklayout import StackLayout

from kiosk.circulation.api import Capabilities, PatronOverview
from kiosk.i18n import translate
from kiosk.money import Rupiah
from screens.after_title import AfterTitle
from screens.base import KioskScreen
from screens.data_list import DataChildren

#: Buttons shown only when the backend can do what they lead to.
NEEDS: dict[str, Callable[[Capabilities], bool]] = {
    "borrow": lambda caps: caps.checkout,
    "returns": lambda caps: caps.checkin,
    "pin": lambda caps: caps.pin_change,
}


@dataclass(frozen=True)
class Notice:
    """One line of the summary: a state mark (``refused``, ``warning``, ``ok``,
    ``info``), the short words large text shows, and the whole sentence (with the next
    step) that normal text shows and speech says."""

    kind: str
    short: str
    full: str


def notices(overview: PatronOverview, language: str) -> list[Notice]:
    """What stands in the patron's way, most pressing first, then what is waiting for
    them and how much they have on loan."""

    def t(key: str, **params: Any) -> str:
        return translate(key, language, **params)

    def notice(kind: str, key: str, step: str | None = None, **params: Any) -> Notice:
        short = t(f"ui.summary.{key}", **params)
        full = t("ui.summary.with_step", notice=short, step=t(step)) if step else short
        return Notice(kind, short, full)

    found: list[Notice] = []
    money = Rupiah(overview.fines_balance)
    if overview.fines_block:
        found.append(notice("refused", "fines_block", "ui.summary.step.pay", balance=money))
    elif overview.fines_balance > 0:
        found.append(notice("info", "fines", "ui.summary.step.pay_any", balance=money))
    last_day = overview.patron.expires_on
    if last_day is not None and overview.card_expired:
        found.append(notice("refused", "card_expired", "ui.summary.step.card", day=last_day))
    elif last_day is not None and overview.card_expiring:
        found.append(notice("warning", "card_expiring", "ui.summary.step.card", day=last_day))
    if overview.overdue:
        found.append(
            notice("warning", "overdue", "ui.summary.step.overdue", count=overview.overdue)
        )
    if overview.holds_ready:
        found.append(
            notice("ok", "holds_ready", "ui.summary.step.holds", count=overview.holds_ready)
        )
    found.append(
        notice("info", "loans", count=overview.loans)
        if overview.loans
        else notice("info", "no_loans")
    )
    return found


class SummaryNotice(BoxLayout):
    """A summary line (kv rule ``<SummaryNotice>``): as wide as its words, so that short
    ones sit side by side; a long one wraps at the summary's width."""

    kind = StringProperty("")
    text = StringProperty("")
    #: The words' width on one line, in px (the label's natural width).
    natural = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._measure = Clock.create_trigger(lambda _dt: self.measure())
        self.bind(text=self._measure)

    def measure(self) -> None:
        label = self.ids.get("words")
        if label is None:
            return
        core = CoreLabel(text=self.text, font_size=label.font_size, bold=label.bold)
        core.refresh()
        self.natural = core.content_width


class SummaryFlow(DataChildren, StackLayout):
    """The summary's lines made from data, flowing left to right, top to bottom."""


class HomeScreen(KioskScreen):
    needs_patron = True
    loans = NumericProperty(0)
    overdue = NumericProperty(0)
    holds_ready = NumericProperty(0)
    #: "" until the counts arrive; then "ok".
    loaded = StringProperty("")
    #: The summary as said aloud: the greeting (unless it is the page's title, at large
    #: text) and every notice's whole sentence.
    spoken = StringProperty("")
    #: The printers whose running booking is the patron's: "Print" only then.
    printers = ListProperty([])

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.overview: PatronOverview | None = None
        #: The session (its generation) whose patron has heard the summary: once each.
        self._greeted = -1
        self._speech = AfterTitle(self)

    def on_kv_post(self, _base: Any) -> None:
        grid = self.ids.actions
        # Strong references in reading order (kv ids are weak): a button taken out
        # goes back in its own place.
        self._buttons = [(name, self.ids[name].__self__) for name in _order(self.ids, grid)]
        self.app.bind(capabilities=lambda _app, caps: self.show_actions(caps))
        self.app.bind(text_scale=lambda *_a: self._show_summary())
        self.show_actions(self.app.capabilities)

    def show_actions(self, caps: Capabilities) -> None:
        """Out of the grid (so keypad and speech skip them too): what ``caps`` says no
        to. Unchanged capabilities change nothing."""
        grid = self.ids.actions
        wanted = [
            b
            for name, b in self._buttons
            if NEEDS.get(name, _always)(caps) and (name != "print" or self.printers)
        ]
        if list(reversed(grid.children)) != wanted:
            grid.clear_widgets()
            for button in wanted:
                grid.add_widget(button)

    def refresh(self) -> None:
        services = self.app.services
        if services is None or not self.app.session.signed_in:
            return
        ref = self.app.session.ref
        self.app.call(lambda: services.circulation.overview(ref), self._got, quick=True)
        printing = services.printing
        if printing is not None:
            self.app.call(lambda: printing.printers_of(ref), self._got_printers, quick=True)

    def _got_printers(self, printers: tuple[str, ...]) -> None:
        self.printers = list(printers)
        self.show_actions(self.app.capabilities)

    def print_here(self) -> None:
        """Home's Print: the print pane for the patron's running printer booking."""
        if self.printers:
            self.app.screen("print").open_for(self.printers[0], back_to=self.name)

    def on_enter(self, *_args: Any) -> None:
        self._speech.entered()

    def on_leave(self, *_args: Any) -> None:
        self._speech.left()

    def _got(self, overview: PatronOverview) -> None:
        self.app.session.overview = overview
        self.overview = overview
        self.loans = overview.loans
        self.overdue = overview.overdue
        self.holds_ready = overview.holds_ready
        self.loaded = "ok"
        self._show_summary()
        self._greet()

    def _greet(self) -> None:
        """Once per session, at its first Home: the greeting by name and the summary
        (speech mode), after the page's title."""
        generation = self.app.session.generation
        if self._greeted != generation:
            self._greeted = generation
            self._speech.say(self.spoken)

    def render(self) -> None:
        self._show_summary()

    def _show_summary(self) -> None:
        """The summary's lines from the last overview, in the screen's language: whole
        sentences, or short words at large text (it must leave room for the buttons);
        speech always says the whole sentences, after the greeting."""
        box = self.ids.summary
        if self.overview is None:
            box.data = []
            self.spoken = ""
            return
        language = self.app.language
        found = notices(self.overview, language)
        if self.app.text_scale >= 1.5:
            # Large text: only what stands in the way (the count on loan when nothing
            # does), in short words, so the buttons stay in view.
            shown = found[:-1] or found
            box.data = [{"kind": n.kind, "text": n.short} for n in shown]
        else:
            box.data = [{"kind": n.kind, "text": n.full} for n in found]
        said = [n.full for n in found]
        if self.app.text_scale < 1.5:
            # Large text: the greeting is the header's title (home.kv), heard already as
            # the page's title; said once, not twice.
            said.insert(0, translate("ui.home.greeting", language, name=self.overview.patron.name))
        self.spoken = " ".join(said)

    def reset(self) -> None:
        self.loans = self.overdue = self.holds_ready = 0
        self.loaded = ""
        self.overview = None
        self._speech.left()
        self._show_summary()
        self.printers = []
        self.show_actions(self.app.capabilities)


def _always(_caps: Capabilities) -> bool:
    return True


def _order(ids: Any, grid: Any) -> list[str]:
    """The ids of the grid's buttons, top left first."""
    names = {id(ids[name].__self__): name for name in ids}
    return [names[id(child)] for child in reversed(grid.children)]
