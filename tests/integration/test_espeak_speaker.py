"""The espeak-ng speaker against the real espeak-ng (Debian package espeak-ng).

This machine class (CI, containers) has no sound card: playback is either off
(player=none) or fails in aplay, which must be reported, never raised."""

from __future__ import annotations

import io
import shutil
import threading
import time
import wave
from pathlib import Path

import pytest

from devices.espeak import EspeakSpeaker
from kiosk import config as config_module
from kiosk.bootstrap import open_kiosk
from kiosk.bus import EventBus
from kiosk.doctor import run_checks
from kiosk.domain.events import DeviceStatus
from kiosk.ports import DeviceUrl
from tests.support import peers

pytestmark = pytest.mark.integration
peers.program("espeak-ng", "espeak-ng")


def _wait_idle(speaker: EspeakSpeaker, count: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while len(speaker.history) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    speaker.idle.wait(timeout)


@pytest.fixture
def speaker(tmp_path: Path) -> EspeakSpeaker:
    s = EspeakSpeaker(player="none", cache_dir=tmp_path / "cache")
    s.start(EventBus())
    yield s  # type: ignore[misc]
    s.stop()


def test_say_returns_at_once_and_synthesises_in_the_screen_language(speaker: EspeakSpeaker) -> None:
    started = time.perf_counter()
    speaker.say("Selamat datang di Perpustakaan Kota Palu.", "id")
    assert time.perf_counter() - started < 0.05
    _wait_idle(speaker, 1)
    speaker.say("Welcome to the library.", "en")
    _wait_idle(speaker, 2)
    first, second = speaker.history[0], speaker.history[1]
    assert (first.voice, second.voice) == ("id", "en")
    assert first.ready_s is not None
    assert first.ready_s < 1.0
    assert not first.cached
    assert not first.played


def test_cache_keyed_by_text_voice_and_rate(speaker: EspeakSpeaker, tmp_path: Path) -> None:
    speaker.say("Buku berhasil dipinjam.", "id")
    _wait_idle(speaker, 1)
    path = speaker.cache_path("Buku berhasil dipinjam.", "id")
    with wave.open(io.BytesIO(path.read_bytes())) as wav:
        assert wav.getnframes() / wav.getframerate() > 0.5
    speaker.say("Buku berhasil dipinjam.", "id")
    _wait_idle(speaker, 2)
    assert speaker.history[-1].cached
    assert speaker.cache_path("Buku berhasil dipinjam.", "en") != path
    faster = EspeakSpeaker(player="none", cache_dir=tmp_path / "cache", rate=250)
    assert faster.cache_path("Buku berhasil dipinjam.", "id") != path


def test_prerender_fills_the_cache_once(tmp_path: Path) -> None:
    s = EspeakSpeaker(player="none", cache_dir=tmp_path / "c")
    prompts = [("Awal daftar.", "id"), ("Top of the list.", "en")]
    assert s.prerender(prompts) == 2
    assert s.prerender(prompts) == 0
    assert all(s.cache_path(t, s.voice_for(lang)).exists() for t, lang in prompts)


def test_a_new_say_interrupts_the_current_one(speaker: EspeakSpeaker) -> None:
    ready: list[str] = []
    speaker.on_audio_ready = lambda text, seconds: ready.append(text)
    long_text = "Ini kalimat yang sangat panjang untuk diuji. " * 200
    speaker.say(long_text, "id")
    time.sleep(0.05)
    speaker.say("Pinjam, tombol", "id")
    _wait_idle(speaker, 2)
    last = speaker.history[-1]
    assert last.text == "Pinjam, tombol"
    assert not last.interrupted
    long_entries = [h for h in speaker.history if h.text == long_text]
    assert all(h.interrupted for h in long_entries)
    assert not speaker.cache_path(long_text, "id").exists()  # never cache a cut-off


def test_without_a_sound_card_speech_is_synthesised_and_the_reason_reported(
    tmp_path: Path,
) -> None:
    s = EspeakSpeaker(player="aplay", cache_dir=tmp_path / "c")
    bus = EventBus()
    statuses: list[DeviceStatus] = []
    got = threading.Event()

    def on_status(event: DeviceStatus) -> None:
        statuses.append(event)
        got.set()

    bus.subscribe(DeviceStatus, on_status)
    s.start(bus)
    try:
        s.say("Kartu tidak dikenal.", "id")
        _wait_idle(s, 1)
        assert got.wait(10)
        ok, reason = s.check()
        has_card = "card " in ((shutil.which("aplay") and _aplay_list()) or "")
        if has_card:  # a real sound card: then it must have played
            assert ok, reason
        else:
            assert not ok
            assert "audio" in reason
            assert not statuses[-1].ok
            assert statuses[-1].detail == "a11y.speech_unavailable"
            assert s.history[-1].ready_s is not None  # synthesised all the same
            assert not s.history[-1].played
    finally:
        s.stop()


def _aplay_list() -> str:
    import subprocess

    done = subprocess.run(["aplay", "-l"], capture_output=True, text=True, check=False)
    return done.stdout + done.stderr


def test_missing_espeak_is_silent_and_reported(tmp_path: Path) -> None:
    s = EspeakSpeaker(player="none", cache_dir=tmp_path, espeak="no-such-espeak")
    s.say("Halo", "id")
    _wait_idle(s, 1)
    s.stop()
    assert s.history[-1].ready_s is None
    ok, reason = s.check()
    assert not ok
    assert "not found" in reason
    assert "espeak-ng" in reason


def test_volume_scales_samples(tmp_path: Path) -> None:
    s = EspeakSpeaker(player="none", cache_dir=tmp_path)
    s.set_volume(3.0)
    assert s.volume == 1.0
    from devices.espeak import _Scaler

    header = b"RIFF" + bytes(32) + b"data" + bytes(4)
    pcm = (1000).to_bytes(2, "little", signed=True) * 3
    scaler = _Scaler(0.5)
    out = scaler(header + pcm[:3]) + scaler(pcm[3:])  # split inside a sample
    assert out[:44] == header
    assert out[44:] == (500).to_bytes(2, "little", signed=True) * 3


def test_url_options_and_bootstrap(tmp_path: Path) -> None:
    s = EspeakSpeaker.from_url(
        DeviceUrl.parse(f"espeak://lobby?rate=200&player=none&cache={tmp_path}&volume=0.5")
    )
    assert (s.name, s.rate, s.player, s.cache_dir, s.volume) == (
        "lobby",
        200,
        "none",
        tmp_path,
        0.5,
    )
    for bad in (
        "espeak://?rate=fast",
        "espeak://?player=pulse",
        "espeak://?rate=20",
        "espeak://?x=1",
    ):
        with pytest.raises(ValueError, match=r"=|options"):
            EspeakSpeaker.from_url(DeviceUrl.parse(bad))
    config = config_module.parse(
        f'[devices]\nspeaker = "espeak://lobby?player=none&cache={tmp_path}"\n'
        "[accessibility]\nspeech_rate = 150\nspeech_volume = 0.5\n"
    )
    kiosk = open_kiosk(config, store=False)
    assert isinstance(kiosk.speaker, EspeakSpeaker)
    assert kiosk.speaker.rate == 150
    assert kiosk.speaker.volume == 0.5


def test_doctor_shows_a_missing_audio_device_as_a_warning(tmp_path: Path) -> None:
    config = config_module.parse(
        f'[devices]\nspeaker = "espeak://lobby?cache={tmp_path}"\n'
        'card_readers = []\nitem_scanners = []\nreceipt_printer = ""\n'
    )
    kiosk = open_kiosk(config, store=False)
    checks = [c for c in run_checks(kiosk, tmp_path / "none.db", "en") if "speaker" in c.name]
    assert len(checks) == 1
    check = checks[0]
    assert check.ok  # the kiosk still serves patrons
    if "card " not in _aplay_list():
        assert check.warning
        assert "no audio" in check.reason
    silent = open_kiosk(
        config_module.parse(
            f'[devices]\nspeaker = "espeak://lobby?player=none&cache={tmp_path}"\n'
        ),
        store=False,
    )
    quiet = [c for c in run_checks(silent, tmp_path / "none.db", "en") if "speaker" in c.name]
    assert quiet[0].ok
    assert not quiet[0].warning
    assert "id=id" in quiet[0].reason
    assert "en=en" in quiet[0].reason


def test_plays_through_aplay_on_an_alsa_device(tmp_path: Path) -> None:
    """ALSA's "null" device needs no sound card: the whole path espeak-ng -> volume
    scaling -> aplay runs for real, and the check opens the device itself."""
    s = EspeakSpeaker(player="aplay", device="null", cache_dir=tmp_path, volume=0.5)
    ok, reason = s.check()
    assert ok, reason
    assert "aplay -D null" in reason
    try:
        s.say("Buku berhasil dikembalikan.", "id")
        _wait_idle(s, 1)
        s.play_earcon("activate")
        s.say("Buku berhasil dikembalikan.", "id")  # cached this time
        _wait_idle(s, 2)
    finally:
        s.stop()
    assert [h.played for h in s.history] == [True, True]
    assert [h.cached for h in s.history] == [False, True]
    assert s.audio_error == ""
