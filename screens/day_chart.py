"""A small bar chart of counts per day, drawn on the canvas in the app's theme (the
staff screen's week: :func:`kiosk.report.daily.daily_chart` says what to draw).

Drawn natively rather than as a matplotlib picture: matplotlib is slow to import on the
kiosk's Raspberry Pi, and a picture would not follow the theme or the text size. Look
in ``day_chart.kv``: a row per day, its weekday, a solid bar and the count after it; a
suppressed day (a small cell) is an outlined, hatched band labelled "< 5" (a different
shape, not only another colour, so it reads in greyscale too). Bars run across rather
than up: seven weekday names side by side do not fit the staff screen's narrow column
at the smallest text size, seven rows do, at every size.

The chart is one item for the keypad and speech (:attr:`DayChart.said`: every day and
its count in words), not fourteen labels. UI thread only.
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.graphics import Color, Line, Rectangle
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from screens import registry
from screens.data_list import DataBox
from screens.widgets import Overlay


class DayBar(BoxLayout):
    """One day: its weekday, a bar ``share`` (0-1) as long as the longest one can be,
    and its count as written after the bar."""

    label = StringProperty("")
    value = StringProperty("")
    share = NumericProperty(0.0)
    suppressed = BooleanProperty(False)
    #: The bar's rectangle (set by the kv rule).
    bar_x = NumericProperty(0.0)
    bar_y = NumericProperty(0.0)
    bar_width = NumericProperty(0.0)
    bar_height = NumericProperty(0.0)
    #: Widths of this day's weekday and count as drawn (the chart lines them up).
    label_width = NumericProperty(0.0)
    value_width = NumericProperty(0.0)
    #: The bar's colour (the theme's primary) and the band's (its text), from kv.
    bar_rgba = ColorProperty((0, 0, 0, 0))
    band_rgba = ColorProperty((0, 0, 0, 0))

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._bar = Overlay(
            self,
            self._shapes,
            "bar_x",
            "bar_y",
            "bar_width",
            "bar_height",
            "suppressed",
            "bar_rgba",
            "band_rgba",
        )

    def _shapes(self) -> list[Any]:
        """A solid bar, or for a suppressed day an outlined band with its hatching."""
        x, y, w, h = self.bar_x, self.bar_y, self.bar_width, self.bar_height
        if w <= 0 or h <= 0:
            return []
        if not self.suppressed:
            return [Color(*self.bar_rgba), Rectangle(pos=(x, y), size=(w, h))]
        return [
            Color(*self.band_rgba),
            Line(rectangle=(x, y, w, h), width=max(1.5, h * 0.08)),
            Line(points=self._hatch(), width=max(1.0, h * 0.05)),
        ]

    def _hatch(self) -> list[float]:
        """A zig-zag from the band's left end to its right, edge to edge: hatching that
        one Line draws."""
        left, right = self.bar_x, self.bar_x + self.bar_width
        bottom, top = self.bar_y, self.bar_y + self.bar_height
        step = max(2.0, self.bar_height * 0.6)
        points, x, at_bottom = [left, bottom], left, True
        while x < right:
            x = min(right, x + step)
            at_bottom = not at_bottom
            points += [x, bottom if at_bottom else top]
        return points


class DayChart(DataBox):
    """Bars from ``data`` (one :class:`DayBar` property dict per day), top to bottom."""

    #: What the keypad and speech say for the whole chart.
    said = StringProperty("")
    #: The widest weekday and the widest count of all days: every day's bar starts at
    #: the same place, and the longest bar leaves room for the widest count.
    label_width = NumericProperty(0.0)
    value_width = NumericProperty(0.0)

    def __init__(self, **kwargs: Any) -> None:
        registry.load_kv("day_chart")
        self._fit_later = Clock.create_trigger(self._fit)
        super().__init__(**kwargs)
        self.bind(data=self._fit_later)

    def add_widget(self, widget: Widget, *args: Any, **kwargs: Any) -> None:
        super().add_widget(widget, *args, **kwargs)
        widget.bind(label_width=self._fit_later, value_width=self._fit_later)

    def _fit(self, *_args: Any) -> None:
        bars = [child for child in self.children if isinstance(child, DayBar)]
        self.label_width = max((bar.label_width for bar in bars), default=0.0)
        self.value_width = max((bar.value_width for bar in bars), default=0.0)
