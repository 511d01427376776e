"""The Kivy side of the accessibility layer: the only module here that imports Kivy.

- :class:`FocusRing` draws the visible focus ring around the focused widget (on the
  window's ``canvas.after``, so no screen has to reserve space for it).
- :class:`KeypadBinding` routes ``Window.on_key_down`` to a
  :class:`~accessibility.keypad.KeypadNavigator` and feeds the session timer / idle
  prompt with activity (the app's keypad glue, ``screens/keypad_glue.py``, owns one).
- :func:`walk`, :func:`clipped_labels`, :func:`overlapping_labels`,
  :func:`small_targets`, :func:`unspoken_labels` and :func:`unreachable_controls` are
  what the UI tests apply to every screen (ACCESSIBILITY.md: 0 clipped labels at 2.0,
  touch targets >= 11.4 mm, every label spoken, every control reachable by keypad).

UI thread only.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any

from kivy.core.window import Keyboard, Window
from kivy.graphics import Color, InstructionGroup, Line
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from accessibility.keypad import Focusable, KeypadNavigator
from accessibility.scaling import (
    Rect,
    label_is_clipped,
    mm_to_px,
    overlapping_pairs,
    target_too_small,
    text_rect,
)
from accessibility.states import STATE_STYLES
from accessibility.theme import FOCUS_RING_GAP_MM, Theme, rgba

_NAMES = {code: name for name, code in Keyboard.keycodes.items()}


def key_name(key: int, codepoint: str | None = None) -> str:
    """Kivy's name of a key code (``274`` -> ``"down"``); the typed character for keys
    Kivy has no name for."""
    return _NAMES.get(key) or (codepoint or "")


class FocusRing:
    """A rectangle ``theme.focus_ring_mm`` wide, ``FOCUS_RING_GAP_MM`` outside the
    focused widget, in ``theme.focus_ring``. Follows the widget when it moves."""

    def __init__(self, theme: Theme, px_per_mm: float, window: Any = None) -> None:
        self.theme = theme
        self.px_per_mm = px_per_mm
        self.window = window or Window
        self.widget: Widget | None = None
        self._group = InstructionGroup()
        self._color = Color(*rgba(theme.focus_ring))
        self._line = Line(rectangle=(0, 0, 0, 0), width=1)
        self._group.add(self._color)
        self._group.add(self._line)
        self._shown = False
        #: The stroke's centre-line rectangle last drawn (window coordinates).
        self.drawn: Rect = (0.0, 0.0, 0.0, 0.0)

    @property
    def visible(self) -> bool:
        return self._shown and self.widget is not None

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self._color.rgba = rgba(theme.focus_ring)
        self._update()

    def show(self, widget: Widget | None) -> None:
        """Ring ``widget`` (None hides the ring)."""
        if self.widget is not None:
            self.widget.unbind(pos=self._update, size=self._update)
        # A strong reference: kv ids hand out weak proxies, and the ringed widget may be
        # in a dialog that closes (a theme switch then redraws the ring, not a dead proxy).
        widget = getattr(widget, "__self__", widget)
        self.widget = widget
        if widget is None:
            self.hide()
            return
        widget.bind(pos=self._update, size=self._update)
        if not self._shown:
            self.window.canvas.after.add(self._group)
            self._shown = True
        self._update()

    def hide(self) -> None:
        if self._shown:
            self.window.canvas.after.remove(self._group)
            self._shown = False

    def rectangle(self) -> Rect:
        """The ring's outer rectangle in window coordinates."""
        if self.widget is None:
            return (0.0, 0.0, 0.0, 0.0)
        x, y = self.widget.to_window(*self.widget.pos)
        w, h = self.widget.size
        gap = mm_to_px(FOCUS_RING_GAP_MM, self.px_per_mm)
        width = self.line_width()
        out = gap + width
        return (x - out, y - out, w + 2 * out, h + 2 * out)

    def line_width(self) -> float:
        return float(max(1, mm_to_px(self.theme.focus_ring_mm, self.px_per_mm)))

    def _update(self, *_: object) -> None:
        if self.widget is None:
            return
        if self.widget.get_root_window() is None:
            self.hide()  # its dialog closed or its screen left: no ring in mid-air
            return
        x, y, w, h = self.rectangle()
        width = self.line_width()
        # Line's rectangle is the centre line of the stroke.
        half = width / 2
        self._line.width = half
        self.drawn = (x + half, y + half, w - width, h - width)
        self._line.rectangle = self.drawn

    def follow(self, item: Focusable | None) -> None:
        """Use as ``KeypadNavigator(on_focus=ring.follow)``: rings ``item.widget``."""
        widget = item.widget if item is not None else None
        self.show(widget if isinstance(widget, Widget) else None)


class KeypadBinding:
    """Binds the window's key events to a navigator while active.

    ``on_activity`` runs first on every key (the session timer, the idle prompt, and
    bringing the navigator's items up to date). ``on_type(key name, modifiers)`` comes
    next: True when the key typed into a field where a patron types (see
    :mod:`accessibility.typing`), and the navigator does not see it. Keys that are not
    the keypad's are left to the rest of the app, except the key codes in ``keep`` (a
    kiosk keeps Escape from ever reaching Kivy's exit).
    """

    def __init__(
        self,
        navigator: KeypadNavigator,
        on_activity: Callable[[], object] | None = None,
        window: Any = None,
        keep: Collection[int] = (),
        on_type: Callable[[str, list[str]], bool] | None = None,
    ) -> None:
        self.navigator = navigator
        self.on_activity = on_activity
        self.on_type = on_type
        self.keep = frozenset(keep)
        self.window = window or Window
        self.window.bind(on_key_down=self._on_key_down)

    def unbind(self) -> None:
        self.window.unbind(on_key_down=self._on_key_down)

    def _on_key_down(
        self,
        _window: Any,
        key: int,
        _scancode: int = 0,
        codepoint: str | None = None,
        modifiers: list[str] | None = None,
        *_args: Any,
    ) -> bool:
        if self.on_activity is not None:
            self.on_activity()
        name = key_name(key, codepoint)
        if self.on_type is not None and self.on_type(name, list(modifiers or [])):
            return True
        if self.navigator.handle_key(name, modifiers or []):
            return True
        return key in self.keep


# -- checks for the UI tests ----------------------------------------------------------
def walk(root: Widget) -> Iterator[Widget]:
    """Every widget under ``root`` (itself included) in tree order."""
    yield root
    for child in reversed(root.children):  # Kivy keeps children last-added-first
        yield from walk(child)


def _shown(widget: Widget) -> bool:
    """Drawn at all: not transparent and not collapsed to nothing."""
    return widget.opacity > 0 and widget.width > 0 and widget.height > 0


def walk_shown(root: Widget) -> Iterator[Widget]:
    """Like :func:`walk`, but skips a transparent or empty widget and everything under
    it (a hidden pane's labels are not on screen)."""
    if not _shown(root):
        return
    yield root
    for child in reversed(root.children):
        yield from walk_shown(child)


def _visible_labels(root: Widget) -> list[Label]:
    # Disabled labels count: a disabled button's label must be readable too.
    return [w for w in walk_shown(root) if isinstance(w, Label) and w.text]


def _labels_to_speak(root: Widget) -> list[Label]:
    return [
        w
        for w in walk(root)
        if isinstance(w, Label) and w.text and w.opacity > 0 and not getattr(w, "disabled", False)
    ]


def window_rect(widget: Widget) -> Rect:
    """``widget``'s box in window coordinates."""
    x, y = widget.to_window(*widget.pos)
    return (float(x), float(y), float(widget.width), float(widget.height))


def _text_window_rect(label: Label) -> Rect:
    x, y, w, h = window_rect(label)
    return text_rect((x, y), (w, h), label.texture_size)


def _ancestors(widget: Widget, root: Widget) -> Iterator[Widget]:
    parent = widget.parent
    # The Window is its own parent: stop there when ``root`` is not above ``widget``.
    while parent is not None and parent is not widget:
        yield parent
        if parent is root or parent is parent.parent:
            return
        parent = parent.parent


def _bounds(label: Label, root: Widget) -> tuple[Rect, Rect]:
    """(where the label's text may be, what of it can be seen now), window coordinates.

    The text may be anywhere a patron can bring into view: inside every clipping
    ancestor (a StencilView such as a ScrollView) and the root's box on an axis that
    does not scroll, and inside the scrolled content on an axis that does. What can be
    seen now is the text cut to every clipping ancestor and the root."""
    from kivy.core.window import Window
    from kivy.uix.scrollview import ScrollView
    from kivy.uix.stencilview import StencilView

    inf = float("inf")
    # allowed and seen as [x0, x1, y0, y1]; an axis stops being limited by ancestors
    # above the first ScrollView that scrolls along it.
    allowed = [-inf, inf, -inf, inf]
    seen = [-inf, inf, -inf, inf]
    free = [False, False]  # x, y: scrolled into view by some ScrollView below

    def limit(box: list[float], rect: Rect, axes: tuple[bool, bool]) -> None:
        x, y, w, h = rect
        if axes[0]:
            box[0], box[1] = max(box[0], x), min(box[1], x + w)
        if axes[1]:
            box[2], box[3] = max(box[2], y), min(box[3], y + h)

    for ancestor in _ancestors(label, root):
        if isinstance(ancestor, StencilView):
            view = window_rect(ancestor)
            limit(seen, view, (True, True))
            if isinstance(ancestor, ScrollView) and ancestor.children:
                scrolls = (bool(ancestor.do_scroll_x), bool(ancestor.do_scroll_y))
                content = window_rect(ancestor.children[0])
                for axis in (0, 1):
                    if free[axis]:
                        continue
                    one = (axis == 0, axis == 1)
                    limit(allowed, content if scrolls[axis] else view, one)
                    free[axis] = free[axis] or scrolls[axis]
            else:
                limit(allowed, view, (not free[0], not free[1]))
        if ancestor is root:
            break
    screen = window_rect(root)
    whole = (0.0, 0.0, float(Window.width), float(Window.height))
    for rect in (screen, whole):
        limit(allowed, rect, (not free[0], not free[1]))
        limit(seen, rect, (True, True))
    return (
        (allowed[0], allowed[2], allowed[1] - allowed[0], allowed[3] - allowed[2]),
        (seen[0], seen[2], seen[1] - seen[0], seen[3] - seen[2]),
    )


def _inside(inner: Rect, outer: Rect, tolerance_px: float = 0.5) -> bool:
    ix, iy, iw, ih = inner
    ox, oy, ow, oh = outer
    return (
        ix >= ox - tolerance_px
        and iy >= oy - tolerance_px
        and ix + iw <= ox + ow + tolerance_px
        and iy + ih <= oy + oh + tolerance_px
    )


def _cut(a: Rect, b: Rect) -> Rect | None:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    if x1 - x0 <= 0.5 or y1 - y0 <= 0.5:
        return None
    return (x0, y0, x1 - x0, y1 - y0)


def clipped_labels(root: Widget) -> list[Label]:
    """Labels whose text does not fit their box, is shortened with an ellipsis, or
    runs where no patron can see it: past the root's or the window's edge, or outside
    the ScrollView it is in on an axis that does not scroll (call after the layout
    settled: advance a frame first)."""
    found = []
    for label in _visible_labels(root):
        if label_is_clipped(label):
            found.append(label)
            continue
        allowed, _seen = _bounds(label, root)
        if not _inside(_text_window_rect(label), allowed):
            found.append(label)
    return found


def overlapping_labels(root: Widget) -> list[tuple[str, str]]:
    """Texts of every two labels whose drawn text overlaps where it can be seen
    (window coordinates; text scrolled out of its ScrollView does not count), and of
    every two touch targets whose boxes overlap."""
    rects: list[tuple[str, Rect]] = []
    boxes: list[tuple[str, Rect]] = []
    for label in _visible_labels(root):
        _allowed, seen = _bounds(label, root)
        visible = _cut(_text_window_rect(label), seen)
        if visible is not None:
            rects.append((label.text, visible))
    for widget in walk_shown(root):
        if isinstance(widget, ButtonBehavior):
            _allowed, seen = _bounds(widget, root)
            visible = _cut(window_rect(widget), seen)
            if visible is not None:
                boxes.append((getattr(widget, "text", type(widget).__name__), visible))
    return overlapping_pairs(rects) + overlapping_pairs(boxes)


def unspoken_labels(root: Widget, items: Iterable[Focusable]) -> list[str]:
    """Texts of visible labels that no focusable speaks (ACCESSIBILITY.md: 100 % of
    visible labels and controls have spoken text). A label counts as spoken when its
    text (markup and the state prefix stripped) is part of some item's name or value."""
    spoken = " | ".join(f"{item.text_of('name')} {item.text_of('value')}" for item in items)
    missing = []
    for label in _labels_to_speak(root):
        text = label.text.strip()
        for style in STATE_STYLES.values():
            if style.text_prefix and text.startswith(style.text_prefix):
                text = text[len(style.text_prefix) :]
        if text and text not in spoken:
            missing.append(label.text)
    return missing


def unreachable_controls(root: Widget, items: Iterable[Focusable]) -> list[Widget]:
    """Enabled, visible buttons (ButtonBehavior) that no focusable points to: the keypad
    could not reach them."""
    reachable = {id(item.widget) for item in items if item.widget is not None}
    return [
        w
        for w in walk(root)
        if isinstance(w, ButtonBehavior)
        and not w.disabled
        and w.opacity > 0
        and id(w) not in reachable
    ]


def small_targets(root: Widget, px_per_mm: float) -> list[Widget]:
    """Buttons (anything with ButtonBehavior) smaller than 11.4 mm on a side."""
    return [
        w
        for w in walk_shown(root)
        if isinstance(w, ButtonBehavior) and target_too_small(w.size, px_per_mm)
    ]


def _words(label: Label) -> list[str]:
    text = str(label.text)
    if getattr(label, "markup", False):
        import re

        text = re.sub(r"\[/?[a-z_]+(=[^\]]*)?\]", "", text)
    return text.split()


def text_width(label: Label) -> float | None:
    """The width a wrapping label breaks its lines at (its ``text_size`` less its
    padding), or None for a label that does not wrap."""
    text_size = getattr(label, "text_size", (None, None))
    if not text_size or text_size[0] is None:
        return None
    padding = label.padding
    values = list(padding) if isinstance(padding, list | tuple) else [padding]
    horizontal = values[0] * 2 if len(values) in (1, 2) else values[0] + values[2]
    return float(text_size[0]) - float(horizontal)


def broken_words(root: Widget) -> list[tuple[Label, str]]:
    """(label, word) for every word that a wrapping label shown under ``root`` cannot
    fit on one line at its font size: Kivy then breaks it inside the word ("Peminja /
    man"). Measured with the label's own font settings."""
    found = []
    for label in _visible_labels(root):
        width = text_width(label)
        if width is None or width <= 0:
            continue
        core = label._label
        for word in set(_words(label)):
            if core.get_extents(word)[0] > width + 0.5:
                found.append((label, word))
    return found


def outside_window(widgets: Iterable[Widget]) -> list[Widget]:
    """The widgets not whole on screen as it is now (no scrolling): each must be inside
    the window and inside every scroll view around it, at its current scroll."""
    from kivy.core.window import Window
    from kivy.uix.stencilview import StencilView

    whole = (0.0, 0.0, float(Window.width), float(Window.height))
    missing = []
    for widget in widgets:
        rect = window_rect(widget)
        if widget.get_root_window() is None or not _inside(rect, whole):
            missing.append(widget)
            continue
        node = widget.parent
        while node is not None and node is not node.parent:
            if isinstance(node, StencilView) and not _inside(rect, window_rect(node)):
                missing.append(widget)
                break
            node = node.parent
    return missing
