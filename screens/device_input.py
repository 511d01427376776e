"""Device input on the UI thread: card taps, item scans and RFID tag reads go to the
screen showing, or start what they mean from where the patron is; device health is kept
for staff mode.

Events come from the bus through the app's one :class:`~kiosk.bus.Dispatcher`, already on
the UI thread. Each tap, scan or read counts as activity for the session timer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.bus import Dispatcher
from kiosk.domain.events import CardTapped, DeviceStatus, ItemScanned, TagsRead

if TYPE_CHECKING:
    from screens.kiosk_app import KioskApp


class DeviceInput:
    def __init__(self, app: KioskApp) -> None:
        self.app = app
        #: Last health reported per device name (staff mode shows it; equipment state
        #: is the equipment controller's: ``services.equipment``).
        self.status: dict[str, DeviceStatus] = {}

    def subscribe(self, dispatcher: Dispatcher) -> None:
        dispatcher.subscribe(CardTapped, self._on_card)
        dispatcher.subscribe(ItemScanned, self._on_item)
        dispatcher.subscribe(TagsRead, self._on_tags)
        dispatcher.subscribe(DeviceStatus, self._on_device_status)

    def _on_card(self, event: CardTapped) -> None:
        app = self.app
        app.session_control.activity()
        if app.current_screen().on_card(event):
            return
        if not app.session.signed_in:
            app.screen("signin").start_with_card(event)

    def _on_item(self, event: ItemScanned) -> None:
        app = self.app
        app.session_control.activity()
        if app.current_screen().on_item(event.barcode):
            return
        if app.current == "attract":
            # Scanning a book at the idle screen starts a return: no card needed.
            app.go("returns")
            app.screen("returns").on_item(event.barcode)
        elif app.current == "home":
            # A signed-in patron scanning at home wants to borrow it.
            app.go("borrow")
            app.screen("borrow").on_item(event.barcode)

    def _on_tags(self, event: TagsRead) -> None:
        self.app.session_control.activity()
        self.app.current_screen().on_tags(event)

    def _on_device_status(self, event: DeviceStatus) -> None:
        self.status[event.device] = event
        if self.app.current == "staff":
            self.app.current_screen().render()
