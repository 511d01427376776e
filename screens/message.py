"""A screen's message: what just happened, as a state mark and words. It is kept as a
message key and its params, so that a language switch words it again; the screen's
kv rule shows ``root.message`` (and ``root.message_mark``)."""

from __future__ import annotations

from typing import Any

from kivy.properties import DictProperty, StringProperty

from screens.base import KioskScreen

#: The marks of a message (the Mark widget's kinds).
OK, REFUSED, INFO = "ok", "refused", "info"


class MessageScreen(KioskScreen):
    """A screen with one message line (booking, printing, sign-in, PIN change)."""

    message_mark = StringProperty("")
    message_key = StringProperty("")
    message_params = DictProperty({})
    #: The message in the screen's language ("" without one).
    message = StringProperty("")

    def set_message(self, key: str, params: dict[str, Any] | None = None, mark: str = "") -> None:
        """Shows ``key`` with ``params`` (``key`` "": none), unspoken."""
        self.message_mark = mark if key else ""
        self.message_key = key
        self.message_params = dict(params or {})
        self.word_message()

    def say(self, mark: str, key: str, params: dict[str, Any] | None = None) -> None:
        """Shows and says it: a refusal always (an alert), anything else in speech mode."""
        self.set_message(key, params, mark)
        if key and mark == REFUSED:
            self.app.alert(self.message)
        elif key:
            self.app.announce(self.message)

    def clear_message(self) -> None:
        self.set_message("")

    def word_message(self) -> None:
        """The message again, in the language of now (a language switch calls it)."""
        key = self.message_key
        if not key:
            self.message = ""
            return
        self.message = self.app.tr(key, **self.message_words(dict(self.message_params)))

    def message_words(self, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` as the message's words: a screen words its own kinds of params
        (a booking's time, a printer's problem) in the language of now."""
        return params
