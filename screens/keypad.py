"""Keypad mode for every screen: what is on screen becomes the accessibility layer's
focus list, in reading order, so Up/Down/Action/Help/Back reach every control without
each screen listing its own.

Reading order is top to bottom, then left to right. A list row is one item (its title
and detail), followed by its action button. Labels are read-only items (spoken, never
activated); buttons, toggles and rating faces are actionable. UI thread only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.widget import Widget

from accessibility.keypad import Focusable
from accessibility.states import State
from screens.widgets import Face, KToggle, Row


def _visible(widget: Widget) -> bool:
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
        if isinstance(widget, Row):
            found.append(widget)  # the row itself, then its action button
            action = widget.ids.get("action")
            if action is not None:
                found.append(action)
            return
        if isinstance(widget, ButtonBehavior | Label):
            found.append(widget)
            return
        for child in reversed(widget.children):  # Kivy keeps children last-first
            visit(child)

    visit(root)
    return found


def focusables(root: Widget, app: Any) -> list[Focusable]:
    """The focusable items under ``root`` (a screen or an open modal)."""
    items: list[tuple[float, float, Focusable]] = []
    for widget in _walk(root):
        if not _visible(widget):
            continue
        x, y = widget.to_window(widget.x, widget.top)
        item = _item(widget, app)
        if item is not None:
            items.append((-round(y), round(x), item))
    items.sort(key=lambda entry: (entry[0], entry[1]))
    return [item for _, _, item in items]


def _text(widget: Any) -> Callable[[], str]:
    return lambda: str(widget.text)


def _row_text(row: Any) -> Callable[[], str]:
    return lambda: ", ".join(p for p in (row.title, row.detail) if p)


def _face_word(face: Any, app: Any) -> Callable[[], str]:
    return lambda: str(app.tr(f"ui.feedback.level{int(face.level)}"))


def _activator(widget: Any) -> Callable[[], None]:
    return lambda: _press(widget)


def _item(widget: Any, app: Any) -> Focusable | None:
    if isinstance(widget, Row):
        if not widget.title:
            return None
        return Focusable(name=_row_text(widget), role="list_item", widget=widget)
    if isinstance(widget, Face):
        return Focusable(
            name=_face_word(widget, app),
            role="toggle",
            state="selected" if widget.chosen else "normal",
            activate=_activator(widget),
            widget=widget,
        )
    if isinstance(widget, ButtonBehavior):
        if not getattr(widget, "text", ""):
            return None
        state: State = "normal"
        if widget.disabled:
            state = "disabled"
        elif getattr(widget, "chosen", False):
            state = "selected"
        return Focusable(
            name=_text(widget),
            role="toggle" if isinstance(widget, KToggle) else "button",
            state=state,
            activate=_activator(widget),
            widget=widget,
        )
    if isinstance(widget, Label) and widget.text.strip():
        return Focusable(name=_text(widget), role="text", widget=widget)
    return None


def top_modal(window: Any) -> ModalView | None:
    """The open modal view (it takes the keypad while it is open)."""
    return next((w for w in window.children if isinstance(w, ModalView)), None)
