"""The Kivy glue on a real (offscreen) window: focus ring, key binding, and the label /
target checks the screen tests will use at text scale 2.0."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from accessibility.keypad import Focusable, KeypadNavigator
from accessibility.scaling import font_sizes, touch_target_px
from accessibility.speech import SpeechController
from accessibility.theme import DEFAULT, FOCUS_RING_GAP_MM, HIGH_CONTRAST, contrast
from devices.sim import SimSpeaker
from kiosk.config import Config

pytestmark = pytest.mark.ui

PPM = Config().display.px_per_mm


@pytest.fixture(scope="module")
def window() -> Any:
    from kivy.core.window import Window

    return Window


@pytest.fixture
def root(window: Any) -> Iterator[Any]:
    from kivy.uix.floatlayout import FloatLayout

    layout = FloatLayout(size=window.size)
    window.add_widget(layout)
    yield layout
    window.remove_widget(layout)


def _label(text: str, font_size: int, size: tuple[int, int], pos: tuple[int, int]) -> Any:
    from kivy.uix.label import Label

    label = Label(text=text, font_size=font_size, size_hint=(None, None), size=size, pos=pos)
    label.texture_update()
    return label


def test_clipped_and_overlapping_labels_at_scale_2(root: Any) -> None:
    from accessibility.kivy_focus import clipped_labels, overlapping_labels

    body = font_sizes(DEFAULT, 2.0, PPM).body_px
    fits = _label("Pinjam", body, (400, 120), (0, 300))
    too_small = _label("Perpanjang semua pinjaman", body, (200, 60), (0, 0))
    neighbour = _label("Kembalikan", body, (320, 60), (100, 10))
    for widget in (fits, too_small, neighbour):
        root.add_widget(widget)
    assert clipped_labels(root) == [too_small]
    assert overlapping_labels(root) == [("Perpanjang semua pinjaman", "Kembalikan")]
    # Let the text wrap and the box grow with it, as the screens must: no clipping.
    too_small.text_size = (200, None)
    too_small.texture_update()
    too_small.height = too_small.texture_size[1]
    assert too_small not in clipped_labels(root)


def test_small_touch_targets_are_found(root: Any) -> None:
    from kivy.uix.button import Button

    from accessibility.kivy_focus import small_targets

    side = touch_target_px(PPM)
    good = Button(text="OK", size_hint=(None, None), size=(side, side))
    bad = Button(text="x", size_hint=(None, None), size=(side - 1, side))
    root.add_widget(good)
    root.add_widget(bad)
    assert small_targets(root, PPM) == [bad]


def test_focus_ring_follows_keypad_focus(root: Any, window: Any) -> None:
    from kivy.uix.button import Button

    from accessibility.kivy_focus import FocusRing, KeypadBinding

    side = touch_target_px(PPM)
    first = Button(text="Pinjam", size_hint=(None, None), size=(3 * side, side), pos=(50, 200))
    second = Button(text="Kembali", size_hint=(None, None), size=(3 * side, side), pos=(50, 100))
    root.add_widget(first)
    root.add_widget(second)
    ring = FocusRing(HIGH_CONTRAST, PPM)
    speaker = SimSpeaker()
    speech = SpeechController(speaker, "id")
    speech.set_speech_mode(True, announce=False)
    nav = KeypadNavigator(speech, on_focus=ring.follow)
    nav.set_items(
        [
            Focusable("Pinjam", widget=first, activate=lambda: None),
            Focusable("Kembali", widget=second, activate=lambda: None),
        ],
        "Layar utama",
    )
    binding = KeypadBinding(nav)
    try:
        assert not ring.visible
        window.dispatch("on_key_down", 274, 0, None, [])  # down
        assert ring.visible
        assert ring.widget is first
        x, y, w, h = ring.rectangle()
        assert x < first.x
        assert y < first.y
        assert x + w > first.right
        assert y + h > first.top
        gap = FOCUS_RING_GAP_MM * PPM
        assert first.x - (x + ring.line_width()) >= gap - 1
        assert contrast(HIGH_CONTRAST.focus_ring, HIGH_CONTRAST.background) >= 3
        window.dispatch("on_key_down", 9, 0, None, [])  # tab
        assert ring.widget is second
        window.dispatch("on_key_down", 9, 0, None, ["shift"])
        assert ring.widget is first
        assert speaker.spoken[-1] == ("Pinjam, tombol", "id")
        before = ring.drawn
        first.pos = (60, 210)  # the ring follows a widget that moves
        assert ring.drawn[0] == pytest.approx(before[0] + 10)
        nav.set_items([], "Kosong")
        assert not ring.visible
    finally:
        binding.unbind()
        ring.hide()


def test_every_label_spoken_and_every_control_reachable(root: Any) -> None:
    from kivy.uix.button import Button

    from accessibility.kivy_focus import unreachable_controls, unspoken_labels

    title = _label("Pinjaman Anda", 30, (400, 60), (0, 400))
    error = _label("Kartu diblokir", 30, (400, 60), (0, 300))
    orphan = _label("Denda: Rp 5.000", 30, (400, 60), (0, 200))
    renew = Button(text="Perpanjang", size_hint=(None, None), size=(300, 80), pos=(0, 100))
    hidden = Button(text="Staf", size_hint=(None, None), size=(300, 80), opacity=0)
    for widget in (title, error, orphan, renew, hidden):
        root.add_widget(widget)
    items = [
        Focusable("Pinjaman Anda", role="heading"),
        Focusable("Kartu diblokir", role="text", state="error"),
        Focusable("Perpanjang", widget=renew, activate=lambda: None),
    ]
    assert unspoken_labels(root, items) == ["Denda: Rp 5.000"]
    assert unreachable_controls(root, items) == []
    assert unreachable_controls(root, items[:2]) == [renew]
