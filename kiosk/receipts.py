"""Receipts: what the kiosk prints, and shows on screen, after a transaction.

Built here, in the patron's language, so that the screens can show exactly what the
printer prints (the ESC/POS adapter only renders a :class:`~kiosk.ports.Receipt`).
Dates and times are in the library's time zone (``config.kiosk.timezone``), written by
:mod:`kiosk.formatting`; money is whole rupiah, written by :mod:`kiosk.money`. Pure
functions: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from kiosk.circulation.api import CheckoutResult, RenewResult, ReturnResult
from kiosk.formatting import day, day_time
from kiosk.i18n import translate
from kiosk.money import rupiah
from kiosk.ports import Receipt, ReceiptLine


class ReceiptBuilder:
    """Receipts for one kiosk: its library name and time zone, the patron's language."""

    def __init__(self, library_name: str, timezone: str, language: str) -> None:
        self.library_name = library_name
        self.timezone = timezone
        self.language = language

    def _t(self, key: str, **params: object) -> str:
        return translate(key, self.language, **params)

    def _frame(self, title_key: str, now: datetime, body: list[ReceiptLine]) -> Receipt:
        lines = [
            ReceiptLine(self.library_name, emphasis=True),
            ReceiptLine(day_time(now, self.language, self.timezone)),
            ReceiptLine(""),
            ReceiptLine(self._t(title_key), emphasis=True),
            *body,
            ReceiptLine(""),
            ReceiptLine(self._t("receipt.thanks")),
        ]
        return Receipt(tuple(lines))

    def checkout(
        self, results: Sequence[CheckoutResult], now: datetime, patron_name: str | None = None
    ) -> Receipt:
        """Borrowed items with their due dates, and the ILS's print lines."""
        body: list[ReceiptLine] = []
        if patron_name:
            body.append(ReceiptLine(self._t("receipt.patron", name=patron_name)))
        for result in results:
            due = result.due_text or day(result.due_at, self.language, self.timezone)
            body += [
                ReceiptLine(""),
                ReceiptLine(result.title),
                ReceiptLine(self._t("receipt.barcode", barcode=result.barcode)),
                ReceiptLine(self._t("receipt.due", date=due), emphasis=True),
            ]
            if result.offline:
                body.append(ReceiptLine(self._t("circulation.offline_recorded")))
            body += [ReceiptLine(line) for line in result.print_lines]
        body += [ReceiptLine(""), ReceiptLine(self._t("receipt.count", count=len(results)))]
        return self._frame("receipt.checkout_title", now, body)

    def checkin(self, results: Sequence[ReturnResult], now: datetime) -> Receipt:
        """Returned items, with the ILS's print lines; a fine created by a late return
        is shown in rupiah."""
        body: list[ReceiptLine] = []
        total = 0
        for result in results:
            body += [
                ReceiptLine(""),
                ReceiptLine(result.title),
                ReceiptLine(self._t("receipt.barcode", barcode=result.barcode)),
            ]
            if result.fine:
                total += result.fine
                body.append(
                    ReceiptLine(self._t("receipt.fine", amount=rupiah(result.fine, self.language)))
                )
            if result.offline:
                body.append(ReceiptLine(self._t("circulation.offline_return_recorded")))
            body += [ReceiptLine(line) for line in result.print_lines]
        body += [ReceiptLine(""), ReceiptLine(self._t("receipt.count", count=len(results)))]
        if total:
            body.append(
                ReceiptLine(
                    self._t("receipt.fine_total", amount=rupiah(total, self.language)),
                    emphasis=True,
                )
            )
        return self._frame("receipt.return_title", now, body)

    def renewal(self, results: Sequence[RenewResult], now: datetime) -> Receipt:
        """Renewed items with their new due dates (refused renewals are left out)."""
        body: list[ReceiptLine] = []
        renewed = [r for r in results if r.ok and r.due_at is not None]
        for result in renewed:
            assert result.due_at is not None
            due = result.due_text or day(result.due_at, self.language, self.timezone)
            body += [
                ReceiptLine(""),
                ReceiptLine(result.title),
                ReceiptLine(self._t("receipt.barcode", barcode=result.barcode)),
                ReceiptLine(self._t("receipt.due", date=due), emphasis=True),
            ]
        body += [ReceiptLine(""), ReceiptLine(self._t("receipt.count", count=len(renewed)))]
        return self._frame("receipt.renew_title", now, body)

    def test_page(self, now: datetime, kiosk_id: str) -> Receipt:
        """``kiosk receipt --test``: proves the printer, the paper and the code page."""
        body = [
            ReceiptLine(self._t("receipt.test_body", kiosk=kiosk_id)),
            ReceiptLine(rupiah(1234567, self.language)),
            ReceiptLine("0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        ]
        return self._frame("receipt.test_title", now, body)
