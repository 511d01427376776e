"""Return: works without signing in. Each item is listed with what the library system
said; an item that fills a hold says to put it on the hold shelf; a return taken while
the library system is unreachable says it will be confirmed; a late return that added a
fine says so with the amount, shown and spoken (money is never taken silently), and the
receipt lists it. Done -> the receipt (printed on request), as after borrowing."""

from __future__ import annotations

from kiosk.circulation.api import ReturnResult
from kiosk.money import Rupiah
from screens.items import ItemLine, ItemsScreen


class ReturnScreen(ItemsScreen):
    def process(self, line: ItemLine) -> None:
        services = self.app.services
        assert services is not None
        circulation = services.circulation
        self.app.call(
            lambda: circulation.checkin(line.barcode),
            lambda result: self._done(line, result),
            lambda error: self.refused(line, error),
            quick=True,
        )

    def _done(self, line: ItemLine, result: ReturnResult) -> None:
        line.title = result.title
        if result.to_hold_shelf:
            line.state = "warning"
            if result.hold_shelf_location:
                line.key = "ui.returns.to_hold_shelf"
                line.params = {"shelf": result.hold_shelf_location}
            else:
                line.key = "ui.returns.to_hold_shelf_any"
                line.params = {}
        else:
            # A fine is something the patron must act on: marked like the hold shelf.
            line.state = "warning" if result.fine else "ok"
            line.key = "ui.returns.returned_late" if result.was_overdue else "ui.returns.returned"
            line.params = {}
        line.said = result.messages
        line.note = "circulation.offline_return_recorded" if result.offline else ""
        line.result = result
        self.render()
        if result.fine:
            self.app.alert(self.spoken(line))  # heard even with speech mode off
        else:
            self.app.announce(self.spoken(line))  # with the library system's words
        if result.resensitize:
            self.secure(line, secured=True)

    def costs(self, line: ItemLine) -> list[str]:
        result = line.result
        if not isinstance(result, ReturnResult) or not result.fine:
            return []
        return [self.app.tr("ui.returns.fine_added", amount=Rupiah(result.fine))]

    def done(self) -> None:
        """The receipt of what was returned (none returned: back to the start)."""
        returned = [
            line.result
            for line in self.lines
            if line.state in ("ok", "warning") and isinstance(line.result, ReturnResult)
        ]
        self.lines = []
        self.render()
        if returned:
            self.app.screen("receipt").show(returned)
            self.app.go("receipt")
        else:
            self.app.go_home()
