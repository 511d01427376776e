"""The report's chart kinds, drawn with matplotlib's object API on the Agg canvas.

No pyplot: a :class:`~matplotlib.figure.Figure` made directly has no global state and
needs no display, so it runs headless (Agg) and from any thread. Each chart is saved as
PNG (150 dpi: sharp on A4) and SVG, without timestamps so that the same data gives the
same files. Counts below the small-cell limit are never drawn to scale: their bar is
left out (or their heat-map cell left blank) and labelled "< 5".
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.dates import date2num, num2date
from matplotlib.figure import Figure

from kiosk.report.context import Context
from kiosk.report.style import BACKDROP, HEAT_HIGH, HEAT_LOW, SERIES, THEME

#: Figure width in inches: the text width of an A4 page with 15 mm margins.
WIDTH_IN = 7.0
DPI = 150

_RC: dict[Any, Any] = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.edgecolor": THEME["border"],
    "axes.labelcolor": THEME["text"],
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": THEME["secondary"],
    "grid.linewidth": 0.8,
    "xtick.color": THEME["text"],
    "ytick.color": THEME["text"],
    "text.color": THEME["text"],
    "legend.frameon": False,
    "hatch.linewidth": 1.0,
    "svg.hashsalt": "palu-kiosk-report",
    "figure.facecolor": THEME["background"],
}


@dataclass(frozen=True)
class Chart:
    """A drawn chart: ``name`` is the file name (``<name>.png``/``.svg``), ``caption``
    the finding in one sentence (also the picture's text alternative)."""

    name: str
    title: str
    caption: str
    png: bytes
    svg: bytes


def _figure(height_in: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(WIDTH_IN, height_in), layout="constrained")
    return figure, figure.add_subplot()


def _save(figure: Figure, name: str, title: str, caption: str) -> Chart:
    # The title is drawn in the picture too: the PNG and SVG files travel on their own.
    figure.suptitle(title, x=0.01, ha="left", fontsize=10, fontweight="bold")
    png, svg = io.BytesIO(), io.BytesIO()
    figure.savefig(png, format="png", dpi=DPI, metadata={"Software": None})
    # The layout is made; keep it for the SVG rather than work it out a second time
    # (the constrained layout is a third of the drawing time).
    figure.set_layout_engine("none")
    figure.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    return Chart(name, title, caption, png.getvalue(), svg.getvalue())


def _shown(ctx: Context, values: Sequence[float]) -> list[float]:
    """Values drawn to scale: small cells become 0 (labelled, not drawn)."""
    return [0.0 if ctx.suppressed(int(v)) and float(v).is_integer() else v for v in values]


def _label(ctx: Context, value: float, percent: bool) -> str:
    if percent:
        return ctx.percent(value)
    return ctx.count(int(value))


def hbars(
    ctx: Context,
    name: str,
    title: str,
    caption: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    percent: bool = False,
    xlabel: str = "",
    written: Sequence[str] | None = None,
) -> Chart:
    """One series of horizontal bars, largest first as given, each with its number.

    Counts by default (small ones labelled, not drawn); ``percent`` for shares; or
    measures drawn as given and labelled with ``written`` (the caller leaves out what
    may not be shown)."""
    with rc_context(_RC):
        figure, ax = _figure(max(1.6, 0.32 * len(labels) + 0.8))
        positions = list(range(len(labels)))[::-1]
        drawn = values if percent or written is not None else _shown(ctx, values)
        if written is None:
            written = [_label(ctx, value, percent) for value in values]
        style = SERIES[0]
        ax.barh(positions, drawn, color=style.colour, height=0.62)
        top = max([*drawn, 0.0001])
        for y, text, shown in zip(positions, written, drawn, strict=True):
            ax.text(shown + top * 0.01, y, text, va="center", fontsize=8)
        ax.set_yticks(positions, list(labels))
        ax.set_xlim(0, top * 1.15)
        if percent:
            ax.xaxis.set_major_formatter(lambda v, _: ctx.percent(v))
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(xlabel)
        return _save(figure, name, title, caption)


def grouped_bars(
    ctx: Context,
    name: str,
    title: str,
    caption: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    backdrop: tuple[str, Sequence[float | None]] | None = None,
) -> Chart:
    """Horizontal bars in groups (one bar per series), with an optional light backdrop
    bar behind each group (capacity behind registrations)."""
    with rc_context(_RC):
        figure, ax = _figure(max(2.0, 0.5 * len(labels) + 1.0))
        n = len(series)
        height = 0.8 / max(n, 1)
        positions = list(range(len(labels)))[::-1]
        if backdrop is not None:
            values = [0.0 if v is None else v for v in backdrop[1]]
            ax.barh(
                positions,
                values,
                height=0.9,
                color=BACKDROP,
                edgecolor=THEME["border"],
                linewidth=0.6,
                label=backdrop[0],
            )
        for index, (label, raw) in enumerate(series):
            style = SERIES[index % len(SERIES)]
            offsets = [p + 0.4 - height * (index + 0.5) for p in positions]
            drawn = _shown(ctx, raw)
            ax.barh(
                offsets,
                drawn,
                height=height * 0.92,
                color=style.colour,
                hatch=style.hatch,
                edgecolor=THEME["background"],
                label=label,
            )
            for y, value, shown in zip(offsets, raw, drawn, strict=True):
                ax.text(shown + 0.2, y, ctx.count(int(value)), va="center", fontsize=7)
        ax.set_yticks(positions, list(labels))
        ax.grid(axis="y", visible=False)
        ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=len(series) + 1, fontsize=8
        )
        return _save(figure, name, title, caption)


def stacked_hbars(
    ctx: Context,
    name: str,
    title: str,
    caption: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
) -> Chart:
    """Parts of a whole per row (used, no-show, cancelled ...), side by side."""
    with rc_context(_RC):
        figure, ax = _figure(max(1.8, 0.36 * len(labels) + 1.1))
        positions = list(range(len(labels)))[::-1]
        left = [0.0] * len(labels)
        for index, (label, raw) in enumerate(series):
            style = SERIES[index % len(SERIES)]
            drawn = _shown(ctx, raw)
            ax.barh(
                positions,
                drawn,
                left=left,
                height=0.62,
                color=style.colour,
                hatch=style.hatch,
                edgecolor=THEME["background"],
                label=label,
            )
            for y, x0, value, shown in zip(positions, left, raw, drawn, strict=True):
                if shown >= max(max(left), 1) * 0.06:
                    ax.text(
                        x0 + shown / 2,
                        y,
                        ctx.count(value),
                        va="center",
                        ha="center",
                        fontsize=7,
                        color=THEME["background"],
                        bbox={"boxstyle": "round,pad=0.15", "fc": style.colour, "lw": 0},
                    )
            left = [a + b for a, b in zip(left, drawn, strict=True)]
        ax.set_yticks(positions, list(labels))
        ax.grid(axis="y", visible=False)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=len(series), fontsize=8)
        return _save(figure, name, title, caption)


def lines(
    ctx: Context,
    name: str,
    title: str,
    caption: str,
    days: Sequence[date],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    ylabel: str = "",
    counts: bool = True,
) -> Chart:
    """Values over time, one line per series; small counts leave a gap."""
    with rc_context(_RC):
        figure, ax = _figure(2.8)
        for index, (label, values) in enumerate(series):
            style = SERIES[index % len(SERIES)]
            drawn = [
                math.nan if v is None or (counts and ctx.suppressed(int(v))) else v for v in values
            ]
            ax.plot(
                date2num(list(days)),
                drawn,
                color=style.colour,
                linestyle=style.line,
                marker=style.marker,
                markersize=3 if len(days) > 40 else 4,
                markevery=max(1, len(days) // 30),
                linewidth=1.4,
                label=label,
            )
        ax.set_ylim(bottom=0)
        ax.set_ylabel(ylabel)
        ax.xaxis.set_major_formatter(lambda v, _: _axis_day(ctx, v))
        ax.tick_params(axis="x", labelsize=8)
        if len(series) > 1:
            ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=len(series), fontsize=8)
        return _save(figure, name, title, caption)


def _axis_day(ctx: Context, value: float) -> str:
    return ctx.day(num2date(value).date(), "d MMM")


def heatmap(
    ctx: Context,
    name: str,
    title: str,
    caption: str,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[int]],
) -> Chart:
    """A weekday x hour grid: lightness carries the count, and each cell says it."""
    cmap = LinearSegmentedColormap.from_list("kiosk", [HEAT_LOW, HEAT_HIGH]).with_extremes(
        bad=THEME["surface"]
    )
    top = max([max(r, default=0) for r in values] + [1])
    grid = [[math.nan if ctx.suppressed(v) else v for v in row] for row in values]
    with rc_context({**_RC, "axes.grid": False}):
        figure, ax = _figure(0.32 * len(rows) + 1.0)
        ax.imshow(grid, cmap=cmap, vmin=0, vmax=top, aspect="auto")
        for y, row in enumerate(values):
            for x, value in enumerate(row):
                dark = not ctx.suppressed(value) and value > top * 0.55
                ax.text(
                    x,
                    y,
                    ctx.count(value) if value else "",
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color=THEME["background"] if dark else THEME["text"],
                )
        ax.set_xticks(range(len(columns)), list(columns), fontsize=7)
        ax.set_yticks(range(len(rows)), list(rows))
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        ax.tick_params(length=0)
        return _save(figure, name, title, caption)
