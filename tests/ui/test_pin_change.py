"""Issue 11 items 1-2 on the kiosk: a staff card never reaches staff mode without its
PIN, and any signed-in patron sets or changes their own PIN on the masked pad (by
touches and keys, as a patron would)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.conftest import UI

pytestmark = pytest.mark.ui


def pin_screen(ui: UI) -> Any:
    home = ui.app.screen("home")
    assert ui.app.current == "home"
    ui.tap(home.ids.pin)
    assert ui.app.current == "pin_change"
    return ui.screen


def type_on_pad(ui: UI, screen: Any, digits: str) -> None:
    pad = screen.ids.pinpad
    for digit in digits:
        ui.tap(ui.button(pad, digit))
    ui.tap(pad.ids.ok)
    ui.settle()


def circulation(ui: UI) -> Any:
    return ui.app.services.circulation


# -- item 1 -------------------------------------------------------------------------------
def test_a_staff_card_without_a_pin_never_reaches_staff_mode(ui: UI) -> None:
    staff = ui.card("staff")
    patron = circulation(ui).find_patron(staff.card_number)
    circulation(ui).clear_pin(patron.ref)  # as an imported staff patron: no PIN
    ui.tap_card("staff")
    signin = ui.app.screen("signin")
    assert ui.app.current == "signin" and signin.mode == "message"
    assert signin.message_key == "circulation.staff_pin_missing"
    assert f"kiosk circ pin set {staff.card_number}" in signin.ids.message_text.text
    # Typed on the keyboard: the same.
    ui.tap(signin.ids.main_action)  # "Try again": not a card only staff can help with
    for char in staff.card_number:
        ui.tap(ui.button(signin.ids.keyboard, char))
    ui.tap(signin.ids.submit_number)
    assert ui.app.current == "signin" and signin.message_key == "circulation.staff_pin_missing"
    assert not ui.app.session.signed_in


def test_staff_mode_refuses_a_staff_patron_whose_pin_was_not_checked(ui: UI) -> None:
    from dataclasses import replace

    staff = ui.card("staff")
    assert staff.pin is not None
    patron = circulation(ui).sign_in(number=staff.card_number, pin=staff.pin)
    ui.app.session_control.begin(replace(patron, pin_verified=False))
    ui.settle()
    assert ui.app.current == "home"
    ui.app.go("staff")
    ui.settle()
    assert ui.app.current != "staff"
    # With the PIN checked, staff mode opens.
    ui.app.session_control.sign_out()
    ui.settle()
    ui.sign_in("staff")
    assert ui.app.current == "staff"


# -- item 2 -------------------------------------------------------------------------------
def test_a_patron_sets_a_first_pin_then_signs_in_with_it(ui: UI) -> None:
    card = ui.card("ok")
    ui.sign_in("ok")
    screen = pin_screen(ui)
    assert screen.mode == "new"
    type_on_pad(ui, screen, "4826")
    assert screen.mode == "confirm"
    assert screen.ids.prompt.text == ui.t("ui.pin.confirm_prompt")
    type_on_pad(ui, screen, "4826")
    ui.wait(lambda: screen.mode == "done")
    assert screen.ids.result_title.text == ui.t("ui.pin.done")
    ui.tap(screen.ids.to_home)
    assert ui.app.current == "home"
    ui.app.session_control.sign_out()
    ui.settle()
    ui.tap_card("ok")
    assert ui.screen.name == "signin" and ui.screen.mode == "pin"
    ui.type_pin("4826")
    assert ui.app.current == "home" and ui.app.patron_name == card.name


def test_changing_a_pin_needs_the_old_one(ui: UI) -> None:
    card = ui.card("pin")
    assert card.pin is not None
    ui.sign_in("pin")
    screen = pin_screen(ui)
    assert screen.mode == "old"
    assert screen.ids.prompt.text == ui.t("ui.pin.old_prompt")
    type_on_pad(ui, screen, "0000")  # not the old PIN
    type_on_pad(ui, screen, "7391")
    type_on_pad(ui, screen, "7391")
    ui.wait(lambda: screen.message_key == "circulation.pin_wrong")
    assert screen.mode == "old"
    assert screen.ids.pin_message.text.startswith(ui.t("circulation.pin_wrong", tries_left=4)[:8])
    type_on_pad(ui, screen, card.pin)
    type_on_pad(ui, screen, "7391")
    type_on_pad(ui, screen, "7391")
    ui.wait(lambda: screen.mode == "done")
    # The old PIN no longer signs in; the new one does.
    ui.app.session_control.sign_out()
    ui.settle()
    ui.tap_card("pin")
    ui.type_pin(card.pin)
    assert ui.screen.message_key == "circulation.pin_wrong"
    ui.type_pin("7391")
    assert ui.app.current == "home"
    # A second visit asks for the (new) current PIN first.
    assert pin_screen(ui).mode == "old"


def test_two_different_entries_are_refused_and_asked_again(ui: UI) -> None:
    ui.sign_in("ok")
    screen = pin_screen(ui)
    type_on_pad(ui, screen, "1357")
    type_on_pad(ui, screen, "1358")
    assert screen.mode == "new"
    assert screen.message_key == "pin.mismatch"
    assert screen.ids.pin_message.text == ui.t("pin.mismatch")
    type_on_pad(ui, screen, "12")  # too short
    assert screen.message_key == "pin.invalid" and screen.mode == "new"
    patron = circulation(ui).patron(ui.app.session.ref)
    assert not patron.has_pin  # nothing was saved


def test_a_typed_card_number_cannot_set_a_first_pin(ui: UI) -> None:
    attract = ui.app.screen("attract")
    ui.tap(attract.ids.type_card)
    signin = ui.screen
    for char in ui.card("ok").card_number:
        ui.tap(ui.button(signin.ids.keyboard, char))
    ui.tap(signin.ids.submit_number)
    screen = pin_screen(ui)
    assert screen.mode == "refused"
    assert screen.ids.result_text.text == ui.t("pin.card_in_hand")


def test_pin_digits_are_never_spoken(ui: UI) -> None:
    from tests.ui.test_accessibility_speech import ENTER, focus_on, press, speaker, speech_on

    ui.sign_in("ok")
    screen = pin_screen(ui)
    speech_on(ui)
    sim = speaker(ui)
    sim.clear()
    pad = screen.ids.pinpad
    for digit in "48":
        ui.tap(ui.button(pad, digit))  # touch: a tone each, never the digit
    assert sim.spoken == [] and sim.earcons.count("key") == 2
    ui.app.keypad.page()
    for digit in "26":
        focus_on(ui, ui.button(pad, digit))
        sim.clear()
        press(ENTER)
        ui.frames(2)
        assert sim.spoken == [] and sim.earcons == ["activate", "key"]
    assert screen.pin == "4826"
    focus_on(ui, screen.ids.pin_field)
    assert sim.spoken[-1][0].startswith(ui.t("ui.speech.pin_typed", count=4))
    ui.tap(pad.ids.ok)
    ui.settle()
    type_on_pad(ui, screen, "4826")
    ui.wait(lambda: screen.mode == "done")
    ui.settle()
    said = " ".join(text for text, _lang in sim.spoken)
    assert "4826" not in said and "4 8 2 6" not in said
    assert ui.t("ui.pin.done") in said


def test_each_step_keeps_its_dots_and_cancel_in_view_at_large_text(ui: UI) -> None:
    """Issue 14 item 4, as at sign-in: at text size 1.5 and 2.0, both themes and both
    languages, each step's prompt (its short sentence), the field with a dot per digit
    and Cancel are on screen beside the whole pad (the long sentences ran below the
    fold at 2.0, and at 1.5 in high contrast)."""
    from accessibility.kivy_focus import outside_window
    from accessibility.theme import DEFAULT, HIGH_CONTRAST
    from kiosk.i18n import LANGUAGES

    ui.sign_in("pin")
    screen = pin_screen(ui)
    ids = screen.ids
    try:
        for step, typed in (("old", ""), ("new", "5"), ("confirm", "52")):
            if step == "new":
                type_on_pad(ui, screen, ui.card("pin").pin or "")
            if step == "confirm":
                type_on_pad(ui, screen, "5293")
            assert screen.mode == step
            for digit in typed:
                ui.tap(ui.button(ids.pinpad, digit))
            dots = "•" * len(typed) or ui.t("ui.signin.pin_empty")
            for theme in (DEFAULT, HIGH_CONTRAST):
                for scale in (1.5, 2.0):
                    for lang in LANGUAGES:
                        ui.app.settings.set_theme(theme.name)
                        ui.app.settings.set_text_scale(scale)
                        ui.app.settings.set_language(lang)
                        ui.frames(3)
                        where = (step, theme.name, scale, lang)
                        assert ids.prompt.text == ui.t(f"ui.pin.{step}_prompt_short"), where
                        shown = [ids.prompt, ids.pin_field, ids.cancel, ids.pinpad]
                        assert outside_window(shown) == [], where
                        assert ids.pin_field.text == dots, where
            ui.app.settings.set_text_scale(1.0)
            ui.frames(3)
            assert ids.prompt.text == ui.t(f"ui.pin.{step}_prompt"), step
            while screen.pin:
                ui.tap(ids.pinpad.ids.delete)
    finally:
        ui.app.settings.set_theme(DEFAULT.name)
        ui.app.settings.set_text_scale(1.0)
        ui.app.settings.set_language("id")
