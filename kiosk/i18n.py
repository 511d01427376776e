"""The translation catalogue: Bahasa Indonesia first, English second.

Messages are gettext ``.po`` files under ``kiosk/locale/<lang>/``, one file per area
(``core.po``, ``circulation.po`` ...), read with Babel at first use, so there is no
manual compile step. The ``msgid`` is a message key such as
``circulation.item_not_found``; ``msgstr`` the text, with ``{name}`` placeholders
filled from keyword arguments.
"""

from __future__ import annotations

import functools
import logging
import string
from collections.abc import Callable
from datetime import date, datetime
from importlib import resources
from typing import Any

from babel.messages.pofile import read_po

from kiosk import formatting
from kiosk.domain.errors import KioskError
from kiosk.formatting import Duration, duration
from kiosk.money import Rupiah, rupiah

log = logging.getLogger(__name__)

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"


@functools.cache
def catalogue(language: str) -> dict[str, str]:
    """Every key -> text for ``language``, merged from all its ``.po`` files."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    messages: dict[str, str] = {}
    folder = resources.files("kiosk").joinpath("locale", language)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".po"):
            continue
        with entry.open("rb") as handle:
            po = read_po(handle, locale=language)
        for message in po:
            if message.id and isinstance(message.id, str) and message.string:
                messages[message.id] = str(message.string)
    return messages


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def translate(key: str, language: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The text for ``key`` in ``language``, formatted with ``params``.

    A missing key is a bug (a test catches it); at run time it falls back to the other
    language and then to the key itself rather than crash in front of a patron.
    """
    text = catalogue(language).get(key)
    if text is None:
        log.error("message key %r missing in %r", key, language)
        other = "en" if language == "id" else "id"
        text = catalogue(other).get(key, key)
    params = {k: _written(v, language) for k, v in params.items()}
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        log.error("message %r in %r: parameters %r do not fit", key, language, params)
        return text


def _written(value: Any, language: str) -> Any:
    """A parameter as the message's language writes it (:mod:`kiosk.formatting`):
    money (:class:`~kiosk.money.Rupiah`) as ``Rp 75.000`` / ``Rp 75,000``, a length of
    time (:class:`~kiosk.formatting.Duration`) as ``2 jam 10 menit`` / ``2 h 10 min``, a date as
    ``30 Okt 2026`` / ``30 Oct 2026``, an aware datetime as its time of day in its own
    zone (``08.00`` / ``08:00``: the services give local times); anything else as is."""
    if isinstance(value, Rupiah):
        return rupiah(value, language)
    if isinstance(value, Duration):
        return duration(value, language)
    if isinstance(value, datetime):
        return formatting.time_of_day(value, language)
    if isinstance(value, date):
        return formatting.day(value, language)
    return value


def describe(error: KioskError, language: str = DEFAULT_LANGUAGE) -> str:
    """The patron-facing text of a domain or device error."""
    return translate(error.key, language, **error.params)


class Translator:
    """A translate function bound to a language that can change (the screen's).

    ``using`` replaces :func:`translate` (tests record what would be said)."""

    def __init__(
        self, language: str = DEFAULT_LANGUAGE, using: Callable[..., str] | None = None
    ) -> None:
        self._translate = using if using is not None else translate
        self.language = language

    @property
    def language(self) -> str:
        return self._language

    @language.setter
    def language(self, value: str) -> None:
        if value not in LANGUAGES:
            raise ValueError(f"unknown language {value!r}")
        self._language = value

    def __call__(self, key: str, **params: Any) -> str:
        return self._translate(key, self._language, **params)
