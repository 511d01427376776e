"""A recording speaker: keeps every utterance instead of playing it.

Besides ``spoken`` it keeps ``events``, one timeline of everything asked of it, so tests
can check order ("stopped before the next utterance"), earcons and volume changes.
"""

from __future__ import annotations

from devices.sim.base import SimDevice
from kiosk.ports import EARCONS


class SimSpeaker(SimDevice):
    """``spoken`` holds (text, language) pairs in order; ``volume`` the last level;
    ``earcons`` the earcons played; ``events`` the whole timeline as tuples
    ``("say", text, language)``, ``("stop",)``, ``("earcon", name)``,
    ``("volume", level)``."""

    kind = "speaker"

    def __init__(self, name: str = "sim", fail: str | None = None, delay: float = 0.0) -> None:
        super().__init__(name, fail, delay)
        self.spoken: list[tuple[str, str]] = []
        self.volume = 1.0
        self.interrupted = 0
        self.earcons: list[str] = []
        self.events: list[tuple[object, ...]] = []

    def say(self, text: str, language: str) -> None:
        if self.failure is not None:
            return
        self.spoken.append((text, language))
        self.events.append(("say", text, language))

    def stop_speaking(self) -> None:
        self.interrupted += 1
        self.events.append(("stop",))

    def set_volume(self, level: float) -> None:
        self.volume = min(1.0, max(0.0, level))
        self.events.append(("volume", self.volume))

    def play_earcon(self, name: str) -> None:
        """Record earcon ``name`` (one of :data:`kiosk.ports.EARCONS`)."""
        if name not in EARCONS:
            raise ValueError(f"unknown earcon {name!r}; one of {EARCONS}")
        if self.failure is not None:
            return
        self.earcons.append(name)
        self.events.append(("earcon", name))

    def clear(self) -> None:
        """Forget everything recorded so far (the volume stays)."""
        self.spoken.clear()
        self.earcons.clear()
        self.events.clear()
        self.interrupted = 0
