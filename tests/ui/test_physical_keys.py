"""Physical keys where a patron types (issue 14 item 3, WCAG 2.1.1): a USB keyboard or
keypad types into the card-number field, the PIN pad and a text dialog; Enter submits,
Backspace deletes; PIN digits are never spoken; the EZ Access keypad map keeps working."""

from __future__ import annotations

from typing import Any

import pytest
from kivy.core.window import Keyboard, Window

from tests.ui.conftest import UI

pytestmark = pytest.mark.ui


def press(ui: UI, name: str, modifiers: list[str] | None = None) -> None:
    """One key of a USB keyboard, by Kivy's key name ("a", "7", "numpad7")."""
    code = Keyboard.keycodes[name]
    Window.dispatch("on_key_down", code, 0, name if len(name) == 1 else None, modifiers or [])
    Window.dispatch("on_key_up", code, 0)
    ui.frames(2)


def spoken(ui: UI) -> list[str]:
    assert ui.kiosk.speaker is not None
    return [text for text, _lang in ui.kiosk.speaker.spoken]  # type: ignore[attr-defined]


def clear_speech(ui: UI) -> None:
    assert ui.kiosk.speaker is not None
    ui.kiosk.speaker.clear()  # type: ignore[attr-defined]


def to_number_field(ui: UI) -> Any:
    ui.tap(ui.app.screen("attract").ids.type_card)
    signin = ui.screen
    assert signin.name == "signin" and signin.mode == "number"
    return signin


def test_keyboard_types_the_card_number_backspace_deletes_enter_signs_in(ui: UI) -> None:
    signin = to_number_field(ui)
    for name in "plu":  # lower case on the keyboard: a card number's capitals
        press(ui, name)
    assert signin.typed == "PLU"
    press(ui, "-")  # the keypad map's key (volume down / speech on), never typed
    assert signin.typed == "PLU"
    assert ui.app.speech.speech_mode  # the first keypad key turned speech on
    ui.tap(ui.button(signin.ids.keyboard, "-"))  # the on-screen dash
    clear_speech(ui)
    for name in "0009":
        press(ui, name)
    assert spoken(ui)[-1] == "9"  # a card number's characters are said as typed
    press(ui, "backspace")
    assert spoken(ui)[-1] == ui.t("a11y.typing.deleted")
    press(ui, "numpad1", ["numlock"])  # a numeric keypad's digit, NumLock on
    assert signin.ids.number_field.text == "PLU-0001"
    press(ui, "f")
    press(ui, "backspace")
    press(ui, "a", ["ctrl"])  # a shortcut never types
    assert signin.typed == "PLU-0001"
    press(ui, "enter")
    ui.settle()
    assert ui.app.current == "home"
    assert ui.app.patron_name == ui.card("ok").name


def test_pin_digits_from_keys_are_masked_and_never_spoken(ui: UI) -> None:
    ui.app.speech.set_speech_mode(True, announce=False)
    card = ui.tap_card("pin")
    assert card.pin is not None
    signin = ui.screen
    assert signin.mode == "pin"
    clear_speech(ui)
    press(ui, "9")
    press(ui, "numpad9", ["numlock"])
    press(ui, "x")  # not a digit: the PIN pad takes none
    assert signin.ids.pin_field.text == "••"
    press(ui, "backspace")
    press(ui, "backspace")
    assert signin.pin == ""
    for i, digit in enumerate(card.pin):
        # Top-row digits and keypad digits (NumLock on) alike.
        press(ui, digit if i % 2 else f"numpad{digit}", ["numlock"] if not i % 2 else [])
    assert signin.ids.pin_field.text == "•" * len(card.pin)
    said = " ".join(spoken(ui))
    assert ui.t("a11y.typing.digit") in said
    assert not any(ch.isdigit() for ch in said), said  # never a digit, never a count
    press(ui, "numpadenter")
    ui.settle()
    assert ui.app.current == "home"


def test_keypad_map_is_unbroken_where_a_patron_types(ui: UI) -> None:
    """NumLock off: the numeric keypad's keys are the EZ Access keys on the PIN pad too;
    with an item focused, Enter is Action on it (a digit key pressed), not submit."""
    ui.app.speech.set_speech_mode(True, announce=False)
    ui.tap_card("pin")
    signin = ui.screen
    assert ui.app.keypad is not None
    navigator = ui.app.keypad.navigator
    press(ui, "numpad2")  # Down, NumLock off
    assert signin.pin == "" and navigator.current is not None
    for _ in range(len(navigator.items)):
        if getattr(navigator.current.widget, "text", "") == "5":
            break
        press(ui, "down")
    focused = navigator.current
    assert focused is not None and getattr(focused.widget, "text", "") == "5"
    press(ui, "enter")  # Action on "5": a digit in, nothing submitted
    assert signin.pin == "5" and signin.mode == "pin"


def test_keyboard_types_in_a_text_dialog_and_enter_submits_it(ui: UI) -> None:
    ui.sign_in("ok")
    ui.tap(ui.screen.ids.borrow)
    borrow = ui.screen
    ui.tap(borrow.ids.type_barcode)
    from screens.keypad import top_modal

    entry = top_modal(Window)
    assert entry is not None
    for name in "b00004":
        press(ui, name)
    assert entry.value == "B00004"
    press(ui, "enter")
    ui.settle()
    assert top_modal(Window) is None
    assert ui.rows()[0].title == "Sang Pemimpi"
