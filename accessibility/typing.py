"""Physical keys where a patron types (WCAG 2.1.1): which character a key press of a USB
keyboard or keypad types into the PIN pad or an on-screen keyboard's field, as plain
Python (no Kivy).

The EZ Access keypad map (:class:`~accessibility.keypad.Keymap`) is never broken: a key
the map names keeps its keypad meaning, with one exception a numeric keypad's own light
shows: with NumLock on, its digit keys type digits (numpad 8 is "8", not Up); with
NumLock off they are the keypad's keys, as on every other screen. Enter and Backspace
are decided by the caller (Enter activates the focused item in keypad mode and submits
what is typed otherwise). Keystrokes of card readers and scanners never get here: they
are read from their own input devices.
"""

from __future__ import annotations

from collections.abc import Collection

from accessibility.keypad import Keymap

#: Kivy's names of Enter and Backspace (the main keyboard's and the numeric keypad's).
ENTER_KEYS = frozenset({"enter", "numpadenter"})
DELETE_KEYS = frozenset({"backspace"})

_NUMPAD_DIGITS = {f"numpad{d}": str(d) for d in range(10)}
#: Kivy key names that are a character other than their own name.
_NAMED = {"spacebar": " "}


def typed_char(key: str, modifiers: Collection[str], keymap: Keymap) -> str | None:
    """The character a key press types, or None (not a character, a shortcut with Ctrl
    or Alt, or a key of the keypad map). ``key`` is Kivy's key name (``"a"``, ``"7"``,
    ``"numpad7"``, ``"spacebar"``); Shift makes a letter a capital."""
    mods = {m.lower() for m in modifiers}
    if mods & {"ctrl", "lctrl", "rctrl", "alt", "alt-gr", "meta"}:
        return None
    if key in _NUMPAD_DIGITS:
        return _NUMPAD_DIGITS[key] if "numlock" in mods else None
    if keymap.action_for(key, mods) is not None:
        return None
    char = _NAMED.get(key, key)
    if len(char) != 1 or not char.isprintable():
        return None
    shifted = bool(mods & {"shift", "lshift", "rshift"}) != ("capslock" in mods)
    return char.upper() if shifted and char.isalpha() else char


def accepted(char: str, allowed: str, *, upper: bool) -> str | None:
    """``char`` as the field takes it: a card number's letters are capitals
    (``upper``), so "a" types "A"; a character the field has no key for is None."""
    if upper:
        char = char.upper()
    return char if char in allowed else None
