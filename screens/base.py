"""What every screen shares: its hooks for device events, language switches and the
end of a patron's session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kivy.app import App
from kivy.uix.screenmanager import Screen

from kiosk.domain.events import CardTapped, TagsRead
from screens.widgets import Header

if TYPE_CHECKING:
    from screens.kiosk_app import KioskApp


class KioskScreen(Screen):
    """Base of every screen. Runs on the UI thread only.

    ``needs_patron``: the screen shows a signed-in patron's data; the app never shows
    it without one. Subclasses override the hooks they need.
    """

    needs_patron = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.needs_patron:
            for widget in self.walk(restrict=True):
                if isinstance(widget, Header):
                    widget.patron_only = True

    @property
    def app(self) -> KioskApp:
        return App.get_running_app()

    def on_pre_enter(self, *_args: Any) -> None:
        self.refresh()

    # -- hooks -----------------------------------------------------------------
    def refresh(self) -> None:
        """Fetch what the screen shows (through the app's worker). Called on entry."""

    def render(self) -> None:
        """Rebuild the rows drawn from Python data: on a language switch, and after
        the data changed. Labels written in kv re-render by themselves."""

    def reset(self) -> None:
        """Forget everything about the patron and any half-typed input (sign-out)."""

    def on_card(self, event: CardTapped) -> bool:
        """A card was tapped while this screen is shown; True when handled here."""
        return False

    def on_item(self, barcode: str) -> bool:
        """An item barcode was scanned (or typed); True when handled here."""
        return False

    def on_tags(self, event: TagsRead) -> bool:
        """The RFID item pad's tags changed; True when handled here."""
        return False


class Panes:
    """A screen's panes, one in the tree at a time: the kv rule declares each as
    ``<name>_pane`` beside the screen's ``body``; :meth:`show` puts one into ``body``.
    A pane out of the tree keeps its widgets, state and keypad order for next time."""

    def __init__(self, screen: KioskScreen, names: tuple[str, ...]) -> None:
        # ids hold weak references; panes out of the tree need strong ones.
        self._panes = {name: getattr(screen.ids, f"{name}_pane").__self__ for name in names}
        for pane in self._panes.values():
            pane.parent.remove_widget(pane)
        self._body = screen.ids.body.__self__

    def show(self, name: str) -> None:
        self._body.clear_widgets()
        self._body.add_widget(self._panes[name])
