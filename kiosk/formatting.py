"""How numbers are written for people, per language: the one home for digit grouping
(money, the report and the screens build on it) and for lengths of time.

- ``id``: ``75.000``, ``12,5%`` (Indonesian: ``.`` groups, ``,`` is the decimal sign),
  ``2 jam 10 menit``
- ``en``: ``75,000``, ``12.5%``, ``2 h 10 min``
"""

from __future__ import annotations

from babel.numbers import format_decimal, format_percent

#: Each language's Babel locale.
LOCALES = {"id": "id_ID", "en": "en_GB"}


def _locale(language: str) -> str:
    return LOCALES.get(language, LOCALES["id"])


def _pattern(digits: int) -> str:
    return "#,##0" + ("." + "0" * digits if digits else "")


def number(value: float, language: str, digits: int = 0) -> str:
    """``value`` grouped in ``language`` with exactly ``digits`` decimals."""
    return str(format_decimal(value, format=_pattern(digits), locale=_locale(language)))


def percent(share: float, language: str, digits: int = 0) -> str:
    """``share`` (0.125) as a percentage in ``language`` (``12,5%`` with one digit)."""
    return str(format_percent(share, format=_pattern(digits) + "%", locale=_locale(language)))


#: Hours and minutes in each language.
_TIME_UNITS = {"id": ("jam", "menit"), "en": ("h", "min")}


class Duration(int):
    """A length of time in seconds passed to a message; written as hours and minutes in
    the message's language (:func:`duration`)."""


def duration(seconds: int, language: str) -> str:
    """``2 h 10 min`` / ``2 jam 10 menit``, ``45 min``, ``3 h``: to the nearest minute,
    never "0 min" for a time that is not nothing."""
    hour, minute = _TIME_UNITS.get(language, _TIME_UNITS["id"])
    minutes = (max(0, int(seconds)) + 30) // 60
    if seconds > 0 and minutes == 0:
        minutes = 1
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} {hour} {minutes} {minute}"
    if hours:
        return f"{hours} {hour}"
    return f"{minutes} {minute}"
