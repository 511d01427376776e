"""Anonymous usage counters and anonymous feedback (local backend).

A counter is (local day, local hour, action, detail, count): no patron, no item, nothing
finer than the hour. ``detail`` says more where the action has a kind: a refusal's
message key, a feature used in a session, the session's language; else it is empty.
Feedback is (local day, rating, comment, language, kiosk): nothing that names the patron.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from kiosk.circulation.api import Usage
from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.i18n import LANGUAGES
from kiosk.store import Store
from kiosk.timeutil import Clock, utcnow

log = logging.getLogger(__name__)

#: Longest feedback comment, in characters.
COMMENT_MAX_CHARS = 1000

# -- the actions the report reads (one home for their names) -------------------------
#: A patron's action refused by a rule; detail: the refusal's message key.
REFUSAL = "refusal"
#: One patron session, counted when it ends (sign-out or timeout).
SESSION = "session"
#: A feature used at least once in a session; detail: one of :data:`SESSION_FEATURES`.
SESSION_FEATURE = "session_feature"
#: The language a session ended in; detail: ``id`` or ``en``.
LANGUAGE = "language"
#: A survey offered at sign-out, answered or skipped; detail: the survey's id.
SURVEY_OFFERED = "survey_offered"
SURVEY_ANSWERED = "survey_answered"
SURVEY_SKIPPED = "survey_skipped"
#: The accessibility features a session may report as used.
SESSION_FEATURES = ("speech", "keypad", "high_contrast", "large_text")
#: The services a session may report as used (the patron opened them), counted under
#: :data:`SESSION_FEATURE` too.
SESSION_SERVICES = (
    "borrow",
    "return",
    "loans",
    "renew",
    "holds",
    "booking",
    "print",
    "event",
    "feedback",
    "pin",
)
#: DomainErrors that ask for more rather than refuse (the PIN): not counted as refusals.
NOT_REFUSALS = frozenset({"circulation.pin_required"})

_ACTION = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
_DETAIL = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")

S = TypeVar("S")


def add_usage(db: Any, when: datetime, action: str, detail: str = "") -> None:
    """Add one to the counter of ``action`` (and ``detail``) for the day and hour of
    ``when``, inside the caller's transaction. ``when`` is an aware datetime in the
    library's time zone: its local date and hour are what is stored."""
    if when.tzinfo is None:
        raise ValueError("usage time must be an aware datetime in the library's zone")
    db.execute(
        """INSERT INTO usage_counters (day, hour, action, detail, count) VALUES (?, ?, ?, ?, 1)
           ON CONFLICT(day, hour, action, detail) DO UPDATE SET count = count + 1""",
        [when.date().isoformat(), when.hour, action, detail],
    )


def _check(action: str, detail: str | None) -> str:
    if not _ACTION.match(action):
        raise ValueError(f"usage action must be a lowercase name, not {action!r}")
    if detail is None or detail == "":
        return ""
    if not _DETAIL.match(detail):
        raise ValueError(f"usage detail must be a lowercase name or key, not {detail!r}")
    return detail


class LocalUsage:
    """:class:`~kiosk.circulation.api.Usage` on SQLite.

    The services count their own actions (``sign_in``, ``checkout``, ``return``,
    ``renew``, ``payment``, ``event_register``, ``event_unregister``, ``event_checkin``,
    ``feedback``) and, through :func:`count_refusals`, their refusals; screens count only
    what happens in the UI alone (``receipt``, sessions with :meth:`count_session` ...).
    """

    def __init__(self, store: Store, config: Config, clock: Clock = utcnow) -> None:
        self.store = store
        self.zone = ZoneInfo(config.kiosk.timezone)
        self.clock = clock

    def count(self, action: str, detail: str | None = None) -> None:
        """Raises ValueError for an action or detail that is not a lowercase name (a bug)."""
        detail = _check(action, detail)
        with self.store.transaction() as db:
            add_usage(db, self.clock().astimezone(self.zone), action, detail)

    def count_session(self, features: Iterable[str], language: str | None) -> None:
        """One ended session: :data:`SESSION`, each feature used (once however often:
        :data:`SESSION_FEATURES` and :data:`SESSION_SERVICES`), and its language. Raises
        ValueError for an unknown feature or language (a bug)."""
        used = sorted(set(features))
        unknown = [f for f in used if f not in SESSION_FEATURES + SESSION_SERVICES]
        if unknown or (language is not None and language not in LANGUAGES):
            raise ValueError(f"unknown session feature or language: {unknown or language!r}")
        now = self.clock().astimezone(self.zone)
        with self.store.transaction() as db:
            add_usage(db, now, SESSION)
            for feature in used:
                add_usage(db, now, SESSION_FEATURE, feature)
            if language is not None:
                add_usage(db, now, LANGUAGE, language)


def count_refusals(service: S, methods: Iterable[str], usage: Usage) -> S:
    """Count the refusals of ``service``'s ``methods`` at the service boundary.

    Every :class:`DomainError` one of them raises (but :data:`NOT_REFUSALS`), and every
    result it returns that carries a ``refusal`` key (a renewal refused), adds one to
    :data:`REFUSAL` with the message key as detail; the error still goes to the caller.
    The methods are wrapped on the instance, so the object keeps its type and its other
    attributes, and the services need not count refusals at each of their many raises.
    """
    for name in methods:
        method = getattr(service, name)
        if not getattr(method, "counts_refusals", False):
            setattr(service, name, _counting(method, usage))
    return service


def _counting(method: Callable[..., Any], usage: Usage) -> Callable[..., Any]:
    def refused(key: str) -> None:
        try:
            usage.count(REFUSAL, key)
        except Exception:
            # A statistic must never change what the patron is told.
            log.exception("refusal %s not counted", key)

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = method(*args, **kwargs)
        except DomainError as exc:
            if exc.key not in NOT_REFUSALS:
                refused(exc.key)
            raise
        for item in result if isinstance(result, list) else [result]:
            key = getattr(item, "refusal", None)
            if isinstance(key, str):
                refused(key)
        return result

    wrapper.counts_refusals = True  # type: ignore[attr-defined]
    return wrapper


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
        now = self.clock().astimezone(self.zone)
        with self.store.transaction() as db:
            db.execute(
                """INSERT INTO feedback (day, rating, comment, language, kiosk_id)
                   VALUES (?, ?, ?, ?, ?)""",
                [
                    now.date().isoformat(),
                    rating,
                    text,
                    language if language in LANGUAGES else None,
                    self.kiosk_id,
                ],
            )
            add_usage(db, now, "feedback")
