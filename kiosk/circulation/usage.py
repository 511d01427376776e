"""Anonymous usage counters and anonymous feedback (local backend).

A counter is (local day, action, count): no patron, no item, no time of day. Feedback
is (local day, rating, comment, language, kiosk): nothing that names the patron.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.store import Store
from kiosk.timeutil import Clock, utcnow

#: Longest feedback comment, in characters.
COMMENT_MAX_CHARS = 1000

_ACTION = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")


def add_usage(db: Any, day: date, action: str) -> None:
    """Add one to ``action``'s counter for ``day``, inside the caller's transaction."""
    db.execute(
        """INSERT INTO usage_counters (day, action, count) VALUES (?, ?, 1)
           ON CONFLICT(day, action) DO UPDATE SET count = count + 1""",
        [day.isoformat(), action],
    )


class LocalUsage:
    """:class:`~kiosk.circulation.api.Usage` on SQLite.

    The services count their own actions (``sign_in``, ``checkout``, ``return``,
    ``renew``, ``payment``, ``event_register``, ``event_unregister``, ``feedback``);
    screens count only what happens in the UI alone (``language_en``, ``receipt``...).
    """

    def __init__(self, store: Store, config: Config, clock: Clock = utcnow) -> None:
        self.store = store
        self.zone = ZoneInfo(config.kiosk.timezone)
        self.clock = clock

    def count(self, action: str) -> None:
        """Raises ValueError for an action name that is not lowercase words (a bug)."""
        if not _ACTION.match(action):
            raise ValueError(f"usage action must be a lowercase name, not {action!r}")
        with self.store.transaction() as db:
            add_usage(db, self.clock().astimezone(self.zone).date(), action)

    def counters(self, since: date | None = None) -> list[tuple[date, str, int]]:
        """Every counter (day, action, count) from ``since`` on, oldest first."""
        with self.store.lock:
            rows = self.store.conn.execute(
                """SELECT day, action, count FROM usage_counters WHERE day >= ?
                   ORDER BY day, action""",
                [since.isoformat() if since else ""],
            ).fetchall()
        return [(date.fromisoformat(d), a, int(c)) for d, a, c in rows]


class LocalFeedback:
    """:class:`~kiosk.circulation.api.Feedback` on SQLite: anonymous by construction."""

    def __init__(self, store: Store, config: Config, clock: Clock = utcnow) -> None:
        self.store = store
        self.zone = ZoneInfo(config.kiosk.timezone)
        self.kiosk_id = config.kiosk.id
        self.clock = clock

    def submit(self, rating: int, comment: str | None, language: str) -> None:
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise DomainError("feedback.rating_invalid")
        text = (comment or "").strip() or None
        if text is not None and len(text) > COMMENT_MAX_CHARS:
            raise DomainError("feedback.comment_too_long", limit=COMMENT_MAX_CHARS)
        day = self.clock().astimezone(self.zone).date()
        with self.store.transaction() as db:
            db.execute(
                """INSERT INTO feedback (day, rating, comment, language, kiosk_id)
                   VALUES (?, ?, ?, ?, ?)""",
                [
                    day.isoformat(),
                    rating,
                    text,
                    language if language in ("id", "en") else None,
                    self.kiosk_id,
                ],
            )
            add_usage(db, day, "feedback")
