"""Feedback: a 1-5 rating with faces and an optional short comment typed on the
on-screen keyboard. Anonymous: nothing about the patron is sent with it."""

from __future__ import annotations

from kivy.properties import NumericProperty, StringProperty

from kiosk.domain.errors import KioskError
from screens.base import KioskScreen
from screens.widgets import TextEntry

MAX_COMMENT = 280


class FeedbackScreen(KioskScreen):
    needs_patron = True
    rating = NumericProperty(0)
    comment = StringProperty("")
    #: "", sending, sent, or an error message key.
    status_key = StringProperty("")
    status = StringProperty("")

    def choose(self, level: int) -> None:
        self.rating = level
        if self.status_key != "ui.feedback.sent":
            self._status("")

    def edit_comment(self) -> None:
        entry = TextEntry(
            title=self.app.tr("ui.feedback.comment_title"),
            layout="text",
            max_length=MAX_COMMENT,
            value=self.comment,
            on_submit=self._set_comment,
        )
        entry.open(animation=False)

    def _set_comment(self, text: str) -> None:
        self.comment = text

    def send(self) -> None:
        services = self.app.services
        if services is None:
            return
        if not self.rating:
            self._status("ui.feedback.choose_first")
            self.app.alert(self.status)
            return
        rating, comment, lang = self.rating, self.comment or None, self.app.language
        self._status("ui.feedback.sending")
        self.app.call(
            lambda: services.feedback.submit(rating, comment, lang),
            lambda _r: self._sent(),
            self._failed,
            quick=True,
        )

    def _sent(self) -> None:
        self.rating = 0
        self.comment = ""
        self._status("ui.feedback.sent")
        self.app.announce(self.status)

    def _failed(self, error: KioskError) -> None:
        self._status(error.key)
        self.app.alert(self.status)

    def _status(self, key: str) -> None:
        self.status_key = key
        self.render()

    def render(self) -> None:
        self.status = self.app.tr(self.status_key) if self.status_key else ""

    def on_pre_enter(self, *_args: object) -> None:
        if self.status_key == "ui.feedback.sent":
            self._status("")

    def reset(self) -> None:
        self.rating = 0
        self.comment = ""
        self._status("")
