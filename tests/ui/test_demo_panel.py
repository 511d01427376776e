"""The Demo panel stays open while several items are scanned (issue 14 item 12)."""

from __future__ import annotations

import pytest

from tests.ui.conftest import UI

pytestmark = pytest.mark.ui


def test_the_demo_sheet_stays_open_while_scanning_several_items(ui: UI) -> None:
    from kivy.core.window import Window

    from screens.demo_panel import DemoSheet

    ui.sign_in("ok")
    ui.tap(ui.screen.ids.borrow)
    panel = next(w for w in ui.app.root.children if type(w).__name__ == "DemoPanel")
    ui.tap(panel.ids.open_demo)
    sheet = next(w for w in Window.children if isinstance(w, DemoSheet))
    for barcode in ("B00004", "B00005"):
        ui.tap(next(b for b in sheet.ids.item_list.children if b.text.startswith(barcode)))
        assert sheet in Window.children  # still open: the next item is one tap away
    assert sheet.ids.scanned_note.text == ui.t("ui.demo.scanned", items="B00004, B00005")
    ui.tap(sheet.ids.close)
    assert sheet not in Window.children
    # Both were borrowed: the borrow screen lists them.
    assert {r.ident for r in ui.rows()} >= {"B00004", "B00005"}
