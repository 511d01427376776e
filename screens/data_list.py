"""Lists whose children are made from data, laid out by kv rules.

As a RecycleView, a :class:`DataBox` or :class:`DataGrid` takes ``viewclass`` (the kv
rule of a child) and ``data`` (one dict of properties per child), so a screen says what
to show and its ``.kv`` says how. Unlike a RecycleView it makes every child, not only
the visible ones: the keypad walk reaches each row, the focused row can be scrolled
into view, and touch-and-hear finds what is under the finger. A child keeps its widget
while only its properties change (the keypad's focus stays on it), and a child taken
out is used again for the next rows.
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget


class DataChildren:
    """The mixin: ``viewclass`` and ``data`` in, children out (in data order)."""

    viewclass = StringProperty("")
    data = ListProperty([])

    def on_data(self, *_args: Any) -> None:
        self._sync()

    def on_viewclass(self, *_args: Any) -> None:
        self._sync()

    def _sync(self) -> None:
        layout: Any = self
        if not self.viewclass:
            return
        cls = Factory.get(self.viewclass)
        shown: list[Widget] = list(reversed(layout.children))
        # Children taken out are kept for the next rows: a widget made per patron would
        # leave its kv bindings to the app behind, and the kiosk runs for months.
        spare: list[Widget] = self.__dict__.setdefault("_spare", [])
        if any(type(w) is not cls for w in shown):
            layout.clear_widgets()
            shown = []
            spare.clear()
        while len(shown) > len(self.data):
            child = shown.pop()
            layout.remove_widget(child)
            if getattr(child, "state", None) == "down":
                child.state = "normal"  # a row pressed as it went leaves no shading
            spare.append(child)
        while len(shown) < len(self.data):
            child = spare.pop() if spare and type(spare[-1]) is cls else cls()
            layout.add_widget(child)
            shown.append(child)
        for child, item in zip(shown, self.data, strict=True):
            for name, value in item.items():
                if getattr(child, name, None) != value:
                    setattr(child, name, value)


class DataBox(DataChildren, BoxLayout):
    """A BoxLayout of children made from ``data``."""


class DataGrid(DataChildren, GridLayout):
    """A GridLayout of children made from ``data``."""
