"""ACCESSIBILITY.md row: timeouts warn (shown and spoken >= 20 s before sign-out), one
press extends, at least 10 extensions; and a patron preference for longer timeouts."""

from __future__ import annotations

import pytest

from accessibility.speech import SpeechController
from accessibility.timeouts import ManualClock, Phase, SessionTimer, TimeoutPolicy, warn
from devices.sim import SimSpeaker
from kiosk.config import Config


class Recorder:
    def __init__(self, speech: SpeechController, timer_ref: list[SessionTimer]) -> None:
        self.shown: list[str] = []
        self.expired = 0
        self.speech = speech
        self.timer_ref = timer_ref

    def warning(self, seconds: int) -> None:
        timer = self.timer_ref[0]
        self.shown.append(warn(self.speech, seconds, timer.extensions_left))

    def expire(self) -> None:
        self.expired += 1


@pytest.fixture
def setup() -> tuple[SessionTimer, ManualClock, Recorder, SimSpeaker]:
    clock = ManualClock()
    speaker = SimSpeaker()
    speech = SpeechController(speaker, "id")  # speech mode off: warnings are alerts
    ref: list[SessionTimer] = []
    recorder = Recorder(speech, ref)
    timer = SessionTimer(
        TimeoutPolicy.from_config(Config().accessibility),
        clock=clock,
        on_warning=recorder.warning,
        on_expire=recorder.expire,
    )
    ref.append(timer)
    timer.start()
    return timer, clock, recorder, speaker


def test_warning_is_shown_and_spoken_at_least_20_s_before_sign_out(setup) -> None:  # type: ignore[no-untyped-def]
    timer, clock, recorder, speaker = setup
    clock.advance(59)
    assert timer.poll() is Phase.ACTIVE
    clock.advance(1)
    assert timer.poll() is Phase.WARNING
    assert timer.seconds_left() >= 20
    assert recorder.shown == ["Demi keamanan, Anda akan keluar otomatis dalam 30 detik."]
    # Heading and text as the warning dialog shows them, after the error earcon, and
    # how to ask for more time (the button, for a patron who cannot see it).
    hint = "Sentuh layar atau tekan tombol apa saja untuk menambah waktu."
    assert speaker.spoken == [(f"Masih di sini? {recorder.shown[0]} {hint}", "id")]
    assert speaker.earcons == ["error"]
    clock.advance(29)
    assert timer.poll() is Phase.WARNING
    assert len(recorder.shown) == 1  # once per countdown
    clock.advance(1)
    assert timer.poll() is Phase.EXPIRED
    assert recorder.expired == 1
    timer.poll()
    assert recorder.expired == 1


def test_one_press_extends_at_least_ten_times(setup) -> None:  # type: ignore[no-untyped-def]
    timer, clock, recorder, speaker = setup
    for n in range(10):
        clock.advance(65)
        assert timer.poll() is Phase.WARNING
        assert timer.activity()  # any single press
        assert timer.phase is Phase.ACTIVE
        assert timer.extensions == n + 1
    assert len(recorder.shown) == 10
    clock.advance(65)
    timer.poll()
    assert "Waktu tambahan sudah habis" in recorder.shown[-1]
    assert "Sentuh layar" not in speaker.spoken[-1][0]  # no more time to ask for
    assert not timer.extend()
    clock.advance(25)
    assert timer.poll() is Phase.EXPIRED


def test_activity_before_the_warning_restarts_the_countdown(setup) -> None:  # type: ignore[no-untyped-def]
    timer, clock, recorder, _ = setup
    for _ in range(5):
        clock.advance(50)
        timer.activity()
        assert timer.poll() is Phase.ACTIVE
    assert recorder.shown == []
    assert timer.extensions == 0


def test_longer_timeouts_for_a_patron_who_asks() -> None:
    clock = ManualClock()
    base = TimeoutPolicy(session_s=90, warning_s=30, long_factor=2.0)
    timer = SessionTimer(base, clock=clock)
    timer.start(base.for_patron(True))
    clock.advance(119)
    assert timer.poll() is Phase.ACTIVE
    clock.advance(1)
    assert timer.poll() is Phase.WARNING
    assert timer.seconds_left() == 60
    assert base.for_patron(False) is base


def test_policy_refuses_too_short_warnings_and_too_few_extensions() -> None:
    with pytest.raises(ValueError, match="20"):
        TimeoutPolicy(warning_s=10)
    with pytest.raises(ValueError, match="10"):
        TimeoutPolicy(max_extensions=3)
    with pytest.raises(ValueError, match="shorter"):
        TimeoutPolicy(session_s=30, warning_s=30)


def test_stopped_timer_is_quiet(setup) -> None:  # type: ignore[no-untyped-def]
    timer, clock, recorder, _ = setup
    timer.stop()
    clock.advance(1000)
    assert timer.poll() is Phase.STOPPED
    assert recorder.shown == []
    assert recorder.expired == 0
    assert not timer.activity()
    assert timer.seconds_left() == 0
