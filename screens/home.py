"""Home: a greeting by name, the patron's counts, and a large button per service
the circulation backend offers now (an ILS may not lend or take returns at the moment,
and keeps patrons' PINs itself: then those buttons are not there at all)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.properties import ListProperty, NumericProperty, StringProperty

from kiosk.circulation.api import Capabilities, PatronOverview
from screens.base import KioskScreen

#: Buttons shown only when the backend can do what they lead to.
NEEDS: dict[str, Callable[[Capabilities], bool]] = {
    "borrow": lambda caps: caps.checkout,
    "returns": lambda caps: caps.checkin,
    "pin": lambda caps: caps.pin_change,
}


class HomeScreen(KioskScreen):
    needs_patron = True
    loans = NumericProperty(0)
    overdue = NumericProperty(0)
    holds_ready = NumericProperty(0)
    #: "" until the counts arrive; then "ok".
    loaded = StringProperty("")
    #: The printers whose running booking is the patron's: "Print" only then.
    printers = ListProperty([])

    def on_kv_post(self, _base: Any) -> None:
        grid = self.ids.actions
        # Strong references in reading order (kv ids are weak): a button taken out
        # goes back in its own place.
        self._buttons = [(name, self.ids[name].__self__) for name in _order(self.ids, grid)]
        self.app.bind(capabilities=lambda _app, caps: self.show_actions(caps))
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

    def _got(self, overview: PatronOverview) -> None:
        self.app.session.overview = overview
        self.loans = overview.loans
        self.overdue = overview.overdue
        self.holds_ready = overview.holds_ready
        self.loaded = "ok"

    def reset(self) -> None:
        self.loans = self.overdue = self.holds_ready = 0
        self.loaded = ""
        self.printers = []
        self.show_actions(self.app.capabilities)


def _always(_caps: Capabilities) -> bool:
    return True


def _order(ids: Any, grid: Any) -> list[str]:
    """The ids of the grid's buttons, top left first."""
    names = {id(ids[name].__self__): name for name in ids}
    return [names[id(child)] for child in reversed(grid.children)]
