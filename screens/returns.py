"""Return: works without signing in. Each item is listed with what the library system
said; an item that fills a hold says to put it on the hold shelf; a return taken while
the library system is unreachable says it will be confirmed."""

from __future__ import annotations

from kiosk.circulation.api import ReturnResult
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
            line.state = "ok"
            line.key = "ui.returns.returned_late" if result.was_overdue else "ui.returns.returned"
            line.params = {}
        line.said = result.messages
        line.note = "circulation.offline_return_recorded" if result.offline else ""
        line.result = result
        self.render()
        self.app.announce(self.spoken(line))  # with the library system's words
        if result.resensitize:
            self.secure(line, secured=True)

    def done(self) -> None:
        self.lines = []
        self.render()
        self.app.go_home()
