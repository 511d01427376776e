"""Key figures of a period: the top of ``kiosk report`` and the staff screen's week.

Plain data out, so that a screen (or a hub page) can show them without knowing SQL;
counts are exact here, and whoever shows them writes them with
:func:`~kiosk.report.context.written_count` (small ones as "< N", N being
:attr:`KeyFigures.small_cell`), as the report does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from kiosk.circulation.usage import REFUSAL
from kiosk.config import Config
from kiosk.report.context import Period
from kiosk.store import Store
from kiosk.timeutil import Clock, utcnow

#: The self-service actions the report and the staff screen count, in their order.
SELF_SERVICE = ("checkout", "return", "renew")

#: Booking states that mean the patron came.
USED_STATES = ("checked_in", "active", "ending", "completed")


@dataclass(frozen=True)
class KeyFigures:
    first: date
    last: date
    sign_ins: int
    checkouts: int
    returns: int
    renewals: int
    refusals: int
    #: Makerspace bookings starting in the period, cancelled ones left out.
    bookings: int
    no_shows: int
    registrations: int
    attended: int
    feedback: int
    #: Average rating, None without feedback.
    mean_rating: float | None
    survey_responses: int
    #: (day, checkouts + returns + renewals) for every day: the staff screen's chart.
    daily: tuple[tuple[date, int], ...]
    #: Counts below this are shown as "< N".
    small_cell: int


class Figures(Protocol):
    def period(self, first: date, last: date) -> KeyFigures:
        """Figures of local days ``first`` to ``last`` (both included)."""
        ...

    def this_week(self) -> KeyFigures:
        """From this Monday to today (local)."""
        ...


def key_figures(conn: Any, config: Config, period: Period) -> KeyFigures:
    """The figures of ``period`` from one connection (the caller holds any lock)."""
    days = (period.first.isoformat(), period.last.isoformat())
    counters = dict(
        conn.execute(
            """SELECT action, sum(count) FROM usage_counters WHERE day BETWEEN ? AND ?
               GROUP BY action""",
            days,
        ).fetchall()
    )
    start, end = period.utc_bounds(ZoneInfo(config.kiosk.timezone))
    booked = conn.execute(
        """SELECT count(*) FILTER (WHERE status <> 'cancelled') AS bookings,
                  count(*) FILTER (WHERE status = 'no_show') AS no_shows
           FROM bookings WHERE starts_at >= ? AND starts_at < ?""",
        [start, end],
    ).fetchone()
    bookings, no_shows = booked["bookings"], booked["no_shows"]
    came = conn.execute(
        """SELECT count(*) FILTER (WHERE r.walk_in = 0) AS registrations,
                  count(*) FILTER (WHERE r.attended_at IS NOT NULL) AS attended
           FROM registrations r JOIN events e ON e.id = r.event_id
           WHERE e.cancelled = 0 AND e.starts_at >= ? AND e.starts_at < ?""",
        [start, end],
    ).fetchone()
    registrations, attended = came["registrations"], came["attended"]
    rated = conn.execute(
        "SELECT count(*) AS n, avg(rating) AS mean FROM feedback WHERE day BETWEEN ? AND ?", days
    ).fetchone()
    feedback, mean = rated["n"], rated["mean"]
    responses = conn.execute(
        "SELECT count(*) AS n FROM survey_responses WHERE day BETWEEN ? AND ?", days
    ).fetchone()["n"]
    marks = ",".join("?" * len(SELF_SERVICE))
    per_day = dict(
        conn.execute(
            f"""SELECT day, sum(count) FROM usage_counters
                WHERE day BETWEEN ? AND ? AND action IN ({marks}) GROUP BY day""",
            [*days, *SELF_SERVICE],
        ).fetchall()
    )
    return KeyFigures(
        first=period.first,
        last=period.last,
        sign_ins=counters.get("sign_in", 0),
        checkouts=counters.get("checkout", 0),
        returns=counters.get("return", 0),
        renewals=counters.get("renew", 0),
        refusals=counters.get(REFUSAL, 0),
        bookings=bookings,
        no_shows=no_shows,
        registrations=registrations,
        attended=attended,
        feedback=feedback,
        mean_rating=mean,
        survey_responses=responses,
        daily=tuple((d, per_day.get(d.isoformat(), 0)) for d in period.days()),
        small_cell=config.report.small_cell,
    )


class LocalFigures:
    """:class:`Figures` on the kiosk's own database."""

    def __init__(self, store: Store, config: Config, clock: Clock = utcnow) -> None:
        self.store = store
        self.config = config
        self.clock = clock

    def period(self, first: date, last: date) -> KeyFigures:
        with self.store.lock:
            return key_figures(self.store.conn, self.config, Period(first, last))

    def this_week(self) -> KeyFigures:
        today = self.clock().astimezone(ZoneInfo(self.config.kiosk.timezone)).date()
        return self.period(today - timedelta(days=today.weekday()), today)
