"""Text scaling and physical sizes on the configured panel.

Sizes in the themes are millimetres of *cap height* (the height of a capital I), because
that is what Section 508 402.4 measures (>= 4.8 mm for large text). Pixels come from the
panel's real size in config (``config.display.px_per_mm``), never from Kivy's ``dp``,
which guesses the density.

Kivy's ``font_size`` is the font's em size in pixels; a capital letter is
:data:`CAP_HEIGHT_RATIO` of that in Roboto, Kivy's default font. Everything here is pure
arithmetic: no Kivy, safe on any thread.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from accessibility.theme import Theme

# The text scales a patron can choose (1.0, 1.5, 2.0) are defined once, in the config
# that validates ``[accessibility] text_scale``; re-exported here for the screens.
from kiosk.config import TEXT_SCALES as TEXT_SCALES

#: Cap height / em of Roboto (1456 / 2048 units), Kivy's default font.
CAP_HEIGHT_RATIO = 1456 / 2048
#: Section 508 402.4: capital I at least 4.8 mm when large text is on.
LARGE_TEXT_CAP_MM = 4.8
#: WCAG 2.5.5 (AAA): 44 CSS px, about 11.4 mm. Every touch target is at least this.
TOUCH_TARGET_MM = 11.4


def check_scale(scale: float) -> float:
    """``scale`` if it is one of :data:`TEXT_SCALES`, else ValueError."""
    if scale not in TEXT_SCALES:
        raise ValueError(f"a text scale of {TEXT_SCALES}, not {scale!r}")
    return scale


def mm_to_px(mm: float, px_per_mm: float) -> int:
    """Millimetres on the panel -> device pixels, rounded up (never smaller than asked)."""
    return math.ceil(mm * px_per_mm - 1e-9)


def font_px(cap_mm: float, scale: float, px_per_mm: float) -> int:
    """Kivy ``font_size`` in pixels whose capital letters are ``cap_mm`` x ``scale`` mm
    tall on the panel."""
    return math.ceil(cap_mm * check_scale(scale) * px_per_mm / CAP_HEIGHT_RATIO - 1e-9)


def large_text_min_px(px_per_mm: float) -> int:
    """The smallest ``font_size`` whose capital I is :data:`LARGE_TEXT_CAP_MM` (4.8 mm)
    on the panel: a label shrunk to fit at large text never goes below it."""
    return math.ceil(LARGE_TEXT_CAP_MM * px_per_mm / CAP_HEIGHT_RATIO - 1e-9)


def fitting_px(
    width_at: Callable[[int], float], room: float, start_px: int, min_px: int
) -> int | None:
    """The largest font size from ``start_px`` down to ``min_px`` at which the text is
    at most ``room`` wide (``width_at(size)`` measures it); None when not even
    ``min_px`` fits. Text widths grow with the size, so one proportional guess and a
    few steps down find it."""
    if width_at(start_px) <= room:
        return start_px
    size = max(min_px, min(start_px - 1, math.floor(start_px * room / width_at(start_px))))
    while size >= min_px:
        if width_at(size) <= room:
            return size
        size -= 1
    return None


def cap_height_mm(font_size_px: float, px_per_mm: float) -> float:
    """Height in mm of a capital I drawn at ``font_size_px`` (Roboto)."""
    return font_size_px * CAP_HEIGHT_RATIO / px_per_mm


def touch_target_px(px_per_mm: float, mm: float = TOUCH_TARGET_MM) -> int:
    """Smallest touch target side in device pixels (11.4 mm on a 7" panel is 60 px)."""
    return mm_to_px(mm, px_per_mm)


@dataclass(frozen=True)
class FontSizes:
    """Every text size and the touch target, in px, for one theme at one scale on one
    panel: what the app puts in the properties kv binds to (``app.font_px`` ...)."""

    scale: float
    body_px: int
    title_px: int
    heading_px: int
    small_px: int
    #: Minimum height of a control: the theme's touch target (11.4 mm), or 1.9 lines
    #: of body text when large text makes that taller.
    touch_px: int


def font_sizes(theme: Theme, scale: float, px_per_mm: float) -> FontSizes:
    """The sizes of ``theme`` at text ``scale`` on a panel of ``px_per_mm``."""
    body = font_px(theme.body_mm, scale, px_per_mm)
    return FontSizes(
        scale=check_scale(scale),
        body_px=body,
        title_px=font_px(theme.title_mm, scale, px_per_mm),
        heading_px=font_px(theme.heading_mm, scale, px_per_mm),
        small_px=font_px(theme.small_mm, scale, px_per_mm),
        touch_px=max(touch_target_px(px_per_mm, theme.touch_mm), round(body * 1.9)),
    )


# -- layout checks (pure functions the UI tests call on widgets' numbers) -----------
def is_clipped(
    texture_size: Sequence[float],
    size: Sequence[float],
    padding: Sequence[float] = (0, 0),
    tolerance_px: float = 0.5,
) -> bool:
    """True when a Label's rendered text (``texture_size``) does not fit its box.

    ``size`` is the widget's size. A Kivy Label's ``texture_size`` already includes its
    ``padding``, so leave ``padding`` at (0, 0) for Labels; pass (left+right,
    top+bottom) only for a widget that draws its text inside extra margins. Kivy draws
    the texture centred and cuts nothing by itself, so an oversize texture overflows
    into neighbours (or is cut by a StencilView): either way the clipping WCAG 1.4.4
    forbids. A half-pixel tolerance absorbs rounding.
    """
    tw, th = texture_size[0], texture_size[1]
    w, h = size[0] - padding[0], size[1] - padding[1]
    return tw > w + tolerance_px or th > h + tolerance_px


def label_is_clipped(label: object) -> bool:
    """:func:`is_clipped` for a Label-like object (``texture_size``, ``size``; any
    object with those attributes). A Label with ``shorten`` on counts as clipped: an
    ellipsis hides text just as an overflow does, and patron text must never use it."""
    texture = getattr(label, "texture_size", (0, 0))
    size = getattr(label, "size", (0, 0))
    if getattr(label, "shorten", False) and getattr(label, "text", ""):
        return True  # shortening is never acceptable for patron-facing text
    return is_clipped(texture, size)


Rect = tuple[float, float, float, float]
"""(x, y, width, height) in window pixels."""


def overlaps(a: Rect, b: Rect, tolerance_px: float = 0.5) -> bool:
    """True when two rectangles share more than a sliver (touching edges do not count)."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    dx = min(ax + aw, bx + bw) - max(ax, bx)
    dy = min(ay + ah, by + bh) - max(ay, by)
    return dx > tolerance_px and dy > tolerance_px


def text_rect(pos: Sequence[float], size: Sequence[float], texture_size: Sequence[float]) -> Rect:
    """Where a Label's text actually is: its texture centred in the widget (Kivy's
    default ``halign``/``valign`` centre; use the widget box for other alignments)."""
    x, y = pos[0], pos[1]
    w, h = size[0], size[1]
    tw, th = texture_size[0], texture_size[1]
    return (x + (w - tw) / 2, y + (h - th) / 2, float(tw), float(th))


def overlapping_pairs(rects: Sequence[tuple[str, Rect]]) -> list[tuple[str, str]]:
    """Names of every pair of text rectangles that overlap."""
    found = []
    for i, (name_a, a) in enumerate(rects):
        for name_b, b in rects[i + 1 :]:
            if overlaps(a, b):
                found.append((name_a, name_b))
    return found


def target_too_small(size: Sequence[float], px_per_mm: float) -> bool:
    """True when a touch target is smaller than 11.4 mm on either side. Layouts share
    space out in floats (three rows of 180 px are 59.999... each): a hundredth of a
    pixel is not smaller."""
    need = touch_target_px(px_per_mm) - 0.01
    return size[0] < need or size[1] < need
