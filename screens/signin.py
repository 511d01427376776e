"""Sign-in: a card tap from any reader, or the card number typed on the on-screen
keyboard; then the PIN pad (masked) for patrons with a PIN; kind messages for cards
that cannot be used. A refused typed number is shown on the refusal and kept in the
field for correction (Try again); a card only staff can help with (expired, blocked,
locked) offers Done instead of Try again."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from kiosk.circulation.api import Patron
from kiosk.domain.errors import KioskError
from kiosk.domain.events import CardTapped
from screens.base import Panes
from screens.message import REFUSED, MessageScreen
from screens.widgets import place_actions

#: Refusals whose advice is "see staff" (the card itself needs attention).
SEE_STAFF = {
    "circulation.card_expired",
    "circulation.card_blocked",
    "circulation.card_locked",
}
MAX_NUMBER = 20
MAX_PIN = 8


class SignInScreen(MessageScreen):
    #: number (typing the card number), checking, pin, message (a refusal).
    mode = StringProperty("number")
    typed = StringProperty("")
    pin = StringProperty("")
    #: The refused card number as the patron typed it ("" for a tapped card).
    refused_typed = StringProperty("")
    #: The refusal is one only staff can help with: Done, not Try again.
    see_staff = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._card: dict[str, str | None] = {}
        #: The card number was typed on the keyboard (not read from the card itself).
        self._typed = False

    def on_kv_post(self, _base: Any) -> None:
        # Strong references: the panes keep their widgets (ids are weak).
        self._message_pane = self.ids.message_pane.__self__
        self._message_actions = self.ids.message_actions.__self__
        self._panes = Panes(self, ("number", "checking", "pin", "message"))
        self.bind(mode=lambda *_: self._panes.show(self.mode))
        self._panes.show(self.mode)
        self.app.bind(text_scale=lambda _app, scale: self.place_actions(scale))
        self.place_actions(self.app.text_scale)

    def place_actions(self, scale: float) -> None:
        """A refusal's buttons below its explanation or, at large text, right below its
        title: Done (or Try again) in view without scrolling on an 800x480 panel."""
        place_actions(self._message_pane, self._message_actions, first=scale >= 1.5, after=1)

    # -- entry points ----------------------------------------------------------------
    def start_typing(self) -> None:
        self.reset()
        self.app.go("signin")

    def start_with_card(self, event: CardTapped) -> None:
        """A tap at the idle screen: check it there (the attract screen says
        "checking"), and come here only for a PIN or a refusal. One screen change
        instead of two keeps tap-to-name fast."""
        self.reset()
        if self.app.current != "attract":
            self.app.go("signin")
        self._check(uid=event.uid, number=event.number)

    def on_card(self, event: CardTapped) -> bool:
        # A new card replaces whatever was being typed or asked.
        self.reset()
        self._check(uid=event.uid, number=event.number)
        return True

    # -- typing the card number ------------------------------------------------------
    def add_char(self, char: str) -> None:
        if len(self.typed) < MAX_NUMBER:
            self.typed += char

    def delete_char(self) -> None:
        self.typed = self.typed[:-1]

    def submit_number(self) -> None:
        number = self.typed.strip()
        if number:
            self._typed = True  # before the check: on the local backend it answers at once
            self._check(uid=None, number=number)

    # -- PIN -------------------------------------------------------------------------
    def add_digit(self, digit: str) -> None:
        if len(self.pin) < MAX_PIN:
            self.pin += digit
            self.app.speech.pin_key()  # a tone or "star", never the digit

    def delete_digit(self) -> None:
        self.pin = self.pin[:-1]

    def submit_pin(self) -> None:
        if self.pin:
            pin, self.pin = self.pin, ""
            self._check(pin=pin, **self._card)

    @property
    def pin_mask(self) -> str:
        return "•" * len(self.pin)

    # -- the check, on the worker ----------------------------------------------------
    def _check(self, uid: str | None, number: str | None, pin: str | None = None) -> None:
        services = self.app.services
        if services is None:
            return
        self._card = {"uid": uid, "number": number}
        self.mode = "checking"
        self.app.checking_card = True
        circulation = services.circulation
        self.app.call(
            lambda: circulation.sign_in(uid=uid, number=number, pin=pin),
            self._signed_in,
            self._refused,
            # A PIN is checked with scrypt (~0.1 s on purpose): that one goes to the worker.
            quick=pin is None,
        )

    def _signed_in(self, patron: Patron) -> None:
        self.app.checking_card = False
        typed = self._typed
        self.reset()
        self.app.session_control.begin(patron, card_in_hand=not typed)

    def _refused(self, error: KioskError) -> None:
        self.app.checking_card = False
        if self.app.current != "signin":
            self.app.go("signin")
        if error.key == "circulation.pin_required":
            self.pin = ""
            self._set_message("", {})
            self.mode = "pin"
        elif error.key == "circulation.pin_wrong":
            self.pin = ""
            self._set_message(error.key, error.params)
            self.mode = "pin"
        else:
            self._card = {}
            # What was typed stays: shown on the refusal, and in the field on Try again.
            self.refused_typed = self.typed if self._typed else ""
            self._set_message(error.key, error.params)
            self.mode = "message"
        if self.message:
            said = [self.message]
            if self.mode == "message" and self.refused_typed:
                said.append(self.app.tr("ui.signin.you_typed", typed=self.refused_typed))
            self.app.alert(" ".join(said))

    def next_step(self) -> None:
        """The refusal's main button: Done (to the start) when only staff can help,
        else Try again."""
        if self.see_staff:
            self.reset()
            self.app.go("attract")
        else:
            self.try_again()

    def try_again(self) -> None:
        """Back to the card number, with the refused number kept for correction."""
        typed = self.refused_typed
        self.reset()
        self.typed = typed

    def _set_message(self, key: str, params: dict[str, Any]) -> None:
        """The refusal or PIN problem (spoken by the caller, with what was typed)."""
        self.see_staff = key in SEE_STAFF
        self.set_message(key, params, REFUSED)

    def render(self) -> None:
        self.word_message()

    def reset(self) -> None:
        self.app.checking_card = False
        self._card = {}
        self._typed = False
        self.typed = ""
        self.refused_typed = ""
        self.pin = ""
        self._set_message("", {})
        self.mode = "number"
