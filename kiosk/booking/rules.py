"""Effective booking rules of one resource.

Rules come from config in three layers, the most specific winning key by key: the
resource's own ``rules``, its kind's (``[bookings.kinds.<kind>]``), the library's
``[bookings.defaults]``, then :data:`BUILTIN`. Minutes unless a name says otherwise;
opening hours are the library's local time.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any

from kiosk.config import WEEKDAYS, BookingRulesConfig, Config, ResourceConfig, parse_opening


@dataclass(frozen=True)
class Rules:
    """The rules one resource is booked by (all limits inclusive; 0 = no limit for the
    per-patron counts)."""

    slot_minutes: int = 30
    min_minutes: int = 30
    max_minutes: int = 120
    max_bookings_per_day: int = 2
    max_minutes_per_day: int = 180
    max_bookings_per_week: int = 5
    max_minutes_per_week: int = 600
    #: A booking must start at least this long after it is made.
    lead_minutes: int = 0
    #: ... and no further ahead than this many days.
    horizon_days: int = 14
    #: Free time kept after each booking (cleaning, cooling, resetting a PC).
    buffer_minutes: int = 0
    #: Weekday (``mon``..``sun``) -> (opens, closes) in minutes after local midnight,
    #: or None when closed that weekday.
    hours: tuple[tuple[int, int] | None, ...] = (
        (480, 960),
        (480, 960),
        (480, 960),
        (480, 960),
        (480, 960),
        (480, 720),
        None,
    )
    closed_dates: frozenset[date] = frozenset()
    #: Check-in opens this long before the start.
    check_in_early_minutes: int = 15
    #: Nobody checked in this long after the start: a no-show, the slot is freed.
    no_show_minutes: int = 10
    #: Patron groups allowed to book; empty: every group.
    groups: frozenset[str] = frozenset()
    #: A training the patron must have (``patrons.trained_on``); empty: none needed.
    training: str = ""
    #: Warnings before the end, largest first.
    warnings_minutes: tuple[int, ...] = (10, 2)
    #: ``tap`` (a card tap or staff check a booking in) or ``auto`` (it starts by itself).
    checkin: str = "tap"

    def opening(self, day: date) -> tuple[int, int] | None:
        """(opens, closes) on ``day`` in minutes after local midnight, or None if closed."""
        if day in self.closed_dates:
            return None
        return self.hours[day.weekday()]


BUILTIN = Rules()


def _apply(rules: Rules, layer: BookingRulesConfig) -> Rules:
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(layer):
        value = getattr(layer, f.name)
        if value is None:
            continue
        if f.name == "hours":
            hours = list(rules.hours)
            for day, text in value.items():
                hours[WEEKDAYS.index(day)] = parse_opening(text)
            changes["hours"] = tuple(hours)
        elif f.name == "closed_dates":
            changes["closed_dates"] = frozenset(date.fromisoformat(d) for d in value)
        elif f.name == "groups":
            changes["groups"] = frozenset(value)
        elif f.name == "warnings_minutes":
            changes["warnings_minutes"] = tuple(sorted(set(value), reverse=True))
        else:
            changes[f.name] = value
    return dataclasses.replace(rules, **changes)


def rules_for(config: Config, resource: ResourceConfig) -> Rules:
    """The effective rules of ``resource`` (see the module docstring for the layers)."""
    rules = _apply(BUILTIN, config.bookings.defaults)
    kind_layer = config.bookings.kinds.get(resource.kind)
    if kind_layer is not None:
        rules = _apply(rules, kind_layer)
    return _apply(rules, resource.rules)


def check_rules(config: Config) -> None:
    """Refuse contradictory rules (min over max, slot not dividing durations).

    Raises ValueError naming the resource; the composition root turns it into a
    ConfigError.
    """
    for resource in config.resources:
        r = rules_for(config, resource)
        if r.min_minutes > r.max_minutes:
            raise ValueError(f"{resource.id}: min_minutes {r.min_minutes} > {r.max_minutes}")
        if r.min_minutes % r.slot_minutes or r.max_minutes % r.slot_minutes:
            raise ValueError(
                f"{resource.id}: min_minutes and max_minutes must be whole slots "
                f"of {r.slot_minutes} minutes"
            )
