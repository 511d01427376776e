"""Renew that stays in view (issue 14, item 7): a renewed row keeps its place and shows
its new due date; a loan that cannot be renewed says why (the service's reason) instead
of offering Renew; Renew all ends with a summary, shown and spoken, in both languages."""

from __future__ import annotations

import pytest

from screens import format as fmt
from tests.ui.conftest import UI

pytestmark = pytest.mark.ui


def spoken(ui: UI) -> list[str]:
    return [text for text, _ in ui.kiosk.speaker.spoken]  # type: ignore[union-attr]


@pytest.mark.parametrize("language", ["id", "en"])
def test_renew_keeps_the_row_in_place_and_says_why_not(ui: UI, language: str) -> None:
    ui.app.settings.set_language(language)
    ui.sign_in("ok")
    ui.tap(ui.screen.ids.loans)
    screen = ui.screen
    loans = {loan.barcode: loan for loan in screen.loans}
    rows = ui.rows()
    order = [row.ident for row in rows]
    assert len(order) == 3
    # What cannot be renewed says why, with no button; the rest offer Renew.
    blocked = [row for row in rows if loans[row.ident].renew_refusal]
    assert blocked, "the demo patron has an overdue loan"
    for row in rows:
        refusal = loans[row.ident].renew_refusal
        if refusal:
            assert ui.t(refusal) in row.detail and row.action_text == ""
        else:
            assert row.action_text == ui.t("ui.loans.renew")
    # Renew the first renewable loan that is not last: due later now, it stays put.
    target = next(row for row in rows[:-1] if row.action_text)
    ui.tap(target.ids.action)
    after = ui.rows()
    assert [row.ident for row in after] == order
    result = screen.results[target.ident]
    assert result.ok and result.due_at is not None
    zone = ui.app.kiosk.config.kiosk.timezone
    new_date = fmt.day(result.due_at, language, zone)
    renewed = next(row for row in after if row.ident == target.ident)
    assert renewed.mark == "ok"
    assert renewed.detail.startswith(ui.t("ui.loans.renewed", date=new_date))
    assert result.due_at > loans[target.ident].due_at
    # Renew all: a summary with each refusal's reason, shown and spoken.
    refusals = {loan.barcode: loan.renew_refusal for loan in screen.loans}
    ui.tap(screen.ids.renew_all)
    refused = [b for b, why in refusals.items() if why]
    summary = screen.ids.summary.text
    assert summary.startswith(
        ui.t("ui.loans.summary", renewed=len(refusals) - len(refused), refused=len(refused))
    )
    for barcode in refused:
        reason = refusals[barcode]
        assert reason is not None
        assert f"{loans[barcode].title}: {ui.t(reason)}" in summary
    assert summary in spoken(ui)
    assert [row.ident for row in ui.rows()] == order  # still in place
