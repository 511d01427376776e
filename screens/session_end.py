"""The end of a transaction: "Anything else?" after a receipt's Done, with a countdown
to sign-out (driven by :class:`~screens.session_control.SessionController`, which owns
the time; this module is only the dialog). Layout in ``session_end.kv``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.properties import NumericProperty, StringProperty
from kivy.uix.modalview import ModalView

from screens import registry


class AnythingElse(ModalView):
    """ "Anything else?": Yes, continue (``on_stay``) or No, sign me out
    (``on_leave``). No ``title``: the keypad says nothing over what the session
    controller announces as it opens."""

    heading = StringProperty("")
    #: The countdown in words, refreshed every tick.
    text = StringProperty("")
    seconds_left = NumericProperty(0)

    def __init__(
        self, on_stay: Callable[[], None], on_leave: Callable[[], None], **kwargs: Any
    ) -> None:
        registry.load_kv("session_end")
        super().__init__(**kwargs)
        self.on_stay = on_stay
        self.on_leave = on_leave
