"""Every colour and font size the screens use comes from one :class:`Theme`.

Colours are ``#RRGGBB``. :func:`contrast` is WCAG 2.x's ratio, so tests can hold every
foreground/background pair to 4.5:1 (default) or 7:1 (high contrast), and every
non-text pair (focus ring, icons, control borders) to 3:1.

Three themes: :data:`DEFAULT`, :data:`HIGH_CONTRAST` (white and yellow on black, >= 7:1
for every text pair) and :data:`DARK`. :data:`THEMES` maps their names (the names
config and patron preferences use) to them.

The focus ring is drawn *outside* the focused widget with a gap of background colour
(:data:`FOCUS_RING_GAP_MM`), so its neighbours are the background and the surface, never
the widget's own fill: that is why :meth:`Theme.non_text_pairs` checks it against those.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

#: Gap between a focused widget and its ring, in millimetres (background colour).
FOCUS_RING_GAP_MM = 0.6


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
    # Added for accessibility; defaults are the default theme's so that a Theme built
    # with only the fields above still works.
    #: Fill of a selected item and its text.
    selected: str = "#D6E8FA"
    on_selected: str = "#0A1F33"
    #: Text of a disabled control (still readable: a kiosk patron must read why).
    disabled_text: str = "#5F6670"
    #: Icons drawn on the background or a surface.
    icon: str = "#0B5FA5"
    #: Outline of controls and cards (WCAG 1.4.11: >= 3:1 against the background).
    border: str = "#5F6B78"
    #: Width of the focus ring in millimetres on the panel (Kivy ``Line`` width in px =
    #: mm x px_per_mm).
    focus_ring_mm: float = 1.0

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
            ("error text on background", self.error, self.background),
            ("error text on surface", self.error, self.surface),
            ("label on selected", self.on_selected, self.selected),
            ("disabled text on background", self.disabled_text, self.background),
            ("disabled text on surface", self.disabled_text, self.surface),
        ]

    def non_text_pairs(self) -> list[tuple[str, str, str]]:
        """(name, colour, neighbour) of every non-text pair: WCAG 1.4.11 wants 3:1."""
        return [
            ("focus ring on background", self.focus_ring, self.background),
            ("focus ring on surface", self.focus_ring, self.surface),
            ("icon on background", self.icon, self.background),
            ("icon on surface", self.icon, self.surface),
            ("border on background", self.border, self.background),
            ("border on surface", self.border, self.surface),
            ("primary button on background", self.primary, self.background),
        ]

    def colours(self) -> dict[str, str]:
        """Every colour field by name (for tests and the screens' style sheet)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if isinstance(getattr(self, f.name), str) and str(getattr(self, f.name)).startswith("#")
        }


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
    # Darker than the first #E07800, which had only 2.8:1 against the surface.
    focus_ring="#A65200",
)

HIGH_CONTRAST = Theme(
    name="high_contrast",
    background="#000000",
    surface="#141414",
    text="#FFFFFF",
    muted_text="#E6E6E6",
    primary="#FFE600",
    on_primary="#000000",
    error="#FF9E9E",
    on_error="#000000",
    focus_ring="#00E5FF",
    selected="#FFFFFF",
    on_selected="#000000",
    disabled_text="#C8C8C8",
    icon="#FFFFFF",
    border="#FFFFFF",
    secondary="#2E2E2E",
    on_secondary="#FFFFFF",
    success="#7CF29A",
    warning="#FFC857",
    focus_ring_mm=1.4,
    # Larger glyphs too: high contrast is often chosen by low-vision patrons.
    body_mm=3.8,
    title_mm=5.5,
)

DARK = Theme(
    name="dark",
    background="#121212",
    surface="#1F2226",
    text="#ECEEF1",
    muted_text="#B9C0C8",
    primary="#8AB4F8",
    on_primary="#0A1A33",
    error="#F6AEA9",
    on_error="#2B0505",
    focus_ring="#FDD663",
    selected="#C2DAFB",
    on_selected="#0A1A33",
    disabled_text="#A3AAB3",
    icon="#ECEEF1",
    border="#8F98A3",
    secondary="#2C3440",
    on_secondary="#E3EAF3",
    success="#8BE0A4",
    warning="#F9C97C",
)

THEMES = {theme.name: theme for theme in (DEFAULT, HIGH_CONTRAST, DARK)}


def theme_named(name: str) -> Theme:
    """The theme called ``name``; the default theme for an unknown name (a patron
    preference saved by a newer kiosk version must not break sign-in)."""
    return THEMES.get(name, DEFAULT)


#: Button roles -> (fill colour, label colour) theme fields.
ROLES: dict[str, tuple[str, str]] = {
    "primary": ("primary", "on_primary"),
    "secondary": ("secondary", "on_secondary"),
    "danger": ("error", "on_error"),
    "quiet": ("surface", "text"),
}


def fill_rgba(role: str, theme: Theme, disabled: bool = False) -> tuple[float, float, float, float]:
    """The fill of a button of ``role`` (kv); a disabled one is drawn on the surface."""
    fill, _ink = ROLES.get(role, ROLES["primary"])
    return rgba(theme.surface if disabled else getattr(theme, fill))


def ink_rgba(role: str, theme: Theme, disabled: bool = False) -> tuple[float, float, float, float]:
    """The label colour of a button of ``role`` (kv); muted when disabled."""
    _fill, ink = ROLES.get(role, ROLES["primary"])
    return rgba(theme.muted_text if disabled else getattr(theme, ink))
