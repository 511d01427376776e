"""A recording speaker: keeps every utterance instead of playing it."""

from __future__ import annotations

from devices.sim.base import SimDevice


class SimSpeaker(SimDevice):
    """``spoken`` holds (text, language) pairs in order; ``volume`` the last level."""

    kind = "speaker"

    def __init__(self, name: str = "sim", fail: str | None = None, delay: float = 0.0) -> None:
        super().__init__(name, fail, delay)
        self.spoken: list[tuple[str, str]] = []
        self.volume = 1.0
        self.interrupted = 0

    def say(self, text: str, language: str) -> None:
        if self.failure is not None:
            return
        self.spoken.append((text, language))

    def stop_speaking(self) -> None:
        self.interrupted += 1

    def set_volume(self, level: float) -> None:
        self.volume = min(1.0, max(0.0, level))
