"""The speech controller: what the kiosk says, in which language, at what volume.

One :class:`SpeechController` per kiosk, called from the UI thread. It never blocks: the
:class:`~kiosk.ports.Speaker` it drives returns at once and synthesises and plays on its
own thread. It owns the rules of ACCESSIBILITY.md that do not depend on a screen:

- speech follows the screen language (``controller.language = "en"``);
- every new user action interrupts current speech (``stop_speaking`` before the next
  ``say``);
- Repeat says the last utterance again; Pause stops it and Resume says it again from
  its start;
- volume keys step through :attr:`SpeechController.levels` and announce the step;
- PIN digits are never spoken: a ``key`` earcon (or "bintang"/"star" when the speaker
  has no earcons);
- at sign-out :meth:`SpeechController.reset` restores the default volume, turns speech
  mode off and forgets the last utterance (it may have named the patron or a book).

Speech mode (keypad or "touch and hear" use) speaks focus moves and screen content;
alerts (errors, timeout warnings, the idle prompt) are spoken even with speech mode off
when ``speak_alerts`` is on, because the patron may not have found the speech button.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from kiosk.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translator, translate
from kiosk.ports import EarconPlayer, Speaker

log = logging.getLogger(__name__)

Translate = Callable[..., str]

#: Earcon names (see :data:`kiosk.ports.EARCONS`).
MOVE, ACTIVATE, ERROR, PAGE, BOUNDARY, KEY = "move", "activate", "error", "page", "boundary", "key"


def volume_levels(steps: int) -> tuple[float, ...]:
    """``steps`` evenly spaced levels up to 1.0, e.g. 4 -> (0.25, 0.5, 0.75, 1.0)."""
    if steps < 2:
        raise ValueError("at least 2 volume steps")
    return tuple(round((i + 1) / steps, 4) for i in range(steps))


@dataclass(frozen=True)
class Utterance:
    text: str
    language: str


class SpeechController:
    """Speech rules over a Speaker. Not thread-safe: call it from the UI thread only."""

    def __init__(
        self,
        speaker: Speaker | None,
        language: str = DEFAULT_LANGUAGE,
        *,
        volume: float = 0.75,
        volume_steps: int = 4,
        speak_alerts: bool = True,
        speech_mode: bool = False,
        translator: Translate = translate,
    ) -> None:
        self.speaker = speaker
        self.levels = volume_levels(volume_steps)
        self.default_level = self._nearest(volume)
        self.level = self.default_level
        self.speak_alerts = speak_alerts
        self.default_speech_mode = speech_mode
        self.speech_mode = speech_mode
        self.default_language = language
        self._words = Translator(language, translator)
        self.last: Utterance | None = None
        self.paused = False
        #: Called when speech mode turns on or off (the screens show an indicator).
        self.on_mode_change: Callable[[bool], None] | None = None
        self._apply_volume()

    # -- language ------------------------------------------------------------------
    @property
    def language(self) -> str:
        return self._words.language

    @language.setter
    def language(self, value: str) -> None:
        """The screen language; the next utterance uses its voice."""
        self._words.language = value

    def text(self, key: str, **params: Any) -> str:
        """``key`` translated into the current language."""
        return self._words(key, **params)

    # -- speaking ------------------------------------------------------------------
    def interrupt(self) -> None:
        """A new user action: stop whatever is being said now."""
        if self.speaker is not None:
            self.speaker.stop_speaking()

    def say(self, text: str, *, alert: bool = False, earcon: str | None = None) -> bool:
        """Say ``text`` (already in the current language), interrupting current speech.

        Spoken when speech mode is on, or when ``alert`` and alerts are spoken. An
        ``earcon`` plays first. Returns True when it was sent to the speaker.
        """
        if not self.speech_mode and not (alert and self.speak_alerts):
            return False
        self.interrupt()
        self.paused = False
        if earcon is not None:
            self._earcon(earcon)
        if not text.strip():
            return False
        self.last = Utterance(text, self.language)
        if self.speaker is not None:
            self.speaker.say(text, self.language)
        return True

    def goodbye(self, text: str, language: str) -> bool:
        """A session's last words, said after :meth:`reset` (which silenced speech and
        went back to the kiosk's language): ``text`` in the patron's ``language``,
        whatever the mode is now, and not kept for Repeat (the next person must not
        hear it again). The caller says it only to a patron who listened."""
        if self.speaker is None or not text.strip():
            return False
        self.speaker.say(text, language)
        return True

    def earcon(self, name: str) -> None:
        """An earcon alone (speech mode only), e.g. ``boundary`` at the end of a list."""
        if self.speech_mode:
            self.interrupt()
            self._earcon(name)

    def error(self, text: str) -> bool:
        """An error message: the error earcon then the text (an alert)."""
        return self.say(text, alert=True, earcon=ERROR)

    def _earcon(self, name: str) -> None:
        if isinstance(self.speaker, EarconPlayer):
            self.speaker.play_earcon(name)

    # -- repeat, pause -------------------------------------------------------------
    def repeat(self) -> bool:
        """Say the last utterance again (in the voice it was said in)."""
        if self.last is None or self.speaker is None:
            return False
        self.interrupt()
        self.paused = False
        self.speaker.say(self.last.text, self.last.language)
        return True

    def pause(self) -> None:
        """Stop speaking now; :meth:`resume` says the interrupted utterance again."""
        self.interrupt()
        self.paused = True

    def resume(self) -> bool:
        if not self.paused:
            return False
        return self.repeat()

    def toggle_pause(self) -> None:
        """The Pause key: pause, or resume when paused."""
        if self.paused:
            self.resume()
        else:
            self.pause()

    # -- PIN -------------------------------------------------------------------------
    def pin_key(self) -> None:
        """A PIN digit was typed: a tone, never the digit (ADA 707.5 exception 1)."""
        if not self.speech_mode:
            return
        self.interrupt()
        if isinstance(self.speaker, EarconPlayer):
            self.speaker.play_earcon(KEY)
        elif self.speaker is not None:
            # No earcons: the word "star", still never the digit. Not kept for Repeat.
            self.speaker.say(self.text("a11y.pin.star"), self.language)

    # -- volume ----------------------------------------------------------------------
    def _nearest(self, volume: float) -> int:
        return min(range(len(self.levels)), key=lambda i: abs(self.levels[i] - volume))

    def _apply_volume(self) -> None:
        if self.speaker is not None:
            self.speaker.set_volume(self.levels[self.level])

    @property
    def volume(self) -> float:
        return self.levels[self.level]

    def volume_up(self) -> None:
        self._step(+1)

    def volume_down(self) -> None:
        self._step(-1)

    def _step(self, delta: int) -> None:
        new = min(len(self.levels) - 1, max(0, self.level + delta))
        at_end = new == self.level
        self.level = new
        self._apply_volume()
        # Announced always: a patron pressing volume keys wants to hear the result.
        key = "a11y.volume.max" if at_end and delta > 0 else "a11y.volume.level"
        if at_end and delta < 0:
            key = "a11y.volume.min"
        text = self.text(key, level=new + 1, steps=len(self.levels))
        self.interrupt()
        self.paused = False
        if at_end:
            self._earcon(BOUNDARY)
        if self.speaker is not None:
            self.speaker.say(text, self.language)

    # -- speech mode, session ----------------------------------------------------------
    def set_speech_mode(self, on: bool, *, announce: bool = True) -> None:
        changed = on != self.speech_mode
        self.speech_mode = on
        if not on:
            self.interrupt()
        if announce and changed and self.speaker is not None:
            self.interrupt()
            self.speaker.say(
                self.text("a11y.speech.on" if on else "a11y.speech.off"), self.language
            )
        if changed and self.on_mode_change is not None:
            self.on_mode_change(on)

    def reset(self) -> None:
        """Sign-out: silence, default volume, speech mode and language; forget the last
        utterance."""
        self.interrupt()
        self.level = self.default_level
        self._apply_volume()
        self.paused = False
        self.last = None
        self.language = self.default_language
        if self.speech_mode != self.default_speech_mode:
            self.speech_mode = self.default_speech_mode
            if self.on_mode_change is not None:
                self.on_mode_change(self.speech_mode)


def fixed_prompts(
    keys: Sequence[str] | None = None, speech_keys: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """(text, language) of the fixed prompts to pre-render into the speaker's cache:
    every ``a11y.*`` message without placeholders in both languages, plus ``keys``
    (e.g. the screens' titles), plus the idle prompt naming the keypad's speech key
    (``speech_keys``: language -> its name, config ``[accessibility] speech_key_*``)."""
    from kiosk.i18n import catalogue, placeholders, translate

    out: list[tuple[str, str]] = []
    for language in LANGUAGES:
        messages = catalogue(language)
        wanted = [k for k in messages if k.startswith("a11y.")] + list(keys or ())
        for key in wanted:
            text = messages.get(key)
            if text and not placeholders(text):
                out.append((text, language))
        if speech_keys and language in speech_keys:
            prompt = translate("a11y.idle_prompt", language, button=speech_keys[language])
            out.append((prompt, language))
    return out


@runtime_checkable
class PromptCache(Protocol):
    """A speaker that keeps synthesised prompts (``devices.espeak.EspeakSpeaker``)."""

    def prerender(self, prompts: Iterable[tuple[str, str]]) -> int:
        """Synthesise each (text, language) not cached yet. Blocking: seconds for all."""
        ...


def prerender_in_background(
    speaker: object, keys: Sequence[str] = (), speech_keys: Mapping[str, str] | None = None
) -> threading.Thread | None:
    """At start: pre-render :func:`fixed_prompts` (``keys``: the screens' titles) into
    the speaker's cache, so the first words a patron asks for are heard at once.

    Synthesis takes 10-20 ms a prompt, a few seconds in all: it runs on a daemon
    thread of its own (never the UI thread, never a worker a patron's call may wait
    behind) and returns at once. None when the speaker keeps no cache."""
    if not isinstance(speaker, PromptCache):
        return None
    prompts = fixed_prompts(keys, speech_keys)

    def render() -> None:
        try:
            rendered = speaker.prerender(prompts)
            log.info("speech cache: %d of %d fixed prompts rendered now", rendered, len(prompts))
        except Exception:  # a speaker bug must not end the kiosk: speech stays uncached
            log.exception("pre-rendering the fixed prompts failed")

    thread = threading.Thread(target=render, name="speech-prerender", daemon=True)
    thread.start()
    return thread
