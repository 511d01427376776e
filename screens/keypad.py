"""Keypad mode for every screen: what is on screen becomes the accessibility layer's
focus list, in reading order, so Up/Down/Action/Help/Back reach every control without
each screen listing its own.

Reading order is the layout's: top to bottom, then left to right, a column or a row of
a box layout read as a whole before the next one (a two-column screen is read column by
column, never zig-zag across both). A list row is one item (its title and detail),
followed by its action button; a home-screen count is one item (its word and number);
a rating face is one item (its word); a day chart is one item (every day and its
count). Labels are read-only items (spoken, never activated); buttons, toggles and
rating faces are actionable.

Help: each actionable control explains itself with a message key found from where it
sits, so no screen lists its controls (see :func:`help_key`). UI thread only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from accessibility.keypad import Focusable, Role
from accessibility.states import State
from kiosk.i18n import catalogue
from screens.base import KioskScreen
from screens.day_chart import DayChart
from screens.widgets import Face, KToggle, Row

#: The character a masked field (the PIN) shows per digit.
MASK = "•"


def visible(widget: Widget) -> bool:
    """On screen: in the window, not collapsed, and neither it nor a parent transparent."""
    if widget.get_root_window() is None or widget.width <= 1 or widget.height <= 1:
        return False
    node: Any = widget
    window = widget.get_root_window()
    while node is not None and node is not window:  # (the window is its own parent)
        if getattr(node, "opacity", 1) == 0:
            return False
        node = node.parent
    return True


def _press(widget: Any) -> None:
    # Through the button's own behaviour: on_press then on_release, as a finger would.
    widget.trigger_action(duration=0)


def _walk(root: Widget) -> list[Widget]:
    found: list[Widget] = []

    def visit(widget: Widget) -> None:
        kind = type(widget).__name__
        if kind == "FaceChoice":
            # The face speaks its word; the label under it would repeat it. (kv ids are
            # weak proxies: keep the widget itself.)
            found.append(widget.ids.face.__self__)
            return
        if isinstance(widget, DayChart):
            found.append(widget)  # every day and its count in one item, not 14 labels
            return
        if isinstance(widget, Row):
            found.append(widget)  # the row itself, then its action button
            action = widget.ids.get("action")
            if action is not None:
                found.append(action.__self__)
            return
        if isinstance(widget, ButtonBehavior | Label):
            found.append(widget)
            return
        for child in _in_layout_order(widget):
            visit(child)

    visit(root)
    return found


def _top_left(widget: Widget) -> tuple[int, int]:
    x, top = widget.to_window(widget.x, widget.top)
    return (-round(top), round(x))


def _in_layout_order(widget: Widget) -> list[Widget]:
    """Children in the order the layout places them: box and grid layouts place
    ``reversed(children)`` left to right, top to bottom (rows, columns and grids read
    as wholes, a column before the column beside it); free layouts by position."""
    children = list(reversed(widget.children))  # Kivy keeps children last-first
    if isinstance(widget, BoxLayout | GridLayout | ScrollView | ModalView):
        return children
    return sorted(children, key=_top_left)


def focusables(root: Widget, app: Any) -> list[Focusable]:
    """The focusable items under ``root`` (a screen or an open modal)."""
    items = [_item(widget, app) for widget in _walk(root) if visible(widget)]
    return [item for item in items if item is not None]


def _text(widget: Any) -> Callable[[], str]:
    return lambda: str(widget.text)


def _text_of(widget: Any, name: str) -> Callable[[], str]:
    return lambda: str(getattr(widget, name))


def _row_text(row: Any) -> Callable[[], str]:
    return lambda: ", ".join(p for p in (row.title, row.detail) if p)


def _face_word(face: Any, app: Any) -> Callable[[], str]:
    return lambda: str(app.tr(f"ui.feedback.level{int(face.level)}"))


def _activator(widget: Any) -> Callable[[], None]:
    return lambda: _press(widget)


def _button_name(widget: Any, app: Any) -> Callable[[], str]:
    key = getattr(widget, "key", "")
    if key:
        # A symbol button ("<", "+") says its word, not the symbol.
        return lambda: str(app.tr(key))
    return _text(widget)


def _masked(text: str) -> bool:
    return bool(text) and set(text) == {MASK}


def _label_name(widget: Any, app: Any) -> Callable[[], str]:
    def name() -> str:
        text = str(widget.text)
        # A masked field (the PIN) says how many digits, never what they are.
        return str(app.tr("ui.speech.pin_typed", count=len(text))) if _masked(text) else text

    return name


def _label_role(widget: Any) -> Role:
    # The screen's title (in the header) and the kv heading styles are headings.
    if type(widget).__name__ in ("KHeading", "KTitle") or type(widget.parent).__name__ == "Header":
        return "heading"
    # What the on-screen keyboard types into (kv ids "field", "number_field", ...).
    found = kv_id(widget)
    if found is not None and found[1].endswith("field"):
        return "input"
    return "text"


def _button_role(widget: Any) -> Role:
    # Keyboard keys are KToggles only to show Shift; a letter key is a plain button.
    if type(widget).__name__ == "KeyButton":
        return "toggle" if getattr(widget, "special", "") == "<shift>" else "button"
    return "toggle" if isinstance(widget, KToggle) else "button"


def _help(widget: Any, app: Any) -> Callable[[], str]:
    def explain() -> str:
        key = help_key(widget)
        if key is None or key not in catalogue(app.language):
            return ""  # the navigator falls back to the role's help
        return str(app.tr(key, **help_params(widget, app)))

    return explain


def _item(widget: Any, app: Any) -> Focusable | None:
    if isinstance(widget, DayChart):
        return Focusable(name=_text_of(widget, "said"), role="text", widget=widget)
    if isinstance(widget, Row):
        if not widget.title:
            return None
        # A refusal is said as an error, not only drawn as a red cross.
        state: State = "error" if widget.mark == "refused" else "normal"
        return Focusable(name=_row_text(widget), role="list_item", state=state, widget=widget)
    if isinstance(widget, Face):
        return Focusable(
            name=_face_word(widget, app),
            role="toggle",
            state="selected" if widget.chosen else "normal",
            help=_help(widget, app),
            activate=_activator(widget),
            widget=widget,
        )
    if isinstance(widget, ButtonBehavior):
        # An icon button (the compact header's) has no text but says its ``key``.
        if not getattr(widget, "text", "") and not getattr(widget, "key", ""):
            return None
        state = "normal"
        if widget.disabled:
            state = "disabled"
        elif getattr(widget, "chosen", False):
            state = "selected"
        return Focusable(
            name=_button_name(widget, app),
            role=_button_role(widget),
            state=state,
            help=_help(widget, app),
            activate=_activator(widget),
            widget=widget,
        )
    if isinstance(widget, Label) and widget.text.strip():
        return Focusable(name=_label_name(widget, app), role=_label_role(widget), widget=widget)
    return None


# -- help per control ------------------------------------------------------------------
#: kv rule roots that own ids, by class name -> their part of the help key.
_OWNERS = {
    "Header": "header",
    "PinPad": "pinpad",
    "TextEntry": "text_entry",
    "TimeoutWarning": "timeout",
    "BookingRow": "booking_row",
}


def kv_id(widget: Any) -> tuple[Any, str] | None:
    """(the rule root that names ``widget``, its ``id:``), the nearest one up the tree."""
    node = widget.parent
    while node is not None and node is not node.parent:
        for name, named in getattr(node, "ids", {}).items():
            if getattr(named, "__self__", named) is widget:
                return node, name
        node = node.parent
    return None


def _screen_of(widget: Any) -> Any:
    node = widget
    while node is not None and node is not node.parent:
        if isinstance(node, KioskScreen):
            return node
        node = node.parent
    return None


def help_key(widget: Any) -> str | None:
    """The message key explaining what activating ``widget`` does, specific to it:

    - a widget the screen tagged (``widget.help_key``, for controls made in Python);
    - on-screen keyboard keys, PIN digits, rating faces: one text per kind of key;
    - a widget with a kv ``id``: ``ui.help.<screen>.<id>`` for a screen's own controls,
      ``ui.help.header.<id>``, ``ui.help.pinpad.<id>`` ... for shared widgets, and
      ``ui.help.row.<screen>.<id>`` for a list row's action (it depends on the list).

    None: nothing specific is known (the role's help is said instead)."""
    tagged = getattr(widget, "help_key", "")
    if tagged:
        return str(tagged)
    if isinstance(widget, Face):
        return "ui.help.feedback.face"
    parent = widget.parent
    grand = parent.parent if parent is not None else None
    if type(grand).__name__ == "Keyboard":
        special = str(getattr(widget, "special", "")).strip("<>")
        return f"ui.help.keyboard.{special or 'char'}"
    found = kv_id(widget)
    if found is None:
        if type(grand).__name__ == "PinPad":
            return "ui.help.pinpad.digit"
        return None
    owner, name = found
    if isinstance(owner, KioskScreen):
        return f"ui.help.{owner.name}.{name}"
    if isinstance(owner, Row):
        screen = _screen_of(owner)
        return f"ui.help.row.{screen.name if screen is not None else 'any'}.{name}"
    part = _OWNERS.get(type(owner).__name__)
    return f"ui.help.{part}.{name}" if part else None


def help_params(widget: Any, app: Any) -> dict[str, str]:
    """Placeholders of the help texts: the key's character, the face's word."""
    if isinstance(widget, Face):
        return {"word": str(app.tr(f"ui.feedback.level{int(widget.level)}"))}
    return {"char": str(getattr(widget, "text", ""))}


def top_modal(window: Any) -> ModalView | None:
    """The open modal view (it takes the keypad while it is open)."""
    return next((w for w in window.children if isinstance(w, ModalView)), None)
