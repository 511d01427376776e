"""A short survey offered as the patron signs out (``services.surveys.offer``): one
question at a time with large answer buttons, always skippable, spoken in speech mode.

Answers stay in the dialog until the last question is answered; only then is one
anonymous response stored (``services.surveys.answer``). Skip stores a skip
(``services.surveys.skip``). A sign-out by the timeout meanwhile closes the dialog and
stores nothing. Layout in ``survey.kv``. UI thread only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk.domain.errors import KioskError
from kiosk.surveys.api import Survey
from screens import registry

#: Seconds the thanks stay on screen before the sign-out.
THANKS_S = 1.5


class SurveyDialog(ModalView):
    """``on_done`` runs once the patron answered or skipped (the caller signs out)."""

    heading = StringProperty("")
    progress = StringProperty("")
    question = StringProperty("")
    #: What the scale's ends mean ("" for a question with choices).
    hint = StringProperty("")
    #: One dict per answer button (``SurveyAnswer``): its words and its answer.
    answer_data = ListProperty([])
    #: The answers were stored: the thanks are shown, no buttons.
    thanked = BooleanProperty(False)
    #: A scale question: its five buttons in one row.
    scale = BooleanProperty(False)

    def __init__(self, survey: Survey, on_done: Callable[[], None], **kwargs: Any) -> None:
        registry.load_kv("survey")
        super().__init__(**kwargs)
        self.survey = survey
        self.on_done = on_done
        self.index = 0
        self.answers: dict[str, str] = {}
        self._finished = False

    @property
    def app(self) -> Any:
        return App.get_running_app()

    def show(self) -> None:
        self.open(animation=False)
        self.render(first=True)

    def render(self, first: bool = False) -> None:
        """The current question in the screen's language, said in speech mode (the
        survey's title and that it may be skipped first)."""
        app, language = self.app, self.app.language
        question = self.survey.questions[self.index]
        self.heading = self.survey.title(language)
        total = len(self.survey.questions)
        self.progress = app.tr("ui.survey.progress", number=self.index + 1, total=total)
        self.question = question.text(language)
        self.scale = question.kind == "scale"
        self.hint = app.tr("ui.survey.scale") if self.scale else ""
        if self.scale:
            shown = [(a, a) for a in question.answers]
        else:
            shown = [(c.text(language), c.key) for c in question.choices]
        self.answer_data = [{"text": t, "answer": a, "dialog": self} for t, a in shown]
        said = [self.progress + ":", self.question, self.hint]
        if first:
            said = [self.heading + ".", app.tr("ui.survey.intro") + ".", *said]
        app.announce(" ".join(p for p in said if p))

    def choose(self, answer: str) -> None:
        """An answer button: the next question, or the response stored after the last."""
        if self._finished:
            return
        self.answers[self.survey.questions[self.index].id] = answer
        if self.index + 1 < len(self.survey.questions):
            self.index += 1
            self.render()
            return
        self._finished = True
        services, survey_id, answers = self.app.services, self.survey.id, dict(self.answers)
        self.app.call(
            lambda: services.surveys.answer(survey_id, answers),
            lambda _r: self._thank(),
            self._failed,
            quick=True,
        )

    def skip(self) -> None:
        if self._finished:
            return
        self._finished = True
        services, survey_id = self.app.services, self.survey.id
        self.app.call(
            lambda: services.surveys.skip(survey_id),
            lambda _r: self._close(),
            self._failed,
            quick=True,
        )

    def _thank(self) -> None:
        self.thanked = True
        self.question = self.app.tr("ui.survey.thanks")
        self.progress = self.hint = ""
        self.answer_data = []
        self.app.announce(self.question)
        Clock.schedule_once(lambda _dt: self._close(), THANKS_S)

    def _failed(self, error: KioskError) -> None:
        # The survey ended meanwhile (or the database refused): said, then goodbye.
        self.app.alert(self.app.describe(error))
        self._close()

    def _close(self) -> None:
        if self.get_parent_window() is None:
            return  # closed by a sign-out (the timeout) meanwhile: nothing more to do
        self.dismiss(animation=False)
        self.on_done()
