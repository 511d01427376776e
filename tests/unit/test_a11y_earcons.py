"""Earcons are short WAV tones generated with the standard library."""

from __future__ import annotations

import io
import wave

import pytest

from devices import earcons
from devices.sim import SimSpeaker
from kiosk.ports import EARCONS, EarconPlayer


@pytest.mark.parametrize("name", EARCONS)
def test_each_earcon_is_a_short_quiet_wav(name: str) -> None:
    data = earcons.render(name)
    with wave.open(io.BytesIO(data)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        seconds = wav.getnframes() / wav.getframerate()
    assert 0.02 <= seconds <= 0.25
    samples = earcons.samples(name)
    assert max(abs(s) for s in samples) <= 0.36 * 32767
    assert abs(samples[0]) < 50
    assert abs(samples[-1]) < 600


def test_earcons_differ() -> None:
    assert len({earcons.render(name) for name in EARCONS}) == len(EARCONS)


def test_recording_speaker_plays_earcons() -> None:
    speaker = SimSpeaker()
    assert isinstance(speaker, EarconPlayer)
    speaker.play_earcon("move")
    speaker.set_volume(0.5)
    assert speaker.events == [("earcon", "move"), ("volume", 0.5)]
    with pytest.raises(ValueError, match="unknown earcon"):
        speaker.play_earcon("fanfare")
