"""Keypad mode over the running app (EZ Access; docs/accessibility.md): which screen or
dialog the keys walk, the visible focus ring, Back, and the focused row kept in view.

The window's keys reach the :class:`~accessibility.keypad.KeypadNavigator` through one
:class:`~accessibility.kivy_focus.KeypadBinding`; before each key the app hears of the
activity and the items are brought up to date (a row added, a dialog opened). A new
screen, or a dialog that opens or closes, starts a new page: its title is spoken (speech
mode) and focus goes above its first item. UI thread only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kivy.clock import Clock
from kivy.core.window import Window

from accessibility.keypad import Focusable, Keymap, KeypadNavigator
from accessibility.kivy_focus import FocusRing, KeypadBinding
from accessibility.typing import DELETE_KEYS, ENTER_KEYS, typed_char
from screens.keypad import focusables, top_modal, visible
from screens.speech_glue import scroll_into_view
from screens.widgets import Keyboard, PinPad

if TYPE_CHECKING:
    from screens.kiosk_app import KioskApp

#: Kivy's key code of Escape: never passed on (it must not leave the app in kiosk mode).
ESCAPE = 27


def _header(screen: Any) -> Any:
    return next((w for w in screen.walk() if type(w).__name__ == "Header"), None)


def typing_target(root: Any) -> Keyboard | PinPad | None:
    """Where a patron types on ``root`` (the open dialog or the screen): its PIN pad or
    on-screen keyboard while it is shown and enabled; None elsewhere."""
    for widget in root.walk(restrict=True):
        if isinstance(widget, Keyboard | PinPad) and not widget.disabled and visible(widget):
            return widget
    return None


class KeypadGlue:
    def __init__(self, app: KioskApp, on_activity: Callable[[], None]) -> None:
        """Made in the app's ``build``, once its screen manager exists."""
        section = app.kiosk.config.accessibility
        self.app = app
        self.ring = FocusRing(app.theme, app.px_per_mm)
        self.navigator = KeypadNavigator(
            app.speech,
            Keymap(section.keymap),
            help_twice_s=section.help_twice_s,
            on_back=self._back,
            on_focus=self._focus,
        )
        self._on_activity = on_activity
        self._root: Any = None  # the screen or dialog the items are from
        self.binding = KeypadBinding(
            self.navigator, on_activity=self._before_key, keep={ESCAPE}, on_type=self.type_key
        )
        app.bind(theme=lambda _app, theme: self.ring.set_theme(theme))
        assert app.manager is not None
        app.manager.bind(current=lambda *_a: Clock.schedule_once(lambda _dt: self.page()))
        # A dialog opened or closed (a keyboard, a question, the timeout warning): after
        # its first layout the keypad moves into it, or back to the screen.
        Window.bind(children=lambda *_a: Clock.schedule_once(lambda _dt: self._modal_changed()))

    def _top(self) -> Any:
        return top_modal(Window) or self.app.current_screen()

    def items(self) -> list[Focusable]:
        """The focusables of the open dialog, else of the screen, in reading order."""
        return focusables(self._top(), self.app) if self.app.manager is not None else []

    def page(self) -> None:
        """A new screen or dialog: its items, and its title spoken in speech mode."""
        app = self.app
        modal = top_modal(Window)
        if modal is not None:
            title = str(getattr(modal, "title", "") or "")  # the dialog's, not the screen's
        else:
            header = _header(app.current_screen())
            title = header.title if header is not None and header.title else ""
            if not title and app.current == "attract":
                title = app.library_name
        self._root = self._top()
        self.navigator.set_items(self.items(), title)

    def _before_key(self) -> None:
        self._on_activity()
        # The same screen or dialog keeps its focus position over its current items;
        # one that opened or closed since starts at its top.
        if self._top() is not self._root:
            self.page()
        else:
            self.navigator.update_items(self.items())

    def type_key(self, key: str, modifiers: list[str]) -> bool:
        """A physical key where a patron types (accessibility.typing): True when it typed,
        deleted or submitted. In speech mode a PIN digit is heard as "digit entered",
        never as itself; other characters are said."""
        if self.app.manager is None:
            return False
        target = typing_target(self._top())
        if target is None:
            return False
        speech, pin = self.app.speech, isinstance(target, PinPad)
        if key in DELETE_KEYS:
            target.dispatch("on_delete")
            speech.say(self.app.tr("a11y.typing.deleted"))
            return True
        if key in ENTER_KEYS:
            if self.navigator.current is not None:
                return False  # keypad mode: Enter is Action on the focused item
            target.dispatch("on_submit")
            return True
        char = typed_char(key, modifiers, self.navigator.keymap)
        char = target.accepts(char) if char is not None else None
        if char is None:
            return False
        target.dispatch("on_key", char)
        if pin:
            speech.say(self.app.tr("a11y.typing.digit"))
        else:
            speech.say(self.app.tr("ui.keyboard.space") if char == " " else char)
        return True

    def _modal_changed(self) -> None:
        if self.app.manager is not None and self._top() is not self._root:
            self.page()  # opened or closed: its title now, focus at its top

    def _back(self) -> None:
        modal = top_modal(Window)
        if modal is not None:
            modal.dismiss()
            return
        header = _header(self.app.current_screen())
        if header is not None and header.back_to:
            self.app.go(header.back_to)

    def _focus(self, item: Focusable | None) -> None:
        if item is not None:
            scroll_into_view(item.widget)  # a row further down a list comes into view
        self.ring.follow(item)
