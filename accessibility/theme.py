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
    #: A quieter button (secondary actions) and its label.
    secondary: str = "#DCE5EF"
    on_secondary: str = "#12324F"
    #: Success (item borrowed, renewed) and warning (overdue) marks: each is always
    #: drawn with a word and an icon too, never as colour alone.
    success: str = "#1B6E3A"
    warning: str = "#8A4B00"
    #: Lines between rows and around inputs.
    border: str = "#B8C2CE"
    #: Font sizes in millimetres of cap height on the panel, before text scaling.
    body_mm: float = 3.4
    title_mm: float = 5.0
    small_mm: float = 2.8
    heading_mm: float = 4.0
    #: Smallest side of anything a finger must hit (WCAG 2.5.5: 44 CSS px ~ 11.4 mm).
    touch_mm: float = 11.4
    #: Gaps between controls and the corner radius of buttons and cards, in mm.
    gap_mm: float = 2.0
    radius_mm: float = 1.5

    def pairs(self) -> list[tuple[str, str, str]]:
        """(name, foreground, background) of every text pair the screens draw."""
        return [
            ("text on background", self.text, self.background),
            ("text on surface", self.text, self.surface),
            ("muted text on background", self.muted_text, self.background),
            ("label on primary button", self.on_primary, self.primary),
            ("label on error", self.on_error, self.error),
            ("label on secondary button", self.on_secondary, self.secondary),
            ("success text on background", self.success, self.background),
            ("success text on surface", self.success, self.surface),
            ("warning text on background", self.warning, self.background),
            ("warning text on surface", self.warning, self.surface),
            ("muted text on surface", self.muted_text, self.surface),
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
