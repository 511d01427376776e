"""Every colour and font size the screens use comes from one :class:`Theme`.

Colours are ``#RRGGBB``. :func:`contrast` is WCAG 2.x's ratio, so tests can hold every
foreground/background pair to 4.5:1 (default) or 7:1 (high contrast).
"""

from __future__ import annotations

from dataclasses import dataclass


def _channel(c: int) -> float:
    s = c / 255
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours, 1.0 to 21.0."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def rgba(colour: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """``#RRGGBB`` -> Kivy's (r, g, b, a) floats."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return (r, g, b, alpha)


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    surface: str
    text: str
    muted_text: str
    primary: str
    on_primary: str
    error: str
    on_error: str
    focus_ring: str
    #: Font sizes in millimetres of cap height on the panel, before text scaling.
    body_mm: float = 3.4
    title_mm: float = 5.0

    def pairs(self) -> list[tuple[str, str, str]]:
        """(name, foreground, background) of every text pair the screens draw."""
        return [
            ("text on background", self.text, self.background),
            ("text on surface", self.text, self.surface),
            ("muted text on background", self.muted_text, self.background),
            ("label on primary button", self.on_primary, self.primary),
            ("label on error", self.on_error, self.error),
        ]


DEFAULT = Theme(
    name="default",
    background="#FFFFFF",
    surface="#F1F4F8",
    text="#1A1A1A",
    muted_text="#505A66",
    primary="#0B5FA5",
    on_primary="#FFFFFF",
    error="#B00020",
    on_error="#FFFFFF",
    focus_ring="#E07800",
)

THEMES = {DEFAULT.name: DEFAULT}
