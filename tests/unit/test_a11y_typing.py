"""Which character a physical key types where a patron types (accessibility.typing)."""

from __future__ import annotations

from accessibility.keypad import Keymap
from accessibility.typing import accepted, typed_char

KEYMAP = Keymap()


def test_digits_and_letters_type_shift_and_caps_lock_make_capitals() -> None:
    assert typed_char("7", [], KEYMAP) == "7"
    assert typed_char("a", [], KEYMAP) == "a"
    assert typed_char("a", ["shift"], KEYMAP) == "A"
    assert typed_char("a", ["capslock"], KEYMAP) == "A"
    assert typed_char("a", ["shift", "capslock"], KEYMAP) == "a"
    assert typed_char("spacebar", [], KEYMAP) == " "


def test_numeric_keypad_digits_type_only_with_numlock_on() -> None:
    assert typed_char("numpad8", ["numlock"], KEYMAP) == "8"
    assert typed_char("numpad8", [], KEYMAP) is None  # Up of the keypad map
    assert typed_char("numpad3", [], KEYMAP) is None


def test_keys_of_the_keypad_map_and_shortcuts_never_type() -> None:
    assert typed_char("-", [], KEYMAP) is None  # volume down
    assert typed_char("=", [], KEYMAP) is None  # volume up
    assert typed_char("f2", [], KEYMAP) is None
    assert typed_char("enter", [], KEYMAP) is None
    assert typed_char("a", ["ctrl"], KEYMAP) is None
    assert typed_char("x", ["alt"], KEYMAP) is None
    # A library that maps a letter to Help keeps it as Help.
    assert typed_char("h", [], Keymap({"help": ["h"]})) is None
    # ... and one that moves volume off "-" can type a dash.
    assert typed_char("-", [], Keymap({"volume_down": ["f9"]})) == "-"


def test_a_field_takes_only_characters_it_has_keys_for() -> None:
    assert accepted("a", "ABC-", upper=True) == "A"
    assert accepted("%", "ABC-", upper=True) is None
    assert accepted("a", "0123456789", upper=False) is None
