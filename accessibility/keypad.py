"""Keypad navigation after Trace Center's EZ Access, as plain Python (no Kivy).

A screen hands the :class:`KeypadNavigator` its :class:`Focusable` items in reading
order; the Kivy glue turns key presses into :meth:`KeypadNavigator.handle_key` calls
(Kivy key names, e.g. ``"down"``, ``"f2"``, with modifiers ``["shift"]``) and draws the
focus ring where :attr:`KeypadNavigator.on_focus` says.

Rules kept here (ACCESSIBILITY.md): moving never activates; each move speaks name, role
and state after a ``move`` earcon; a ``boundary`` earcon and a spoken cue at either end
of the list; Help explains the current item and Help pressed twice stops speech; Action
activates; any keypad key first turns speech mode on. :class:`TouchAndHear` and
:class:`IdlePrompt` cover touch exploration and the attract screen's prompt.

All methods run on the UI thread and return at once. Times come from an injectable
monotonic clock (seconds), so tests drive them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from accessibility.speech import ACTIVATE, BOUNDARY, ERROR, MOVE, PAGE, SpeechController
from accessibility.states import STATE_STYLES, State
from kiosk.config import KEYPAD_ACTIONS

MonotonicClock = Callable[[], float]

#: The keyboard fallbacks of ACCESSIBILITY.md plus a numeric keypad's keys.
DEFAULT_KEYMAP: dict[str, tuple[str, ...]] = {
    "up": ("up", "shift+tab", "numpad8"),
    "down": ("down", "tab", "numpad2"),
    "action": ("enter", "numpadenter"),
    "help": ("f2", "numpad5"),
    "back": ("pageup", "escape"),
    "repeat": ("f3", "numpad0"),
    "pause": ("f4", "numpaddecimal"),
    # "+" on a US layout is shift+"="; Kivy spells the keypad's minus "numpadsubstract".
    "volume_up": ("+", "shift+=", "=", "numpadadd"),
    "volume_down": ("-", "numpadsubstract"),
}
assert set(DEFAULT_KEYMAP) == set(KEYPAD_ACTIONS)

_MODIFIERS = ("ctrl", "alt", "shift")

Role = Literal["button", "toggle", "checkbox", "input", "text", "heading", "list_item", "link"]


def combo(key: str, modifiers: Iterable[str] = ()) -> str:
    """Canonical key combination: ``combo("tab", ["shift", "numlock"]) == "shift+tab"``.
    Lock keys and meta are ignored (a keypad's NumLock state must not change meaning)."""
    mods = set()
    for m in modifiers:
        m = m.lower()
        if m in ("lctrl", "rctrl"):
            m = "ctrl"
        if m in ("lshift", "rshift"):
            m = "shift"
        if m in _MODIFIERS:
            mods.add(m)
    return "+".join([m for m in _MODIFIERS if m in mods] + [key.lower()])


class Keymap:
    """Key combination -> action. ``overrides`` (config ``[accessibility] keymap``)
    replace the default keys of each action they name."""

    def __init__(self, overrides: Mapping[str, Sequence[str]] | None = None) -> None:
        actions = dict(DEFAULT_KEYMAP)
        for action, keys in (overrides or {}).items():
            if action not in actions:
                raise ValueError(f"unknown keypad action {action!r}")
            actions[action] = tuple(keys)
        self.actions = actions
        self._by_key: dict[str, str] = {}
        for action, keys in actions.items():
            for key in keys:
                if "+" in key[:-1]:
                    *mods, last = key.split("+")
                    canonical = combo(last, mods)
                else:
                    canonical = combo(key)
                if canonical in self._by_key and self._by_key[canonical] != action:
                    other = self._by_key[canonical]
                    raise ValueError(f"key {key!r} is mapped to both {other!r} and {action!r}")
                self._by_key[canonical] = action

    def action_for(self, key: str, modifiers: Iterable[str] = ()) -> str | None:
        """The action of a key press, or None (the key is not the keypad's)."""
        return self._by_key.get(combo(key, modifiers))


@dataclass(frozen=True)
class Focusable:
    """One item a screen exposes to keypad and speech, in reading order.

    ``name`` is the text shown (already translated, or a function returning it, so a
    language switch needs no rebuild); ``role`` and ``state`` are spoken from the
    catalogue; ``help`` explains what activating does; ``value`` is a field's content
    (never a PIN: pass a mask such as "4 digits"). ``activate`` None: read-only text.
    ``widget`` is whatever the screen needs to draw the ring (opaque here).
    """

    name: str | Callable[[], str]
    role: Role = "button"
    state: State = "normal"
    help: str | Callable[[], str] = ""
    activate: Callable[[], object] | None = None
    value: str | Callable[[], str] = ""
    widget: object = field(default=None, compare=False)

    @property
    def actionable(self) -> bool:
        return self.activate is not None and self.state != "disabled"

    def text_of(self, attribute: str) -> str:
        value = getattr(self, attribute)
        return value() if callable(value) else str(value)


def describe(item: Focusable, speech: SpeechController) -> str:
    """What a move to ``item`` says: "name, role, state, value"."""
    parts = [item.text_of("name"), speech.text(f"a11y.role.{item.role}")]
    style = STATE_STYLES[item.state]
    if style.label_key:
        parts.append(speech.text(style.label_key))
    value = item.text_of("value")
    if value:
        parts.append(value)
    return ", ".join(p for p in parts if p)


class KeypadNavigator:
    """The focus model over one screen's focusables.

    ``index`` is None before the first Down on a new screen (EZ Access starts above the
    first item). ``on_focus(item or None)`` is called after each move so the screen can
    move its visible focus ring; ``on_back()`` handles Back (None: a boundary cue).
    """

    def __init__(
        self,
        speech: SpeechController,
        keymap: Keymap | None = None,
        *,
        clock: MonotonicClock = time.monotonic,
        help_twice_s: float = 3.0,
        on_back: Callable[[], object] | None = None,
        on_focus: Callable[[Focusable | None], object] | None = None,
    ) -> None:
        self.speech = speech
        self.keymap = keymap or Keymap()
        self.clock = clock
        self.help_twice_s = help_twice_s
        self.on_back = on_back
        self.on_focus = on_focus
        self.items: list[Focusable] = []
        self.title = ""
        self.index: int | None = None
        self._last_help: float | None = None

    @property
    def current(self) -> Focusable | None:
        return self.items[self.index] if self.index is not None else None

    # -- screens ---------------------------------------------------------------------
    def set_items(
        self, items: Sequence[Focusable], title: str = "", *, announce: bool = True
    ) -> None:
        """A new screen (or page): its focusables in reading order. Speaks the title with
        a ``page`` earcon when speech mode is on; focus goes above the first item."""
        self.items = list(items)
        self.title = title
        self.index = None
        self._last_help = None
        if self.on_focus is not None:
            self.on_focus(None)
        if announce and title:
            self.speech.say(title, earcon=PAGE)

    def update_items(self, items: Sequence[Focusable]) -> None:
        """Same screen, changed content (a list grew): keep focus on the same position."""
        self.items = list(items)
        if self.index is not None and self.index >= len(self.items):
            self.index = len(self.items) - 1 if self.items else None

    # -- keys --------------------------------------------------------------------------
    def handle_key(self, key: str, modifiers: Iterable[str] = ()) -> bool:
        """A key press from the keyboard/keypad. True when it was a keypad key (the
        caller then stops the event). The first keypad key only turns speech on."""
        action = self.keymap.action_for(key, modifiers)
        if action is None:
            return False
        self._last_help = None if action != "help" else self._last_help
        if not self.speech.speech_mode:
            self.speech.set_speech_mode(True)
            return True
        getattr(self, action)()
        return True

    def down(self) -> None:
        self._move(+1)

    def up(self) -> None:
        self._move(-1)

    def _move(self, delta: int) -> None:
        if not self.items:
            self._boundary("a11y.boundary.empty")
            return
        target = (0 if delta > 0 else None) if self.index is None else self.index + delta
        if target is None or target < 0:
            self._boundary("a11y.boundary.top")
            return
        if target >= len(self.items):
            self._boundary("a11y.boundary.bottom")
            return
        self.index = target
        if self.on_focus is not None:
            self.on_focus(self.items[target])
        # Moving never activates: only describe.
        self.speech.say(describe(self.items[target], self.speech), earcon=MOVE)

    def _boundary(self, key: str) -> None:
        self.speech.say(self.speech.text(key), earcon=BOUNDARY)

    def action(self) -> None:
        item = self.current
        if item is None:
            self.speech.say(self.speech.text("a11y.nothing_focused"), earcon=BOUNDARY)
            return
        if not item.actionable:
            key = "a11y.not_available" if item.state == "disabled" else "a11y.not_actionable"
            self.speech.say(self.speech.text(key), earcon=ERROR)
            return
        self.speech.interrupt()
        self.speech.earcon(ACTIVATE)
        assert item.activate is not None
        item.activate()

    def help(self) -> None:
        now = self.clock()
        if self._last_help is not None and now - self._last_help <= self.help_twice_s:
            self._last_help = None
            self.speech.interrupt()  # Help twice: silence
            return
        self._last_help = now
        item = self.current
        if item is None:
            text = self.speech.text("a11y.help.keys")
        else:
            explanation = item.text_of("help") or self.speech.text(f"a11y.role_help.{item.role}")
            text = f"{describe(item, self.speech)}. {explanation}"
        self.speech.say(text)

    def back(self) -> None:
        if self.on_back is None:
            self._boundary("a11y.boundary.no_back")
        else:
            self.speech.interrupt()
            self.on_back()

    def repeat(self) -> None:
        self.speech.repeat()

    def pause(self) -> None:
        self.speech.toggle_pause()

    def volume_up(self) -> None:
        self.speech.volume_up()

    def volume_down(self) -> None:
        self.speech.volume_down()


class TouchAndHear:
    """Touch exploration: a finger held on an item >= ``hold_ms`` speaks it without
    activating; a quicker tap acts. Only in speech mode (otherwise every tap acts, so a
    sighted patron's slow tap is never swallowed).

    The Kivy glue calls :meth:`press` on touch-down, :meth:`slide` when the finger
    moves onto another item, :meth:`poll` from a Clock event ``hold_ms`` later (and on
    each slide), and :meth:`release` on touch-up, which says whether to activate.
    """

    def __init__(
        self,
        speech: SpeechController,
        *,
        hold_ms: int = 250,
        clock: MonotonicClock = time.monotonic,
    ) -> None:
        if hold_ms < 250:
            raise ValueError("hold_ms of at least 250")
        self.speech = speech
        self.hold_s = hold_ms / 1000
        self.clock = clock
        self._item: Focusable | None = None
        self._since = 0.0
        self._spoke_item = False
        self._spoke_any = False

    @property
    def item(self) -> Focusable | None:
        """The item under the finger (None: no finger, or off every item)."""
        return self._item

    def press(self, item: Focusable) -> None:
        self._item = item
        self._since = self.clock()
        self._spoke_item = False
        self._spoke_any = False

    def slide(self, item: Focusable | None) -> None:
        """The finger moved onto ``item`` (None: off every item); the hold restarts."""
        if item is not self._item:
            self._item = item
            self._since = self.clock()
            self._spoke_item = False
            self.poll()

    def poll(self) -> bool:
        """Speak the item under the finger once it has been held long enough. True when
        it spoke now."""
        item = self._item
        if item is None or self._spoke_item or not self.speech.speech_mode:
            return False
        if self.clock() - self._since >= self.hold_s:
            self._spoke_item = self._spoke_any = True
            self.speech.say(describe(item, self.speech), earcon=MOVE)
            return True
        return False

    def remaining(self) -> float | None:
        """Seconds until the held item is spoken (0 when due now); None when nothing is
        waiting to be spoken. A timer that fired a little early polls again after this."""
        if self._item is None or self._spoke_item or not self.speech.speech_mode:
            return None
        return max(0.0, self.hold_s - (self.clock() - self._since))

    def release(self) -> bool:
        """Touch-up: True when the tap should activate the item (the caller then does
        what a tap does). A touch that spoke anything never activates."""
        self.poll()
        activated = self._item is not None and not self._spoke_any
        self._item = None
        self._spoke_item = self._spoke_any = False
        return activated


class IdlePrompt:
    """The attract screen's prompt telling how to start speech ("press the round green
    button for speech"), spoken every ``interval_s`` without activity (0: never).
    ``key_names``: language -> the speech key as the library's keypad has it (config
    ``[accessibility] speech_key_id`` / ``speech_key_en``). Call :meth:`poll` from a
    Clock interval and :meth:`activity` on any touch or key."""

    def __init__(
        self,
        speech: SpeechController,
        *,
        key_names: Mapping[str, str],
        interval_s: float = 45.0,
        clock: MonotonicClock = time.monotonic,
    ) -> None:
        self.speech = speech
        self.key_names = dict(key_names)
        self.interval_s = interval_s
        self.clock = clock
        self._last = clock()
        self.active = True

    def activity(self) -> None:
        self._last = self.clock()

    def text(self) -> str:
        """The prompt in the speech's language, naming that language's key."""
        language = self.speech.language
        key = self.key_names.get(language) or next(iter(self.key_names.values()), "")
        return self.speech.text("a11y.idle_prompt", button=key)

    def poll(self) -> bool:
        """True when it spoke now."""
        if not self.active or self.interval_s <= 0 or self.speech.speech_mode:
            return False
        if self.clock() - self._last >= self.interval_s:
            self._last = self.clock()
            return self.speech.say(self.text(), alert=True)
        return False
