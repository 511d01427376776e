"""The demo panel (``kiosk demo`` only): taps demo cards on the simulated card reader
and scans demo items on the simulated scanner, so anyone can try every flow without
hardware.

Screens never import ``devices``: the simulators are reached through the kiosk's
device lists and recognised by duck typing (the two small protocols below).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from kivy.factory import Factory
from kivy.graphics import Color, Line
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView

from kiosk import demo
from kiosk.bootstrap import Kiosk
from kiosk.config import data_file
from screens.widgets import Overlay

#: Demo items worth trying, by barcode, with what makes them interesting (a key).
#: Barcodes follow kiosk.demo: copy c of title i is ``B{i * copies + c + 1:05d}``.
SPECIAL_ITEMS = {
    "B00001": "ui.demo.item.on_loan",
    "B00003": "ui.demo.item.fills_hold",
    "B00023": "ui.demo.item.on_hold_shelf",
}
UNKNOWN_ITEM = "X99999"


@runtime_checkable
class TapsCards(Protocol):
    """A card reader that can be told to see a card (the simulator)."""

    def tap(self, uid: str | None = None, number: str | None = None) -> bool: ...


@runtime_checkable
class ScansItems(Protocol):
    """An item scanner that can be told to read a barcode (the simulator)."""

    def scan(self, barcode: str) -> bool: ...


def demo_items(limit: int = 6) -> list[tuple[str, str, str]]:
    """(barcode, title, note key) of demo items: a few free ones and the special ones."""
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(data_file("demo_titles.csv").read_text("utf-8"))))
    copies = demo.COPIES_PER_TITLE
    titles = {
        f"B{index * copies + copy + 1:05d}": row["title"]
        for index, row in enumerate(rows)
        for copy in range(copies)
    }
    damaged = next(
        f"B{i * copies + 2:05d}" for i, row in enumerate(rows) if row["title"] == "Malin Kundang"
    )
    free = ["B00004", "B00005", "B00009", "B00011", "B00013", "B00015"][:limit]
    items = [(b, titles[b], "ui.demo.item.free") for b in free]
    items += [(b, titles[b], key) for b, key in SPECIAL_ITEMS.items()]
    items.append((damaged, titles[damaged], "ui.demo.item.damaged"))
    items.append((UNKNOWN_ITEM, "?", "ui.demo.item.unknown"))
    return items


class DemoPanel(BoxLayout):
    """A narrow strip beside the screens with one button that opens the demo sheet."""

    #: Large text: the slim strip, its button a drawn card (see demo_panel.kv).
    compact = BooleanProperty(False)

    def __init__(self, kiosk: Kiosk, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kiosk = kiosk
        button = self.ids.open_demo
        self._card = Overlay(button, self._card_strokes, "pos", "size", "color", "radius_px")
        self.bind(compact=self._card.redraw)

    def _card_strokes(self) -> list[Any]:
        """Compact: a card drawn on the button (its word is still its spoken name)."""
        if not self.compact:
            return []
        button = self.ids.open_demo
        x, cy, w = button.x, button.center_y, button.width
        width = max(1.5, w / 24)
        card = (x + w * 0.2, cy - w * 0.22, w * 0.6, w * 0.44, button.radius_px)
        stripe = [x + w * 0.3, cy - w * 0.08, x + w * 0.55, cy - w * 0.08]
        return [
            Color(*button.color),
            Line(rounded_rectangle=card, width=width),
            Line(points=stripe, width=width),
        ]

    def open_sheet(self) -> DemoSheet:
        sheet = DemoSheet(panel=self)
        sheet.open(animation=False)
        return sheet

    def reader(self) -> TapsCards | None:
        return next((r for r in self.kiosk.card_readers if isinstance(r, TapsCards)), None)

    def scanner(self) -> ScansItems | None:
        return next((s for s in self.kiosk.item_scanners if isinstance(s, ScansItems)), None)


class DemoSheet(ModalView):
    """The demo's cards and items. A card tap closes it (a sign-in follows); a scan
    keeps it open, so several items can be scanned in a row, and says what was scanned
    (the screen below shows each result)."""

    #: What the sheet says about the items scanned while it is open ("" before any).
    scanned_note = StringProperty("")

    def __init__(self, panel: DemoPanel, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.panel = panel
        self.scanned: list[str] = []
        self.fill()

    def fill(self) -> None:
        from kivy.app import App

        app: Any = App.get_running_app()
        cards = self.ids.card_list
        for card in demo.demo_cards():
            kind = app.tr(f"demo.kind.{card.kind}")
            pin = f" · PIN {card.pin}" if card.pin else ""
            button = Factory.DemoButton(text=f"{card.name}\n{kind}{pin}")
            button.bind(on_release=lambda _b, c=card: self.tap(c.card_key))
            cards.add_widget(button)
        items = self.ids.item_list
        for barcode, title, note in demo_items():
            button = Factory.DemoButton(text=f"{barcode} {title}\n{app.tr(note)}")
            button.bind(on_release=lambda _b, b=barcode: self.scan(b))
            items.add_widget(button)

    def tap(self, card_key: str) -> None:
        self.dismiss(animation=False)
        reader = self.panel.reader()
        if reader is not None:
            reader.tap(uid=card_key)

    def scan(self, barcode: str) -> None:
        from kivy.app import App

        scanner = self.panel.scanner()
        if scanner is None or not scanner.scan(barcode):
            return
        app: Any = App.get_running_app()
        self.scanned.append(barcode)
        self.scanned_note = app.tr("ui.demo.scanned", items=", ".join(self.scanned))
        app.announce(self.scanned_note)
