"""The kiosk's current accessibility settings, applied at sign-in and reset at sign-out.

:class:`AccessibilitySettings` is the one owner of the theme, text scale, language,
speech mode and longer timeouts a patron may choose. The app owns one and mirrors every
change into the Kivy properties kv binds to (``on_change`` receives a
:class:`Snapshot`); screens change a setting only through it. At sign-in the app calls
:meth:`AccessibilitySettings.apply` once with the patron's own choices (their language
and stored :class:`~kiosk.preferences.Preferences`, opt-in); at sign-out :meth:`reset`
puts every setting back to the kiosk's config defaults, so nothing of one patron's
choices (or speech volume) stays for the next. A change of speech mode made elsewhere
(the first keypad key turns it on) is reported too. UI thread only; no Kivy here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from accessibility.scaling import check_scale
from accessibility.speech import SpeechController
from accessibility.theme import Theme, theme_named
from accessibility.timeouts import TimeoutPolicy
from kiosk.config import AccessibilitySection
from kiosk.i18n import DEFAULT_LANGUAGE, LANGUAGES
from kiosk.ports import Speaker
from kiosk.preferences import Preferences


@dataclass(frozen=True)
class Snapshot:
    """The settings at one moment (what ``on_change`` receives)."""

    language: str
    theme: str
    text_scale: float
    speech: bool
    long_timeouts: bool


class AccessibilitySettings:
    def __init__(
        self,
        section: AccessibilitySection,
        speech: SpeechController,
        *,
        language: str = DEFAULT_LANGUAGE,
        on_change: Callable[[Snapshot], object] | None = None,
    ) -> None:
        self.section = section
        self.speech = speech
        self.default_language = language
        self.on_change = on_change
        self.base_policy = TimeoutPolicy.from_config(section)
        self.language = language
        self.theme_name: str = section.theme
        self.text_scale = check_scale(section.text_scale)
        self.long_timeouts = False
        self._batch = 0
        self.speech.default_language = language
        self.speech.default_speech_mode = section.speech_on_start
        self.speech.language = language
        self.speech.on_mode_change = lambda _on: self._changed()

    @property
    def theme(self) -> Theme:
        return theme_named(self.theme_name)

    @property
    def policy(self) -> TimeoutPolicy:
        """The timeout policy for the current patron."""
        return self.base_policy.for_patron(self.long_timeouts)

    def snapshot(self) -> Snapshot:
        return Snapshot(
            self.language,
            self.theme_name,
            self.text_scale,
            self.speech.speech_mode,
            self.long_timeouts,
        )

    def _changed(self) -> None:
        if self.on_change is not None and not self._batch:
            self.on_change(self.snapshot())

    @contextmanager
    def _one_change(self) -> Iterator[None]:
        """Several settings change, ``on_change`` hears of it once, at the end (a
        language change re-renders every screen: once at sign-in, not per setting)."""
        self._batch += 1
        try:
            yield
        finally:
            self._batch -= 1
        self._changed()

    # -- at any moment (the accessibility screen, the header) -------------------------
    def set_language(self, language: str) -> None:
        self.speech.language = language  # validates
        self.language = language
        self._changed()

    def toggle_language(self) -> None:
        """The header's language button: the next of the kiosk's languages."""
        index = LANGUAGES.index(self.language)
        self.set_language(LANGUAGES[(index + 1) % len(LANGUAGES)])

    def set_theme(self, name: str) -> None:
        self.theme_name = theme_named(name).name
        self._changed()

    def set_text_scale(self, scale: float) -> None:
        self.text_scale = check_scale(scale)
        self._changed()

    def set_speech(self, on: bool) -> None:
        with self._one_change():
            self.speech.set_speech_mode(on)

    def set_long_timeouts(self, on: bool) -> None:
        """Longer timeouts for this patron (:attr:`policy` stretches)."""
        self.long_timeouts = on
        self._changed()

    # -- sign-in / sign-out ---------------------------------------------------------
    def apply(self, preferences: Preferences) -> None:
        """Sign-in: the patron's own choices override the kiosk defaults (one
        ``on_change``)."""
        with self._one_change():
            if preferences.language is not None:
                self.speech.language = preferences.language
                self.language = preferences.language
            if preferences.theme is not None:
                self.theme_name = theme_named(preferences.theme).name
            if preferences.text_scale is not None:
                self.text_scale = check_scale(preferences.text_scale)
            if preferences.speech is not None:
                self.speech.set_speech_mode(preferences.speech, announce=False)
            if preferences.long_timeouts is not None:
                self.long_timeouts = preferences.long_timeouts

    def current(self) -> Preferences:
        """What "remember my settings" stores."""
        return Preferences(
            language=self.language,
            theme=self.theme_name,
            text_scale=self.text_scale,
            speech=self.speech.speech_mode,
            long_timeouts=self.long_timeouts,
        )

    def reset(self) -> None:
        """Sign-out: kiosk defaults again; speech silenced, default volume (one
        ``on_change``)."""
        with self._one_change():
            self.language = self.default_language
            self.theme_name = self.section.theme
            self.text_scale = self.section.text_scale
            self.long_timeouts = False
            self.speech.reset()


def build_speech(
    section: AccessibilitySection, speaker: Speaker | None, language: str
) -> SpeechController:
    """The speech controller the app owns, from ``config.accessibility`` and the
    kiosk's speaker (``kiosk.speaker``, None: silent)."""
    return SpeechController(
        speaker,
        language,
        volume=section.speech_volume,
        volume_steps=section.volume_steps,
        speak_alerts=section.speak_alerts,
        speech_mode=section.speech_on_start,
    )
