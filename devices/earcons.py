"""Earcons: short tones that mark move, activate, error, page change and boundary.

Generated as 16-bit mono WAV with the standard library (``wave``), so nothing is shipped
or downloaded. Each earcon is a few sine tones with a 5 ms fade in and out (no clicks),
at most 250 ms long, quieter than speech so it never masks it.
"""

from __future__ import annotations

import io
import math
import struct
import wave

from kiosk.ports import EARCONS

SAMPLE_RATE = 22050
#: Peak amplitude of an earcon relative to full scale (speech peaks near 1.0).
LEVEL = 0.35

#: name -> tones as (frequency in Hz, duration in ms); frequency 0 is a short silence.
TONES: dict[str, tuple[tuple[float, int], ...]] = {
    "move": ((880.0, 35),),
    "activate": ((660.0, 45), (990.0, 60)),
    "error": ((330.0, 90), (0.0, 30), (220.0, 120)),
    "page": ((523.0, 40), (659.0, 40), (784.0, 50)),
    "boundary": ((196.0, 70), (0.0, 25), (196.0, 70)),
    # Instead of a PIN digit: one short click-like tone, the same for every digit.
    "key": ((1200.0, 30),),
}
assert set(TONES) == set(EARCONS), "every earcon the port names has tones"

_FADE_S = 0.005


def samples(name: str, sample_rate: int = SAMPLE_RATE) -> list[int]:
    """The earcon's 16-bit samples. Raises KeyError for an unknown name."""
    out: list[int] = []
    fade = int(sample_rate * _FADE_S)
    for frequency, ms in TONES[name]:
        count = int(sample_rate * ms / 1000)
        for i in range(count):
            if frequency <= 0:
                out.append(0)
                continue
            envelope = min(1.0, i / fade, (count - 1 - i) / fade) if fade else 1.0
            value = math.sin(2 * math.pi * frequency * i / sample_rate) * envelope * LEVEL
            out.append(round(value * 32767))
    return out


def render(name: str, sample_rate: int = SAMPLE_RATE) -> bytes:
    """The earcon as a complete WAV file (bytes)."""
    data = samples(name, sample_rate)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(struct.pack(f"<{len(data)}h", *data))
    return buffer.getvalue()
