"""Time in one place: UTC in the database, the library's zone on screen.

Stored form: ``YYYY-MM-DDTHH:MM:SS+00:00`` (ISO 8601, seconds, UTC), so that string
comparison in SQL is time comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

#: A clock returns the current time as an aware UTC datetime. Services take one so that
#: tests can drive time.
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_db(moment: datetime) -> str:
    """Aware datetime -> stored text (UTC, seconds). Naive datetimes are refused."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give a time zone")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_db(text: str) -> datetime:
    """Stored text -> aware UTC datetime."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def local(moment: datetime, zone: str) -> datetime:
    """The same instant in the library's zone (e.g. ``Asia/Makassar``)."""
    return moment.astimezone(ZoneInfo(zone))
