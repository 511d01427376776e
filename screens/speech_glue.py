"""Speech for every screen without code in any screen: "touch and hear" on the window's
touches, the attract screen's idle prompt, any touch interrupting speech, the speech
cache filled at start (:func:`attach_speech` sets all of it up), and keeping the keypad focus
in view.

- :class:`TouchGlue` sits in front of the widget tree (a handler bound to the window's
  ``on_touch_down``; returning True stops Kivy from dispatching the touch further).
  Outside speech mode it lets every touch through untouched. In speech mode a finger
  held >= ``touch_hear_ms`` on a control speaks it (name, role, state) and does not
  activate it; a quicker tap activates it on release, as a tap does.
- :class:`IdleGlue` speaks the idle prompt ("for speech, press the round green
  button") on the attract screen every ``idle_prompt_s`` of quiet, as an alert (heard
  with speech mode off, which is the point), never while a patron is signed in.

UI thread only (Kivy calls every handler here on it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.scrollview import ScrollView

from accessibility.keypad import Focusable, IdlePrompt, TouchAndHear
from accessibility.speech import prerender_in_background
from screens import registry

if TYPE_CHECKING:
    from screens.kiosk_app import KioskApp


def item_at(items: list[Focusable], x: float, y: float) -> Focusable | None:
    """The focusable under window point (x, y): the smallest one containing it (a row's
    button, not the row around it)."""
    best: tuple[float, Focusable] | None = None
    for item in items:
        widget: Any = item.widget
        if widget is None or widget.get_root_window() is None:
            continue
        left, bottom = widget.to_window(widget.x, widget.y)
        if left <= x <= left + widget.width and bottom <= y <= bottom + widget.height:
            area = float(widget.width * widget.height)
            if best is None or area < best[0]:
                best = (area, item)
    return best[1] if best is not None else None


def scroll_into_view(widget: Any) -> None:
    """Scroll the list holding ``widget`` so that the keypad focus is on screen."""
    node = widget.parent if widget is not None else None
    while node is not None and node is not node.parent:
        if isinstance(node, ScrollView):
            if node.children and widget is not node.children[0]:
                node.scroll_to(widget, padding=0, animate=False)
            return
        node = node.parent


def scroll_to_top(root: Any) -> None:
    """Every list under ``root`` back at its top: a screen starts where its reading
    order starts (the keypad may have scrolled it down last time)."""
    for widget in root.walk(restrict=True):
        if isinstance(widget, ScrollView):
            # A finger held on a page that could not scroll leaves its scroll effect
            # running (Kivy cancels it only where it scrolls): once the page grew, for
            # the next patron, it moved the page off its top.
            for effect in (widget.effect_x, widget.effect_y):
                if effect is not None:
                    effect.cancel()
            if widget.scroll_y != 1:
                widget.scroll_y = 1


class TouchGlue:
    """Touch and hear over the whole window (speech mode only)."""

    def __init__(self, app: KioskApp, hold_ms: int) -> None:
        self.app = app
        self.hearing = TouchAndHear(app.speech, hold_ms=hold_ms)
        self._touch: Any = None
        self._taken = False
        self._poll: Any = None
        Window.bind(on_touch_down=self._down, on_touch_move=self._move, on_touch_up=self._up)

    def unbind(self) -> None:
        Window.unbind(on_touch_down=self._down, on_touch_move=self._move, on_touch_up=self._up)

    def _items(self) -> list[Focusable]:
        keypad = self.app.keypad
        return keypad.items() if keypad is not None else []

    def _schedule_poll(self, delay: float | None = None) -> None:
        if self._poll is not None:
            self._poll.cancel()
        wait = self.hearing.hold_s if delay is None else delay
        self._poll = Clock.schedule_once(self._hear, wait)

    def _hear(self, _dt: float) -> None:
        # Kivy's clock may fire a hair before the hold is complete by the monotonic
        # clock: then ask again for the rest, or the finger is never heard.
        if not self.hearing.poll():
            left = self.hearing.remaining()
            if left is not None:
                self._schedule_poll(left)

    def _down(self, _window: Any, touch: Any) -> bool:
        if not self.app.speech.speech_mode or self._touch is not None:
            return False
        item = item_at(self._items(), *touch.pos)
        if item is None:
            return False
        self.app.activity()  # the touch never reaches the widgets: count it as activity
        self.app.speech.interrupt()  # a new action stops what is being said
        self._touch = touch
        self.hearing.press(item)
        self._schedule_poll()
        # Actionable: hold it back until the finger lifts (it may only want to hear).
        # Text and list rows: let the touch through too (a finger scrolls the list).
        self._taken = item.actionable
        return self._taken

    def _move(self, _window: Any, touch: Any) -> bool:
        if touch is not self._touch:
            return False
        item = item_at(self._items(), *touch.pos)
        if item is not None and item.widget is not self._item_widget():
            self.hearing.slide(item)
            self._schedule_poll()
        return self._taken

    def _item_widget(self) -> Any:
        current = self.hearing.item
        return current.widget if current is not None else None

    def _up(self, _window: Any, touch: Any) -> bool:
        if touch is not self._touch:
            return False
        item = self.hearing.item
        activate = self.hearing.release()
        if self._poll is not None:
            self._poll.cancel()
            self._poll = None
        taken, self._touch, self._taken = self._taken, None, False
        if activate and item is not None and item.actionable and taken:
            assert item.activate is not None
            item.activate()
        return taken


class IdleGlue:
    """The idle prompt on the attract screen, polled twice a second."""

    def __init__(
        self,
        app: KioskApp,
        interval_s: float,
        clock: Callable[[], float],
        key_names: Mapping[str, str],
    ) -> None:
        self.app = app
        self.prompt = IdlePrompt(
            app.speech, key_names=key_names, interval_s=interval_s, clock=clock
        )
        self._event = Clock.schedule_interval(self._tick, 0.5)

    def _tick(self, _dt: float) -> None:
        # Never return poll()'s False here: Kivy unschedules a callback returning False.
        self.poll()

    def stop(self) -> None:
        self._event.cancel()

    def poll(self) -> bool:
        from screens.keypad import top_modal

        app = self.app
        waiting = (
            app.manager is not None
            and app.current == "attract"
            and not app.session.signed_in
            and top_modal(Window) is None
        )
        if not waiting:
            self.prompt.activity()  # the interval starts again when attract shows
            return False
        return self.prompt.poll()

    def activity(self) -> None:
        self.prompt.activity()


def attach_speech(app: KioskApp, clock: Callable[[], float]) -> tuple[IdleGlue, TouchGlue]:
    """At app start: the idle prompt (on ``clock``), touch and hear, and the speech
    cache. Returns the glue objects (the app keeps them)."""
    section = app.kiosk.config.accessibility
    idle = IdleGlue(app, section.idle_prompt_s, clock, section.speech_keys())

    def touched(*_args: Any) -> None:
        # A new action stops what is being said (an alert too) and is activity.
        # Returns None: the touch goes on to the widgets.
        app.speech.interrupt()
        app.activity()

    # Window handlers bound later are called first; one returning True stops the rest.
    # Any touch is heard here before a widget may stop it; touch and hear, bound last,
    # sees a touch before anyone.
    Window.bind(on_touch_down=touched)
    touch = TouchGlue(app, section.touch_hear_ms)
    # The screens' titles and the accessibility prompts, synthesised once, off the UI
    # thread, so that the first words a patron asks for are heard at once.
    prerender_in_background(app.kiosk.speaker, registry.title_keys(), section.speech_keys())
    return idle, touch
