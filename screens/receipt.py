"""The receipt after borrowing or returning: shown on screen; printed on request when a
receipt printer is configured (through the receipt-printer port, on the device worker).
What it says is built by :class:`kiosk.receipts.ReceiptBuilder` (the one receipt
builder), so the screen shows exactly what the printer prints: the library system's own
print lines (SIP2 AG) and due-date text, a loan or return taken offline to be confirmed,
and a fine a late return added, with its amount. Returns need no sign-in, so neither does
this screen. Said as shown in speech mode. Done leads home and, for a
signed-in patron, to "Anything else?"
(:meth:`screens.session_control.SessionController.anything_else`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from kiosk.circulation.api import CheckoutResult, ReturnResult
from kiosk.domain.errors import KioskError
from kiosk.ports import Receipt
from kiosk.receipts import ReceiptBuilder
from screens import data_list  # noqa: F401  (DataBox: used by the kv rule)
from screens.after_title import AfterTitle
from screens.base import KioskScreen
from screens.widgets import place_actions

#: What a receipt is of: the circulation answers it lists.
Results = Sequence[CheckoutResult] | Sequence[ReturnResult]


class ReceiptScreen(KioskScreen):
    has_printer = BooleanProperty(False)
    #: "", printing, printed, or a failure message key.
    status_key = StringProperty("")
    status = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: The answers the receipt lists: loans (after Borrow) or returns (after Return).
        self.items: list[CheckoutResult] | list[ReturnResult] = []
        self.made_at: datetime | None = None
        self._speech = AfterTitle(self)

    def on_kv_post(self, _base: Any) -> None:
        self.app.bind(text_scale=lambda _app, scale: self.place_buttons(scale))
        self.place_buttons(self.app.text_scale)

    def place_buttons(self, scale: float) -> None:
        """The buttons beside the receipt, or at large text above it (first in the
        sheet's vertical order: Done in view without scrolling)."""
        place_actions(self.ids.sheet, self.ids.buttons.__self__, first=scale >= 1.5)

    def show(self, results: Results) -> None:
        """Show the receipt of ``results`` (all checkouts or all returns), made now."""
        self.items = list(results)  # type: ignore[assignment]
        self.made_at = self.app.kiosk.clock()
        self.status_key = ""
        self.render()
        # Said as shown, from the count of items on (the library's name and the time
        # are the slip's letterhead).
        self._speech.say(" ".join(line.text for line in self.receipt().lines[2:]))

    def on_enter(self, *_args: Any) -> None:
        self._speech.entered()

    def on_leave(self, *_args: Any) -> None:
        self._speech.left()

    def on_pre_enter(self, *_args: Any) -> None:
        self.has_printer = self.app.kiosk.receipt_printer is not None

    def receipt(self) -> Receipt:
        """The receipt in the screen's language (built again on a language switch). No
        patron name: a forgotten slip must not tell a stranger who borrowed what."""
        config = self.app.kiosk.config.kiosk
        builder = ReceiptBuilder(config.library_name, config.timezone, self.app.language)
        made_at = self.made_at or self.app.kiosk.clock()
        returns = [r for r in self.items if isinstance(r, ReturnResult)]
        if returns:
            return builder.checkin(returns, made_at)
        loans = [r for r in self.items if isinstance(r, CheckoutResult)]
        return builder.checkout(loans, made_at)

    def print_receipt(self) -> None:
        printer = self.app.kiosk.receipt_printer
        if printer is None:
            return
        receipt = self.receipt()
        self._status("ui.receipt.printing")
        self.app.call(
            lambda: printer.print_receipt(receipt),
            lambda _r: self._printed(),
            lambda error: self._failed(error),
            device=True,
        )

    def _printed(self) -> None:
        self._status("ui.receipt.printed")
        self.app.announce(self.status)

    def _failed(self, error: KioskError) -> None:
        self.status_key = error.key
        self._params = error.params
        self.render()
        self.app.alert(self.status)

    def _status(self, key: str) -> None:
        self.status_key = key
        self._params = {}
        self.render()

    def render(self) -> None:
        lines = self.receipt().lines
        self.ids.lines.data = [{"text": line.text, "bold": line.emphasis} for line in lines]
        key = self.status_key
        self.status = self.app.tr(key, **getattr(self, "_params", {})) if key else ""

    def reset(self) -> None:
        self.items = []
        self.made_at = None
        self.status_key = ""
        self.render()
