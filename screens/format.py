"""Dates, times and money as patrons read them on the screens, in the screen's language.

The formats themselves live in :mod:`kiosk.formatting` (one Babel locale per language,
the same for receipts, messages and the CLI) and :mod:`kiosk.money`; these are the
names the screens use for them. Times arrive as aware UTC datetimes and are shown in
the library's time zone.
"""

from __future__ import annotations

from kiosk.formatting import day_long as day
from kiosk.formatting import day_short as short_day
from kiosk.formatting import local_date
from kiosk.formatting import time_of_day as clock
from kiosk.money import rupiah

__all__ = ["clock", "day", "local_date", "rupiah", "short_day"]
