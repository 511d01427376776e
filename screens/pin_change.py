"""Set or change my PIN: any signed-in patron, on the same masked PIN pad as sign-in.

Steps: the current PIN (only when the patron has one), the new PIN, the new PIN again,
then the service sets it (scrypt: on the worker). Holding the card proves who the
patron is, so a first PIN needs the card tapped at sign-in; a card number typed on the
keyboard is not enough. The digits are never shown or spoken (a tone per digit)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kivy.properties import StringProperty

from kiosk.domain.errors import KioskError
from kiosk.pins import valid_pin
from screens.base import Panes
from screens.message import REFUSED, MessageScreen

MAX_PIN = 8
#: What each step asks, by mode: the sentence, and the short one for large text (so
#: that the dots and Cancel stay in view beside the pad on an 800x480 panel).
PROMPTS = {
    "old": ("ui.pin.old_prompt", "ui.pin.old_prompt_short"),
    "new": ("ui.pin.new_prompt", "ui.pin.new_prompt_short"),
    "confirm": ("ui.pin.confirm_prompt", "ui.pin.confirm_prompt_short"),
    "checking": ("ui.pin.saving", "ui.pin.saving_short"),
}


class PinChangeScreen(MessageScreen):
    needs_patron = True
    #: old, new, confirm (typing), checking (the service sets it), done, refused
    #: (a first PIN without the card in hand).
    mode = StringProperty("new")
    pin = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._old: str | None = None
        self._new: str | None = None

    def on_kv_post(self, _base: Any) -> None:
        self._panes = Panes(self, ("typing", "result"))
        self.bind(mode=lambda *_: self._show_pane())
        self._show_pane()

    def _show_pane(self) -> None:
        self._panes.show("result" if self.mode in ("done", "refused") else "typing")

    def refresh(self) -> None:
        self._start()

    def _start(self, key: str = "", **params: Any) -> None:
        patron = self.app.session.patron
        self._old = self._new = None
        self.pin = ""
        if patron is not None and patron.has_pin:
            self.mode = "old"
        elif not self.app.session.card_in_hand:
            self.mode = "refused"
            key = key or "pin.card_in_hand"
        else:
            self.mode = "new"
        self._say(key, params)

    # -- typing ------------------------------------------------------------------------
    def add_digit(self, digit: str) -> None:
        if len(self.pin) < MAX_PIN:
            self.pin += digit
            self.app.speech.pin_key()  # a tone or "star", never the digit

    def delete_digit(self) -> None:
        self.pin = self.pin[:-1]

    def submit(self) -> None:
        typed, self.pin = self.pin, ""
        if not typed:
            return
        if self.mode == "old":
            self._old = typed
            self.mode = "new"
            self._say("")
        elif self.mode == "new":
            if not valid_pin(typed):
                self._say("pin.invalid")
                return
            self._new = typed
            self.mode = "confirm"
            self._say("")
        elif self.mode == "confirm":
            if typed != self._new:
                self._new = None
                self.mode = "new"
                self._say("pin.mismatch")
                return
            self._save(typed)

    @staticmethod
    def prompt_for(mode: str, text_scale: float) -> str:
        """The message key of what step ``mode`` asks, at ``text_scale``."""
        sentence, short = PROMPTS.get(mode, PROMPTS["new"])
        return short if text_scale >= 1.5 else sentence

    # -- saving, on the worker (scrypt takes ~0.1 s on purpose) --------------------------
    def _save(self, new_pin: str) -> None:
        services = self.app.services
        patron = self.app.session.patron
        if services is None or patron is None:
            return
        self.mode = "checking"
        ref, old = patron.ref, self._old
        circulation = services.circulation
        self.app.call(
            lambda: circulation.set_pin(ref, new_pin, old), lambda _: self._saved(), self._refused
        )

    def _saved(self) -> None:
        patron = self.app.session.patron
        if patron is not None:
            # The session's patron now has a PIN: a second change asks for it.
            self.app.session.patron = replace(patron, has_pin=True)
        self._old = self._new = None
        self.mode = "done"
        self._say("")
        self.app.speech.say(self.app.tr("ui.pin.done"), alert=True)

    def _refused(self, error: KioskError) -> None:
        if error.key == "circulation.card_locked":
            # Too many wrong PINs: the card is locked; nothing more to try here.
            self.mode = "refused"
            self._say(error.key, error.params)
            return
        self._start(error.key, **error.params)

    # -- messages ----------------------------------------------------------------------
    def _say(self, key: str, params: dict[str, Any] | None = None) -> None:
        """A problem with the PIN: shown and said (an alert)."""
        self.say(REFUSED, key, params)

    def render(self) -> None:
        self.word_message()

    def reset(self) -> None:
        self._old = self._new = None
        self.pin = ""
        self.clear_message()
        self.mode = "new"
