"""Shared widgets: buttons, rows, the on-screen keyboard, the PIN pad, rating faces,
state marks and the modal text entry. Their look lives in ``widgets.kv``; every colour
and size is read from the running app's theme properties, so a theme or text-scale
switch re-renders them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.graphics import Color, Ellipse, InstructionGroup, Line
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    NumericProperty,
    ObjectProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.scrollview import ScrollView
from kivy.uix.stacklayout import StackLayout
from kivy.uix.widget import Widget

from accessibility.kivy_focus import text_width
from accessibility.scaling import fitting_px, large_text_min_px, touch_target_px
from accessibility.typing import accepted

#: Keyboard layouts: rows of keys. Special keys: ``<del>``, ``<shift>``, ``<space>``.
CARD_ROWS = ("1234567890", "QWERTYUIOP", "ASDFGHJKL-", ["ZXCVBNM", "<del>"])
TEXT_ROWS = (
    "1234567890",
    "qwertyuiop",
    "asdfghjkl.",
    ["<shift>", "zxcvbnm,", "<del>"],
    ["<space>"],
)


def app() -> Any:
    return App.get_running_app()


class FitText(Label):
    """A wrapping Label in which no word is ever broken inside. When its longest
    word (or, with ``one_line``, its whole text) is wider than the label, the font
    shrinks to the next size that fits, never below a capital I of 4.8 mm on the
    configured panel at large text (accessibility.scaling) nor below the theme's
    small text at 1.0; the kv rule's size comes back when there is room again. Text
    already at that floor is not measured: there is nothing to shrink to."""

    #: Shrink until the whole text fits one line (Home's actions), not only each word.
    one_line = BooleanProperty(False)
    #: False: its owner sizes it (the header's title, see Header); never shrunk here.
    fit = BooleanProperty(True)
    #: Which of the app's text sizes the kv rule gives it: body, small, heading, title.
    font_role = OptionProperty("body", options=["body", "small", "heading", "title"])
    #: A size its owner sets in pixels (the keys of the keyboard and PIN pad); 0: none.
    font_fixed = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        self._natural_px = 0.0
        self._fitting = False
        super().__init__(**kwargs)
        self._fit_trigger = Clock.create_trigger(self._fit, -1)
        self.bind(
            font_size=self._font_set,
            text=self._fit_trigger,
            text_size=self._fit_trigger,
            one_line=self._fit_trigger,
        )

    @property
    def natural_px(self) -> float:
        """The size its kv rule asks for (``font_size`` is smaller when it was shrunk)."""
        return self._natural_px or float(self.property("font_size").get(self))

    def _font_set(self, _widget: Any, value: float) -> None:
        if not self._fitting:
            self._natural_px = float(value)  # set by the kv rule (a scale or theme change)
            self._fit_trigger()

    def _fit(self, *_args: Any) -> None:
        running = app()
        room = text_width(self)
        current = float(self.property("font_size").get(self))
        natural = int(self._natural_px or float(current))
        if running is None or room is None or not self.text or not self.fit:
            return
        # Large text: never under a 4.8 mm capital; normal text: never under the
        # theme's small text.
        large = running.text_scale >= 1.5
        low = large_text_min_px(running.px_per_mm) if large else int(running.small_px)
        size = natural
        if natural > low:
            words = {self.text} if self.one_line else set(self.text.split())

            def width_at(px: int) -> float:
                # The label's own text renderer at its size (no new one per word).
                own = self._label
                same = own is not None and own.options.get("font_size") == px
                core = own if same else _core(self, px)
                return float(max(core.get_extents(word)[0] for word in words))

            size = fitting_px(width_at, room, natural, low) or low
        if size != current:
            self._fitting = True
            try:
                self.font_size = size
            finally:
                self._fitting = False


def _core(label: Any, font_px: int) -> Any:
    """A text renderer with ``label``'s font at ``font_px`` (for measuring only)."""
    from kivy.core.text import Label as CoreLabel

    return CoreLabel(font_size=font_px, font_name=label.font_name, bold=label.bold)


class Overlay:
    """Shapes drawn over a widget (its ``canvas.after``) only while they are seen: a
    state outline, a tick, an icon. In kv they would stay on the canvas, made
    transparent or emptied when not seen, and still cost their draw in every frame:
    in Mesa's software renderer about 0.17 ms for a transparent dashed outline and
    1.3 ms for a wide line with no points. The header's empty icon lines and the
    buttons' hidden outlines took the card tap -> name time (``python -m bench ui``)
    from 55 to 75 ms; tests/support/drawing.py finds such shapes.

    ``draw()`` returns the instructions to draw now (a Color, then shapes), or none;
    it is called again whenever one of the widget's properties ``on`` changes."""

    def __init__(self, widget: Widget, draw: Callable[[], list[Any]], *on: str) -> None:
        self._group = InstructionGroup()
        self._draw = draw
        widget.canvas.after.add(self._group)
        widget.bind(**{name: self.redraw for name in on})
        self.redraw()

    def redraw(self, *_args: Any) -> None:
        shapes = self._draw()
        if not shapes and not self._group.children:
            return  # nothing drawn, nothing to draw: most buttons as they move
        self._group.clear()
        for instruction in shapes:
            self._group.add(instruction)


def ring(cx: float, cy: float, r: float) -> tuple[float, ...]:
    """A Line's ``circle`` with as many segments as its size needs. Kivy draws every
    circle from 180 segments, and a wide line's round joints make ten triangles of
    each: about 0.5 ms a frame for a state mark's circle in the software renderer."""
    return (cx, cy, r, 0, 360, max(24, min(180, round(r * 2))))


def place_actions(box: Widget, actions: Widget, first: bool, after: int = 0) -> None:
    """``actions`` at the end of ``box`` or, ``first`` (large text), right after its
    first ``after`` children: in view without scrolling, before the text they follow
    on a roomier screen (a receipt, a refusal's explanation)."""
    box.remove_widget(actions)
    # Children are kept last-first: index 0 is the end, len() the start.
    box.add_widget(actions, index=len(box.children) - after if first else 0)


class KButton(ButtonBehavior, FitText):
    """A large, rounded, themed button. ``role``: primary, secondary or danger.

    Its height never goes below the app's touch target; long labels wrap between
    words, and a word too wide for the button shrinks its font (:class:`FitText`).
    """

    role = StringProperty("primary")
    #: False: one line, the button as wide as its label (see ShortButton).
    wrap = BooleanProperty(True)
    #: Optional message key spoken/labelled for the accessibility layer.
    key = StringProperty("")
    #: False: hidden (no width, transparent) and it ignores touches.
    shown = BooleanProperty(True)
    #: Non-zero: the button's height, set by a rule that sizes it (a key of the PIN pad).
    fixed_height = NumericProperty(0)
    #: The theme's border colour, corner radius and gap, given by the kv rule.
    border_rgba = ColorProperty((0, 0, 0, 0))
    radius_px = NumericProperty(0)
    gap_px = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._outline = Overlay(
            self,
            self._disabled_outline,
            "disabled",
            "opacity",
            "pos",
            "size",
            "border_rgba",
            "radius_px",
            "gap_px",
        )

    def _disabled_outline(self) -> list[Any]:
        """Disabled (accessibility/states.py): besides readable muted text, a double
        dashed outline, so it differs from an enabled button in shape too, not by
        colour alone (WCAG 1.4.1)."""
        if not (self.disabled and self.opacity):
            return []
        return [Color(*self.border_rgba)] + [
            Line(
                rounded_rectangle=(
                    self.x + inset,
                    self.y + inset,
                    max(0, self.width - 2 * inset),
                    max(0, self.height - 2 * inset),
                    self.radius_px,
                ),
                dash_length=self.gap_px,
                dash_offset=self.gap_px * 0.6,
            )
            for inset in (1, 2)
        ]

    def on_touch_down(self, touch: Any) -> bool:
        if not self.shown or self.opacity == 0:
            return False
        return bool(super().on_touch_down(touch))


class ShortButton(KButton):
    """A button as wide as its label, on one line (headers, toolbars, dialogs)."""

    #: Non-zero: the button's width, set by a rule that sizes it (the header's).
    fixed_width = NumericProperty(0)


#: The header's icons, drawn instead of their words at large text (the word stays the
#: spoken name): strokes through points relative to the button's centre, in units of
#: its height.
HEADER_ICONS: dict[str, tuple[tuple[float, ...], ...]] = {
    # Back: an arrow pointing left.
    "back": ((0.22, 0, -0.22, 0), (-0.04, 0.18, -0.22, 0, -0.04, -0.18)),
    # Sign out: a door frame and an arrow leaving it to the right.
    "sign_out": (
        (0.02, 0.12, 0.02, 0.26, -0.26, 0.26, -0.26, -0.26, 0.02, -0.26, 0.02, -0.12),
        (-0.1, 0, 0.3, 0),
        (0.16, 0.13, 0.3, 0, 0.16, -0.13),
    ),
}


class HeaderButton(ShortButton):
    """A header button: Back, the other language, Sign out, the accessibility button.
    ``compact`` (large text): its icon, if it has one, instead of its word, drawn in
    the colour of its word."""

    #: "back" or "sign_out"; "": none.
    icon = OptionProperty("", options=["", *HEADER_ICONS])
    compact = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._icon = Overlay(
            self, self._icon_strokes, "pos", "size", "icon", "compact", "shown", "color", "gap_px"
        )

    def _icon_strokes(self) -> list[Any]:
        if not (self.icon and self.compact and self.shown):
            return []
        cx, cy, h = self.center_x, self.center_y, self.height
        return [Color(*self.color)] + [
            Line(
                points=[
                    c + v * h for c, v in zip((cx, cy) * (len(stroke) // 2), stroke, strict=True)
                ],
                width=max(1.5, h / 22),
            )
            for stroke in HEADER_ICONS[self.icon]
        ]


class AccessButton(HeaderButton):
    """Opens text size and colours from any screen, and Back returns to the screen it
    was pressed on. The accessibility symbol (a person with open arms in a circle)
    before a short word, or alone when compact."""

    def _icon_strokes(self) -> list[Any]:
        if not self.shown:
            return []
        h = self.height
        cx = self.center_x if self.compact else self.x + self.gap_px * 1.2 + h * 0.25
        cy = self.center_y
        width = max(1.2, h / 40)
        head = h * 0.09
        return [
            Color(*self.color),
            Line(circle=ring(cx, cy, h * 0.25), width=width),
            Ellipse(pos=(cx - head / 2, cy + h * 0.1), size=(head, head)),
            Line(points=[cx - h * 0.15, cy + h * 0.04, cx + h * 0.15, cy + h * 0.04], width=width),
            Line(
                points=[cx - h * 0.08, cy - h * 0.16, cx, cy, cx + h * 0.08, cy - h * 0.16],
                width=width,
            ),
        ]


class KLabelBase(FitText):
    """The text of the kv rules ``KLabel``, ``KTitle``... : wraps between words, and a
    word too wide for its place shrinks the font (:class:`FitText`)."""


class KToggle(KButton):
    """A button that shows whether it is chosen by a tick mark and a thicker border,
    not by colour alone."""

    chosen = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tick = Overlay(self, self._tick_strokes, "chosen", "opacity", "pos", "size", "color")

    def _tick_strokes(self) -> list[Any]:
        """Chosen: a tick in the top left corner, in the colour of its word."""
        if not (self.chosen and self.opacity):
            return []
        x, top, gap = self.x + 4, self.top - 4, self.gap_px
        points = [x, top - gap * 0.8, x + gap * 0.5, top - gap * 1.4, x + gap * 1.4, top]
        return [Color(*self.color), Line(points=points, width=max(1.2, self.height / 36))]


class Mark(Widget):
    """A small state icon drawn as a shape: ``ok`` (tick in a circle), ``refused``
    (cross in a circle), ``warning`` (exclamation in a triangle), ``pending`` (ring),
    ``info`` (i in a circle). The shape carries the meaning, the colour only helps."""

    kind = StringProperty("info")
    #: The app's theme, given by the kv rule: a kv binding goes with the mark, where a
    #: binding made here on the app stayed behind after every row's mark.
    theme = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(pos=self.redraw, size=self.redraw, kind=self.redraw, theme=self.redraw)

    def redraw(self, *_args: Any) -> None:
        self.canvas.clear()
        running = app()
        if running is None or not self.kind:
            return
        theme = running.theme
        colour = {
            "ok": theme.success,
            "refused": theme.error,
            "warning": theme.warning,
            "pending": theme.muted_text,
        }.get(self.kind, theme.primary)
        x, y = self.pos
        w, h = self.size
        side = min(w, h)
        cx, cy = x + w / 2, y + h / 2
        r = side / 2 - 1
        width = max(1.5, side / 12)
        with self.canvas:
            Color(*running.rgba(colour))
            if self.kind == "warning":
                Line(
                    points=[cx, cy + r, cx + r, cy - r * 0.8, cx - r, cy - r * 0.8],
                    close=True,
                    width=width,
                )
                Line(points=[cx, cy + r * 0.4, cx, cy - r * 0.25], width=width)
                Ellipse(pos=(cx - width, cy - r * 0.6 - width), size=(width * 2, width * 2))
                return
            Line(circle=ring(cx, cy, r), width=width)
            if self.kind == "ok":
                Line(
                    points=[
                        cx - r * 0.5,
                        cy,
                        cx - r * 0.1,
                        cy - r * 0.4,
                        cx + r * 0.5,
                        cy + r * 0.4,
                    ],
                    width=width,
                )
            elif self.kind == "refused":
                d = r * 0.45
                Line(points=[cx - d, cy - d, cx + d, cy + d], width=width)
                Line(points=[cx - d, cy + d, cx + d, cy - d], width=width)
            elif self.kind == "info":
                Line(points=[cx, cy - r * 0.5, cx, cy + r * 0.1], width=width)
                Ellipse(pos=(cx - width, cy + r * 0.35 - width), size=(width * 2, width * 2))
            elif self.kind == "pending":
                Line(points=[cx, cy, cx, cy + r * 0.6], width=width)
                Line(points=[cx, cy, cx + r * 0.45, cy], width=width)


class Face(ButtonBehavior, Widget):
    """One rating face, 1 (very unhappy) to 5 (very happy). Chosen: a ring around it
    and its word underlined, so the choice shows in greyscale too."""

    level = NumericProperty(3)
    chosen = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(pos=self.redraw, size=self.redraw, level=self.redraw, chosen=self.redraw)
        self.bind(state=self.redraw)
        running = app()
        if running is not None:
            running.bind(theme=self.redraw)

    def redraw(self, *_args: Any) -> None:
        self.canvas.clear()
        running = app()
        if running is None:
            return
        theme = running.theme
        x, y = self.pos
        w, h = self.size
        r = min(w, h) / 2 - 4
        cx, cy = x + w / 2, y + h / 2
        width = max(1.5, r / 14)
        # -2 .. +2: how far the mouth curves up (happy) or down (unhappy).
        mood = self.level - 3
        with self.canvas:
            Color(*running.rgba(theme.primary if self.chosen else theme.surface))
            Ellipse(pos=(cx - r, cy - r), size=(2 * r, 2 * r))
            ink = theme.on_primary if self.chosen else theme.text
            Color(*running.rgba(ink))
            Line(circle=ring(cx, cy, r), width=width * (2 if self.chosen else 1))
            eye = r * 0.11
            for dx in (-0.35, 0.35):
                Ellipse(pos=(cx + dx * r - eye, cy + 0.25 * r - eye), size=(eye * 2, eye * 2))
            left, right = cx - 0.45 * r, cx + 0.45 * r
            mouth_y = cy - 0.35 * r
            bend = mood * 0.12 * r
            Line(
                bezier=[left, mouth_y + bend, cx, mouth_y - bend * 1.6, right, mouth_y + bend],
                width=width,
            )
            if self.state == "down":
                Color(*running.rgba(theme.text, 0.15))
                Ellipse(pos=(cx - r, cy - r), size=(2 * r, 2 * r))


class Keyboard(BoxLayout):
    """An on-screen keyboard. ``layout``: ``card`` (capitals, digits, dash) or ``text``
    (lower case with shift, space). Dispatches ``on_key(char)``, ``on_delete`` and
    ``on_submit`` (Enter on a physical keyboard: the owner submits what is typed)."""

    layout = StringProperty("card")
    shift = BooleanProperty(False)
    #: Height of a row of keys, and the keys' font size: at large text the keyboard
    #: fits whole in what is left of the window below its top (see :meth:`measure`).
    key_px = NumericProperty(60)
    key_font_px = NumericProperty(25)

    __events__ = ("on_key", "on_delete", "on_submit")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._measure_trigger = Clock.create_trigger(self.measure, 0)
        self.bind(layout=lambda *_: self.build_keys(), shift=lambda *_: self.relabel())
        self.bind(top=self._measure_trigger, parent=self._measure_trigger)
        self.bind(width=self._width_changed, spacing=self._spacing_changed)
        running = app()
        if running is not None:
            running.bind(theme=self._measure_trigger)
            # Bound methods: Kivy holds them weakly, so a closed keyboard (a text entry
            # modal) is freed instead of being relabelled and rebuilt forever.
            running.bind(language=self._on_language, text_scale=self._on_text_scale)
        self.build_keys()

    def _on_language(self, *_args: Any) -> None:
        self.relabel()
        self._measure_trigger()

    def _width_changed(self, *_args: Any) -> None:
        # Narrower than ten touch targets (a demo strip beside it): halve the rows.
        if self._narrow() != getattr(self, "_built_narrow", False):
            self.build_keys()

    def _spacing_changed(self, *_args: Any) -> None:
        for line in self.children:
            line.spacing = self.spacing
        self._width_changed()
        self._measure_trigger()

    def _narrow(self) -> bool:
        running = app()
        if running is None or self.width <= 100:
            return False
        need = 10 * touch_target_px(running.px_per_mm) + 9 * float(self.spacing)
        return bool(self.width < need)

    def _on_text_scale(self, *_args: Any) -> None:
        self.build_keys()

    def measure(self, *_args: Any) -> None:
        """Rows as tall as the touch target needs and the text (1.9 lines at 1.0, as
        every control); at large text no taller than what fits whole between the
        keyboard's top and the bottom of its scrolling page, never under the 11.4 mm
        touch target, and the letters' size follows (never under a 4.8 mm capital)."""
        fitted = fit_rows(self, max(1, len(self.children)), float(self.spacing))
        if fitted is not None:
            self.key_px, self.key_font_px = fitted

    def rows(self) -> list[str | list[str]]:
        """The layout's rows. With large text (scale 1.5 and up) the word keys (Shift,
        Delete, Space) get a row of their own when a row would be wider than ten
        letter keys: beside letters they would be too narrow for their words."""
        rows: list[str | list[str]] = list(CARD_ROWS if self.layout == "card" else TEXT_ROWS)
        running = app()
        if running is None or running.text_scale < 1.5:
            return rows
        if max(map(_units, rows)) <= 10 and not self._narrow():
            return rows
        letters: list[str | list[str]] = []
        words: list[str] = []
        for row in rows:
            parts = [row] if isinstance(row, str) else row
            keys = [p for p in parts if not p.startswith("<")]
            words += [p for p in parts if p.startswith("<")]
            if keys:
                letters.append(keys if len(keys) > 1 else keys[0])
        if self._narrow():
            # Ten keys in a row would be narrower than a touch target here.
            halves: list[str | list[str]] = []
            for row in letters:
                chars = row if isinstance(row, str) else "".join(row)
                middle = (len(chars) + 1) // 2
                halves += [chars[:middle], chars[middle:]] if len(chars) > 7 else [row]
            letters = halves
        # Else ten keys fit a row: 800 px less margins is over ten 11.4 mm keys.
        return [*letters, words]

    def build_keys(self) -> None:
        self._built_narrow = self._narrow()
        self.clear_widgets()
        for row in self.rows():
            line = BoxLayout(orientation="horizontal", spacing=self.spacing)
            parts = [row] if isinstance(row, str) else row
            for part in parts:
                if part.startswith("<"):
                    key = self._special(part)
                    if all(p.startswith("<") for p in parts):
                        key.size_hint_x = 1.3 if part == "<space>" else 1  # words only
                    line.add_widget(key)
                else:
                    for char in part:
                        line.add_widget(self._key(char))
            self.add_widget(line)
        self.relabel()
        self._measure_trigger()

    def _key(self, char: str) -> KButton:
        button = self._sized(Factory.KeyButton(text=char))
        button.bind(on_release=lambda b: self.dispatch("on_key", b.text))
        return button

    def _sized(self, button: KButton) -> KButton:
        button.font_fixed = self.key_font_px
        return button

    def on_key_font_px(self, *_args: Any) -> None:
        # The keys of now (not a binding per key: the keys are made again at each text
        # size, and a binding would keep every old key alive with the keyboard).
        for line in self.children:
            for button in line.children:
                button.font_fixed = self.key_font_px

    def _special(self, name: str) -> KButton:
        button = self._sized(Factory.KeyButton(role="secondary"))
        button.special = name
        if name == "<del>":
            button.size_hint_x = _KEY_UNITS[name]
            button.bind(on_release=lambda _b: self.dispatch("on_delete"))
        elif name == "<shift>":
            button.size_hint_x = _KEY_UNITS[name]
            button.bind(on_release=lambda _b: setattr(self, "shift", not self.shift))
        elif name == "<space>":
            button.size_hint_x = _KEY_UNITS[name]
            button.bind(on_release=lambda _b: self.dispatch("on_key", " "))
        return button

    def relabel(self) -> None:
        """Letters follow shift; the special keys' words follow the language."""
        for line in self.children:
            for button in line.children:
                special = getattr(button, "special", "")
                if not special:
                    if self.layout == "text" and button.text.isalpha():
                        button.text = button.text.upper() if self.shift else button.text.lower()
                else:
                    name = special.strip("<>")
                    button.text = app().t(f"ui.keyboard.{name}", app().language)
                    if special == "<shift>":
                        button.chosen = self.shift

    def accepts(self, char: str) -> str | None:
        """``char`` of a physical key as this keyboard types it (a card number's letters
        as capitals), or None when it has no key for it."""
        rows = CARD_ROWS if self.layout == "card" else TEXT_ROWS
        parts = [p for row in rows for p in ([row] if isinstance(row, str) else row)]
        keys = "".join(p for p in parts if not p.startswith("<"))
        if self.layout == "text":
            keys += keys.upper() + " "
        return accepted(char, keys, upper=self.layout == "card")

    def on_key(self, char: str) -> None:
        if self.shift and char.isalpha():
            self.shift = False

    def on_delete(self) -> None:
        pass

    def on_submit(self) -> None:
        pass


def fit_rows(widget: Any, rows: int, spacing: float) -> tuple[float, int] | None:
    """(row height, font size) for ``rows`` rows of keys starting at ``widget``'s top:
    the app's touch size and body text at scale 1.0; at large text no taller than what
    fits whole between that top and the bottom of its scrolling page, never under the
    11.4 mm touch target, the letters as large as the row allows (never under a 4.8 mm
    capital). None without a running app."""
    running = app()
    if running is None:
        return None
    size, font = float(running.touch_px), int(running.font_px)
    page = scrolling_page(widget)
    _follow_page(widget, page)
    if page is not None and running.text_scale >= 1.5 and page.children:
        content = page.children[0]
        above = content.top - widget.top  # from the page's top: scrolling moves both
        room = page.height - above - running.gap_px * 2
        fits = (room - spacing * (rows - 1)) / rows
        size = max(float(touch_target_px(running.px_per_mm)), min(size, fits))
        # A line of Roboto is about 1.2 em: the letter and a little air in the key.
        floor = large_text_min_px(running.px_per_mm)
        font = min(font, max(floor, int((size - running.gap_px * 0.5) / 1.2)))
    return size, font


#: Widths of the word keys, in letter keys.
_KEY_UNITS = {"<del>": 2.0, "<shift>": 1.5, "<space>": 6.0}


def _units(row: str | list[str]) -> float:
    """How many letter keys wide a row is."""
    parts = [row] if isinstance(row, str) else row
    return sum(_KEY_UNITS.get(p, 0.0) if p.startswith("<") else float(len(p)) for p in parts)


def _follow_page(widget: Any, page: Any) -> None:
    """Measure ``widget`` again when its page or the page's content changes height:
    content that grows below a bottom-anchored widget moves its top away from the
    page's top without moving it in the content (no ``top`` event)."""
    followed = getattr(widget, "_followed", None)
    if page is None or followed is page or not page.children:
        return
    if followed is not None:
        followed.unbind(height=widget._measure_trigger)
        if followed.children:
            followed.children[0].unbind(height=widget._measure_trigger)
    page.bind(height=widget._measure_trigger)
    page.children[0].bind(height=widget._measure_trigger)
    widget._followed = page


def scrolling_page(widget: Any) -> Any:
    """The nearest ScrollView above ``widget`` (its scrolling page), or None."""
    node = widget.parent
    while node is not None and node is not node.parent:
        if isinstance(node, ScrollView):
            return node
        node = node.parent
    return None


class PinPad(BoxLayout):
    """Digits 1-9, 0, Delete and OK in a 3 x 4 grid. Dispatches ``on_key``,
    ``on_delete``, ``on_submit``. At large text its rows fit whole below its top (as
    the keyboard's, :func:`fit_rows`)."""

    key_px = NumericProperty(60)
    key_font_px = NumericProperty(25)

    __events__ = ("on_key", "on_delete", "on_submit")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._measure_trigger = Clock.create_trigger(self.measure, 0)
        self.bind(top=self._measure_trigger, parent=self._measure_trigger)
        running = app()
        if running is not None:
            running.bind(
                text_scale=self._measure_trigger,
                theme=self._measure_trigger,
                language=self._measure_trigger,
            )

    def measure(self, *_args: Any) -> None:
        spacing = self.spacing if isinstance(self.spacing, int | float) else self.spacing[0]
        fitted = fit_rows(self, 4, float(spacing))
        if fitted is not None:
            self.key_px, self.key_font_px = fitted

    def accepts(self, char: str) -> str | None:
        """A physical key's character when it is a digit, else None."""
        return accepted(char, "0123456789", upper=False)

    def on_key(self, char: str) -> None:
        pass

    def on_delete(self) -> None:
        pass

    def on_submit(self) -> None:
        pass


class Header(StackLayout):
    """The bar on top of every screen: Back, the title, the accessibility button (text
    size and colours, WCAG 1.4.4: "switchable at any moment"), the other language and
    Sign out.

    Everything fits on one line at text scale 1.0; when it does not (a longer title,
    English's "Bahasa Indonesia"), the buttons flow onto as many lines as they need and
    the title gets a line of its own below them, wrapped, never cut.

    ``compact`` (large text, 1.5 and 2.0): the buttons are icons (Back, the
    accessibility symbol, the other language's code, Sign out), each spoken by its
    name, in one slim row, and the title beside them shrinks to the size that fits that
    row, never below a capital I of 4.8 mm; only a title too long even then gets a line
    of its own. So an 800x480 panel keeps its height for the screen's content.
    UI thread only.
    """

    title = StringProperty("")
    #: Screen the Back button goes to; empty: no Back button.
    back_to = StringProperty("")
    #: False on the accessibility screen itself (no button to where you are).
    access = BooleanProperty(True)
    #: True when the title sits on its own line below the buttons.
    stacked = BooleanProperty(False)
    #: Icons instead of words (set by the kv rule at large text).
    compact = BooleanProperty(False)
    #: On a screen shown only to a signed-in patron (KioskScreen.needs_patron): Sign
    #: out is always there, rather than coming and going with every session on
    #: screens no one sees (each header laid out again at every sign-in and sign-out).
    patron_only = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._trigger = Clock.create_trigger(self._arrange, -1)
        self.bind(
            size=self._trigger, title=self._trigger, padding=self._trigger, compact=self._trigger
        )

    def on_kv_post(self, _base: Any) -> None:
        for name in ("back", "title_label", "access", "language", "sign_out"):
            self.ids[name].bind(width=self._trigger, texture_size=self._trigger)
        self._trigger()

    def buttons(self) -> list[Any]:
        return [self.ids[n] for n in ("back", "access", "language", "sign_out")]

    def _arrange(self, *_args: Any) -> None:
        ids = self.ids
        if "title_label" not in ids:
            return
        label = ids.title_label
        pad_l, _pad_t, pad_r, _pad_b = _padding4(self.padding)
        space = self.width - pad_l - pad_r
        gap = float(self.spacing[0] if isinstance(self.spacing, list | tuple) else self.spacing)
        used = sum(b.width for b in self.buttons()) + gap * len(self.buttons())
        running = app()
        start = int(running.heading_px) if running is not None else int(label.font_size)
        size = start
        if self.compact and label.text and running is not None:
            low = min(start, large_text_min_px(running.px_per_mm))
            fits = fitting_px(lambda px: _title_width(label, px), space - used, start, low)
            size = fits if fits is not None else low
            one_line = fits is not None
        else:
            one_line = used + (_title_width(label, start) if label.text else 0) <= space
        if label.font_size != size:
            label.font_size = size
        title_width = max(1.0, space - used if one_line else space)
        self.stacked = not one_line
        # StackLayout places children in the order they were added (Kivy keeps them
        # last-first): the title after Back on one line, after every button when stacked.
        want = 0 if self.stacked else len(self.children) - 2
        if self.children.index(label) != want:
            self.remove_widget(label)
            self.add_widget(label, index=want)
        label.width = title_width


def _title_width(label: Any, font_px: int) -> float:
    """Width of ``label``'s text on one line at ``font_px`` (its own font, bold...)."""
    from kivy.core.text import Label as CoreLabel

    core = CoreLabel(font_size=font_px, font_name=label.font_name, bold=label.bold)
    return float(core.get_extents(label.text)[0] + 1)


def _padding4(padding: Any) -> tuple[float, float, float, float]:
    values = list(padding) if isinstance(padding, list | tuple) else [padding]
    if len(values) == 1:
        values = values * 4
    elif len(values) == 2:
        values = [values[0], values[1], values[0], values[1]]
    return (float(values[0]), float(values[1]), float(values[2]), float(values[3]))


class Scroller(ScrollView):
    """A ScrollView that binds its bar colour once. Kivy's ``update_from_scroll`` binds
    ``bar_color`` on every scroll update and unbinds it once, half a second after the
    last: updates closer together (a page laid out again, a list filled) left a binding
    each behind, for as long as the kiosk runs."""

    def update_from_scroll(self, *largs: Any) -> None:
        self.funbind("bar_color", self._change_bar_color)
        super().update_from_scroll(*largs)


class Page(Scroller):
    """A screen's whole content, scrolling vertically when large text makes it taller
    than the window (WCAG 1.4.4 / 1.4.10: bigger text reflows, nothing is cut).

    Its one child is stretched to the window's height when it fits (so spacers and
    lists fill the screen as before) and grows to its ``minimum_height`` when it does
    not. Every BoxLayout's ``size_hint_min_y`` is its own ``minimum_height`` (see
    widgets.kv), so the minimum is the real content's."""

    #: Width kept free for the scroll bar (set by the kv rule: at large text).
    lane = NumericProperty(0)

    def add_widget(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        super().add_widget(widget, *args, **kwargs)
        widget.size_hint_y = None
        widget.size_hint_x = None

        def fit(*_args: Any) -> None:
            widget.height = max(self.height, getattr(widget, "minimum_height", 0))
            # Scroll only when there is something to scroll: a ScrollView holds every
            # touch back for a moment to tell a tap from a swipe.
            self.do_scroll_y = widget.height > self.height + 0.5
            if not self.do_scroll_y:
                # All of it in view, from its top: no position left over from a page
                # that scrolled (the last patron's finger, a larger text size).
                self.scroll_y = 1
            # Large text (where pages scroll): the scroll bar gets a lane of its own,
            # never drawn over a button. By the text size, not by whether it scrolls
            # now: a width that changed with scrolling would reflow back and forth.
            widget.width = self.width - self.lane

        self.bind(height=fit, width=fit, lane=fit)
        widget.bind(minimum_height=fit)
        fit()


class RowList(Scroller):
    """A list of rows. At text scale 1.0 it scrolls within its place, as it always
    did; with large text (1.5 and up) it asks for the height of all its rows
    (``size_hint_min_y``), so the whole page scrolls rather than a list in a list."""

    def add_widget(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        super().add_widget(widget, *args, **kwargs)
        widget.bind(height=self._follow)
        running = app()
        if running is not None:
            running.bind(text_scale=self._follow)  # a bound method: held weakly
        self._follow()

    def _follow(self, *_args: Any) -> None:
        running = app()
        large = running is not None and running.text_scale >= 1.5
        content = self.children[0] if self.children else None
        self.size_hint_min_y = content.height if large and content is not None else None


class Row(BoxLayout):
    """One line of a list: a state mark, a title, a detail text and an optional
    action button (``action_text`` empty: none)."""

    mark = StringProperty("")
    title = StringProperty("")
    detail = StringProperty("")
    action_text = StringProperty("")
    action = ObjectProperty(None, allownone=True)
    action_role = StringProperty("secondary")
    #: What the row stands for (a barcode, an event id): tests and speech read it.
    ident = StringProperty("")
    #: The action button's width, and whether its words wrap (see :meth:`size_action`).
    action_px = NumericProperty(0)
    action_wraps = BooleanProperty(False)

    #: The theme's error colour, corner radius and error outline width (kv rule).
    error_rgba = ColorProperty((0, 0, 0, 0))
    radius_px = NumericProperty(0)
    outline_px = NumericProperty(1.5)

    #: The most of a row's width its button takes: the title and detail keep the rest.
    ACTION_SHARE = 0.36

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._outline = Overlay(
            self,
            self._error_outline,
            "mark",
            "pos",
            "size",
            "error_rgba",
            "radius_px",
            "outline_px",
        )

    def _error_outline(self) -> list[Any]:
        if self.mark != "refused":
            return []
        box = (self.x + 1, self.y + 1, self.width - 2, self.height - 2, self.radius_px)
        return [Color(*self.error_rgba), Line(rounded_rectangle=box, width=self.outline_px)]

    def on_kv_post(self, _base: Any) -> None:
        trigger = Clock.create_trigger(self.size_action, -1)
        self.bind(width=trigger, action_text=trigger)
        self.ids.action.bind(font_size=trigger)
        trigger()

    def size_action(self, *_args: Any) -> None:
        """The button as wide as its words on one line (at least 1.6 touch targets),
        but no wider than :attr:`ACTION_SHARE` of the row: there its words wrap, so a
        narrow column still shows the row's title whole words at a time."""
        running = app()
        button = self.ids.action
        if running is None or not self.action_text:
            return
        gap = float(running.gap_px)
        words = _core(button, int(button.font_size)).get_extents(self.action_text)[0]
        natural = max(float(running.touch_px) * 1.6, words + gap * 4)
        cap = max(float(touch_target_px(running.px_per_mm)), self.width * self.ACTION_SHARE)
        self.action_wraps = natural > cap
        self.action_px = min(natural, cap)


class TextEntry(ModalView):
    """A modal with a title, a text field and the on-screen keyboard.

    ``on_submit(text)`` is called with the text when OK is pressed; Cancel closes.
    """

    title = StringProperty("")
    value = StringProperty("")
    layout = StringProperty("card")
    max_length = NumericProperty(40)

    def __init__(self, on_submit: Callable[[str], None] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._submit = on_submit

    def add(self, char: str) -> None:
        if len(self.value) < self.max_length:
            self.value += char

    def delete(self) -> None:
        self.value = self.value[:-1]

    def submit(self) -> None:
        text = self.value.strip()
        self.dismiss()
        if text and self._submit is not None:
            self._submit(text)


class ConfirmModal(ModalView):
    """A question before something is undone (a booking or a print cancelled), laid out
    by the kv rule ``<ConfirmModal>``: each kind names its words (message keys) and
    the help the keypad says for its buttons; ``confirm`` runs on Yes."""

    text = StringProperty("")
    confirm = ObjectProperty(None, allownone=True)
    title_key = StringProperty("")
    keep_key = StringProperty("")
    yes_key = StringProperty("")
    keep_help = StringProperty("")
    yes_help = StringProperty("")

    def yes(self) -> None:
        self.dismiss(animation=False)
        if self.confirm is not None:
            self.confirm()


class TimeoutWarning(ModalView):
    """ "Are you still there?" with a countdown and a More time button."""

    heading = StringProperty("")
    #: What the warning says, with the seconds left in it (refreshed every tick).
    text = StringProperty("")
    seconds_left = NumericProperty(0)
    #: No extension is left: the countdown ends in a sign-out whatever is pressed.
    last = BooleanProperty(False)
