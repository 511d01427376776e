"""The receipt after borrowing: shown on screen (and said in speech mode); printed on
request when a receipt printer is configured (through the receipt-printer port, on the
device worker). It carries the library system's own print lines (SIP2 AG) and due-date
text, and says when a loan taken offline will be confirmed. Done leads home and to
"Anything else?" (:meth:`screens.session_control.SessionController.anything_else`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty

from kiosk.circulation.api import CheckoutResult
from kiosk.domain.errors import KioskError
from kiosk.ports import Receipt, ReceiptLine
from screens import format as fmt
from screens.after_title import AfterTitle
from screens.base import KioskScreen
from screens.items import ItemLine


class ReceiptScreen(KioskScreen):
    needs_patron = True
    has_printer = BooleanProperty(False)
    #: "", printing, printed, or a failure message key.
    status_key = StringProperty("")
    status = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: Barcode, title, due time and the checkout's result (None: not known).
        self.items: list[tuple[str, str, datetime, CheckoutResult | None]] = []
        self.made_at = datetime.now(UTC)
        self._speech = AfterTitle(self)

    def show(self, lines: list[ItemLine]) -> None:
        self.items = [
            (line.barcode, line.title, line.due_at, line.result) for line in lines if line.due_at
        ]
        self.made_at = datetime.now(UTC)
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
        """The receipt in the screen's language. No patron name: a forgotten slip must
        not tell a stranger who borrowed what."""
        lang = self.app.language
        zone = self.app.kiosk.config.kiosk.timezone
        lines = [
            ReceiptLine(self.app.library_name, emphasis=True),
            ReceiptLine(
                f"{fmt.day(self.made_at, lang, zone)} {fmt.clock(self.made_at, lang, zone)}"
            ),
            ReceiptLine(self.app.tr("ui.receipt.heading", count=len(self.items)), emphasis=True),
        ]
        for barcode, title, due, result in self.items:
            due_text = result.due_text if result is not None else None
            date = due_text or fmt.day(due, lang, zone)
            lines.append(ReceiptLine(f"{title} ({barcode})"))
            lines.append(ReceiptLine(self.app.tr("ui.borrow.due", date=date)))
            if result is not None:
                if result.offline:
                    lines.append(ReceiptLine(self.app.tr("circulation.offline_recorded")))
                # The library system's print lines (SIP2 AG), as it wrote them.
                lines += [ReceiptLine(text) for text in result.print_lines if text.strip()]
        lines.append(ReceiptLine(self.app.tr("ui.receipt.thanks")))
        return Receipt(tuple(lines))

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
        box = self.ids.lines
        box.clear_widgets()
        for line in self.receipt().lines:
            label = Factory.KLabel(text=line.text, bold=line.emphasis)
            box.add_widget(label)
        key = self.status_key
        self.status = self.app.tr(key, **getattr(self, "_params", {})) if key else ""

    def reset(self) -> None:
        self.items = []
        self.status_key = ""
        self.render()
