"""Demo history: days of plausible, seeded past use, so that ``kiosk report`` shows
something real in the demo (``kiosk init --demo --history 90``), and the benchmark's
year at a busy library's volume.

What it writes, all before today (so the live demo's bookings and events are untouched):
usage counters per hour (checkouts, returns, renewals, sign-ins, refusals with their
reasons, sessions with their accessibility features and language, survey counters),
makerspace bookings with their outcomes, the 3D print jobs of the printers' bookings
(written by the kiosk's own print job records, filament used included), past events
with registrations and check-ins, anonymous feedback with comments, and one survey
that ran in the middle of the period with its anonymous answers. One transaction: the
history is there whole or not at all.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.booking.rules import rules_for
from kiosk.circulation.usage import (
    LANGUAGE,
    REFUSAL,
    SESSION,
    SESSION_FEATURE,
    SURVEY_ANSWERED,
    SURVEY_OFFERED,
    SURVEY_SKIPPED,
)
from kiosk.config import WEEKDAYS, Config
from kiosk.printing.records import PrintJobRecords
from kiosk.store import Store
from kiosk.surveys.api import Choice, Question, Survey
from kiosk.timeutil import Clock, to_db, utcnow


@dataclass(frozen=True)
class Volume:
    """How busy the library is, on an average opening day."""

    #: Checkouts, returns and renewals together.
    loans_per_day: float
    #: Chance that a free slot of a resource gets booked (0-1).
    booking_fill: float
    feedback_per_day: float
    survey_answers_per_day: float


#: A city library's kiosk in its first months.
DEMO = Volume(loans_per_day=120, booking_fill=0.35, feedback_per_day=2.5, survey_answers_per_day=4)
#: A busy library: about 300,000 counted actions and 2,000 feedback entries a year, and
#: with a dozen public computers about 20,000 bookings (``python -m bench report``).
BUSY = Volume(loans_per_day=360, booking_fill=0.62, feedback_per_day=6.4, survey_answers_per_day=20)

#: Local opening hours of the lobby (first hour, last hour) by weekday; Sunday closed.
_HOURS = {5: (8, 13)}
_WEEKDAY_HOURS = (8, 16)
#: How busy each hour is (relative), from the first opening hour on.
_HOUR_WEIGHTS = (0.5, 0.9, 1.3, 1.2, 0.9, 0.8, 1.1, 1.2, 0.7)
_SATURDAY_WEIGHTS = (0.8, 1.4, 1.6, 1.5, 1.1, 0.6)
_DAY_FACTORS = (1.0, 0.9, 0.95, 0.9, 0.85, 1.3, 0.0)

#: Shares of the self-service actions and the rest, of ``loans_per_day``.
_ACTIONS = {
    "checkout": 0.42,
    "return": 0.40,
    "renew": 0.18,
    "sign_in": 0.36,
    "receipt": 0.20,
    "payment": 0.012,
}
#: Refusals per checkout, by reason (weights).
_REFUSAL_RATE = 0.08
_REASONS = {
    "circulation.card_expired": 24,
    "circulation.fines_over_limit": 17,
    "circulation.item_on_hold": 12,
    "circulation.item_not_for_loan": 10,
    "circulation.item_not_found": 9,
    "circulation.loan_limit": 8,
    "circulation.pin_wrong": 7,
    "circulation.renew_on_hold": 6,
    "circulation.renew_limit": 5,
    "circulation.card_unknown": 4,
    "booking.training_needed": 3,
    "events.full": 2,
}
#: Sessions per sign-in, and the shares of sessions using each feature / language.
_SESSIONS_PER_SIGN_IN = 1.25
_FEATURES = {"speech": 0.03, "keypad": 0.015, "high_contrast": 0.045, "large_text": 0.09}
_ENGLISH = 0.22

#: Booking outcomes of past bookings.
_NO_SHOW, _CANCELLED = 0.08, 0.10
_PRINT_OUTCOMES = (("done", 0.78), ("failed", 0.10), ("cancelled", 0.09), ("unknown", 0.03))
#: Share of print jobs started from a USB stick (the rest from the printer's own host).
_FROM_USB = 0.7
_MODELS = ("gantungan-kunci", "benchy", "pot-tanaman", "roda-gigi", "casing-sensor", "peluit")

#: Recurring events: weekday, local hour, hours, capacity, id title, en title, place,
#: every how many weeks.
_EVENTS = (
    (5, 9, 1, 30, "Dongeng Anak Sabtu Pagi", "Saturday Morning Storytelling", "Ruang Anak", 1),
    (2, 10, 2, 20, "Kelas Literasi Digital", "Digital Literacy Class", "Lab Komputer", 1),
    (3, 15, 2, 12, "Lokakarya Cetak 3D", "3D Printing Workshop", "Makerspace", 2),
    (4, 14, 2, 25, "Klub Buku", "Book Club", "Ruang Baca", 4),
)

_RATINGS = ((5, 0.44), (4, 0.30), (3, 0.13), (2, 0.07), (1, 0.06))
_COMMENTS = {
    "id": (
        "Mesin peminjaman cepat dan mudah dipakai.",
        "Tolong tambah buku cerita anak-anak.",
        "Printer 3D sering penuh, semoga bisa ditambah.",
        "Suara mesin membantu sekali untuk ibu saya.",
        "Antrean di komputer panjang pada hari Sabtu.",
        "Petugas ramah dan membantu.",
        "Layar kadang lambat membaca kartu.",
        "Terima kasih, jam buka Sabtu sangat membantu.",
    ),
    "en": (
        "The kiosk is quick and easy to use.",
        "Please add more English novels.",
        "Could the makerspace open on Sunday?",
        "Large text mode is great.",
        "The card reader was slow today.",
    ),
}

DEMO_SURVEY = Survey(
    id="layanan-2026",
    title_id="Survei layanan perpustakaan",
    title_en="Library services survey",
    starts_on=date(2000, 1, 1),  # placed in the period by fill()
    ends_on=date(2000, 1, 1),
    share=0.2,
    questions=(
        Question("mudah", "scale", "Seberapa mudah kios ini dipakai?", "How easy is the kiosk?"),
        Question(
            "waktu",
            "choice",
            "Kapan Anda biasanya datang?",
            "When do you usually come?",
            (
                Choice("pagi", "Pagi", "Morning"),
                Choice("siang", "Siang", "Midday"),
                Choice("sore", "Sore", "Afternoon"),
                Choice("sabtu", "Sabtu", "Saturday"),
            ),
        ),
        Question(
            "tambah",
            "choice",
            "Layanan apa yang perlu ditambah?",
            "What should we offer more of?",
            (
                Choice("jam", "Jam buka lebih panjang", "Longer opening hours"),
                Choice("komputer", "Komputer", "Computers"),
                Choice("printer", "Printer 3D", "3D printers"),
                Choice("acara", "Acara anak", "Children's events"),
            ),
        ),
    ),
)


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _pick(rng: random.Random, weighted: Any) -> Any:
    items = list(weighted.items()) if isinstance(weighted, dict) else list(weighted)
    return rng.choices([k for k, _ in items], [w for _, w in items])[0]


def _open_hours(day: date, config: Config) -> list[tuple[int, float]]:
    """(local hour, weight) of the lobby's opening hours on ``day``; empty when closed."""
    if WEEKDAYS[day.weekday()] not in config.circulation.opening_days:
        return []
    if day.isoformat() in config.circulation.closed_dates:
        return []
    first, last = _HOURS.get(day.weekday(), _WEEKDAY_HOURS)
    weights = _SATURDAY_WEIGHTS if day.weekday() == 5 else _HOUR_WEIGHTS
    return [(h, weights[h - first]) for h in range(first, last + 1)]


class _Writer:
    """Collects the rows, then writes them in bulk."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.counters: dict[tuple[str, int, str, str], int] = {}

    def count(self, day: date, hour: int, action: str, detail: str = "", n: int = 1) -> None:
        if n > 0:
            key = (day.isoformat(), hour, action, detail)
            self.counters[key] = self.counters.get(key, 0) + n

    def spread(
        self, day: date, hours: list[tuple[int, float]], action: str, mean: float, detail: str = ""
    ) -> int:
        """About ``mean`` actions over the day's hours, by their weights."""
        total = sum(w for _, w in hours)
        made = 0
        for hour, weight in hours:
            n = _poisson(self.rng, mean * weight / total)
            self.count(day, hour, action, detail, n)
            made += n
        return made


def has_history(store: Store, today: date) -> bool:
    conn = store.conn
    before = today.isoformat()
    return bool(
        conn.execute("SELECT 1 FROM usage_counters WHERE day < ? LIMIT 1", [before]).fetchone()
        or conn.execute("SELECT 1 FROM feedback WHERE day < ? LIMIT 1", [before]).fetchone()
    )


def fill(
    store: Store,
    config: Config,
    days: int,
    clock: Clock = utcnow,
    volume: Volume = DEMO,
    seed: int = 17,
) -> bool:
    """Fill the ``days`` local days before today. Returns False, writing nothing, when
    the database has history before today already."""
    zone = ZoneInfo(config.kiosk.timezone)
    today = clock().astimezone(zone).date()
    first = today - timedelta(days=days)
    rng = random.Random(seed)
    with store.transaction() as db:
        if has_history(store, today):
            return False
        patrons = [r["id"] for r in db.execute("SELECT id FROM patrons ORDER BY id").fetchall()]
        writer = _Writer(rng)
        survey = _survey_dates(first, today, days)
        db.execute(
            "INSERT OR IGNORE INTO surveys (id, definition, starts_on, ends_on) VALUES (?,?,?,?)",
            [survey.id, survey.to_json(), survey.starts_on.isoformat(), survey.ends_on.isoformat()],
        )
        for n in range(days):
            day = first + timedelta(days=n)
            hours = _open_hours(day, config)
            if hours:
                _usage(writer, day, hours, volume, survey)
                _feedback(db, writer, day, hours, volume, config, first, days)
                if survey.starts_on <= day <= survey.ends_on:
                    _answers(db, writer, day, hours, volume, survey)
        if patrons:
            _bookings(store, config, zone, rng, first, today, volume, patrons)
            _events(db, writer, zone, rng, first, today, patrons)
        db.conn.executemany(
            """INSERT INTO usage_counters (day, hour, action, detail, count) VALUES (?,?,?,?,?)
               ON CONFLICT(day, hour, action, detail)
               DO UPDATE SET count = count + excluded.count""",
            [(*key, n) for key, n in writer.counters.items()],
        )
    return True


def _survey_dates(first: date, today: date, days: int) -> Survey:
    """The demo survey, run from a fifth into the period until shortly before today."""
    starts = first + timedelta(days=days // 5)
    ends = max(starts, today - timedelta(days=max(1, days // 10)))
    return replace(DEMO_SURVEY, starts_on=starts, ends_on=ends)


def _usage(
    writer: _Writer, day: date, hours: list[tuple[int, float]], volume: Volume, survey: Survey
) -> None:
    rng = writer.rng
    # Slowly busier over the period, as the kiosk becomes known.
    mean = volume.loans_per_day * _DAY_FACTORS[day.weekday()] * rng.uniform(0.8, 1.2)
    made: dict[str, int] = {}
    for action, share in _ACTIONS.items():
        made[action] = writer.spread(day, hours, action, mean * share)
    for _ in range(_poisson(rng, made["checkout"] * _REFUSAL_RATE)):
        writer.count(day, _pick(rng, _weights(hours)), REFUSAL, _pick(rng, _REASONS))
    sessions = writer.spread(day, hours, SESSION, made["sign_in"] * _SESSIONS_PER_SIGN_IN)
    for feature, share in _FEATURES.items():
        writer.spread(day, hours, SESSION_FEATURE, sessions * share, feature)
    english = writer.spread(day, hours, LANGUAGE, sessions * _ENGLISH, "en")
    writer.spread(day, hours, LANGUAGE, max(sessions - english, 0), "id")
    if survey.starts_on <= day <= survey.ends_on:
        writer.spread(day, hours, SURVEY_SKIPPED, volume.survey_answers_per_day * 0.7, survey.id)


def _weights(hours: list[tuple[int, float]]) -> dict[int, float]:
    return dict(hours)


def _feedback(
    db: Any,
    writer: _Writer,
    day: date,
    hours: list[tuple[int, float]],
    volume: Volume,
    config: Config,
    first: date,
    days: int,
) -> None:
    rng = writer.rng
    for _ in range(_poisson(rng, volume.feedback_per_day)):
        language = "en" if rng.random() < _ENGLISH else "id"
        # A little better as the months go by (staff acted on the comments).
        lift = (day - first).days / max(days, 1)
        rating = _pick(rng, [(r, w * (1 + lift * (r - 3) / 4)) for r, w in _RATINGS])
        comment = rng.choice(_COMMENTS[language]) if rng.random() < 0.3 else None
        db.execute(
            "INSERT INTO feedback (day, rating, comment, language, kiosk_id) VALUES (?,?,?,?,?)",
            [day.isoformat(), rating, comment, language, config.kiosk.id],
        )
        writer.count(day, _pick(rng, _weights(hours)), "feedback")


def _answers(
    db: Any,
    writer: _Writer,
    day: date,
    hours: list[tuple[int, float]],
    volume: Volume,
    survey: Survey,
) -> None:
    rng = writer.rng
    for _ in range(_poisson(rng, volume.survey_answers_per_day)):
        hour = _pick(rng, _weights(hours))
        cursor = db.execute(
            "INSERT INTO survey_responses (survey_id, day) VALUES (?, ?)",
            [survey.id, day.isoformat()],
        )
        for question in survey.questions:
            if question.id == "tambah" and rng.random() < 0.15:
                continue  # left unanswered
            if question.kind == "scale":
                answer = _pick(rng, {"5": 40, "4": 33, "3": 15, "2": 7, "1": 5})
            else:
                weights = [4, 2, 3, 5][: len(question.choices)]
                answer = rng.choices([c.key for c in question.choices], weights)[0]
            db.execute(
                "INSERT INTO survey_answers (response_id, question, answer) VALUES (?, ?, ?)",
                [cursor.lastrowid, question.id, answer],
            )
        writer.count(day, hour, SURVEY_ANSWERED, survey.id)
        writer.count(day, hour, SURVEY_OFFERED, survey.id)
    writer.spread(day, hours, SURVEY_OFFERED, volume.survey_answers_per_day * 0.75, survey.id)


def _bookings(
    store: Store,
    config: Config,
    zone: ZoneInfo,
    rng: random.Random,
    first: date,
    today: date,
    volume: Volume,
    patrons: list[int],
) -> None:
    rows: list[list[Any]] = []
    jobs: list[_PrintJob] = []
    for resource in config.resources:
        rules = rules_for(config, resource)
        durations = list(range(rules.min_minutes, rules.max_minutes + 1, rules.slot_minutes))
        weights = [1 / (i + 1) for i in range(len(durations))]
        day = first
        while day < today:
            opening = rules.opening(day)
            minute = opening[0] if opening else 0
            while opening and minute + rules.min_minutes <= opening[1]:
                # Late morning and afternoon are wanted most, like the lobby's hours.
                busy = _HOUR_WEIGHTS[min(max(minute // 60 - 8, 0), len(_HOUR_WEIGHTS) - 1)]
                if rng.random() >= volume.booking_fill * busy / max(_HOUR_WEIGHTS):
                    minute += rules.slot_minutes
                    continue
                minutes = rng.choices(durations, weights)[0]
                minutes = min(minutes, opening[1] - minute)
                minutes -= minutes % rules.slot_minutes
                if minutes < rules.min_minutes:
                    break
                start = datetime.combine(day, time(0), zone) + timedelta(minutes=minute)
                end = start + timedelta(minutes=minutes)
                roll = rng.random()
                status = (
                    "no_show"
                    if roll < _NO_SHOW
                    else "cancelled"
                    if roll < _NO_SHOW + _CANCELLED
                    else "completed"
                )
                checked_in = start - timedelta(minutes=rng.randint(0, 10))
                rows.append(
                    [
                        resource.id,
                        rng.choice(patrons),
                        to_db(start),
                        to_db(end),
                        status,
                        to_db(checked_in) if status == "completed" else None,
                        to_db(start - timedelta(days=rng.randint(0, 6), hours=rng.randint(1, 9))),
                        to_db(end + timedelta(minutes=rules.buffer_minutes)),
                        to_db(end) if status != "cancelled" else to_db(start),
                        config.kiosk.id,
                    ]
                )
                if status == "completed" and resource.kind == "3d_printer":
                    jobs.append(_print_job(rng, resource.id, len(rows), start, minutes))
                gap = rules.buffer_minutes + rules.slot_minutes - 1
                minute += minutes + gap - gap % rules.slot_minutes
            day += timedelta(days=1)
    conn = store.conn
    last = conn.execute("SELECT coalesce(max(id), 0) AS id FROM bookings").fetchone()
    first_id = last["id"] + 1
    conn.executemany(
        """INSERT INTO bookings (resource_id, patron_id, starts_at, ends_at, status,
             checked_in_at, created_at, hold_until, ended_at, kiosk_id)
           VALUES (?,?,?,?,?,?,?,?,?,?)""",
        rows,
    )
    _print_jobs(store, config, first_id, jobs)


@dataclass(frozen=True)
class _PrintJob:
    """A past print job of a used 3D printer booking, before it is written."""

    resource: str
    #: The booking's place in the list of bookings written (1 is the first).
    booking: int
    file_name: str
    source: str
    started_at: datetime
    estimated_seconds: int
    filament_mm: float
    outcome: str
    #: Percent printed when a failed or cancelled job stopped.
    completion: float
    ended_at: datetime


def _print_job(
    rng: random.Random, resource: str, booking: int, start: datetime, minutes: int
) -> _PrintJob:
    """A job started a few minutes into its booking and done before it ends, with the
    G-code's estimates of time and filament length (4 to 7 metres an hour) and a seeded
    outcome."""
    begins = start + timedelta(minutes=rng.randint(2, 8))
    estimate = 60 * rng.randint(20, max(21, int(minutes * 0.85) - 10))
    filament = round(estimate / 60 * rng.uniform(65, 115), 1)
    outcome = _pick(rng, _PRINT_OUTCOMES)
    completion = 100.0 if outcome == "done" else round(rng.uniform(4, 92), 1)
    took = estimate * (rng.uniform(0.97, 1.06) if outcome == "done" else completion / 100)
    return _PrintJob(
        resource=resource,
        booking=booking,
        file_name=f"{rng.choice(_MODELS)}-{booking}.gcode",
        source="usb" if rng.random() < _FROM_USB else "host",
        started_at=begins,
        estimated_seconds=estimate,
        filament_mm=filament,
        outcome=outcome,
        completion=completion,
        ended_at=begins + timedelta(seconds=max(60.0, took)),
    )


class _SetClock:
    """The time the records write: set to each moment of the past in turn."""

    now = datetime.min.replace(tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _print_jobs(store: Store, config: Config, first_id: int, jobs: list[_PrintJob]) -> None:
    """Writes the jobs as the kiosk does, through its print job records, each at its own
    time. A job whose end is "unknown" is left open, as when the kiosk missed it: the
    printer's next job closes it (a printer's last job is never left open)."""
    clock = _SetClock()
    records = PrintJobRecords(store, config.printing, config.kiosk.id, clock)
    last = {job.resource: job for job in jobs}
    for job in jobs:
        clock.now = job.started_at
        records.started(
            job.resource,
            job.file_name,
            first_id + job.booking - 1,
            job.source,
            job.estimated_seconds,
            job.filament_mm,
        )
        if job.outcome == "unknown" and last[job.resource] is not job:
            continue
        clock.now = job.ended_at
        outcome = "done" if job.outcome == "unknown" else job.outcome
        records.ended(job.resource, outcome, job.completion)


def _events(
    db: Any,
    writer: _Writer,
    zone: ZoneInfo,
    rng: random.Random,
    first: date,
    today: date,
    patrons: list[int],
) -> None:
    day = first
    week = 0
    while day < today:
        if day.weekday() == 0:
            week += 1
        for weekday, hour, hours, capacity, title_id, title_en, place, every in _EVENTS:
            if day.weekday() != weekday or week % every:
                continue
            start = datetime.combine(day, time(hour), zone)
            cursor = db.execute(
                """INSERT INTO events (title_id, title_en, location, starts_at, ends_at,
                     capacity) VALUES (?, ?, ?, ?, ?, ?)""",
                [title_id, title_en, place, to_db(start), to_db(start + timedelta(hours=hours)),
                 capacity],
            )  # fmt: skip
            event_id = cursor.lastrowid
            wanted = min(len(patrons), round(capacity * rng.uniform(0.35, 1.0)))
            registered = rng.sample(patrons, wanted)
            others = [p for p in patrons if p not in registered]
            for pid in registered:
                came = rng.random() < 0.78
                signed_up = start - timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 8))
                db.execute(
                    """INSERT INTO registrations (event_id, patron_id, registered_at,
                         attended_at) VALUES (?, ?, ?, ?)""",
                    [event_id, pid, to_db(signed_up), to_db(start) if came else None],
                )
                local = signed_up.astimezone(zone)
                writer.count(local.date(), local.hour, "event_register")
                if came:
                    writer.count(day, hour, "event_checkin")
            for pid in rng.sample(others, min(len(others), rng.randint(0, 3))):
                db.execute(
                    """INSERT INTO registrations (event_id, patron_id, registered_at,
                         attended_at, walk_in) VALUES (?, ?, ?, ?, 1)""",
                    [event_id, pid, to_db(start), to_db(start)],
                )
                writer.count(day, hour, "event_checkin")
        day += timedelta(days=1)
