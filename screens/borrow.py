"""Borrow: items scanned, placed on the pad or typed, one after another; each shows
its title and due date (the library system's own text for it, when it wrote one) and
what the library system said, or why it was refused and what to do; a loan taken while
the library system is unreachable says it will be confirmed. Finish -> receipt."""

from __future__ import annotations

from kiosk.circulation.api import CheckoutResult
from screens import format as fmt
from screens.items import ItemLine, ItemsScreen


class BorrowScreen(ItemsScreen):
    needs_patron = True

    def process(self, line: ItemLine) -> None:
        services = self.app.services
        assert services is not None
        ref = self.app.session.ref
        circulation = services.circulation
        self.app.call(
            lambda: circulation.checkout(ref, line.barcode),
            lambda result: self._done(line, result),
            lambda error: self.refused(line, error),
            quick=True,
        )

    def _done(self, line: ItemLine, result: CheckoutResult) -> None:
        line.state = "ok"
        line.title = result.title
        line.due_at = result.due_at
        line.key = "ui.borrow.due"
        line.said = result.messages
        line.note = "circulation.offline_recorded" if result.offline else ""
        line.result = result
        self.render()
        self.app.announce(self.spoken(line))  # with the library system's words
        if result.desensitize:  # an offline loan too: the patron walks out with it
            self.secure(line, secured=False)

    def detail(self, line: ItemLine) -> str:
        if line.state == "ok" and line.due_at is not None:
            zone = self.app.kiosk.config.kiosk.timezone
            due_text = line.result.due_text if line.result is not None else None
            line.params = {"date": due_text or fmt.day(line.due_at, self.app.language, zone)}
        return super().detail(line)

    def finish(self) -> None:
        borrowed = [
            line.result
            for line in self.lines
            if line.state in ("ok", "warning") and isinstance(line.result, CheckoutResult)
        ]
        self.app.screen("receipt").show(borrowed)
        self.lines = []
        self.render()
        self.app.go("receipt" if borrowed else "home")
