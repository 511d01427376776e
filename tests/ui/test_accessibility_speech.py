"""The speech and keypad rows of ACCESSIBILITY.md, one test per row, on the running app
with a recording speaker (devices.sim.SimSpeaker): keys go through the window's
keyboard events, touches through Kivy's input path, device input through the
simulators. Plus the parts of issue #7 that have no row of their own: help per control,
touch and hear, the idle prompt and results spoken as they appear.

The speech engine's own rules (repeat, pause, volume steps, PIN tone) have unit tests in
tests/unit/test_a11y_speech.py and test_a11y_keypad.py; these check them on the screens.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from kiosk.booking.service import BookingService
from kiosk.i18n import catalogue, translate
from tests.ui.conftest import UI, monday_booking
from tests.ui.test_booking_screen import booking_config, slot_button

pytestmark = pytest.mark.ui

DOWN, UP, ENTER, F2, F3, F4 = 274, 273, 13, 283, 284, 285
VOLUME_UP, VOLUME_DOWN = 270, 269  # the numeric keypad's + and -


# -- driving -----------------------------------------------------------------------------
def press(code: int, modifiers: list[str] | None = None) -> None:
    """One key press through the window (no frame: nothing on screen moves meanwhile)."""
    from kivy.core.window import Window

    Window.dispatch("on_key_down", code, 0, None, modifiers or [])
    Window.dispatch("on_key_up", code, 0)


def speaker(ui: UI) -> Any:
    assert ui.kiosk.speaker is not None
    return ui.kiosk.speaker


def speech_on(ui: UI) -> None:
    ui.app.speech.set_speech_mode(True, announce=False)


@dataclass
class Walk:
    """What pressing Down from the top of a screen (or open modal) visited."""

    root: Any
    items: list[Any]
    rings: list[tuple[Any, bool, tuple[float, float, float, float]]]
    spoken: list[tuple[str, str]]


def walk_down(ui: UI) -> Walk:
    """Speech mode on, focus above the first item, then Down until the boundary."""
    from kivy.core.window import Window

    from screens.keypad import top_modal

    ui.frames(2)  # the layout of what just changed
    speech_on(ui)
    ui.app.keypad.page()  # a new screen: focus starts above the first item
    navigator = ui.app.keypad.navigator
    ring = ui.app.keypad.ring
    spoken_before = len(speaker(ui).spoken)
    items: list[Any] = []
    rings = []
    for _ in range(300):
        before = navigator.index
        press(DOWN)
        if navigator.index == before:
            break  # the boundary: "end of the list"
        item = navigator.current
        items.append(item)
        rings.append((ring.widget, ring.visible, ring.rectangle()))
    else:
        raise AssertionError("no end of the list")
    assert speaker(ui).spoken[-1][0] == ui.t("a11y.boundary.bottom")
    root = top_modal(Window) or ui.app.current_screen()
    return Walk(root, items, rings, list(speaker(ui).spoken[spoken_before:]))


def focus_on(ui: UI, widget: Any) -> None:
    """Press Down (from the top) until the keypad focus is on ``widget``."""
    widget = getattr(widget, "__self__", widget)  # kv ids are weak proxies
    navigator = ui.app.keypad.navigator
    navigator.index = None
    for _ in range(300):
        press(DOWN)
        if navigator.current is not None and navigator.current.widget is widget:
            return
    raise AssertionError(f"the keypad never reached {widget!r}")


def _shown(widget: Any) -> bool:
    if widget.get_root_window() is None or widget.width <= 1 or widget.height <= 1:
        return False
    node = widget
    while node is not None and node is not node.parent:
        if getattr(node, "opacity", 1) == 0:
            return False
        node = node.parent
    return True


def visible_texts(root: Any) -> list[Any]:
    """Every visible widget with text (labels and buttons) under ``root``."""
    from kivy.uix.label import Label

    return [
        w for w in root.walk(restrict=True) if isinstance(w, Label) and w.text.strip() and _shown(w)
    ]


def actionable(root: Any) -> list[Any]:
    """Every visible, enabled pressable widget under ``root``."""
    from kivy.uix.behaviors import ButtonBehavior

    return [
        w
        for w in root.walk(restrict=True)
        if isinstance(w, ButtonBehavior) and not w.disabled and _shown(w)
    ]


def box(widget: Any) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) in window coordinates."""
    left, bottom = widget.to_window(widget.x, widget.y)
    return (left, bottom, left + widget.width, bottom + widget.height)


def reading_order_breaks(widgets: list[Any]) -> list[tuple[Any, Any]]:
    """Pairs (a, b), a read before b, where b comes before a in reading order: b is
    wholly above a in the same column, or wholly left of a on the same line. (A column
    beside another is read after it: that is no break.)"""
    from screens.widgets import scrolling_page as scroller

    # A scrolling list is read whole, where the list sits: against anything outside
    # it, an item counts as the list's box (it may be scrolled out of view).
    lists = [scroller(w) for w in widgets]
    breaks = []
    for i in range(len(widgets)):
        for j in range(i + 1, len(widgets)):
            same = lists[i] is lists[j]
            al, ab, ar, at = box(widgets[i] if same else lists[i] or widgets[i])
            bl, bb, br, bt = box(widgets[j] if same else lists[j] or widgets[j])
            same_column = min(ar, br) - max(al, bl) > 1
            same_line = min(at, bt) - max(ab, bb) > 1
            if (same_column and bb >= at - 1) or (same_line and br <= al + 1):
                breaks.append((widgets[i], widgets[j]))
    return breaks


# -- the tour of every screen -------------------------------------------------------------
Check = Callable[[UI, str, Walk], None]


@pytest.fixture
def booking(ui: UI) -> BookingService:
    """The booking service at next Monday 09:20 (as in test_booking_screen.py)."""
    return monday_booking(ui, booking_config())


def tour(ui: UI, language: str, check: Check) -> list[str]:
    """Every screen, pane and modal with content in it, in ``language``; ``check`` runs
    on each walk. Returns the names of the places checked."""
    from kivy.core.window import Window

    from screens.equipment import ConfirmCancel
    from screens.widgets import TextEntry

    app = ui.app
    seen: list[str] = []

    def here(name: str) -> None:
        app.settings.set_language(language)  # sign-in and sign-out restore the configured one
        ui.settle()
        check(ui, name, walk_down(ui))
        seen.append(name)

    def go(name: str) -> None:
        app.go(name)
        ui.settle()
        assert app.current == name

    here("attract")
    app.screen("signin").start_typing()
    here("signin:number")
    ui.tap_card("expired")
    here("signin:message")
    app.go("attract")
    ui.tap_card("pin")
    here("signin:pin")
    app.session_control.sign_out()
    ui.sign_in("ok")
    here("home")
    go("borrow")
    ui.scan("B00004")
    ui.scan("B00092")  # refused: damaged
    here("borrow")
    ui.tap(app.current_screen().ids.finish)
    here("receipt")
    go("returns")
    ui.scan("B00003")  # to the hold shelf
    ui.scan("B00004")  # borrowed just now: returned
    ui.scan("X-NONE")  # unknown
    here("returns")
    go("loans")
    ui.tap(app.current_screen().ids.renew_all)
    here("loans")
    go("holds")
    here("holds")
    go("events")
    ui.tap(ui.rows()[0].ids.action)
    here("events")
    go("feedback")
    ui.tap(app.current_screen().ids.send)  # "choose a face first"
    here("feedback")
    ui.tap(app.current_screen().ids.comment)
    here("feedback:text_entry")
    next(w for w in Window.children if isinstance(w, TextEntry)).dismiss()
    ui.settle()
    go("access")
    here("access")
    go("equipment")
    screen = app.current_screen()
    here("equipment:pick")
    ui.tap(slot_button(screen, "10:00"))
    here("equipment:confirm")
    ui.tap(screen.ids.book)
    here("equipment:done")
    ui.tap(screen.ids.to_mine)
    here("equipment:mine")
    (row,) = screen.ids.bookings_box.children
    ui.tap(row.ids.cancel)
    here("equipment:confirm_cancel")
    next(w for w in Window.children if isinstance(w, ConfirmCancel)).dismiss(animation=False)
    ui.settle()
    a11y = ui.kiosk.config.accessibility
    ui.clock.skip(a11y.session_timeout_s - a11y.timeout_warning_s + 1)
    ui.wait(lambda: app.session_control.warning is not None)
    here("timeout_warning")
    ui.tap(app.session_control.warning.ids.more_time)
    app.session_control.sign_out()
    ui.settle()
    ui.sign_in("staff")
    here("staff")
    return seen


PLACES = 21


# -- ACCESSIBILITY.md rows -------------------------------------------------------------------
@pytest.mark.parametrize("language", ["id", "en"])
def test_speech_covers_every_instruction_prompt_label_value_and_error_on_screen(
    ui: UI, booking: BookingService, language: str
) -> None:
    """Row "Speech covers every instruction, prompt, label, value and error on screen"
    (ADA 707.5; 508 402.2; EN 5.1.3.1): walking each screen with the keypad, a recording
    speaker hears 100 % of the visible labels and controls, in the screen's language."""
    from accessibility.states import STATE_STYLES
    from screens.keypad import MASK

    error_prefix = STATE_STYLES["error"].text_prefix

    def check(ui: UI, name: str, walk: Walk) -> None:
        said = " | ".join(text for text, _lang in walk.spoken)
        assert {lang for _text, lang in walk.spoken} == {language}, name
        missing = []
        for widget in visible_texts(walk.root):
            text = widget.text.strip()
            if getattr(widget, "key", ""):
                text = ui.t(widget.key)  # "<" is said as "previous day"
            elif set(text) == {MASK}:
                text = ui.t("ui.speech.pin_typed", count=len(text))  # never the digits
            elif error_prefix and text.startswith(error_prefix):
                # The "! " drawn before a refusal is said as the state word instead.
                text = text[len(error_prefix) :]
                if ui.t("a11y.state.error") not in said:
                    missing.append(ui.t("a11y.state.error"))
            if text not in said:
                missing.append(text)
        assert missing == [], (name, missing)
        assert "ui." not in said and "circulation." not in said, name  # no raw keys

    places = tour(ui, language, check)
    assert len(places) == PLACES


def test_speech_can_be_repeated_and_paused(ui: UI) -> None:
    """Row "Speech can be repeated and paused" (EN 5.1.3.4; 508 402.2.4; ADA 707.5.1):
    Repeat (F3) says the last utterance again; Pause (F4) stops it, F4 again resumes.
    (Engine rules: tests/unit/test_a11y_speech.py.)"""
    ui.sign_in("ok")
    speech_on(ui)
    press(DOWN)
    press(DOWN)
    sim = speaker(ui)
    last = sim.spoken[-1]
    sim.clear()
    press(F3)
    assert sim.spoken == [last]
    sim.clear()
    press(F4)
    assert sim.events == [("stop",)] and sim.spoken == [] and ui.app.speech.paused
    press(F4)
    assert sim.spoken == [last] and not ui.app.speech.paused


def test_a_new_user_action_interrupts_current_speech(ui: UI) -> None:
    """Row "A new user action interrupts current speech" (EN 5.1.3.5): a long utterance
    is playing; the next key press stops it before anything new is said."""
    ui.sign_in("ok")
    speech_on(ui)
    long = " ".join([ui.t("a11y.help.keys")] * 5)
    ui.app.speech.say(long)
    sim = speaker(ui)
    start = len(sim.events)
    press(DOWN)
    after = sim.events[start:]
    first_say = next(i for i, e in enumerate(after) if e[0] == "say")
    assert ("stop",) in after[:first_say]
    # A touch is a new action too (touch and hear stops speech at once).
    ui.app.speech.say(long)
    start = len(sim.events)
    ui.tap(ui.screen.ids.loans)
    assert ("stop",) in sim.events[start:]
    assert ui.app.current == "loans"
    # Outside speech mode a touch stops an alert being spoken too.
    ui.app.speech.set_speech_mode(False, announce=False)
    ui.app.alert(long)
    start = len(sim.events)
    ui.tap(ui.screen.ids.renew_all)
    assert sim.events[start] == ("stop",)


def test_speech_language_matches_the_screen_language(ui: UI) -> None:
    """Row "Speech language matches the screen language" (EN 5.1.3.14): the `id`
    screen is spoken with the Indonesian voice, the `en` screen with the English one,
    and a switch takes effect at the next utterance."""
    ui.sign_in("ok")
    speech_on(ui)
    sim = speaker(ui)
    press(DOWN)
    assert sim.spoken[-1][1] == "id"
    header = next(w for w in ui.screen.walk() if type(w).__name__ == "Header")
    focus_on(ui, header.ids.language)
    press(ENTER)  # the keypad's Action on "English"
    ui.settle()
    assert ui.app.language == "en" and ui.app.speech.language == "en"
    sim.clear()
    press(DOWN)
    press(F2)
    assert sim.spoken and {lang for _t, lang in sim.spoken} == {"en"}
    assert translate("ui.help.header.sign_out", "en") in " ".join(t for t, _l in sim.spoken)
    ui.app.settings.set_language("id")
    press(F3)  # a repeat keeps the voice it was said in
    assert sim.spoken[-1][1] == "en"
    press(UP)
    assert sim.spoken[-1][1] == "id"


def test_pin_entry_is_masked_in_speech_too(ui: UI) -> None:
    """Row "PIN entry is masked in speech too" (ADA 707.5 exc. 1; 508 402.2 exc. 1):
    with speech on, a PIN typed by touch or by the keypad's Action speaks no digit (a
    tone each), and the PIN field is read as a count of digits."""
    card = ui.tap_card("pin")
    assert card.pin is not None and ui.screen.mode == "pin"
    speech_on(ui)
    sim = speaker(ui)
    pad = ui.screen.ids.pinpad
    sim.clear()
    for digit in card.pin[:2]:
        ui.tap(ui.button(pad, digit))  # touch: quick taps act, never speak
    assert sim.spoken == [] and sim.earcons.count("key") == 2
    # The keypad: move to a digit (its key is named, as a key), Action types it silently.
    ui.app.keypad.page()
    for digit in card.pin[2:]:
        focus_on(ui, ui.button(pad, digit))
        sim.clear()
        press(ENTER)
        assert sim.spoken == [] and sim.earcons == ["activate", "key"]
    assert len(ui.screen.pin) == len(card.pin)
    walk = walk_down(ui)
    said = " ".join(text for text, _lang in walk.spoken)
    assert ui.t("ui.speech.pin_typed", count=len(card.pin)) in said
    assert "•" not in said
    sim.clear()
    ui.tap(pad.ids.ok)
    assert ui.app.current == "home"
    assert not any(card.pin in text for text, _lang in sim.spoken)


def test_volume_is_adjustable_without_sight_and_reset_after_each_session(ui: UI) -> None:
    """Row "Volume adjustable without sight, reset after each session" (EN 5.1.3.11 /
    5.1.3.13; 508 402.3): the keypad's - and + step the volume, each step announced
    (>= 2 steps); signing out restores the default."""
    sim = speaker(ui)
    default = sim.volume
    ui.sign_in("ok")
    speech_on(ui)
    sim.clear()
    steps = ui.app.speech.levels
    press(VOLUME_DOWN)
    press(VOLUME_DOWN)
    assert sim.volume < default
    press(VOLUME_UP)
    said = [text for text, _lang in sim.spoken]
    assert len(said) == 3 and len(set(said)) >= 2
    for text in said:
        assert ui.t("a11y.volume.level", level=1, steps=len(steps))[:5] in text
    levels = [e[1] for e in sim.events if e[0] == "volume"]
    assert len(set(levels)) >= 2
    ui.tap(ui.screen.ids.sign_out)
    assert ui.app.current == "attract"
    assert sim.volume == default and not ui.app.speech.speech_mode


def test_focus_visible_and_keypad_reaches_everything_in_reading_order(
    ui: UI, booking: BookingService
) -> None:
    """Row "Focus visible and keypad reaches everything in reading order" (WCAG 2.4.7,
    2.1.1, 2.4.3): on every screen, Down from the top visits every actionable widget
    exactly once, in reading order (top to bottom, left to right; a column read whole
    before the one beside it), with the ring drawn around it."""

    def check(ui: UI, name: str, walk: Walk) -> None:
        widgets = [item.widget for item in walk.items]
        wanted = actionable(walk.root)
        assert wanted, name
        visited = [w for w in widgets if w in wanted]
        assert len(visited) == len(set(map(id, visited))), (name, "visited twice")
        assert {id(w) for w in visited} == {id(w) for w in wanted}, (name, "not reached")
        breaks = [(x.text, y.text) for x, y in reading_order_breaks(widgets) if hasattr(x, "text")]
        assert reading_order_breaks(widgets) == [], (name, "not in reading order", breaks[:3])
        for item, (ringed, shown, (x, y, w, h)) in zip(walk.items, walk.rings, strict=True):
            assert ringed is item.widget and shown, name
            left, bottom = item.widget.to_window(item.widget.x, item.widget.y)
            assert x < left and y < bottom, name
            assert x + w > left + item.widget.width and y + h > bottom + item.widget.height

    assert len(tour(ui, "id", check)) == PLACES


def test_errors_are_identified_in_text_and_speech(ui: UI, booking: BookingService) -> None:
    """Row "Errors identified in text and speech" (WCAG 3.3.1): bad input in real flows
    (unknown card, wrong PIN, unknown barcode, refused renewal, refused booking) shows a
    message naming the problem and speaks it, with speech mode off."""
    sim = speaker(ui)
    assert not ui.app.speech.speech_mode

    def shown_and_spoken(expected: str) -> None:
        assert any(expected in text for text in ui.texts()), expected
        assert any(expected in text for text, _lang in sim.spoken), expected
        assert "error" in sim.earcons

    assert ui.kiosk.card_readers[0].tap(uid="FFFF0000")  # type: ignore[attr-defined]
    ui.settle()
    signin = ui.screen
    assert signin.mode == "message" and signin.message_key == "circulation.card_unknown"
    shown_and_spoken(ui.t("circulation.card_unknown"))
    ui.app.go("attract")
    sim.clear()
    ui.tap_card("pin")
    ui.type_pin("9999")
    assert ui.screen.message_key == "circulation.pin_wrong"
    shown_and_spoken(ui.screen.message)
    ui.app.session_control.sign_out()
    sim.clear()
    ui.sign_in("ok")
    ui.tap(ui.screen.ids.borrow)
    ui.scan("X-NONE")
    row = ui.rows()[0]
    assert row.mark == "refused"
    shown_and_spoken(row.detail)
    assert any(text.startswith("X-NONE") for text, _lang in sim.spoken)  # names the item
    sim.clear()
    ui.app.go("loans")
    ui.settle()
    ui.tap(ui.screen.ids.renew_all)
    refused = [r for r in ui.screen.results.values() if not r.ok]
    assert refused, "the demo story has a loan that cannot be renewed"
    why = ui.t(refused[0].refusal or "ui.loans.not_renewed")
    shown_and_spoken(why)
    assert any(refused[0].title in text for text, _lang in sim.spoken)
    ui.app.session_control.sign_out()
    ui.settle()
    sim.clear()
    ui.tap_card("ok", 1)  # not trained on the 3D printers
    ui.tap(ui.screen.ids.equipment)  # told as the printers tab opens (issue 14)
    expected = ui.t("booking.training_needed", resource="Printer 3D 1")
    assert ui.screen.ids.grid_note.text == expected
    shown_and_spoken(expected)


# -- issue #7 beyond the rows ---------------------------------------------------------------
def test_help_explains_every_control_of_every_screen_specifically(
    ui: UI, booking: BookingService
) -> None:
    """Help on any actionable control says what that control does (not only its
    role's generic help), in both languages."""
    from screens.keypad import help_key

    generic = {
        translate(k, lang)
        for k in catalogue("id")
        if k.startswith("a11y.role_help.")
        for lang in ("id", "en")
    }
    checked: list[str] = []

    def check(ui: UI, name: str, walk: Walk) -> None:
        for item in walk.items:
            if not item.actionable:
                continue
            key = help_key(item.widget)
            assert key is not None, (name, item.text_of("name"))
            for lang in ("id", "en"):
                assert key in catalogue(lang), (name, key, lang)
            explanation = item.text_of("help")
            assert explanation and explanation not in generic, (name, key)
            checked.append(key)
        # Help on the first actionable item says its own text after its name.
        first = next(i for i, item in enumerate(walk.items) if item.actionable)
        ui.app.keypad.navigator.index = first
        ui.app.keypad.navigator._last_help = None
        press(F2)
        said = speaker(ui).spoken[-1][0]
        assert said.startswith(walk.items[first].text_of("name"))
        assert said.endswith(walk.items[first].text_of("help")), name

    tour(ui, "en", check)
    assert len(set(checked)) >= 60


def hold(ui: UI, seconds: float) -> None:
    """Real time passes with frames drawn (Kivy's clock runs the hold's check)."""
    ui.frames(1)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.02)
        ui.frames(1)


def _touch(ui: UI, widget: Any, hold_s: float) -> None:
    from kivy.tests.common import UnitTestTouch

    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    hold(ui, hold_s)
    touch.touch_up()
    ui.frames(2)
    ui.settle()


def test_touch_and_hear_speaks_a_held_control_and_a_quick_tap_acts(ui: UI) -> None:
    """In speech mode a finger held >= 250 ms on a control speaks its name, role and
    state without activating it; a quick tap activates it. Outside speech mode a slow
    tap acts as before."""
    ui.sign_in("ok")
    home = ui.screen
    sim = speaker(ui)
    speech_on(ui)
    sim.clear()
    _touch(ui, home.ids.loans, 0.6)
    assert ui.app.current == "home"  # heard, not pressed
    assert sim.spoken == [(f"{home.ids.loans.text}, {ui.t('a11y.role.button')}", "id")]
    # Exploring: the finger slides from one control to the next, each is read; lifting
    # it acts on nothing.
    from kivy.tests.common import UnitTestTouch

    touch = UnitTestTouch(*home.ids.borrow.to_window(*home.ids.borrow.center))
    touch.touch_down()
    # Well past the 250 ms hold: a busy machine draws few frames a second here.
    hold(ui, 0.6)
    touch.touch_move(*home.ids.returns.to_window(*home.ids.returns.center))
    hold(ui, 0.6)
    touch.touch_up()
    ui.settle()
    assert [text.split(",")[0] for text, _lang in sim.spoken[-2:]] == [
        home.ids.borrow.text,
        home.ids.returns.text,
    ]
    assert ui.app.current == "home"
    _touch(ui, home.ids.loans, 0.0)
    assert ui.app.current == "loans"  # a quick tap acts
    # A held label is read too, and the touch still reaches the list under it.
    ui.app.go("home")
    ui.settle()
    sim.clear()
    _touch(ui, home.ids.greeting, 0.6)
    assert sim.spoken[-1][0].startswith(home.ids.greeting.text)
    ui.app.speech.set_speech_mode(False, announce=False)
    sim.clear()
    _touch(ui, home.ids.holds, 0.6)
    assert ui.app.current == "holds" and sim.spoken == []


def test_idle_prompt_on_the_attract_screen_and_any_keypad_key_starts_speech(ui: UI) -> None:
    """The attract screen says how to start speech every ``idle_prompt_s`` of quiet,
    even with speech off; never while a patron is signed in; any keypad key there turns
    speech mode on."""
    sim = speaker(ui)
    section = ui.kiosk.config.accessibility
    interval = section.idle_prompt_s
    prompt = ui.t("a11y.idle_prompt", button=section.speech_key_id)
    assert section.speech_key_id in prompt  # the keypad's own key, named
    assert not ui.app.speech.speech_mode
    ui.app.idle_glue.activity()  # the harness sets its clock back between tests
    ui.clock.skip(interval - 2)
    time.sleep(0.6)
    ui.frames(3)
    assert (prompt, "id") not in sim.spoken  # not before the interval
    ui.clock.skip(3)
    ui.wait(lambda: (prompt, "id") in sim.spoken, timeout=3)
    ui.sign_in("ok")
    sim.clear()
    ui.clock.skip(interval + 1)
    time.sleep(0.6)
    ui.frames(3)
    assert (prompt, "id") not in sim.spoken
    ui.app.session_control.sign_out()
    ui.settle()
    press(VOLUME_UP)  # any keypad key
    assert ui.app.speech.speech_mode
    assert sim.spoken[-1][0] == ui.t("a11y.speech.on")


def test_results_are_spoken_as_they_appear_in_speech_mode(ui: UI, booking: BookingService) -> None:
    """Each borrowed and returned item, renewals, event registration, feedback sent,
    a booking made and cancelled, a receipt printed: spoken as it appears."""
    sim = speaker(ui)

    def said(*parts: str) -> None:
        text = " ".join(t for t, _lang in sim.spoken)
        for part in parts:
            assert part in text, (part, text)
        sim.clear()

    ui.sign_in("ok")
    speech_on(ui)
    ui.tap(ui.screen.ids.borrow)
    sim.clear()
    ui.scan("B00004")
    row = ui.rows()[0]
    said("Sang Pemimpi", row.detail)
    ui.tap(ui.screen.ids.finish)
    ui.tap(ui.screen.ids.print_button)
    said(ui.t("ui.receipt.printed"))
    ui.app.go("returns")
    ui.settle()
    ui.scan("B00003")
    said(ui.rows()[0].title, ui.rows()[0].detail)
    ui.app.go("events")
    ui.settle()
    first = ui.rows()[0]
    ui.tap(first.ids.action)
    said(first.title, ui.t("ui.events.registered"))
    ui.app.go("feedback")
    ui.settle()
    faces = [w for w in ui.screen.walk() if type(w).__name__ == "Face"]
    ui.tap(faces[3])
    ui.tap(ui.screen.ids.send)
    said(ui.t("ui.feedback.sent"))
    ui.app.go("equipment")
    ui.settle()
    screen = ui.screen
    ui.tap(slot_button(screen, "10:00"))
    ui.tap(screen.ids.book)
    said(ui.t("ui.booking.booked"))
    ui.tap(screen.ids.to_mine)
    (row,) = screen.ids.bookings_box.children
    ui.tap(row.ids.cancel)
    from kivy.core.window import Window

    from screens.equipment import ConfirmCancel

    sim.clear()
    ui.tap(next(w for w in Window.children if isinstance(w, ConfirmCancel)).ids.yes)
    said(screen.message)
    assert screen.message_mark == "ok"
    ui.app.go("loans")
    ui.settle()
    renewable = next(r for r in ui.rows() if r.action_text)
    ui.tap(renewable.ids.action)
    result = ui.screen.results[renewable.ident]
    said(
        result.title,
        ui.t(result.refusal) if result.refusal else ui.t("ui.loans.renewed", date="")[:8],
    )


def test_a_modal_takes_the_keypad_from_its_top_and_gives_it_back(ui: UI) -> None:
    """A modal opened from the keypad (the comment keyboard) says its title and the
    keypad starts at its first item; Back closes it and the screen is read again."""
    from kivy.core.window import Window

    from screens.widgets import TextEntry

    ui.sign_in("ok")
    ui.app.go("feedback")
    ui.settle()
    speech_on(ui)
    feedback = ui.screen
    focus_on(ui, feedback.ids.comment)
    press(ENTER)
    ui.frames(3)
    entry = next(w for w in Window.children if isinstance(w, TextEntry))
    sim = speaker(ui)
    assert sim.spoken[-1] == (ui.t("ui.feedback.comment_title"), "id")
    press(DOWN)
    assert ui.app.keypad.navigator.current.widget is entry.ids.field.__self__
    assert sim.spoken[-1][0].startswith(ui.t("ui.feedback.comment_title"))
    press(27)  # Back
    ui.wait(lambda: not any(isinstance(w, TextEntry) for w in Window.children))
    ui.frames(2)
    assert ui.app.keypad.navigator.index is None
    assert sim.spoken[-1] == (ui.t("ui.feedback.title"), "id")
    press(DOWN)
    assert ui.app.keypad.navigator.current.widget.get_root_window() is not None
    on_screen = [item.widget for item in ui.app.keypad.items()]
    assert [item.widget for item in ui.app.keypad.navigator.items] == on_screen  # not the modal's
    assert ui.app.keypad.navigator.current.widget in feedback.walk(restrict=True)
