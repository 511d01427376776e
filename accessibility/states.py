"""How a control shows its state without relying on colour (WCAG 1.4.1).

Every state the screens draw (normal, error, selected, disabled) is a
:class:`StateStyle`: besides its colours it has a text prefix, a shape mark, a spoken and
shown label and a border width/style, so two states never differ by colour alone. The
screens read these as data (``STATE_STYLES[state]``); speech uses ``label_key``.

Sizes are millimetres on the panel; turn them into pixels with
:func:`accessibility.scaling.mm_to_px`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from accessibility.theme import Theme

State = Literal["normal", "error", "selected", "disabled"]
#: What the screens draw beside the text: a check mark, an alert triangle, nothing.
Mark = Literal["none", "check", "alert"]
BorderStyle = Literal["solid", "dashed"]


@dataclass(frozen=True)
class StateStyle:
    """The non-colour cues of one state, plus which theme colours it uses."""

    state: State
    #: Put before the control's text (shown, not spoken: ``label_key`` is spoken).
    text_prefix: str
    #: A shape drawn at the control's left edge.
    mark: Mark
    #: Message key of the state's name, shown beside the control and spoken after its
    #: role ("Perpanjang, tombol, dipilih"); empty for the normal state.
    label_key: str
    border_mm: float
    border_style: BorderStyle
    #: Theme field names of the text and fill colours.
    text_colour: str
    fill_colour: str

    def colours(self, theme: Theme) -> tuple[str, str]:
        """(text, fill) colours of this state in ``theme``."""
        return getattr(theme, self.text_colour), getattr(theme, self.fill_colour)

    def cues(self) -> tuple[str, Mark, str, float, BorderStyle]:
        """Everything but colour: what tells this state apart in greyscale."""
        return (self.text_prefix, self.mark, self.label_key, self.border_mm, self.border_style)


STATE_STYLES: dict[State, StateStyle] = {
    "normal": StateStyle("normal", "", "none", "", 0.4, "solid", "text", "surface"),
    # No "!" glyph before an error's text (issue 14): the thick outline and the alert
    # mark set it apart, and speech says the state's name.
    "error": StateStyle(
        "error", "", "alert", "a11y.state.error", 1.0, "solid", "error", "background"
    ),
    "selected": StateStyle(
        "selected", "", "check", "a11y.state.selected", 1.0, "solid", "on_selected", "selected"
    ),
    "disabled": StateStyle(
        "disabled", "", "none", "a11y.state.disabled", 0.4, "dashed", "disabled_text", "surface"
    ),
}


def style(state: State) -> StateStyle:
    return STATE_STYLES[state]


def greyscale(colour: str) -> int:
    """``#RRGGBB`` -> its grey level 0-255 (relative luminance, as a greyscale
    printout or a colour-blind eye might see it)."""
    from accessibility.theme import luminance

    linear = luminance(colour)
    srgb = linear * 12.92 if linear <= 0.0031308 else 1.055 * linear ** (1 / 2.4) - 0.055
    return round(srgb * 255)
