"""How numbers are written for people, per language: the one home for digit grouping
(money, the report and the screens build on it).

- ``id``: ``75.000`` and ``12,5%`` (Indonesian: ``.`` groups, ``,`` is the decimal sign)
- ``en``: ``75,000`` and ``12.5%``
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
