"""Home: a greeting by name, the patron's counts, and a large button per service."""

from __future__ import annotations

from kivy.properties import NumericProperty, StringProperty

from kiosk.circulation.api import PatronOverview
from screens.base import KioskScreen


class HomeScreen(KioskScreen):
    needs_patron = True
    loans = NumericProperty(0)
    overdue = NumericProperty(0)
    holds_ready = NumericProperty(0)
    #: "" until the counts arrive; then "ok".
    loaded = StringProperty("")

    def refresh(self) -> None:
        services = self.app.services
        if services is None or not self.app.session.signed_in:
            return
        ref = self.app.session.ref
        self.app.call(lambda: services.circulation.overview(ref), self._got, quick=True)

    def _got(self, overview: PatronOverview) -> None:
        self.app.session.overview = overview
        self.loans = overview.loans
        self.overdue = overview.overdue
        self.holds_ready = overview.holds_ready
        self.loaded = "ok"

    def reset(self) -> None:
        self.loans = self.overdue = self.holds_ready = 0
        self.loaded = ""
