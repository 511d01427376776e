"""Properties every screen must keep: touch targets, translated text, language switch
at once, text scaling, and the thread rule for background calls."""

from __future__ import annotations

import re
import threading
import time

import pytest

from accessibility.scaling import cap_height_mm, font_sizes, large_text_min_px
from tests.ui.conftest import UI

pytestmark = pytest.mark.ui

PATRON_SCREENS = ("home", "borrow", "returns", "loans", "holds", "equipment", "events")
MORE_SCREENS = ("feedback", "access")
RAW_KEY = re.compile(r"\b(ui|circulation|events|feedback|device|booking)\.[a-z_]+(\.[a-z_0-9]+)*\b")


def _visit(ui: UI, name: str) -> None:
    ui.app.go(name)
    ui.settle()
    assert ui.app.current == name


def _pressables(ui: UI) -> list[object]:
    from kivy.uix.behaviors import ButtonBehavior

    return [
        w
        for w in ui.app.root.walk()
        if isinstance(w, ButtonBehavior)
        and w.get_root_window() is not None
        and not w.disabled
        and w.opacity > 0
        and w.width > 0
    ]


def _shown(ui: UI) -> set[str]:
    return {t for t in ui.texts(ui.app.current_screen())}


def test_every_touch_target_is_at_least_11_4_mm_on_the_configured_panel(ui: UI) -> None:
    minimum = 11.4 * ui.kiosk.config.display.px_per_mm - 0.5  # rounding of layout
    ui.sign_in("ok")
    ui.tap(ui.screen.ids.borrow)
    ui.scan("B00004")
    checked = 0
    for name in ("attract", *PATRON_SCREENS, *MORE_SCREENS, "signin"):
        if name == "attract":
            ui.app.session_control.sign_out()
            ui.settle()
        elif name == "signin":
            ui.app.screen("signin").start_typing()
            ui.settle()
        elif not ui.app.signed_in:
            ui.sign_in("ok")
        if name not in ("attract", "signin"):
            _visit(ui, name)
        for widget in _pressables(ui):
            assert min(widget.width, widget.height) >= minimum, (name, widget, widget.size)
            checked += 1
    assert checked > 60


@pytest.mark.parametrize("language", ["id", "en"])
def test_no_screen_shows_a_message_key_instead_of_text(ui: UI, language: str) -> None:
    ui.app.settings.set_language(language)
    ui.tap_card("expired")
    assert not any(RAW_KEY.search(t) for t in _shown(ui))
    ui.app.session_control.sign_out()
    ui.app.settings.set_language(language)
    ui.sign_in("ok")
    for name in (*PATRON_SCREENS, *MORE_SCREENS):
        _visit(ui, name)
        if name == "loans":
            ui.tap(ui.screen.ids.renew_all)
        found = [t for t in _shown(ui) if RAW_KEY.search(t)]
        assert found == [], (name, found)


def test_switching_language_re_renders_the_current_screen_at_once(ui: UI) -> None:
    ui.sign_in("ok")
    _visit(ui, "loans")
    before = [r.detail for r in ui.rows()]
    assert any("TERLAMBAT" in d for d in before)
    header = next(w for w in ui.screen.walk() if type(w).__name__ == "Header")
    ui.tap(header.ids.language)
    assert ui.app.language == "en"
    after = [r.detail for r in ui.rows()]  # no refresh from the service needed
    assert any("OVERDUE" in d for d in after)
    assert not any("TERLAMBAT" in d for d in after)
    assert header.title == "My loans"


def test_signing_out_restores_the_configured_language(ui: UI) -> None:
    ui.app.settings.set_language("en")
    ui.sign_in("ok")
    assert ui.app.language == "en"
    ui.tap(ui.screen.ids.sign_out)
    assert ui.app.current == "attract" and ui.app.language == "id"


def test_text_scale_and_theme_switches_re_render_sizes(ui: UI) -> None:
    ui.tap(ui.app.screen("attract").ids.access)
    access = ui.screen
    prompt = ui.app.screen("attract").ids.prompt
    base = prompt.font_size
    ui.tap(access.ids.s3)
    assert ui.app.text_scale == 2.0
    assert prompt.natural_px == pytest.approx(base * 2, abs=2)
    # Drawn at that size, or shrunk so that no word breaks: never under a 4.8 mm capital.
    ppm = ui.kiosk.config.display.px_per_mm
    assert cap_height_mm(prompt.font_size, ppm) >= 4.8
    assert large_text_min_px(ppm) <= prompt.font_size <= prompt.natural_px
    # One formula: the app's sizes are the accessibility layer's (cap height in mm).
    sizes = font_sizes(ui.app.theme, 2.0, ui.kiosk.config.display.px_per_mm)
    assert (ui.app.font_px, ui.app.title_px, ui.app.touch_px) == (
        sizes.body_px,
        sizes.title_px,
        sizes.touch_px,
    )
    assert access.ids.s3.chosen and not access.ids.s1.chosen
    ui.tap(access.ids.s1)
    assert prompt.font_size == base


def test_background_calls_run_off_the_ui_thread_and_answer_on_it(ui: UI) -> None:
    seen: dict[str, int] = {}
    ui_thread = threading.get_ident()

    def slow() -> str:
        seen["worker"] = threading.get_ident()
        time.sleep(0.2)
        return "done"

    results: list[str] = []
    started = time.perf_counter()
    ui.app.call(slow, lambda r: (results.append(r), seen.update(callback=threading.get_ident())))
    assert time.perf_counter() - started < 0.05  # the UI thread did not wait
    ui.wait(lambda: bool(results))
    assert seen["worker"] != ui_thread and seen["callback"] == ui_thread


def test_quick_calls_answer_in_the_same_frame_on_the_local_backend_only(ui: UI) -> None:
    """DESIGN.md: local services are fast and synchronous; only slow calls need a
    worker. A quick call runs on the UI thread and is answered before the next frame is
    drawn; on a networked backend the same call goes to the worker."""
    from dataclasses import replace

    threads: list[int] = []
    answers: list[str] = []

    def lookup() -> str:
        threads.append(threading.get_ident())
        return "answer"

    frames: list[int] = []
    from kivy.core.window import Window

    def count(*_args: object) -> None:
        frames.append(1)

    local = ui.app.services
    Window.bind(on_flip=count)
    try:
        ui.app.call(lookup, answers.append, quick=True)
        assert threads == [threading.get_ident()] and answers == []  # delivered later
        ui.frames(1)
        assert answers == ["answer"] and len(frames) <= 1
        ui.app.services = replace(local, local=False)
        ui.app.call(lookup, answers.append, quick=True)
        ui.wait(lambda: len(answers) == 2)
        assert threads[1] != threading.get_ident()
    finally:
        Window.unbind(on_flip=count)
        ui.app.services = local


def test_a_late_answer_after_sign_out_is_dropped(ui: UI) -> None:
    ui.sign_in("ok")
    shown: list[str] = []

    def slow() -> str:
        time.sleep(0.2)
        return "the previous patron's data"

    ui.app.call(slow, shown.append)
    ui.app.session_control.sign_out("sign_out")
    ui.settle()
    assert shown == []


def test_keypad_reaches_every_control_in_reading_order_and_activates(ui: UI) -> None:
    down, enter, escape = 274, 13, 27
    ui.sign_in("ok")
    ui.settle()
    navigator = ui.app.keypad.navigator
    ui.key(down)  # the first keypad key turns speech mode on
    assert ui.app.speech.speech_mode
    names: list[str] = []
    last = None
    for _ in range(40):
        ui.key(down)
        current = navigator.current
        assert current is not None
        if navigator.index == last:
            break  # the boundary: focus stays on the last item
        last = navigator.index
        names.append(current.text_of("name"))
    home = ui.app.screen("home")
    buttons = [home.ids[n].text for n in ("borrow", "returns", "loans", "holds")]
    buttons += [home.ids[n].text for n in ("equipment", "events", "feedback", "sign_out")]
    body = names[names.index(home.ids.greeting.text) :]  # below the header
    positions = [body.index(b) for b in buttons]
    assert positions == sorted(positions)  # row by row, left to right
    assert ui.app.keypad.ring.visible
    spoken = [text for text, _lang in ui.kiosk.speaker.spoken]  # type: ignore[union-attr]
    assert any(text.startswith(buttons[-1]) for text in spoken)  # name, role, state
    # Up to Borrow, then Action opens it; Back (Escape) returns home.
    for _ in range(len(names)):
        if navigator.current is not None and navigator.current.text_of("name") == buttons[0]:
            break
        ui.key(273)  # up
    ui.key(enter)
    ui.settle()
    assert ui.app.current == "borrow"
    ui.key(escape)
    ui.settle()
    assert ui.app.current == "home"
