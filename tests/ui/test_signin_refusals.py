"""Card numbers as people type them, and refusals that show the next step (issue 14,
items 6 and 8): a number typed without its hyphen signs in; a refused typed number is
shown, said and kept in the field for correction; an expired card's main button is
Done, not Try again. In both languages."""

from __future__ import annotations

import pytest

from tests.ui.conftest import UI

pytestmark = pytest.mark.ui


def spoken(ui: UI) -> list[str]:
    return [text for text, _ in ui.kiosk.speaker.spoken]  # type: ignore[union-attr]


def type_number(ui: UI, text: str) -> None:
    keyboard = ui.screen.ids.keyboard
    for char in text:
        ui.tap(ui.button(keyboard, char))


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_number_typed_without_its_hyphen_signs_in(ui: UI, language: str) -> None:
    ui.app.settings.set_language(language)
    ui.tap(ui.app.screen("attract").ids.type_card)
    type_number(ui, "PLU0002")  # printed PLU-0002
    ui.tap(ui.screen.ids.submit_number)
    assert ui.app.current == "home"
    assert ui.app.patron_name == "Siti Rahmawati"


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_refused_typed_number_is_shown_said_and_kept_for_correction(
    ui: UI, language: str
) -> None:
    ui.app.settings.set_language(language)
    ui.tap(ui.app.screen("attract").ids.type_card)
    signin = ui.screen
    type_number(ui, "PLU0092")
    ui.tap(signin.ids.submit_number)
    assert signin.mode == "message"
    typed = ui.t("ui.signin.you_typed", typed="PLU0092")
    assert signin.ids.message_text.text == ui.t("circulation.card_unknown")
    assert signin.ids.message_typed.text == typed
    assert typed in spoken(ui)[-1] and ui.t("circulation.card_unknown") in spoken(ui)[-1]
    # Not a card only staff can fix: Try again, with Back to start beside it.
    assert signin.ids.main_action.text == ui.t("ui.signin.try_again")
    assert signin.ids.to_start.opacity == 1
    ui.tap(signin.ids.main_action)
    assert signin.mode == "number"
    assert signin.ids.number_field.text == "PLU0092"  # kept for correction
    ui.tap(ui.button(signin.ids.keyboard, ui.t("ui.keyboard.del")))
    ui.tap(ui.button(signin.ids.keyboard, ui.t("ui.keyboard.del")))
    type_number(ui, "02")
    ui.tap(signin.ids.submit_number)
    assert ui.app.current == "home" and ui.app.patron_name == "Siti Rahmawati"


@pytest.mark.parametrize("language", ["id", "en"])
def test_an_expired_card_offers_done_not_try_again(ui: UI, language: str) -> None:
    ui.app.settings.set_language(language)
    ui.tap_card("expired")
    signin = ui.screen
    assert signin.mode == "message" and signin.message_key == "circulation.card_expired"
    assert signin.ids.main_action.text == ui.t("ui.signin.done")
    assert ui.t("ui.signin.try_again") not in ui.texts(signin)
    assert signin.ids.to_start.opacity == 0  # one way on: no second button to the start
    assert ui.t("ui.signin.see_staff") in ui.texts(signin)
    assert signin.ids.message_typed.text == ""  # a tapped card: nothing was typed
    ui.tap(signin.ids.main_action)
    assert ui.app.current == "attract"


def test_an_expired_card_typed_by_number_shows_it_and_offers_done(ui: UI) -> None:
    ui.tap(ui.app.screen("attract").ids.type_card)
    signin = ui.screen
    type_number(ui, "PLU0003")
    ui.tap(signin.ids.submit_number)
    assert signin.message_key == "circulation.card_expired"
    assert signin.ids.message_typed.text == ui.t("ui.signin.you_typed", typed="PLU0003")
    assert signin.ids.main_action.text == ui.t("ui.signin.done")
