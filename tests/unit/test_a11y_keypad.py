"""ACCESSIBILITY.md keypad mode: keymap with keyboard fallbacks; moving never activates
and speaks name, role and state; boundary cue; Help explains and Help twice stops;
Action activates; touch and hear; idle prompt; any key starts speech. And the row "focus
visible and keypad reaches everything in reading order" on a model screen."""

from __future__ import annotations

import pytest

from accessibility.keypad import (
    DEFAULT_KEYMAP,
    Focusable,
    IdlePrompt,
    Keymap,
    KeypadNavigator,
    TouchAndHear,
    combo,
    describe,
)
from accessibility.speech import SpeechController
from accessibility.timeouts import ManualClock
from devices.sim import SimSpeaker
from kiosk.config import KEYPAD_ACTIONS


@pytest.fixture
def speaker() -> SimSpeaker:
    return SimSpeaker()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def speech(speaker: SimSpeaker) -> SpeechController:
    return SpeechController(speaker, "id")


class Screen:
    """A model screen: four items in reading order, one disabled, one text only."""

    def __init__(self) -> None:
        self.activated: list[str] = []
        self.items = [
            Focusable("Selamat datang", role="heading"),
            Focusable(
                "Pinjam", help="Meminjam buku.", activate=lambda: self.activated.append("borrow")
            ),
            Focusable(
                "Perpanjang", state="disabled", activate=lambda: self.activated.append("renew")
            ),
            Focusable(
                "Bahasa",
                role="toggle",
                state="selected",
                activate=lambda: self.activated.append("language"),
            ),
        ]


@pytest.fixture
def screen() -> Screen:
    return Screen()


@pytest.fixture
def nav(speech: SpeechController, clock: ManualClock, screen: Screen) -> KeypadNavigator:
    focused: list[Focusable | None] = []
    navigator = KeypadNavigator(speech, Keymap(), clock=clock, on_focus=focused.append)
    navigator.focused = focused  # type: ignore[attr-defined]
    speech.set_speech_mode(True, announce=False)
    navigator.set_items(screen.items, "Layar utama")
    return navigator


def test_default_keymap_has_the_keyboard_fallbacks() -> None:
    keymap = Keymap()
    assert set(DEFAULT_KEYMAP) == set(KEYPAD_ACTIONS)
    expected = {
        ("up", ()): "up",
        ("down", ()): "down",
        ("tab", ()): "down",
        ("tab", ("shift",)): "up",
        ("enter", ()): "action",
        ("f2", ()): "help",
        ("pageup", ()): "back",
        ("f3", ()): "repeat",
        ("f4", ()): "pause",
        ("+", ()): "volume_up",
        ("=", ("shift",)): "volume_up",
        ("-", ()): "volume_down",
        ("numpadadd", ()): "volume_up",
        ("numpadsubstract", ()): "volume_down",
    }
    for (key, mods), action in expected.items():
        assert keymap.action_for(key, mods) == action, key
    assert keymap.action_for("a") is None
    assert keymap.action_for("down", ["numlock"]) == "down"  # lock keys do not matter
    assert combo("TAB", ["rshift", "capslock"]) == "shift+tab"


def test_keymap_overrides_and_conflicts() -> None:
    keymap = Keymap({"help": ["numpad5"]})
    assert keymap.action_for("numpad5") == "help"
    assert keymap.action_for("f2") is None
    with pytest.raises(ValueError, match="both"):
        Keymap({"help": ["enter"]})
    with pytest.raises(ValueError, match="unknown keypad action"):
        Keymap({"jump": ["j"]})


def test_any_keypad_key_starts_speech_mode(speaker: SimSpeaker, clock: ManualClock) -> None:
    speech = SpeechController(speaker, "en")
    nav = KeypadNavigator(speech, clock=clock)
    nav.set_items([Focusable("Borrow", activate=lambda: None)], "Home")
    assert speaker.spoken == []  # speech mode off: the title is not spoken
    assert not nav.handle_key("x")
    assert nav.handle_key("down")
    assert speech.speech_mode
    assert speaker.spoken[-1][0].startswith("Speech is on")
    assert nav.index is None  # that first key only started speech
    nav.handle_key("down")
    assert speaker.spoken[-1] == ("Borrow, button", "en")


def test_down_visits_every_item_once_in_reading_order_with_a_ring(
    nav: KeypadNavigator, screen: Screen, speaker: SimSpeaker
) -> None:
    speaker.clear()
    for _ in screen.items:
        nav.handle_key("down")
    assert nav.focused[1:] == screen.items  # type: ignore[attr-defined]
    spoken = [text for text, _ in speaker.spoken]
    assert spoken == [
        "Selamat datang, judul",
        "Pinjam, tombol",
        "Perpanjang, tombol, tidak tersedia",
        "Bahasa, sakelar, dipilih",
    ]
    assert speaker.earcons == ["move"] * 4
    assert screen.activated == []  # moving never activates


def test_boundary_cue_at_both_ends(
    nav: KeypadNavigator, screen: Screen, speaker: SimSpeaker
) -> None:
    nav.handle_key("up")
    assert speaker.events[-2:] == [("earcon", "boundary"), ("say", "Awal daftar.", "id")]
    for _ in range(len(screen.items) + 1):
        nav.handle_key("tab")
    assert speaker.events[-2:] == [("earcon", "boundary"), ("say", "Akhir daftar.", "id")]
    assert nav.index == len(screen.items) - 1
    nav.handle_key("tab", ["shift"])
    assert nav.index == len(screen.items) - 2


def test_action_activates_only_actionable_items(
    nav: KeypadNavigator, screen: Screen, speaker: SimSpeaker
) -> None:
    nav.handle_key("enter")
    assert speaker.spoken[-1][0].startswith("Belum ada yang dipilih")
    nav.handle_key("down")
    nav.handle_key("enter")  # heading: text only
    assert speaker.spoken[-1] == ("Ini hanya teks, tidak bisa ditekan.", "id")
    nav.handle_key("down")
    nav.handle_key("enter")
    assert screen.activated == ["borrow"]
    assert speaker.earcons[-1] == "activate"
    nav.handle_key("down")
    nav.handle_key("enter")  # disabled
    assert screen.activated == ["borrow"]
    assert speaker.events[-2:] == [("earcon", "error"), ("say", "Tidak tersedia saat ini.", "id")]


def test_help_explains_and_twice_stops_speech(
    nav: KeypadNavigator, speaker: SimSpeaker, clock: ManualClock
) -> None:
    nav.handle_key("f2")
    assert speaker.spoken[-1][0].startswith("Tekan panah atas atau bawah")
    clock.advance(10)
    nav.handle_key("down")
    nav.handle_key("down")
    nav.handle_key("f2")
    assert speaker.spoken[-1] == ("Pinjam, tombol. Meminjam buku.", "id")
    said = len(speaker.spoken)
    clock.advance(1)
    nav.handle_key("f2")
    assert len(speaker.spoken) == said
    assert speaker.events[-1] == ("stop",)
    clock.advance(1)
    nav.handle_key("f2")  # a third press explains again
    assert len(speaker.spoken) == said + 1


def test_help_falls_back_to_the_role(nav: KeypadNavigator, speaker: SimSpeaker) -> None:
    nav.down()
    nav.help()
    assert speaker.spoken[-1] == (
        "Selamat datang, judul. Ini judul. Tekan panah bawah untuk lanjut.",
        "id",
    )


def test_back_repeat_pause_volume_keys(
    speech: SpeechController, speaker: SimSpeaker, clock: ManualClock
) -> None:
    backs: list[int] = []
    nav = KeypadNavigator(speech, clock=clock, on_back=lambda: backs.append(1))
    speech.set_speech_mode(True, announce=False)
    nav.set_items([Focusable("Pinjam", activate=lambda: None)], "Layar utama")
    nav.handle_key("down")
    nav.handle_key("f3")
    assert speaker.spoken[-2:] == [("Pinjam, tombol", "id")] * 2
    nav.handle_key("f4")
    assert speech.paused
    nav.handle_key("f4")
    assert not speech.paused
    assert speaker.spoken[-1] == ("Pinjam, tombol", "id")
    nav.handle_key("numpadadd")
    assert speaker.spoken[-1] == ("Volume 4 dari 4.", "id")
    nav.handle_key("-")
    assert speaker.spoken[-1] == ("Volume 3 dari 4.", "id")
    nav.handle_key("pageup")
    assert backs == [1]


def test_new_screen_speaks_its_title_and_resets_focus(
    nav: KeypadNavigator, speaker: SimSpeaker
) -> None:
    nav.down()
    nav.set_items([Focusable("Kembali", activate=lambda: None)], "Pengembalian")
    assert nav.index is None
    assert speaker.events[-2:] == [("earcon", "page"), ("say", "Pengembalian", "id")]
    nav.set_items([], "Kosong")
    nav.down()
    assert speaker.spoken[-1] == ("Tidak ada yang bisa dipilih di layar ini.", "id")


def test_names_follow_a_language_switch(speech: SpeechController) -> None:
    language = {"now": "id"}
    item = Focusable(lambda: "Pinjam" if language["now"] == "id" else "Borrow")
    speech.language = "en"
    language["now"] = "en"
    assert describe(item, speech) == "Borrow, button"


def test_touch_and_hear(speech: SpeechController, speaker: SimSpeaker, clock: ManualClock) -> None:
    borrow = Focusable("Pinjam", activate=lambda: None)
    renew = Focusable("Perpanjang", activate=lambda: None)
    touch = TouchAndHear(speech, hold_ms=250, clock=clock)
    # Speech mode off: every tap acts, however slow.
    touch.press(borrow)
    clock.advance(0.4)
    assert touch.release()
    speech.set_speech_mode(True, announce=False)
    # A quick tap acts and says nothing.
    touch.press(borrow)
    clock.advance(0.1)
    assert not touch.poll()
    assert touch.release()
    assert speaker.spoken == []
    # A hold of 250 ms speaks without activating; a timer that fires early learns how
    # much longer to wait.
    touch.press(borrow)
    clock.advance(0.24)
    assert not touch.poll()
    assert touch.remaining() == pytest.approx(0.01)
    clock.advance(0.01)
    assert touch.remaining() == 0.0
    assert touch.poll()
    assert touch.remaining() is None  # spoken: nothing more to wait for
    assert speaker.spoken[-1] == ("Pinjam, tombol", "id")
    # Sliding to another item and holding speaks that one; lifting does not act.
    touch.slide(renew)
    assert touch.item is renew  # what the finger is on (the Kivy glue reads it)
    assert not touch.poll()
    clock.advance(0.3)
    assert touch.poll()
    assert speaker.spoken[-1] == ("Perpanjang, tombol", "id")
    assert not touch.release()
    assert touch.item is None
    with pytest.raises(ValueError, match="250"):
        TouchAndHear(speech, hold_ms=100)


def test_idle_prompt_tells_how_to_start_speech(
    speech: SpeechController, speaker: SimSpeaker, clock: ManualClock
) -> None:
    names = {"id": "tombol kuning segitiga", "en": "the yellow triangle key"}
    prompt = IdlePrompt(speech, key_names=names, interval_s=45, clock=clock)
    clock.advance(44)
    assert not prompt.poll()
    clock.advance(1)
    assert prompt.poll()
    # The library's own key, in the language spoken.
    assert speaker.spoken == [("Untuk panduan suara, tekan tombol kuning segitiga.", "id")]
    speech.language = "en"
    clock.advance(45)
    assert prompt.poll()
    assert speaker.spoken[-1] == ("For speech, press the yellow triangle key.", "en")
    speech.language = "id"
    clock.advance(30)
    prompt.activity()
    clock.advance(30)
    assert not prompt.poll()
    speech.set_speech_mode(True, announce=False)
    clock.advance(100)
    assert not prompt.poll()  # speech already on: no need to tell
