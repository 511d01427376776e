"""ACCESSIBILITY.md rows tested with the recording speaker: repeat and pause; a new
action interrupts; speech language follows the screen; PIN masked; volume steps
announced and reset after the session; errors spoken."""

from __future__ import annotations

import pytest

from accessibility.speech import SpeechController, fixed_prompts, volume_levels
from devices.sim import SimSpeaker
from kiosk.i18n import translate


@pytest.fixture
def speaker() -> SimSpeaker:
    return SimSpeaker()


@pytest.fixture
def speech(speaker: SimSpeaker) -> SpeechController:
    controller = SpeechController(speaker, "id", volume=0.75, volume_steps=4)
    controller.set_speech_mode(True, announce=False)  # as a keypad key does
    speaker.clear()
    return controller


def test_speech_mode_off_speaks_only_alerts(speaker: SimSpeaker) -> None:
    speech = SpeechController(speaker, "id")
    assert not speech.say("Pinjam")
    assert speech.say("Kartu tidak dikenal", alert=True)
    assert speaker.spoken == [("Kartu tidak dikenal", "id")]
    quiet = SpeechController(speaker, "id", speak_alerts=False)
    assert not quiet.say("Kartu tidak dikenal", alert=True)


def test_repeat_says_the_last_utterance_again(
    speech: SpeechController, speaker: SimSpeaker
) -> None:
    speech.say("Pinjam buku, tombol")
    speech.repeat()
    assert speaker.spoken == [("Pinjam buku, tombol", "id")] * 2


def test_pause_and_resume(speech: SpeechController, speaker: SimSpeaker) -> None:
    speech.say("Daftar pinjaman Anda: tiga buku.")
    speech.toggle_pause()
    assert speech.paused
    assert speaker.events[-1] == ("stop",)
    speech.toggle_pause()
    assert not speech.paused
    assert speaker.spoken[-1] == ("Daftar pinjaman Anda: tiga buku.", "id")


def test_a_new_action_stops_speech_before_the_next_utterance(
    speech: SpeechController, speaker: SimSpeaker
) -> None:
    speech.say("Sebuah kalimat panjang " * 20)
    speech.say("Kembalikan buku, tombol", earcon="move")
    events = speaker.events
    second = events.index(("say", "Kembalikan buku, tombol", "id"))
    assert ("stop",) in events[1:second]
    assert events[second - 1] == ("earcon", "move")


@pytest.mark.parametrize("language", ["id", "en"])
def test_speech_language_matches_the_screen(
    speech: SpeechController, speaker: SimSpeaker, language: str
) -> None:
    speech.language = language
    speech.say(speech.text("a11y.boundary.bottom"))
    assert speaker.spoken[-1] == (translate("a11y.boundary.bottom", language), language)
    with pytest.raises(ValueError, match="unknown language"):
        speech.language = "fr"


def test_pin_digits_are_never_spoken(speech: SpeechController, speaker: SimSpeaker) -> None:
    for _ in "4821":
        speech.pin_key()
    assert speaker.spoken == []
    assert speaker.earcons == ["key"] * 4


def test_pin_without_earcons_says_star() -> None:
    class Plain:
        name = "plain"

        def __init__(self) -> None:
            self.spoken: list[tuple[str, str]] = []

        def say(self, text: str, language: str) -> None:
            self.spoken.append((text, language))

        def stop_speaking(self) -> None: ...
        def set_volume(self, level: float) -> None: ...

    plain = Plain()
    speech = SpeechController(plain, "en", speech_mode=True)  # type: ignore[arg-type]
    speech.pin_key()
    speech.language = "id"
    speech.pin_key()
    assert plain.spoken == [("star", "en"), ("bintang", "id")]
    assert not any(d in text for text, _ in plain.spoken for d in "0123456789")
    assert speech.last is None  # Repeat never replays PIN feedback


def test_volume_steps_are_announced_and_reset_at_sign_out(
    speech: SpeechController, speaker: SimSpeaker
) -> None:
    assert volume_levels(4) == (0.25, 0.5, 0.75, 1.0)
    assert speaker.volume == 0.75
    speech.volume_down()
    speech.volume_down()
    assert speaker.volume == 0.25
    assert speaker.spoken[-2:] == [("Volume 2 dari 4.", "id"), ("Volume 1 dari 4.", "id")]
    speech.volume_down()
    assert speaker.spoken[-1] == ("Volume minimum, 1 dari 4.", "id")
    assert speaker.earcons[-1] == "boundary"
    for _ in range(5):
        speech.volume_up()
    assert speaker.volume == 1.0
    assert speaker.spoken[-1] == ("Volume maksimum, 4 dari 4.", "id")
    announced = {text for text, _ in speaker.spoken if text.startswith("Volume ")}
    assert len(announced) >= 2
    speech.reset()
    assert speaker.volume == 0.75
    assert speech.volume == 0.75
    assert not speech.speech_mode
    assert speech.last is None


def test_volume_needs_two_steps() -> None:
    with pytest.raises(ValueError, match="2 volume steps"):
        volume_levels(1)


def test_errors_are_spoken_with_an_earcon(speaker: SimSpeaker) -> None:
    speech = SpeechController(speaker, "en")  # speech mode off: errors are alerts
    text = translate("device.offline", "en", device="printer")
    assert speech.error(text)
    assert speaker.events[-2:] == [("earcon", "error"), ("say", text, "en")]


def test_speech_mode_switch_announces_and_reset_turns_it_off(speaker: SimSpeaker) -> None:
    changes: list[bool] = []
    speech = SpeechController(speaker, "id")
    speech.on_mode_change = changes.append
    speech.set_speech_mode(True)
    assert speaker.spoken[-1][0].startswith("Mode suara aktif")
    speech.language = "en"
    speech.reset()
    assert changes == [True, False]
    assert speech.language == "id"


def test_no_speaker_is_silent() -> None:
    speech = SpeechController(None, "id", speech_mode=True)
    speech.say("Halo")
    speech.volume_up()
    speech.pin_key()
    assert not speech.repeat()  # nothing to replay into
    assert speech.last is not None


def test_fixed_prompts_cover_both_languages() -> None:
    prompts = fixed_prompts(["a11y.button"], {"id": "tombol bulat hijau", "en": "the green key"})
    languages = {language for _, language in prompts}
    assert languages == {"id", "en"}
    # The idle prompt as configured: the keypad's own speech key in each language.
    assert ("Untuk panduan suara, tekan tombol bulat hijau.", "id") in prompts
    assert ("For speech, press the green key.", "en") in prompts
    assert not any("{" in text for text, _ in prompts)
