"""How numbers, dates and times are written for people, per language: the one home
for every format the screens, receipts, messages, the report and the CLI show.

One Babel locale per language, the same everywhere:

- ``id`` (``id_ID``): ``75.000``, ``12,5%``, ``Sabtu, 12 Desember 2026``, ``12 Des 2026``,
  ``15.05``, ``2 jam 10 menit``, ``Sab``, ``Senin dan Selasa``
- ``en`` (``en_GB``): ``75,000``, ``12.5%``, ``Saturday, 12 December 2026``,
  ``12 Dec 2026``, ``15:05``, ``2 h 10 min``, ``Sat``, ``Monday and Tuesday`` (a 24-hour
  clock, as the library's notices use; and no narrow no-break space, which the kiosk's
  font has no glyph for)

Times arrive as aware datetimes (UTC from the services) and are written in the
library's time zone when ``zone`` is given (else in their own zone). Dates arrive as
dates, or as aware datetimes whose local date is meant.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_day_names
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

#: Each language's Babel locale.
LOCALES = {"id": "id_ID", "en": "en_GB"}


def babel_locale(language: str) -> str:
    """The Babel locale of ``language`` (for the report's own patterns and names)."""
    return LOCALES.get(language, LOCALES["id"])


_locale = babel_locale


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


def word_list(words: Sequence[str], language: str) -> str:
    """``Senin dan Selasa`` / ``Monday and Tuesday``; ``a, b and c`` / ``a, b, dan c``."""
    return str(format_list(list(words), locale=_locale(language)))


# -- dates and times ----------------------------------------------------------------------
#: How long a weekday's name is: ``wide`` (``Sabtu``/``Saturday``), ``abbreviated``
#: (``Sab``/``Sat``), ``short`` and ``narrow`` as Babel has them.
DayWidth = Literal["abbreviated", "narrow", "short", "wide"]


def weekday(index: int, language: str, width: DayWidth = "wide") -> str:
    """The name of weekday ``index`` (Monday is 0, as :meth:`date.weekday`)."""
    return str(get_day_names(width, locale=_locale(language))[index])


def local_date(moment: datetime | date, zone: str | None = None) -> date:
    """The library's date of ``moment`` (a date is its own date)."""
    if isinstance(moment, datetime):
        return (moment.astimezone(ZoneInfo(zone)) if zone else moment).date()
    return moment


def day_long(moment: datetime | date, language: str, zone: str | None = None) -> str:
    """``Sabtu, 12 Desember 2026`` / ``Saturday, 12 December 2026``."""
    return str(format_date(local_date(moment, zone), "EEEE, d MMMM y", locale=_locale(language)))


def day_short(moment: datetime | date, language: str, zone: str | None = None) -> str:
    """``Sab, 12 Des`` / ``Sat, 12 Dec`` (a day near today: the booking grid)."""
    return str(format_date(local_date(moment, zone), "EEE, d MMM", locale=_locale(language)))


def day(moment: datetime | date, language: str, zone: str | None = None) -> str:
    """``12 Des 2026`` / ``12 Dec 2026``: due dates, expiry, receipts, the CLI."""
    return str(format_date(local_date(moment, zone), "d MMM y", locale=_locale(language)))


def time_of_day(moment: datetime, language: str, zone: str | None = None) -> str:
    """``15.05`` / ``15:05``."""
    there = moment.astimezone(ZoneInfo(zone)) if zone else moment
    return str(format_time(there, "short", locale=_locale(language)))


def day_time(moment: datetime, language: str, zone: str | None = None) -> str:
    """``12 Des 2026 15.05`` / ``12 Dec 2026 15:05``."""
    return f"{day(moment, language, zone)} {time_of_day(moment, language, zone)}"
