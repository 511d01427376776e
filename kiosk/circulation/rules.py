"""Loan rules, due dates and fines: pure functions of the ``[circulation]`` config.

Nothing here touches the store, so every rule is testable with plain dates. Due dates
and hold expiry fall on opening days in the library's time zone; fines count overdue
opening days (or every day, when ``fine_closed_days`` is set).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kiosk.config import WEEKDAYS, CirculationSection, LoanRule

#: Used for a setting no configured rule gives (a config with no ("*", "*") rule).
FALLBACK = LoanRule(
    loanable=True, loan_days=14, max_renewals=2, max_items=5, fine_per_day=500, fine_cap=25_000
)


@dataclass(frozen=True)
class Policy:
    """The resolved rule for one patron group and item type."""

    loanable: bool
    loan_days: int
    max_renewals: int
    #: All loans of the group (None: no limit).
    max_items: int | None
    #: Loans of this item type (None: only the group limit applies).
    max_items_of_type: int | None
    fine_per_day: int
    fine_cap: int


class Rules:
    """Resolves loan policies and computes due dates and fines. Thread-safe (immutable)."""

    def __init__(self, section: CirculationSection, timezone: str) -> None:
        self.section = section
        self.zone = ZoneInfo(timezone)
        self._rules = {(r.group, r.item_type): r for r in section.rules}
        self._open_weekdays = {WEEKDAYS.index(d) for d in section.opening_days}
        self._closed = {date.fromisoformat(d) for d in section.closed_dates}
        self._due_time = time.fromisoformat(section.due_time)
        self._cache: dict[tuple[str, str], Policy] = {}

    # -- policy -----------------------------------------------------------------
    def _setting(self, name: str, chain: list[tuple[str, str]]) -> object:
        for key in chain:
            rule = self._rules.get(key)
            if rule is not None and getattr(rule, name) is not None:
                return getattr(rule, name)
        return getattr(FALLBACK, name)

    def policy(self, group: str, item_type: str) -> Policy:
        cached = self._cache.get((group, item_type))
        if cached is not None:
            return cached
        chain = [(group, item_type), (group, "*"), ("*", item_type), ("*", "*")]
        total_chain = [(group, "*"), ("*", "*")]
        type_chain = [(group, item_type), ("*", item_type)]
        total = self._setting("max_items", total_chain)
        of_type = None
        for key in type_chain:
            rule = self._rules.get(key)
            if rule is not None and rule.max_items is not None and key[1] != "*":
                of_type = rule.max_items
                break
        policy = Policy(
            loanable=bool(self._setting("loanable", chain)),
            loan_days=int(self._setting("loan_days", chain)),  # type: ignore[call-overload]
            max_renewals=int(self._setting("max_renewals", chain)),  # type: ignore[call-overload]
            max_items=int(total) if total is not None else None,  # type: ignore[call-overload]
            max_items_of_type=of_type,
            fine_per_day=int(self._setting("fine_per_day", chain)),  # type: ignore[call-overload]
            fine_cap=int(self._setting("fine_cap", chain)),  # type: ignore[call-overload]
        )
        self._cache[(group, item_type)] = policy
        return policy

    # -- calendar ---------------------------------------------------------------
    def is_open(self, day: date) -> bool:
        return day.weekday() in self._open_weekdays and day not in self._closed

    def next_open_day(self, day: date) -> date:
        """``day`` itself when the library is open then, else the next opening day."""
        for _ in range(370):
            if self.is_open(day):
                return day
            day += timedelta(days=1)
        return day  # a year of closed days is a config mistake; do not loop forever

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def due_at(self, now: datetime, loan_days: int) -> datetime:
        """Due ``loan_days`` after ``now`` (local), moved on to an opening day, at
        ``due_time`` local; returned as an aware UTC-comparable datetime."""
        day = self.next_open_day(self.local_date(now) + timedelta(days=loan_days))
        return datetime.combine(day, self._due_time, self.zone)

    def hold_expires_on(self, now: datetime) -> date:
        days = self.section.hold_pickup_days
        return self.next_open_day(self.local_date(now) + timedelta(days=days))

    # -- fines ------------------------------------------------------------------
    def overdue_days(self, due: datetime, returned: datetime) -> int:
        """Days late: local days after the due date up to and including the return
        day, counting only opening days unless ``fine_closed_days``; minus grace."""
        if returned <= due:
            return 0
        first = self.local_date(due) + timedelta(days=1)
        last = self.local_date(returned)
        days = 0
        day = first
        while day <= last:
            if self.section.fine_closed_days or self.is_open(day):
                days += 1
            day += timedelta(days=1)
        return max(0, days - self.section.fine_grace_days)

    def fine(self, policy: Policy, due: datetime, returned: datetime) -> int:
        """Rupiah owed for returning at ``returned`` an item due at ``due``."""
        amount = self.overdue_days(due, returned) * policy.fine_per_day
        return min(amount, policy.fine_cap) if policy.fine_cap else amount
