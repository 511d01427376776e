"""ACCESSIBILITY.md, the display rows, on the real screens: every screen and state is
rendered at every text scale, in both languages, in the default and the high-contrast
theme, and checked for clipped or overlapping text, small touch targets and the
contrast of every colour pair it actually draws.

The sweep walks the screens ONCE per module (one shared window, see conftest.py) and
records what it finds; the row tests below read its findings. For each state the
screen is set up once, then every theme x scale x language is applied to it in place.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from accessibility.scaling import LARGE_TEXT_CAP_MM, TEXT_SCALES
from accessibility.theme import DEFAULT, HIGH_CONTRAST, Theme, contrast
from kiosk.i18n import LANGUAGES
from tests.support.drawing import instructions, unseen_drawing
from tests.ui.conftest import UI, monday_booking

pytestmark = pytest.mark.ui

THEMES: tuple[Theme, ...] = (DEFAULT, HIGH_CONTRAST)
#: (theme, scale, language) applied to each state. The full matrix at 2.0 (where
#: layouts are pushed furthest), 1.5 and 1.0 once each (touch targets at every
#: scale): a full 3 x 2 x 2 made the sweep twice as slow without finding more. Even
#: states run the list forwards, odd ones backwards, so that each step changes one
#: thing at a time (every change re-renders all thirteen screens).
COMBOS: tuple[tuple[Theme, float, str], ...] = (
    (DEFAULT, 1.0, "id"),
    (DEFAULT, 2.0, "id"),
    (DEFAULT, 2.0, "en"),
    (HIGH_CONTRAST, 2.0, "en"),
    (HIGH_CONTRAST, 1.5, "en"),
    (HIGH_CONTRAST, 2.0, "id"),
)


# -- driving the app into every state ---------------------------------------------------
def _go(ui: UI, name: str) -> None:
    ui.app.go(name)
    ui.settle()


def _entry(ui: UI, title_key: str, layout: str, value: str) -> None:
    from screens.widgets import TextEntry

    TextEntry(title=ui.t(title_key), layout=layout, value=value).open(animation=False)
    ui.settle()


def _pick_free_slot(ui: UI) -> None:
    """The booking pane for the first free computer slot (as ``kiosk screenshots``)."""
    screen = ui.app.screen("equipment")
    screen.choose_kind("computer")
    ui.settle()
    while screen.view is not None:
        free = [slot for slot in screen.slots() if slot.durations]
        if free:
            screen.pick(free[0])
            ui.settle()
            return
        if screen.view.next_day is None:
            break
        screen.shift_day(1)
        ui.settle()
    raise AssertionError("no free computer slot in the booking horizon")


def _book_and_show_mine(ui: UI) -> None:
    screen = ui.app.screen("equipment")
    screen.book()
    ui.settle()
    screen.choose_kind("mine")
    ui.settle()


def _staff(ui: UI) -> None:
    ui.app.session_control.sign_out()
    ui.settle()
    ui.tap_card("staff")
    signin = ui.app.screen("signin")
    for digit in ui.card("staff").pin or "":
        signin.add_digit(digit)
    signin.submit_pin()
    ui.settle()
    assert ui.app.current == "staff"


def _states(ui: UI) -> list[tuple[str, Callable[[], None]]]:
    """(name, set-up) of every screen and state, in an order where each step follows
    from the one before (as a patron would get there)."""
    app = ui.app
    signin = app.screen("signin")

    def pin_pad() -> None:
        ui.tap_card("pin")
        signin.add_digit("2")
        signin.add_digit("5")
        ui.settle()

    def borrow() -> None:
        _go(ui, "borrow")
        for barcode in ("B00004", "B00005", "B00092"):  # the last one is refused
            ui.scan(barcode)

    def pin_change() -> None:
        _go(ui, "pin_change")
        screen = app.screen("pin_change")
        for digit in "13":
            screen.add_digit(digit)
        screen.submit()  # too short: the error line is shown
        for digit in "135":
            screen.add_digit(digit)
        ui.settle()

    def pin_change_done() -> None:
        screen = app.screen("pin_change")
        for entry in ("4826", "4826"):
            screen.pin = entry
            screen.submit()
        ui.wait(lambda: screen.mode == "done")

    def returns() -> None:
        app.session_control.sign_out()
        ui.settle()
        _go(ui, "returns")
        ui.scan("B00003")
        ui.scan("B00001")

    return [
        ("attract", lambda: _go(ui, "attract")),
        ("signin-number", lambda: (signin.start_typing(), setattr(signin, "typed", "PLU-00"))),
        ("signin-pin", pin_pad),
        ("signin-message", lambda: (app.session_control.dismiss_modals(), ui.tap_card("expired"))),
        ("home", lambda: (signin.reset(), ui.sign_in("ok"))),
        ("borrow", borrow),
        ("borrow-entry", lambda: _entry(ui, "ui.items.type_title", "card", "B000")),
        ("receipt", lambda: (app.session_control.dismiss_modals(), app.screen("borrow").finish())),
        ("loans", lambda: (_go(ui, "loans"), app.screen("loans").renew_all())),
        ("holds", lambda: _go(ui, "holds")),
        ("equipment", lambda: _go(ui, "equipment")),
        ("equipment-pick", lambda: _pick_free_slot(ui)),
        ("equipment-mine", lambda: _book_and_show_mine(ui)),
        ("events", lambda: (_go(ui, "events"), app.screen("events").toggle(1))),
        ("feedback", lambda: (_go(ui, "feedback"), app.screen("feedback").choose(4))),
        ("feedback-entry", lambda: _entry(ui, "ui.feedback.comment_title", "text", "Ruang")),
        ("pin-change", lambda: (app.session_control.dismiss_modals(), pin_change())),
        ("pin-change-done", pin_change_done),
        ("access", lambda: (app.session_control.dismiss_modals(), _go(ui, "access"))),
        ("session-warning", lambda: (_go(ui, "home"), _warn_now(ui))),
        ("returns", returns),
        ("staff", lambda: _staff(ui)),
    ]


#: States whose own layout is not fitted to 800x480 at large text yet: none (the
#: reflow rows below check every state).
NOT_FITTED_YET: frozenset[str] = frozenset()

#: Per state, the kv ids (on the screen, or on the open dialog) of its primary actions:
#: on screen, whole, without scrolling, at every scale. "+header" adds the header's
#: buttons; "home" its first four actions; "dialog" the open dialog's whole box.
PRIMARY: dict[str, tuple[str, ...]] = {
    "signin-number": ("+header", "submit_number", "keyboard"),
    "signin-pin": ("+header", "pinpad", "pin_field", "cancel_pin"),
    "signin-message": ("+header", "main_action"),
    "home": ("+header", "home"),
    "borrow": ("+header", "type_barcode"),
    "borrow-entry": ("dialog", "keyboard", "ok", "cancel"),
    "feedback-entry": ("dialog", "keyboard", "ok", "cancel"),
    "pin-change": ("+header", "pinpad", "prompt", "pin_field", "cancel"),
    "receipt": ("+header", "print_button", "done"),
    "session-warning": ("dialog", "more_time", "sign_out"),
}


def _warn_now(ui: UI) -> None:
    """The session's own inactivity warning, at its time: the session clock moved on to
    one second into the warning (the timer's next tick shows it and keeps it shown)."""
    from accessibility.timeouts import Phase

    control = ui.app.session_control
    timer = control.timer
    if timer.phase is not Phase.WARNING:
        ui.clock.skip(max(0.0, timer.deadline - timer.clock() - timer.policy.warning_s + 1))
    control.tick()
    ui.frames(2)


def _primary(ui: UI, state: str) -> list[Any]:
    """The widgets of ``PRIMARY[state]`` (every state: its header's shown buttons)."""
    from kivy.core.window import Window

    from accessibility.kivy_focus import walk_shown
    from screens.keypad import top_modal

    if state == "session-warning":
        _warn_now(ui)  # still (or again) its time: a switch of size may count as activity
    modal = top_modal(Window)
    screen = ui.app.current_screen()
    found = []
    for name in PRIMARY.get(state, ("+header",)):
        if name == "+header":
            header = next((w for w in screen.walk() if type(w).__name__ == "Header"), None)
            if header is not None:
                found += [b for b in header.buttons() if b in list(walk_shown(header))]
        elif name == "home":
            grid = screen.ids.actions
            found += list(reversed(grid.children))[:4]
        elif name == "dialog":
            assert modal is not None, state
            found.append(modal.children[0])
        else:
            # The dialog that has this id (a dialog may sit over another one), else the
            # screen.
            from kivy.uix.modalview import ModalView

            dialogs = [w for w in Window.children if isinstance(w, ModalView)]
            owner = next((d for d in dialogs if name in d.ids), screen)
            assert name in owner.ids, (state, name, [type(d).__name__ for d in dialogs])
            found.append(owner.ids[name].__self__)
    return found


# -- the sweep --------------------------------------------------------------------------
@dataclass
class Findings:
    """What the sweep found, each as (state, theme, scale, language, what)."""

    clipped: list[tuple[str, str, float, str, str]] = field(default_factory=list)
    overlapping: list[tuple[str, str, float, str, str]] = field(default_factory=list)
    small: list[tuple[str, str, float, str, str]] = field(default_factory=list)
    #: primary actions (or a dialog) not whole on screen without scrolling
    hidden: list[tuple[str, str, float, str, str]] = field(default_factory=list)
    #: words a label breaks inside
    broken: list[tuple[str, str, float, str, str]] = field(default_factory=list)
    #: shapes drawn in every frame that nobody sees (tests/support/drawing.py)
    unseen: list[tuple[str, str, float, str, str]] = field(default_factory=list)
    #: (theme, foreground, background) -> where it was first seen
    pairs: dict[tuple[str, str, str], str] = field(default_factory=dict)
    states: list[str] = field(default_factory=list)
    checks: int = 0
    labels: int = 0
    seconds: float = 0.0


def _root(ui: UI) -> Any:
    from kivy.core.window import Window

    from screens.keypad import top_modal

    return top_modal(Window) or ui.app.current_screen()


def _hex(rgba: Any) -> str:
    return "#" + "".join(f"{round(c * 255):02X}" for c in rgba[:3])


def _fill_behind(widget: Any) -> str | None:
    """The opaque fill drawn behind ``widget``: its own ``canvas.before`` or its
    nearest ancestor's (the first Color followed by a filled shape of some size)."""
    from kivy.graphics import Color, Rectangle, RoundedRectangle

    node = widget
    while node is not None:
        colour = None
        found = None
        for instruction in node.canvas.before.children:
            if isinstance(instruction, Color):
                colour = instruction.rgba
            elif (
                isinstance(instruction, Rectangle | RoundedRectangle)
                and colour is not None
                and colour[3] >= 0.99
                and instruction.size[0] > 1
                and instruction.size[1] > 1
            ):
                found = colour
                break  # the first filled shape is the background (later ones overlay)
        if found is not None:
            return _hex(found)
        if node.parent is node:
            break
        node = node.parent
    return None


def _check(ui: UI, found: Findings, state: str, theme: Theme, scale: float, lang: str) -> None:
    from kivy.core.window import Window
    from kivy.uix.label import Label

    from accessibility.kivy_focus import (
        broken_words,
        clipped_labels,
        outside_window,
        overlapping_labels,
        small_targets,
        walk_shown,
    )

    root = _root(ui)
    where = (state, theme.name, scale, lang)
    ppm = ui.kiosk.config.display.px_per_mm
    for label in clipped_labels(root):
        found.clipped.append(
            (*where, f"{label.text!r} texture {label.texture_size} box {label.size}")
        )
    for a, b in overlapping_labels(root):
        found.overlapping.append((*where, f"{a!r} / {b!r}"))
    for widget in small_targets(root, ppm):
        found.small.append((*where, f"{getattr(widget, 'text', widget)!r} {widget.size}"))
    if state not in NOT_FITTED_YET:
        for widget in outside_window(_primary(ui, state)):
            what = (
                getattr(widget, "text", "") or getattr(widget, "key", "") or type(widget).__name__
            )
            at = widget.to_window(*widget.pos)
            found.hidden.append((*where, f"{what!r} at {at} {widget.size}"))
        for label, word in broken_words(root):
            size = f"{label.font_size:.0f} px"
            found.broken.append((*where, f"{word!r} in {label.text!r} ({size})"))
    for top in Window.children:  # the screens, the demo strip and any dialog
        found.unseen.extend((*where, what) for what in unseen_drawing(top))
    # Every text colour drawn, with the fill actually behind it (for the contrast row).
    background = _hex(Window.clearcolor)
    for label in walk_shown(root):
        if isinstance(label, Label) and label.text.strip():
            ink = label.disabled_color if label.disabled else label.color
            if ink[3] < 0.99:
                continue
            pair = (theme.name, _hex(ink), _fill_behind(label) or background)
            found.pairs.setdefault(pair, f"{state} {lang}: {label.text[:30]!r}")
    found.checks += 1


def _apply(ui: UI, theme: Theme, scale: float, lang: str) -> None:
    app = ui.app
    if app.theme is not theme:
        app.settings.set_theme(theme.name)
    app.settings.set_text_scale(scale)
    app.settings.set_language(lang)
    ui.frames(3)  # layout settles over a few frames (texture sizes, then heights)


@pytest.fixture(scope="module")
def sweep(ui_session: UI) -> Iterator[Findings]:
    ui = ui_session
    ui.reset()
    monday_booking(ui, ui.kiosk.config)
    found = Findings()
    started = time.perf_counter()
    try:
        for number, (state, setup) in enumerate(_states(ui)):
            setup()
            ui.settle()
            found.states.append(state)
            for theme, scale, lang in COMBOS if number % 2 == 0 else reversed(COMBOS):
                _apply(ui, theme, scale, lang)
                _check(ui, found, state, theme, scale, lang)
        found.seconds = time.perf_counter() - started
        print(f"accessibility sweep: {found.checks} checks in {found.seconds:.1f} s")
        yield found
    finally:
        ui.reset()


def _report(rows: list[tuple[str, str, float, str, str]], limit: int = 40) -> str:
    return "\n".join(" ".join(str(part) for part in row) for row in rows[:limit]) + (
        f"\n... {len(rows) - limit} more" if len(rows) > limit else ""
    )


# -- the rows ---------------------------------------------------------------------------
def test_large_text_without_clipping(sweep: Findings) -> None:
    """ACCESSIBILITY.md row "Large text without clipping" (WCAG 1.4.4; 508 402.4):
    text scale 2.0 (and 1.5 and 1.0), every screen and state, both languages, default
    and high-contrast theme: 0 labels whose text does not fit its box, is shortened,
    or runs past the screen or its scroll view, and 0 overlapping labels."""
    assert len(sweep.states) == 22
    assert sweep.checks == 22 * len(COMBOS)
    assert {(t.name, s, lang) for t, s, lang in COMBOS} >= {
        (t.name, 2.0, lang) for t in THEMES for lang in LANGUAGES
    }
    assert {s for _t, s, _l in COMBOS} == set(TEXT_SCALES)
    assert sweep.clipped == [], _report(sweep.clipped)
    assert sweep.overlapping == [], _report(sweep.overlapping)


def test_primary_actions_visible_without_scrolling(sweep: Findings) -> None:
    """ACCESSIBILITY.md row "The page still works when enlarged" (WCAG 1.4.10): on the
    configured 800x480 panel, at every text scale, theme and language, each state's
    primary actions (Home: its first four actions; the header's buttons; a dialog's
    whole box and the on-screen keyboard whole) are on screen without scrolling."""
    assert sweep.hidden == [], _report(sweep.hidden)


def test_no_word_is_broken_inside(sweep: Findings) -> None:
    """Same row: "no word broken inside". Every wrapping label on every screen and
    dialog breaks its lines between words: each word fits its line at the font size
    drawn (a label too narrow for a word shrinks to the next size that fits, never
    below a capital I of 4.8 mm)."""
    assert sweep.broken == [], _report(sweep.broken)


def test_nothing_is_drawn_unseen(sweep: Findings) -> None:
    """Not an ACCESSIBILITY.md row but the frame time every patron waits for: in
    every state, scale, theme and language, the window draws no shape that nobody
    sees (a transparent one, or a wide line without points). Each costs its draw in
    every frame (tests/support/drawing.py): ``python -m bench ui`` card tap -> name
    went from 55 to 75 ms with them."""
    assert sweep.unseen == [], _report(sweep.unseen)


def test_touch_targets_on_every_screen_at_every_scale(sweep: Findings) -> None:
    """ACCESSIBILITY.md row "Touch targets" (WCAG 2.5.5): every button on every screen
    and state, at every text scale, in both languages and both themes, is at least
    11.4 mm on a side on the configured panel."""
    assert sweep.small == [], _report(sweep.small)


def test_text_contrast(sweep: Findings) -> None:
    """ACCESSIBILITY.md row "Text contrast" (WCAG 1.4.3 / 1.4.6), on the real widgets:
    every text colour drawn on every screen and state (labels on the background or a
    surface, button ink on each role's fill, disabled labels, marks' words), read
    from the widgets themselves and the fill actually drawn behind them, is at least
    4.5:1 in the default theme and 7:1 in the high-contrast theme."""
    need = {DEFAULT.name: 4.5, HIGH_CONTRAST.name: 7.0}
    assert {theme for theme, _fg, _bg in sweep.pairs} == set(need)
    assert len(sweep.pairs) >= 10  # many different pairs: the walk really saw them
    low = [
        f"{theme} {fg} on {bg} = {contrast(fg, bg):.2f} ({where})"
        for (theme, fg, bg), where in sorted(sweep.pairs.items())
        if contrast(fg, bg) < need[theme]
    ]
    assert low == []


def test_focus_ring_and_icons_contrast(ui: UI) -> None:
    """ACCESSIBILITY.md row "Focus ring and icons contrast" (WCAG 1.4.11): the focus
    ring as drawn (its Color instruction) against the background and the surface it
    sits on, and every state mark and the accessibility button's icon against what is
    behind them, are at least 3:1 in both themes."""
    from kivy.graphics import Color

    from accessibility.kivy_focus import walk_shown
    from screens.widgets import Mark

    ring = ui.app.keypad.ring
    seen = []
    for theme in THEMES:
        ui.app.settings.set_theme(theme.name)
        ui.frames(1)
        ring_colour = _hex(ring._color.rgba)
        for neighbour in (theme.background, theme.surface):
            seen.append((theme.name, "focus ring", ring_colour, neighbour))
        ui.sign_in("ok")
        ui.app.settings.set_theme(theme.name)
        for name in ("loans", "borrow", "home"):
            _go(ui, name)
            if name == "borrow":
                ui.scan("B00004")
                ui.scan("B00092")
            ui.frames(2)
            for widget in walk_shown(ui.app.current_screen()):
                if isinstance(widget, Mark) and widget.kind:
                    colours = [i.rgba for i in widget.canvas.children if isinstance(i, Color)]
                    assert colours, widget.kind
                    behind = _fill_behind(widget) or theme.background
                    seen.append((theme.name, f"mark {widget.kind}", _hex(colours[0]), behind))
        header = next(w for w in ui.screen.walk() if type(w).__name__ == "Header")
        access = header.ids.access
        icon = next(
            i.rgba for i in instructions(access.canvas.after) if isinstance(i, Color) and i.a > 0.99
        )
        seen.append((theme.name, "access icon", _hex(icon), _fill_behind(access) or ""))
        ui.app.session_control.sign_out()
        ui.settle()
    kinds = {what for _t, what, _c, _b in seen}
    assert {"focus ring", "mark ok", "mark refused", "mark warning", "access icon"} <= kinds
    low = [row for row in seen if contrast(row[2], row[3]) < 3.0]
    assert low == []


# -- colour is never the only cue -------------------------------------------------------
def _grey_pixels(widget: Any) -> list[int]:
    """The widget as drawn, in grey levels 0-255 (luma of the sRGB pixels)."""
    image = widget.export_as_image()
    data = image.texture.pixels
    return [
        round(0.2126 * data[i] + 0.7152 * data[i + 1] + 0.0722 * data[i + 2])
        for i in range(0, len(data), 4)
    ]


def _differing(a: list[int], b: list[int], levels: int = 24) -> float:
    assert len(a) == len(b)
    return sum(1 for x, y in zip(a, b, strict=True) if abs(x - y) >= levels) / len(a)


def test_colour_is_never_the_only_cue(ui: UI) -> None:
    """ACCESSIBILITY.md row "Colour is never the only cue" (WCAG 1.4.1): KButton
    enabled / disabled (each role), KToggle chosen / not chosen and Row normal / error
    are rendered in each theme, turned into greyscale and compared: each pair differs
    in a visible share of its pixels, and a disabled button's label is drawn in ink
    that stands out from its fill (so "<" and "-" never vanish)."""
    from kivy.core.window import Window
    from kivy.factory import Factory
    from kivy.uix.floatlayout import FloatLayout

    from accessibility.states import STATE_STYLES
    from screens.widgets import KButton, KToggle, Row

    assert STATE_STYLES["disabled"].border_style == "dashed"
    box = FloatLayout(size=Window.size)
    Window.add_widget(box)
    try:
        for theme in THEMES:
            ui.app.settings.set_theme(theme.name)
            for scale in (1.0, 2.0):
                ui.app.settings.set_text_scale(scale)
                size = (ui.app.touch_px * 3, ui.app.touch_px)
                for role in ("primary", "secondary", "danger", "quiet"):
                    for text in ("<", "-", "Pesan"):
                        button = KButton(text=text, role=role, size_hint=(None, None))
                        box.add_widget(button)
                        button.size, button.pos = size, (20, 20)
                        ui.frames(2)
                        enabled = _grey_pixels(button)
                        button.disabled = True
                        ui.frames(2)
                        disabled = _grey_pixels(button)
                        box.remove_widget(button)
                        what = (theme.name, scale, role, text)
                        assert _differing(enabled, disabled) > 0.01, what
                        # The disabled label: ink pixels far from the fill's grey level.
                        fill = max(set(disabled), key=disabled.count)
                        ink = [g for g in disabled if abs(g - fill) >= 60]
                        assert len(ink) > len(disabled) * 0.004, what
                toggle = KToggle(text="Besar", size_hint=(None, None))
                box.add_widget(toggle)
                toggle.size, toggle.pos = size, (20, 20)
                ui.frames(2)
                plain = _grey_pixels(toggle)
                toggle.chosen = True
                ui.frames(2)
                chosen = _grey_pixels(toggle)
                box.remove_widget(toggle)
                assert _differing(plain, chosen) > 0.02, (theme.name, scale)
                rows = []
                for mark in ("ok", "refused"):
                    row = Factory.Row(mark=mark, title="Malin Kundang", detail="B00092")
                    row.size_hint = (None, None)
                    box.add_widget(row)
                    row.width, row.pos = Window.width - 40, (20, 20)
                    ui.frames(3)
                    rows.append(_grey_pixels(row))
                    assert isinstance(row, Row)
                    box.remove_widget(row)
                assert _differing(rows[0], rows[1]) > 0.02, (theme.name, scale)
    finally:
        Window.remove_widget(box)
        ui.app.settings.set_theme(DEFAULT.name)
        ui.app.settings.set_text_scale(1.0)


def test_capital_i_is_at_least_4_8_mm_at_large_text(ui: UI) -> None:
    """ACCESSIBILITY.md row "Large text without clipping" (508 402.4: capital I >=
    4.8 mm): a real body-text label (KLabel) is rendered with "I" at text scales 1.5
    and 2.0 in both themes, and the inked rows of its texture, divided by the
    configured panel's pixels per millimetre, are at least 4.8 mm."""
    from kivy.factory import Factory

    ppm = ui.kiosk.config.display.px_per_mm
    measured = {}
    for theme in THEMES:
        ui.app.settings.set_theme(theme.name)
        for scale in (1.0, 1.5, 2.0):
            ui.app.settings.set_text_scale(scale)
            label = Factory.KLabel(text="I", wrap=False)
            label.texture_update()
            texture = label.texture
            width, height = texture.size
            data = texture.pixels
            inked = [
                y
                for y in range(height)
                if any(data[(y * width + x) * 4 + 3] > 127 for x in range(width))
            ]
            measured[(theme.name, scale)] = (max(inked) - min(inked) + 1) / ppm
    for (name, scale), mm in measured.items():
        if scale >= 1.5:
            assert mm >= LARGE_TEXT_CAP_MM, (name, scale, mm)
    # Measured, not assumed: the rendered height follows the scale.
    assert measured[(DEFAULT.name, 2.0)] == pytest.approx(
        2 * measured[(DEFAULT.name, 1.0)], rel=0.08
    )


# -- the accessibility button and the checks themselves ----------------------------------
def test_accessibility_button_on_every_screen_and_back_returns_where_it_was_pressed(
    ui: UI,
) -> None:
    """Issue #7: text size and colours are "switchable at any moment from an
    accessibility button that is on every screen"; Back from the options returns to
    the screen the button was pressed on (not always home)."""
    from screens import registry

    ui.sign_in("ok")
    names = [name for name, _m, _c in registry.SCREENS if name not in ("attract", "access")]
    for name in names:
        ui.app.go(name)
        ui.settle()
        if ui.app.current != name:
            continue  # staff needs a staff card: checked below
        header = next(w for w in ui.screen.walk() if type(w).__name__ == "Header")
        button = header.ids.access
        assert button.shown and button.opacity == 1 and button.width > 0, name
        ui.tap(button)
        assert ui.app.current == "access", name
        access_header = next(w for w in ui.screen.walk() if type(w).__name__ == "Header")
        assert not access_header.ids.access.shown  # no button to where you are
        ui.tap(ui.screen.ids.s2)
        assert ui.app.text_scale == 1.5
        ui.tap(access_header.ids.back)
        assert ui.app.current == name
        ui.app.settings.set_text_scale(1.0)
    ui.app.session_control.sign_out()
    ui.settle()
    ui.tap(ui.app.screen("attract").ids.access)
    assert ui.app.current == "access"
    ui.tap(next(w for w in ui.screen.walk() if type(w).__name__ == "Header").ids.back)
    assert ui.app.current == "attract"
    # A patron who signs out meanwhile is not sent back to their loans.
    ui.sign_in("ok")
    _go(ui, "loans")
    ui.app.screen("access").open_from("loans")
    ui.settle()
    ui.app.session_control.sign_out()
    ui.settle()
    assert ui.app.screen("access").back() == "attract"  # forgotten at sign-out


def test_checks_find_cut_text_outside_scroll_views_and_past_the_window(ui: UI) -> None:
    """The sweep's checks themselves: text past the window's edge, wider than its
    ScrollView that does not scroll sideways, or shortened with an ellipsis is
    clipped; text scrolled out of its ScrollView does not count as overlapping what
    is drawn over that place."""
    from kivy.core.window import Window
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.floatlayout import FloatLayout
    from kivy.uix.label import Label
    from kivy.uix.scrollview import ScrollView
    from kivy.uix.widget import Widget

    from accessibility.kivy_focus import clipped_labels, overlapping_labels

    root = FloatLayout(size=Window.size)
    Window.add_widget(root)
    try:
        fits = Label(text="Pinjam", size_hint=(None, None), size=(200, 60), pos=(10, 10))
        past_edge = Label(
            text="Kembalikan", size_hint=(None, None), size=(200, 60), pos=(Window.width - 80, 10)
        )
        short = Label(
            text="Perpanjang semua pinjaman",
            size_hint=(None, None),
            size=(120, 60),
            pos=(10, 100),
            shorten=True,
            text_size=(120, None),
        )
        view = ScrollView(
            do_scroll_x=False, size_hint=(None, None), size=(150, 120), pos=(300, 300)
        )
        column = BoxLayout(orientation="vertical", size_hint=(None, None), size=(150, 400))
        wide = Label(text="Pesanan siap diambil", size_hint=(None, None), size=(400, 60))
        below = Label(text="Edensor", size_hint=(None, None), size=(140, 60))
        column.add_widget(wide)
        column.add_widget(Widget())
        column.add_widget(below)
        view.add_widget(column)
        for widget in (fits, past_edge, short, view):
            root.add_widget(widget)
        view.scroll_y = 1  # the top of the list: "Edensor" is below the view
        cover = Label(text="Judul", size_hint=(None, None), size=(150, 60), pos=(300, 20))
        root.add_widget(cover)
        ui.frames(3)
        clipped = clipped_labels(root)
        assert fits not in clipped
        assert past_edge in clipped
        assert short in clipped
        assert wide in clipped  # wider than a view that cannot scroll sideways
        assert below not in clipped  # scrolling brings it into view
        _x, y = below.to_window(*below.pos)
        assert y < 300  # really drawn under "Judul", outside the view
        assert not [pair for pair in overlapping_labels(root) if "Judul" in pair]
    finally:
        Window.remove_widget(root)


def _at_large_text(ui: UI) -> Iterator[tuple[str, float, str]]:
    """Each theme x text size 1.5 and 2.0 x language, applied in turn and settled."""
    for theme in THEMES:
        for scale in (1.5, 2.0):
            for lang in LANGUAGES:
                _apply(ui, theme, scale, lang)
                ui.frames(3)
                yield theme.name, scale, lang


def _lines_drawn(widget: Any) -> list[Any]:
    """The lines drawn over ``widget`` (its ``canvas.after``) that have points."""
    from kivy.graphics import Line

    found = instructions(widget.canvas.after)
    return [i for i in found if isinstance(i, Line) and len(i.points) >= 4]


def test_home_keeps_four_actions_in_view_with_room_for_a_summary_and_more_actions(
    ui: UI,
) -> None:
    """Issue 14 item 4: at text size 2.0 (and 1.5), each theme and language, Home's
    first four actions and its whole summary are on screen without scrolling, for a
    patron with the longest summary the demo has (a card near its end, overdue items,
    holds ready) and one blocked by fines, also when later actions (search, call
    staff, print) join the grid; the header is one slim row of icons spoken by name,
    the greeting its title."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from kivy.factory import Factory

    from accessibility.kivy_focus import outside_window
    from accessibility.scaling import touch_target_px
    from screens.keypad import focusables

    zone = ZoneInfo(ui.kiosk.config.kiosk.timezone)
    near_end = datetime.now(zone).date() + timedelta(days=10)
    ui.store.conn.execute(
        "UPDATE patrons SET expires_on = ? WHERE id = (SELECT patron_id FROM cards"
        " WHERE card_number = ?)",
        [near_end.isoformat(), ui.card("ok").card_number],
    )
    for kind, lines in (("ok", 3), ("fines", 2)):
        ui.sign_in(kind)
        ui.settle()
        home = ui.screen
        grid = home.ids.actions
        extra = [Factory.HomeButton(text=w) for w in ("Cari", "Panggil petugas", "Cetak")]
        for button in extra:
            grid.add_widget(button)
        try:
            for combo in _at_large_text(ui):
                where = (kind, *combo)
                first = list(reversed(grid.children))[:4]
                assert outside_window(first) == [], where
                notices = list(home.ids.summary.children)
                assert len(notices) >= lines, where
                assert outside_window(notices) == [], where
                header = next(w for w in home.walk() if type(w).__name__ == "Header")
                assert header.compact and not header.stacked, where
                assert header.height <= touch_target_px(ui.app.px_per_mm) * 1.5, where
                assert header.title == home.ids.greeting.text, where
                names = [item.text_of("name") for item in focusables(home, ui.app)]
                for key in ("ui.display.access_button", "ui.nav.sign_out"):
                    assert ui.t(key) in names, (where, key)  # icons say their names
                # The icons drawn: the door and its arrow, the accessibility
                # symbol; nothing for Back, hidden on Home.
                assert len(_lines_drawn(header.ids.sign_out)) == 3, where
                assert len(_lines_drawn(header.ids.access)) == 3, where
                assert _lines_drawn(header.ids.back) == [], where
            _apply(ui, DEFAULT, 1.0, "id")
            ui.frames(3)
            header = next(w for w in ui.screen.walk() if type(w).__name__ == "Header")
            assert _lines_drawn(header.ids.sign_out) == []  # its word instead
            assert len(_lines_drawn(header.ids.access)) == 3  # before its word
        finally:
            for button in extra:
                grid.remove_widget(button)
            _apply(ui, DEFAULT, 1.0, "id")
            ui.app.session_control.sign_out()
            ui.settle()


def test_the_pin_prompt_keeps_its_dots_and_cancel_in_view_at_large_text(ui: UI) -> None:
    """Issue 14 item 4: asked for a PIN at text size 1.5 and 2.0 (each theme and
    language), the prompt, the field that shows a dot per digit and Cancel are on
    screen beside the whole pad, without scrolling: at large text the prompt is its
    short sentence (the long one, "... The digits are not shown.", ran below the fold
    and took the dots with it)."""
    from accessibility.kivy_focus import outside_window

    ui.tap_card("pin")
    signin = ui.screen
    assert signin.mode == "pin"
    ui.tap(ui.button(signin.ids.pinpad, "1"))
    ids = signin.ids
    try:
        for where in _at_large_text(ui):
            assert ids.pin_prompt.text == ui.t("ui.signin.pin_prompt_short"), where
            shown = [ids.pin_prompt, ids.pin_field, ids.cancel_pin, ids.pinpad]
            assert outside_window(shown) == [], where
            assert ids.pin_field.text == "•", where
        # A wrong PIN: at large text the problem takes the prompt's place, in view.
        signin.pin = "0000"
        signin.submit_pin()
        ui.settle()
        assert signin.mode == "pin" and signin.message
        for where in _at_large_text(ui):
            assert ids.pin_prompt.text == signin.message, where
            shown = [ids.pin_prompt, ids.pin_field, ids.cancel_pin, ids.pinpad]
            assert outside_window(shown) == [], where
        _apply(ui, DEFAULT, 1.0, "id")
        ui.frames(3)
        assert ids.pin_prompt.text == ui.t("ui.signin.pin_prompt")  # room for it all
        assert ids.pin_message.text == signin.message
    finally:
        _apply(ui, DEFAULT, 1.0, "id")
        ui.app.session_control.sign_out()
        ui.settle()


def test_text_size_switches_keep_no_old_keyboard_keys_alive(ui: UI) -> None:
    """The keyboard makes its keys again at each text size: the old keys go (a binding
    per key once kept every old one alive, and each switch got slower), and the keys of
    now have the keyboard's key size."""
    import gc

    from kivy.factory import Factory

    key_class = Factory.get("KeyButton")

    def live_keys() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if type(o) is key_class)

    signin = ui.app.screen("signin")
    signin.start_typing()
    ui.settle()
    combos = [(HIGH_CONTRAST, 2.0, "en"), (DEFAULT, 1.5, "id"), (DEFAULT, 1.0, "id")]
    for combo in combos:
        _apply(ui, *combo)
    before = live_keys()
    for _ in range(3):
        for combo in combos:
            _apply(ui, *combo)
    assert live_keys() == before
    keyboard = signin.ids.keyboard
    sizes = {button.font_fixed for line in keyboard.children for button in line.children}
    assert sizes == {keyboard.key_font_px}


def test_lists_start_right_below_the_header_at_every_text_size(ui: UI) -> None:
    """Events and My holds: the first row starts right below the header at every text
    size (at 2.0 a margin in fractions of the list's height once left a gap as tall as
    a row above it, and pushed the rows below the fold)."""
    ui.sign_in("ok")
    try:
        for name in ("events", "holds"):
            _go(ui, name)
            screen = ui.screen
            header = next(w for w in screen.walk() if type(w).__name__ == "Header")
            for scale in (1.0, 1.5, 2.0):
                _apply(ui, DEFAULT, scale, "id")
                ui.frames(3)
                rows = list(reversed(screen.ids.rows.children))
                assert rows, name
                first_top = rows[0].to_window(rows[0].x, rows[0].top)[1]
                header_bottom = header.to_window(header.x, header.y)[1]
                gap = header_bottom - first_top
                assert 0 <= gap <= ui.app.gap_px * 3, (name, scale, gap)
    finally:
        _apply(ui, DEFAULT, 1.0, "id")
