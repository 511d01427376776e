"""Money is never taken silently (issue 14, item 5): a late return that adds a fine says
so with the amount on the returns screen, in speech and on the receipt, which the
returns screen prints as the borrow screen does (one receipt builder)."""

from __future__ import annotations

import pytest

from kiosk.money import rupiah
from tests.ui.conftest import UI

pytestmark = pytest.mark.ui

LATE = "B00105"  # Nineteen Eighty-Four, on loan to PLU-0001 and 5 days overdue
ON_TIME = "B00001"  # Laskar Pelangi, due in 11 days


def spoken(ui: UI) -> list[str]:
    return [text for text, _ in ui.kiosk.speaker.spoken]  # type: ignore[union-attr]


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_late_return_shows_says_and_prints_its_fine(ui: UI, language: str) -> None:
    ui.app.settings.set_language(language)
    ui.tap(ui.app.screen("attract").ids.return_items)
    returns = ui.screen
    ui.scan(ON_TIME)
    ui.scan(LATE)
    by_id = {row.ident: row for row in ui.rows()}
    fine = ui.store.conn.execute(
        "SELECT amount FROM fines WHERE item_barcode = ?", [LATE]
    ).fetchone()["amount"]
    assert fine > 0
    amount = rupiah(fine, language)
    # On the screen: the fine and its amount, on the late item's row only.
    late = by_id[LATE]
    assert late.mark == "warning"
    assert ui.t("ui.returns.fine_added", amount=amount) in late.detail
    assert amount in late.detail
    assert "Rp" not in by_id[ON_TIME].detail and by_id[ON_TIME].mark == "ok"
    # In speech, even with speech mode off (an alert, as every refusal is).
    assert not ui.app.speech.speech_mode
    said = [text for text in spoken(ui) if amount in text]
    assert said and said[-1].startswith(late.title)
    # Done: the receipt of the returns, on screen and printed, with the fine.
    ui.tap(returns.ids.done)
    receipt = ui.screen
    assert receipt.name == "receipt"
    shown = ui.texts(receipt.ids.lines)
    assert ui.t("receipt.return_title") in shown
    assert ui.t("receipt.fine", amount=amount) in shown
    assert ui.t("receipt.fine_total", amount=amount) in shown
    assert late.title in shown and by_id[ON_TIME].title in shown
    printer = ui.kiosk.receipt_printer
    before = len(printer.printed)  # type: ignore[union-attr]
    ui.tap(receipt.ids.print_button)
    assert len(printer.printed) == before + 1  # type: ignore[union-attr]
    printed = [line.text for line in printer.printed[-1].lines]  # type: ignore[union-attr]
    assert printed == [line.text for line in receipt.receipt().lines]
    assert ui.t("receipt.fine", amount=amount) in printed
    ui.tap(receipt.ids.done)
    assert ui.app.current == "attract"  # nobody signed in: back to the start


def test_returns_with_nothing_returned_go_back_without_a_receipt(ui: UI) -> None:
    ui.tap(ui.app.screen("attract").ids.return_items)
    ui.scan("B00004")  # not on loan: refused
    ui.tap(ui.screen.ids.done)
    assert ui.app.current == "attract"
