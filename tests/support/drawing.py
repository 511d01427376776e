"""What a screen draws that nobody sees. Kivy draws every instruction on a canvas in
every frame, also one made transparent or emptied: in Mesa's software renderer a
wide Line with no points costs about 1.3 ms a frame and a transparent dashed
outline 0.17 ms, and ten of them in the header took the card tap -> name time of
``python -m bench ui`` from 55 to 75 ms. Shapes that come and go are drawn by
``screens.widgets.Overlay``, which removes them when they are not seen."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: Shapes that cost a draw.
SHAPES = ("Line", "SmoothLine", "Rectangle", "RoundedRectangle", "Ellipse", "Mesh", "Triangle")


def instructions(group: Any, others: frozenset[int] | set[int] = frozenset()) -> Iterator[Any]:
    """The instructions of ``group`` in drawing order, into its groups, but not into
    another widget's canvas."""
    for instruction in group.children:
        if id(instruction) in others:
            continue
        if type(instruction).__name__ in ("Canvas", "CanvasBase", "InstructionGroup"):
            yield from instructions(instruction, others)
        else:
            yield instruction


def _has_area(shape: Any) -> bool:
    name = type(shape).__name__
    if name in ("Line", "SmoothLine"):
        return len(shape.points) >= 4
    if name in ("Rectangle", "RoundedRectangle", "Ellipse"):
        return shape.size[0] > 0 and shape.size[1] > 0
    return True


def unseen_drawing(root: Any) -> list[str]:
    """Each shape under ``root`` drawn in every frame but never seen: a wide Line
    without points, or a shape with an area in a fully transparent colour. Kivy's own
    scroll bars (transparent while there is nothing to scroll) are left out."""
    from kivy.uix.scrollview import ScrollView

    widgets = list(root.walk(restrict=True))
    canvases = {id(w.canvas) for w in widgets}
    found = []
    for widget in widgets:
        canvas = widget.canvas
        parts = [canvas.before, canvas]
        if not isinstance(widget, ScrollView):
            parts.append(canvas.after)
        for part in parts:
            alpha = 1.0
            own = canvases - {id(canvas)}
            # canvas.before/after are children of the canvas: walked as parts of their own.
            skip = own | {id(canvas.before), id(canvas.after)} if part is canvas else own
            for instruction in instructions(part, skip):
                name = type(instruction).__name__
                if name == "Color":
                    alpha = instruction.a
                elif name in SHAPES:
                    empty_wide = (
                        name == "Line" and instruction.width > 1 and not _has_area(instruction)
                    )
                    if empty_wide or (alpha == 0 and _has_area(instruction)):
                        what = "wide Line without points" if empty_wide else f"transparent {name}"
                        label = getattr(widget, "text", "") or getattr(widget, "key", "")
                        found.append(f"{type(widget).__name__} {label[:20]!r}: {what}")
    return found
