"""Dates, times and money as patrons read them, in the screen's language.

Plain Python (Babel); times arrive as aware UTC datetimes and are shown in the
library's time zone. Money is :mod:`kiosk.money`'s ``rupiah``, the one format for the
CLI, receipts and screens alike.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from kiosk.money import rupiah

__all__ = ["clock", "day", "local_date", "rupiah", "short_day"]


def local_date(moment: datetime | date, zone: str) -> date:
    if isinstance(moment, datetime):
        return moment.astimezone(ZoneInfo(zone)).date()
    return moment


def day(moment: datetime | date, language: str, zone: str) -> str:
    """``Sabtu, 12 Desember 2026`` / ``Saturday, 12 December 2026``."""
    return format_date(local_date(moment, zone), "EEEE, d MMMM y", locale=language)


def short_day(moment: datetime | date, language: str, zone: str) -> str:
    """``Sab, 12 Des`` / ``Sat, 12 Dec``."""
    return format_date(local_date(moment, zone), "EEE, d MMM", locale=language)


def clock(moment: datetime, language: str, zone: str) -> str:
    """``15.00`` / ``3:00 PM`` (each language's own short form)."""
    return format_time(moment.astimezone(ZoneInfo(zone)), "short", locale=language)
