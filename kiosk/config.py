"""Typed, validated configuration from TOML.

Where it comes from: ``--config FILE``, else ``/etc/kiosk/kiosk.toml`` when it exists,
else the built-in default (``config/default.toml``, shipped as package data). Every
mistake becomes one :class:`~kiosk.domain.errors.ConfigError` whose text is a single
line naming the file, the key and what was expected.

Sections are frozen dataclasses. A field's ``metadata`` may hold ``check``: a function
that raises ValueError("what was expected") for a value of the right type but wrong
content (``item_check`` does the same for each element of a list). Secrets never
live here: see :mod:`kiosk.credentials`.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.domain.errors import ConfigError
from kiosk.ports import DeviceUrl

SYSTEM_CONFIG = Path("/etc/kiosk/kiosk.toml")
BUILTIN = "<built-in default>"


# -- field checks ----------------------------------------------------------------
def _check_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"an IANA time zone such as 'Asia/Makassar', not {value!r}") from None


def _check_url(value: str) -> None:
    try:
        DeviceUrl.parse(value)
    except ValueError as exc:
        raise ValueError(f"{exc}, not {value!r}") from None


def _check_optional_url(value: str) -> None:
    if value:
        _check_url(value)


def _check_positive(value: float) -> None:
    if value <= 0:
        raise ValueError(f"a number greater than 0, not {value!r}")


def _check_identifier(value: str) -> None:
    if not value or not all(c.isalnum() or c in "-_" for c in value):
        raise ValueError(f"letters, digits, '-' or '_' (no spaces), not {value!r}")


def _check_range(low: float, high: float) -> Any:
    def check(value: float) -> None:
        if not low <= value <= high:
            raise ValueError(f"a number from {low:g} to {high:g}, not {value!r}")

    return check


def url_field(default: str = "", optional: bool = False) -> Any:
    return field(
        default=default,
        metadata={"check": _check_optional_url if optional else _check_url, "url": True},
    )


# -- sections --------------------------------------------------------------------
@dataclass(frozen=True)
class KioskSection:
    id: str = field(default="kiosk-1", metadata={"check": _check_identifier})
    language: Literal["id", "en"] = "id"
    timezone: str = field(default="Asia/Makassar", metadata={"check": _check_zone})
    library_name: str = "Perpustakaan Kota Palu"
    demo: bool = False


@dataclass(frozen=True)
class DatabaseSection:
    #: Empty: the user's data directory (``$STATE_DIRECTORY`` under systemd).
    path: str = ""


def _check_card(value: str) -> None:
    if not value.strip() or value != value.strip() or not value.isprintable():
        raise ValueError(f"a card number or card key, not {value!r}")


def _check_backend_url(value: str) -> None:
    if value:
        from kiosk.circulation.sip2.settings import Sip2Settings

        Sip2Settings.from_url(value)


@dataclass(frozen=True)
class BackendSection:
    """Where circulation happens. ``sip2``: the library's ILS at ``url`` (see
    :mod:`kiosk.circulation.sip2.settings`), with store-and-forward while it is
    unreachable when ``offline_checkouts`` is on."""

    kind: Literal["local", "sip2"] = "local"
    url: str = field(default="", metadata={"check": _check_backend_url})
    #: Take checkouts and returns into the outbox while the ILS is unreachable.
    offline_checkouts: bool = False
    #: Loan period of an offline checkout (the due date the patron is told).
    offline_loan_days: int = field(default=14, metadata={"check": _check_positive})
    #: Offline sign-in only for cards signed in online within this many days.
    offline_card_days: int = field(default=30, metadata={"check": _check_positive})
    #: Offline checkouts per patron until the ILS is back.
    offline_max_items: int = field(default=5, metadata={"check": _check_positive})
    #: Staff cards on an ILS (which has no staff flag): card numbers or card keys. Their
    #: PINs are the kiosk's own (``kiosk circ pin set``); staff mode only with one.
    staff_cards: list[str] = field(default_factory=list, metadata={"item_check": _check_card})


@dataclass(frozen=True)
class DisplaySection:
    fullscreen: bool = True
    borderless: bool = True
    hide_cursor: bool = True
    width_px: int = field(default=800, metadata={"check": _check_positive})
    height_px: int = field(default=480, metadata={"check": _check_positive})
    panel_width_mm: float = field(default=154.2, metadata={"check": _check_positive})
    panel_height_mm: float = field(default=85.9, metadata={"check": _check_positive})
    reduced_motion: bool = False

    @property
    def px_per_mm(self) -> float:
        return self.width_px / self.panel_width_mm


@dataclass(frozen=True)
class DevicesSection:
    card_readers: list[str] = field(
        default_factory=lambda: ["sim://card-reader"], metadata={"item_check": _check_url}
    )
    item_scanners: list[str] = field(
        default_factory=lambda: ["sim://item-scanner"], metadata={"item_check": _check_url}
    )
    item_pad: str = url_field("", optional=True)
    receipt_printer: str = url_field("sim://receipt-printer", optional=True)
    speaker: str = url_field("sim://speaker", optional=True)


@dataclass(frozen=True)
class MqttSection:
    #: ``mqtt://host:port`` or ``mqtts://host:port``; empty: no broker.
    url: str = field(default="", metadata={"check": _check_optional_url})
    username: str = ""
    client_id: str = ""
    ca_file: str = ""


@dataclass(frozen=True)
class SecretsSection:
    file: str = "/etc/kiosk/secrets.toml"


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _check_non_negative(value: int | None) -> None:
    if value is not None and value < 0:
        raise ValueError(f"a whole number 0 or greater, not {value!r}")


def _check_optional_positive(value: int | None) -> None:
    if value is not None and value <= 0:
        raise ValueError(f"a whole number greater than 0, not {value!r}")


def _parse_hhmm(text: str) -> int:
    """``"08:30"`` -> minutes after midnight; ``"24:00"`` is allowed as the day's end."""
    hours, sep, minutes = text.partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(text)
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > 24 * 60:
        raise ValueError(text)
    return value


def parse_opening(text: str) -> tuple[int, int] | None:
    """``"08:00-16:00"`` -> (480, 960) minutes after local midnight; ``"closed"`` -> None."""
    if text.strip().lower() == "closed":
        return None
    start, sep, end = text.partition("-")
    try:
        if not sep:
            raise ValueError(text)
        opens, closes = _parse_hhmm(start.strip()), _parse_hhmm(end.strip())
    except ValueError:
        raise ValueError(f"'HH:MM-HH:MM' or 'closed', not {text!r}") from None
    if opens >= closes:
        raise ValueError(f"an opening time before the closing time, not {text!r}")
    return opens, closes


def _check_hours(value: dict[str, str] | None) -> None:
    if value is None:
        return
    for day, text in value.items():
        if day not in WEEKDAYS:
            raise ValueError(f"weekdays {', '.join(WEEKDAYS)} as keys, not {day!r}")
        parse_opening(text)


def _check_dates(value: list[str] | None) -> None:
    from datetime import date

    for text in value or []:
        try:
            date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"dates as 'YYYY-MM-DD', not {text!r}") from None


def _check_warnings(value: list[int] | None) -> None:
    for minutes in value or []:
        if minutes <= 0:
            raise ValueError(f"minutes greater than 0, not {minutes!r}")


@dataclass(frozen=True)
class BookingRulesConfig:
    """Booking rules; every key is optional so that a kind or a resource overrides only
    what it names (resource over kind over ``[bookings.defaults]`` over built-in).
    Minutes unless the name says otherwise; see :mod:`kiosk.booking.rules`."""

    slot_minutes: int | None = field(default=None, metadata={"check": _check_optional_positive})
    min_minutes: int | None = field(default=None, metadata={"check": _check_optional_positive})
    max_minutes: int | None = field(default=None, metadata={"check": _check_optional_positive})
    max_bookings_per_day: int | None = field(default=None, metadata={"check": _check_non_negative})
    max_minutes_per_day: int | None = field(default=None, metadata={"check": _check_non_negative})
    max_bookings_per_week: int | None = field(default=None, metadata={"check": _check_non_negative})
    max_minutes_per_week: int | None = field(default=None, metadata={"check": _check_non_negative})
    lead_minutes: int | None = field(default=None, metadata={"check": _check_non_negative})
    horizon_days: int | None = field(default=None, metadata={"check": _check_optional_positive})
    buffer_minutes: int | None = field(default=None, metadata={"check": _check_non_negative})
    hours: dict[str, str] | None = field(default=None, metadata={"check": _check_hours})
    closed_dates: list[str] | None = field(default=None, metadata={"check": _check_dates})
    check_in_early_minutes: int | None = field(
        default=None, metadata={"check": _check_non_negative}
    )
    no_show_minutes: int | None = field(default=None, metadata={"check": _check_optional_positive})
    groups: list[str] | None = None
    training: str | None = None
    warnings_minutes: list[int] | None = field(default=None, metadata={"check": _check_warnings})
    #: ``tap``: the patron checks in with a card tap (or staff do); ``auto``: every
    #: booking starts at its start time by itself and is never a no-show.
    checkin: Literal["tap", "auto"] | None = None


@dataclass(frozen=True)
class BookingsSection:
    """The booking engine: rules and how the scheduler and equipment behave."""

    defaults: BookingRulesConfig = field(default_factory=BookingRulesConfig)
    #: Rules per resource kind (``3d_printer``, ``computer``, ``tool``).
    kinds: dict[str, BookingRulesConfig] = field(default_factory=dict)
    #: How often the scheduler looks at the clock, in seconds.
    tick_seconds: float = field(default=5.0, metadata={"check": _check_positive})
    #: How long one switch command waits for the device's echo, in seconds.
    switch_timeout_seconds: float = field(default=2.0, metadata={"check": _check_positive})
    #: Attempts per switch command before staff are alerted (backoff doubles).
    switch_attempts: int = field(default=3, metadata={"check": _check_positive})
    #: Pause before the second attempt, in seconds; doubles each time.
    switch_backoff_seconds: float = field(default=0.5, metadata={"check": _check_positive})
    #: How often every device is compared with what the bookings say, in seconds.
    reconcile_seconds: float = field(default=60.0, metadata={"check": _check_positive})


@dataclass(frozen=True)
class ResourceConfig:
    id: str = field(default="", metadata={"check": _check_identifier})
    kind: Literal["3d_printer", "computer", "tool"] = "tool"
    name: str = ""
    switch: str = url_field("", optional=True)
    printer: str = url_field("", optional=True)
    #: Rules for this resource only (over its kind's and the defaults).
    rules: BookingRulesConfig = field(default_factory=BookingRulesConfig)


def _check_weekdays(values: list[str]) -> None:
    if not values:
        raise ValueError("at least one opening day")
    for value in values:
        if value not in WEEKDAYS:
            raise ValueError(f"weekdays among {', '.join(WEEKDAYS)}, not {value!r}")


def _check_clock_time(value: str) -> None:
    import datetime as _dt

    try:
        _dt.time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"a time of day written HH:MM, not {value!r}") from None


def _check_rule_target(value: str) -> None:
    if value != "*":
        _check_identifier(value)


def _check_rules(rules: list[LoanRule]) -> None:
    seen: set[tuple[str, str]] = set()
    for rule in rules:
        pair = (rule.group, rule.item_type)
        if pair in seen:
            raise ValueError(
                f"one rule per patron group and item type; group={rule.group!r} "
                f"item_type={rule.item_type!r} repeats"
            )
        seen.add(pair)
        for name in ("loan_days", "max_renewals", "max_items", "fine_per_day", "fine_cap"):
            value = getattr(rule, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} of 0 or more in every rule, not {value!r}")
        if rule.loan_days == 0 and rule.loanable:
            raise ValueError("loan_days of 1 or more for a loanable item type")


@dataclass(frozen=True)
class LoanRule:
    """One row of the loan rule matrix. ``group`` / ``item_type`` "*" match any.

    Each setting left out is taken from the next less specific rule: (group, type),
    then (group, "*"), then ("*", type), then ("*", "*"). ``max_items`` on a rule
    with ``item_type = "*"`` limits all loans of the group; on a rule naming an item
    type it limits the loans of that type only.
    """

    group: str = field(default="*", metadata={"check": _check_rule_target})
    item_type: str = field(default="*", metadata={"check": _check_rule_target})
    loanable: bool | None = None
    loan_days: int | None = None
    max_renewals: int | None = None
    max_items: int | None = None
    #: Rupiah per overdue day per item, and the most one item's fine can reach.
    fine_per_day: int | None = None
    fine_cap: int | None = None


def _default_rules() -> list[LoanRule]:
    return [
        LoanRule(
            loanable=True,
            loan_days=14,
            max_renewals=2,
            max_items=5,
            fine_per_day=500,
            fine_cap=25_000,
        ),
        LoanRule(item_type="reference", loanable=False),
        LoanRule(item_type="magazine", loanable=False),
        LoanRule(item_type="magazine_back", loan_days=7, max_renewals=1),
        LoanRule(item_type="av", loan_days=7, max_renewals=1, max_items=2, fine_per_day=1000),
        LoanRule(group="child", max_items=3),
        LoanRule(group="staff", loan_days=28, max_items=10),
    ]


@dataclass(frozen=True)
class CirculationSection:
    """Loan rules, fines, PIN lock and the library's opening days (local backend)."""

    #: Checkout is refused while the unpaid fines are more than this (rupiah).
    fines_limit: int = field(default=50_000, metadata={"check": _check_non_negative})
    #: Overdue days that cost nothing (0: a fine from the first day late).
    fine_grace_days: int = field(default=0, metadata={"check": _check_non_negative})
    #: Count closed days (Sundays, holidays) as overdue days too.
    fine_closed_days: bool = False
    #: Whether an overdue loan may be renewed at the kiosk.
    renew_overdue: bool = False
    #: Wrong PINs in a row that lock the card, and for how long (minutes, at most a
    #: week: a longer lock is a typo, and a huge one would overflow and disable it).
    pin_max_tries: int = field(default=5, metadata={"check": _check_range(1, 20)})
    pin_lock_minutes: int = field(default=15, metadata={"check": _check_range(1, 7 * 24 * 60)})
    #: Every patron needs a PIN to sign in at the kiosk (staff always need one).
    require_pin: bool = False
    #: Weekdays the library is open; due dates and hold expiry fall on these.
    opening_days: list[str] = field(
        default_factory=lambda: ["mon", "tue", "wed", "thu", "fri", "sat"],
        metadata={"check": _check_weekdays},
    )
    #: Days the library is closed although it is an opening weekday (YYYY-MM-DD).
    closed_dates: list[str] = field(default_factory=list, metadata={"check": _check_dates})
    #: Local time of day a loan is due on its due date.
    due_time: str = field(default="23:59", metadata={"check": _check_clock_time})
    #: Where held items wait for pickup, and for how many days.
    hold_shelf: str = "Rak Pesanan"
    hold_pickup_days: int = field(default=7, metadata={"check": _check_positive})
    rules: list[LoanRule] = field(default_factory=_default_rules, metadata={"check": _check_rules})


@dataclass(frozen=True)
class EventsSection:
    #: Upcoming events one patron may be registered for at once.
    max_per_patron: int = field(default=3, metadata={"check": _check_positive})


#: What the keypad keys do (EZ Access): the keys of ``[accessibility] keymap``.
KEYPAD_ACTIONS = (
    "up",
    "down",
    "action",
    "help",
    "back",
    "repeat",
    "pause",
    "volume_up",
    "volume_down",
)
THEME_NAMES = ("default", "high_contrast", "dark")
TEXT_SCALES = (1.0, 1.5, 2.0)


def _check_keymap(value: dict[str, list[str]]) -> None:
    for action, keys in value.items():
        if action not in KEYPAD_ACTIONS:
            raise ValueError(f"keymap actions {', '.join(KEYPAD_ACTIONS)}, not {action!r}")
        for key in keys:
            if not key or key != key.strip().lower() or " " in key:
                raise ValueError(
                    f"Kivy key names in lower case such as 'f2' or 'shift+tab', not {key!r}"
                )


def _check_scale(value: float) -> None:
    if value not in TEXT_SCALES:
        raise ValueError(f"one of {', '.join(str(s) for s in TEXT_SCALES)}, not {value!r}")


def _check_key_label(value: str) -> None:
    if not value.strip():
        raise ValueError("the keypad's speech key as patrons see it: 'the round green button'")


@dataclass(frozen=True)
class AccessibilitySection:
    """Keypad, text size, theme, speech and timeouts (see docs/accessibility.md)."""

    #: Action -> Kivy key names; replaces the default keys of the actions it names.
    keymap: dict[str, list[str]] = field(default_factory=dict, metadata={"check": _check_keymap})
    theme: Literal["default", "high_contrast", "dark"] = "default"
    text_scale: float = field(default=1.0, metadata={"check": _check_scale})
    speech_on_start: bool = False
    speak_alerts: bool = True
    speech_rate: int = field(default=175, metadata={"check": _check_range(80, 450)})
    speech_volume: float = field(default=0.75, metadata={"check": _check_range(0.0, 1.0)})
    volume_steps: int = field(default=4, metadata={"check": _check_range(2, 10)})
    session_timeout_s: float = field(default=90.0, metadata={"check": _check_range(30, 3600)})
    timeout_warning_s: float = field(default=30.0, metadata={"check": _check_range(20, 600)})
    max_extensions: int = field(default=10, metadata={"check": _check_range(10, 1000)})
    long_timeout_factor: float = field(default=2.0, metadata={"check": _check_range(1, 10)})
    idle_prompt_s: float = field(default=45.0, metadata={"check": _check_range(0, 3600)})
    #: The key that starts speech, as the library's keypad has it, in each language:
    #: the idle prompt says "press <this>".
    speech_key_id: str = field(default="tombol bulat hijau", metadata={"check": _check_key_label})
    speech_key_en: str = field(
        default="the round green button", metadata={"check": _check_key_label}
    )

    def speech_keys(self) -> dict[str, str]:
        """Language -> the speech key's name in it (what the idle prompt says)."""
        return {"id": self.speech_key_id, "en": self.speech_key_en}

    touch_hear_ms: int = field(default=250, metadata={"check": _check_range(250, 2000)})
    help_twice_s: float = field(default=3.0, metadata={"check": _check_range(0.5, 10)})


def _check_member_types(value: dict[str, str]) -> None:
    for member_type, group in value.items():
        if not member_type.strip():
            raise ValueError("SLiMS member type names, not an empty one")
        if not group or not all(c.isascii() and (c.isalnum() or c in "-_") for c in group):
            raise ValueError(
                f"patron group codes (letters, digits, '-' or '_'), not {group!r} "
                f"for {member_type!r}"
            )


@dataclass(frozen=True)
class SlimsImportSection:
    """How SLiMS exports map to the kiosk's records."""

    #: SLiMS member type (``member_type_name``, any case) -> kiosk patron group. Only
    #: this table can make a SLiMS member staff; a type it does not name becomes a
    #: group of its own name (never a staff group).
    member_types: dict[str, str] = field(
        default_factory=dict, metadata={"check": _check_member_types}
    )


@dataclass(frozen=True)
class ImportSection:
    slims: SlimsImportSection = field(default_factory=SlimsImportSection)


@dataclass(frozen=True)
class ReportSection:
    """``kiosk report``: what it may show."""

    #: Counts below this are shown as "< N" (small-cell suppression); 0: none hidden.
    small_cell: int = field(default=5, metadata={"check": _check_non_negative})


def _check_date(value: str) -> None:
    _check_dates([value])


def _check_share(value: float) -> None:
    if not 0 < value <= 1:
        raise ValueError(f"a share of sessions above 0 and at most 1, not {value!r}")


def _check_text(value: str) -> None:
    if not value.strip():
        raise ValueError("a text in this language (required)")


@dataclass(frozen=True)
class SurveyChoice:
    key: str = field(default="", metadata={"check": _check_identifier})
    text_id: str = field(default="", metadata={"check": _check_text})
    text_en: str = field(default="", metadata={"check": _check_text})


SURVEY_MAX_QUESTIONS = 3
SURVEY_CHOICES = (2, 6)


def _check_question(question: SurveyQuestion) -> None:
    low, high = SURVEY_CHOICES
    if not question.id:
        raise ValueError("an id for every question")
    if not (question.text_id.strip() and question.text_en.strip()):
        raise ValueError(f"text_id and text_en for question {question.id!r}")
    keys = [c.key for c in question.choices]
    if question.kind == "scale" and keys:
        raise ValueError(f"no choices for the 1-5 scale question {question.id!r}")
    if question.kind == "choice" and not low <= len(keys) <= high:
        raise ValueError(f"{low} to {high} choices for question {question.id!r}")
    if len(set(keys)) != len(keys):
        raise ValueError(f"unique choice keys in question {question.id!r}")


@dataclass(frozen=True)
class SurveyQuestion:
    id: str = field(default="", metadata={"check": _check_identifier})
    #: ``scale``: an answer from 1 to 5; ``choice``: one of ``choices``.
    kind: Literal["scale", "choice"] = "scale"
    text_id: str = ""
    text_en: str = ""
    choices: list[SurveyChoice] = field(default_factory=list)


def _check_questions(value: list[SurveyQuestion]) -> None:
    if not 1 <= len(value) <= SURVEY_MAX_QUESTIONS:
        raise ValueError(f"1 to {SURVEY_MAX_QUESTIONS} questions, not {len(value)}")
    ids = [q.id for q in value]
    if len(set(ids)) != len(ids):
        raise ValueError("unique question ids")


def _check_survey(survey: SurveyConfig) -> None:
    if not survey.id:
        raise ValueError("an id for every survey")
    if not survey.questions:
        raise ValueError(f"questions for survey {survey.id!r}")
    if not (survey.title_id.strip() and survey.title_en.strip()):
        raise ValueError(f"title_id and title_en for survey {survey.id!r}")
    if not (survey.starts_on and survey.ends_on) or survey.ends_on < survey.starts_on:
        raise ValueError(f"starts_on on or before ends_on for survey {survey.id!r}")


def _check_survey_id(value: str) -> None:
    if not value or not all(c in "abcdefghijklmnopqrstuvwxyz0123456789-_" for c in value):
        raise ValueError(f"lowercase letters, digits, '-' or '_', not {value!r}")


def _check_survey_ids(value: list[SurveyConfig]) -> None:
    ids = [s.id for s in value]
    if len(set(ids)) != len(ids):
        raise ValueError("unique survey ids")


@dataclass(frozen=True)
class SurveyConfig:
    """A short survey offered at sign-out (see docs/reports.md)."""

    id: str = field(default="", metadata={"check": _check_survey_id})
    title_id: str = ""
    title_en: str = ""
    #: First and last day it is offered (local dates, YYYY-MM-DD).
    starts_on: str = field(default="", metadata={"check": _check_date})
    ends_on: str = field(default="", metadata={"check": _check_date})
    #: Share of sessions it is offered to, above 0 and at most 1.
    share: float = field(default=0.2, metadata={"check": _check_share})
    questions: list[SurveyQuestion] = field(
        default_factory=list,
        metadata={"check": _check_questions, "item_check": _check_question},
    )


def _check_absolute(value: str) -> None:
    if not value.startswith("/"):
        raise ValueError(f"an absolute path such as '/media/usb', not {value!r}")


@dataclass(frozen=True)
class PrintingSection:
    """3D printing through OctoPrint (see docs/makerspace.md)."""

    #: Where USB sticks are mounted on this kiosk; G-code files are listed from these.
    usb_mounts: list[str] = field(
        default_factory=lambda: ["/media/usb"], metadata={"item_check": _check_absolute}
    )
    #: Largest G-code file sent to a printer, in megabytes.
    max_upload_mb: float = field(default=200.0, metadata={"check": _check_positive})
    #: A printer loses power only when its hotend is at or below this, in degrees Celsius.
    cooldown_c: float = field(default=50.0, metadata={"check": _check_range(30, 120)})
    #: Filament used in grams = length x cross-section x density.
    filament_diameter_mm: float = field(default=1.75, metadata={"check": _check_positive})
    filament_density_g_cm3: float = field(default=1.24, metadata={"check": _check_positive})
    #: A print still running when its booking ends: "finish" it, or "cancel" it.
    overrun: Literal["finish", "cancel"] = "finish"
    #: How often a printer is asked for its state when its push socket is unavailable.
    poll_seconds: float = field(default=2.0, metadata={"check": _check_range(0.2, 60)})
    #: How long one request to a printer's host may take, in seconds (uploads: per chunk).
    timeout_seconds: float = field(default=5.0, metadata={"check": _check_positive})

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1_000_000)


@dataclass(frozen=True)
class Config:
    kiosk: KioskSection = field(default_factory=KioskSection)
    database: DatabaseSection = field(default_factory=DatabaseSection)
    backend: BackendSection = field(default_factory=BackendSection)
    display: DisplaySection = field(default_factory=DisplaySection)
    devices: DevicesSection = field(default_factory=DevicesSection)
    mqtt: MqttSection = field(default_factory=MqttSection)
    secrets: SecretsSection = field(default_factory=SecretsSection)
    resources: list[ResourceConfig] = field(default_factory=list)
    circulation: CirculationSection = field(default_factory=CirculationSection)
    events: EventsSection = field(default_factory=EventsSection)
    accessibility: AccessibilitySection = field(default_factory=AccessibilitySection)
    bookings: BookingsSection = field(default_factory=BookingsSection)
    report: ReportSection = field(default_factory=ReportSection)
    surveys: list[SurveyConfig] = field(
        default_factory=list,
        metadata={"check": _check_survey_ids, "item_check": _check_survey},
    )
    #: ``[import]`` in TOML (``import`` is a Python keyword).
    import_: ImportSection = field(default_factory=ImportSection, metadata={"toml": "import"})
    printing: PrintingSection = field(default_factory=PrintingSection)
    #: Where this config came from (a path or ``<built-in default>``); not a TOML key.
    source: str = field(default=BUILTIN, metadata={"internal": True})

    def database_path(self) -> Path:
        """The database file: the configured path, else the state/data directory."""
        if self.database.path:
            return Path(self.database.path).expanduser()
        state = os.environ.get("STATE_DIRECTORY")
        if state:
            return Path(state.split(":")[0]) / "kiosk.db"
        import platformdirs

        return Path(platformdirs.user_data_dir("kiosk")) / "kiosk.db"


# -- loading ---------------------------------------------------------------------
def default_config_text() -> str:
    """The built-in default config (``config/default.toml``) as TOML text."""
    return _package_file("default.toml").read_text(encoding="utf-8")


def _package_file(name: str) -> Any:
    try:
        return resources.files("kiosk.defaults").joinpath(name)
    except ModuleNotFoundError:
        # Running from a source tree that was never installed: config/ beside kiosk/.
        return Path(__file__).resolve().parent.parent / "config" / name


def data_file(name: str) -> Any:
    """A file shipped in ``config/`` (demo data), found in source tree or wheel alike."""
    return _package_file(name)


def load(path: str | Path | None = None) -> Config:
    """Load and validate the config. ``path`` None: system file, else built-in."""
    if path is None:
        if SYSTEM_CONFIG.exists():
            path = SYSTEM_CONFIG
        else:
            return parse(default_config_text(), BUILTIN)
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(source, "", "file not found") from None
    except IsADirectoryError:
        raise ConfigError(source, "", "expected a TOML file, found a directory") from None
    except PermissionError:
        raise ConfigError(source, "", "cannot read the file (permission denied)") from None
    except UnicodeDecodeError:
        raise ConfigError(source, "", "not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(source, "", f"cannot read the file ({exc.strerror})") from None
    return parse(text, source)


def parse(text: str, source: str = "<string>") -> Config:
    """Validate TOML text into a :class:`Config`; raises ConfigError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "", f"not valid TOML ({exc})") from None
    config = _build(Config, data, "", source)
    a11y = config.accessibility
    if a11y.timeout_warning_s >= a11y.session_timeout_s:
        raise ConfigError(
            source,
            "accessibility.timeout_warning_s",
            f"fewer seconds than session_timeout_s ({a11y.session_timeout_s:g})",
        )
    ids = [r.id for r in config.resources]
    for index, rid in enumerate(ids):
        if not rid:
            raise ConfigError(source, f"resources[{index}].id", "a resource id (required)")
        if ids.index(rid) != index:
            raise ConfigError(source, f"resources[{index}].id", f"a unique id; {rid!r} repeats")
    if config.backend.kind == "sip2" and not config.backend.url:
        raise ConfigError(
            source,
            "backend.url",
            "the ILS's SIP2 address, e.g. 'sip2://kiosk@ils.example:6001?institution=PALU'",
        )
    mqtt = config.mqtt
    if mqtt.url.startswith("mqtts://") and mqtt.ca_file and not Path(mqtt.ca_file).is_file():
        # Else the TLS setup fails at the first switch command, far from its cause.
        raise ConfigError(
            source, "mqtt.ca_file", f"a CA certificate file that exists, not {mqtt.ca_file!r}"
        )
    for kind in config.bookings.kinds:
        if kind not in ("3d_printer", "computer", "tool"):
            raise ConfigError(
                source, f"bookings.kinds.{kind}", "one of '3d_printer', 'computer', 'tool'"
            )
    return dataclasses.replace(config, source=source)


def _build(cls: type, data: Any, prefix: str, source: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(source, prefix, f"a table, not {_kind(data)}")
    hints = typing.get_type_hints(cls)
    # TOML name -> field (a field whose TOML name is a Python keyword says so).
    fields = {
        f.metadata.get("toml", f.name): f
        for f in dataclasses.fields(cls)
        if not f.metadata.get("internal")
    }
    for key in data:
        if key not in fields:
            where = f"{prefix}.{key}" if prefix else key
            allowed = ", ".join(sorted(fields))
            what = "table" if isinstance(data[key], dict) else "key"
            raise ConfigError(source, where, f"unknown {what}; expected one of: {allowed}")
    values: dict[str, Any] = {}
    for name, f in fields.items():
        if name not in data:
            continue
        where = f"{prefix}.{name}" if prefix else name
        value = _convert(data[name], hints[f.name], where, source)
        _run_check(f.metadata.get("check"), value, where, source)
        if "item_check" in f.metadata:
            for index, item in enumerate(value):
                _run_check(f.metadata["item_check"], item, f"{where}[{index}]", source)
        values[f.name] = value
    return cls(**values)


def _run_check(check: Any, value: Any, where: str, source: str) -> None:
    if check is None:
        return
    try:
        check(value)
    except ValueError as exc:
        raise ConfigError(source, where, f"expected {exc}") from None


def _convert(value: Any, tp: Any, where: str, source: str) -> Any:
    origin = get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, where, source)  # type: ignore[arg-type]
    if origin is Literal:
        options = get_args(tp)
        if value not in options:
            shown = ", ".join(repr(o) for o in options)
            raise ConfigError(source, where, f"expected one of {shown}, not {value!r}")
        return value
    if origin is list:
        (inner,) = get_args(tp)
        if not isinstance(value, list):
            raise ConfigError(source, where, f"expected a list, not {_kind(value)}")
        return [_convert(v, inner, f"{where}[{i}]", source) for i, v in enumerate(value)]
    if origin is dict:
        _, inner = get_args(tp)
        if not isinstance(value, dict):
            raise ConfigError(source, where, f"expected a table, not {_kind(value)}")
        return {k: _convert(v, inner, f"{where}.{k}", source) for k, v in value.items()}
    if origin in (types.UnionType, typing.Union):
        inner_types = [a for a in get_args(tp) if a is not type(None)]
        return _convert(value, inner_types[0], where, source)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(source, where, f"expected true or false, not {_kind(value)}")
        return value
    if tp is int:
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(source, where, f"expected a finite whole number, not {value}")
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(source, where, f"expected a whole number, not {_kind(value)}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(source, where, f"expected a number, not {_kind(value)}")
        if not math.isfinite(value):
            # TOML allows nan and inf; no setting of the kiosk means either.
            raise ConfigError(source, where, f"expected a finite number, not {value}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(source, where, f"expected a text string, not {_kind(value)}")
        return value
    raise TypeError(f"config type {tp!r} at {where} is not supported")  # a bug, not input


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__
