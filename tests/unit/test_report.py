"""``kiosk report``: every figure equals an independent SQL count on the same database;
small cells are suppressed; the page has no external reference; charts in both languages;
one-line errors.

The expected figures are computed here from the tables, with SQL and a little Python,
never with the report's own code. Asia/Makassar has no daylight saving time, so local
time is UTC + 8 hours in SQL too.
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kiosk import demo, demo_history
from kiosk.cli import main
from kiosk.config import Config
from kiosk.printing.filament import grams
from kiosk.printing.records import PrintJobRecords
from kiosk.store import Store
from tests.support.kiosks import open_test_kiosk, store_of
from tests.support.png import read_png
from tests.unit.circ_helpers import MONDAY, FakeClock

FIRST, LAST = date(2026, 8, 25), date(2026, 11, 22)  # the 90 days before MONDAY
SHORT = (date(2026, 11, 1), date(2026, 11, 22))  # a period shown per day
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LOCAL = "'+8 hours'"


def shown(n: int, limit: int = 5) -> str:
    return f"< {limit}" if 0 < n < limit else str(n)


def utc_bounds(first: date, last: date) -> tuple[str, str]:
    """[local midnight of first, local midnight after last) as stored UTC text."""
    return (
        f"{first - timedelta(days=1)}T16:00:00+00:00",
        f"{last}T16:00:00+00:00",
    )


def weeks(first: date, last: date) -> list[tuple[date, date]]:
    found, start = [], first
    while start <= last:
        end = min(start + timedelta(days=6 - start.weekday()), last)
        found.append((start, end))
        start = end + timedelta(days=1)
    return found


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Config]:
    from kiosk import config as config_module

    config = config_module.parse(config_module.default_config_text(), "<test>")
    path = tmp_path_factory.mktemp("history") / "kiosk.db"
    store = store_of(open_test_kiosk(config, path))
    clock = FakeClock(MONDAY)
    demo.load(store, config, clock)
    assert demo_history.fill(store, config, 90, clock)
    assert not demo_history.fill(store, config, 90, clock)  # once only
    store.close()
    return path, config


@pytest.fixture(scope="module")
def reports(
    history: tuple[Path, Config], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    db, _ = history
    out = tmp_path_factory.mktemp("reports")
    made = {}
    for name, lang, (first, last) in (
        ("en", "en", (FIRST, LAST)),
        ("id", "id", (FIRST, LAST)),
        ("short", "en", SHORT),
    ):
        folder = out / name
        argv = ["report", "--db", str(db), "--from", str(first), "--to", str(last)]
        assert main([*argv, "--out", str(folder), "--lang", lang]) == 0
        made[name] = folder
    return made


def read_csv(folder: Path, name: str) -> list[list[str]]:
    with (folder / "tables" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture(scope="module")
def db(history: tuple[Path, Config]) -> Iterator[Any]:
    store = Store(history[0])
    yield store.conn
    store.close()


# -- every figure, from the tables -----------------------------------------------------
def expected_summary(conn: Any, first: date, last: date) -> list[list[str]]:
    days = [str(first), str(last)]
    start, end = utc_bounds(first, last)

    def counter(action: str) -> int:
        return conn.execute(
            "SELECT coalesce(sum(count), 0) FROM usage_counters"
            " WHERE action = ? AND day BETWEEN ? AND ?",
            [action, *days],
        ).fetchone()[0]

    def one(sql: str, params: list[Any]) -> Any:
        return conn.execute(sql, params).fetchone()[0]

    in_range = "starts_at >= ? AND starts_at < ?"
    events = f"event_id IN (SELECT id FROM events WHERE cancelled = 0 AND {in_range})"
    feedback = one("SELECT count(*) FROM feedback WHERE day BETWEEN ? AND ?", days)
    mean = one("SELECT avg(rating) FROM feedback WHERE day BETWEEN ? AND ?", days)

    def bookings(where: str) -> str:
        return shown(
            one(f"SELECT count(*) FROM bookings WHERE {in_range} AND {where}", [start, end])
        )

    def registrations(where: str) -> str:
        return shown(one(f"SELECT count(*) FROM registrations WHERE {where} AND {events}",
                         [start, end]))  # fmt: skip

    return [
        ["Figure", "Value"],
        ["Card sign-ins", shown(counter("sign_in"))],
        ["Checkouts", shown(counter("checkout"))],
        ["Returns", shown(counter("return"))],
        ["Renewals", shown(counter("renew"))],
        ["Refusals", shown(counter("refusal"))],
        ["Makerspace bookings (cancelled left out)", bookings("status <> 'cancelled'")],
        ["No-shows", bookings("status = 'no_show'")],
        ["Event registrations", registrations("walk_in = 0")],
        ["Event check-ins", registrations("attended_at IS NOT NULL")],
        ["Feedback entries", shown(feedback)],
        ["Average rating", f"{mean:.1f}" if feedback >= 5 else ""],
        [
            "Survey responses",
            shown(one("SELECT count(*) FROM survey_responses WHERE day BETWEEN ? AND ?", days)),
        ],
    ]


def expected_self_service(conn: Any, first: date, last: date) -> list[list[str]]:
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    for day, action, count in conn.execute(
        """SELECT day, action, sum(count) FROM usage_counters
           WHERE action IN ('checkout', 'return', 'renew') AND day BETWEEN ? AND ?
           GROUP BY day, action""",
        [str(first), str(last)],
    ):
        per_day[day][action] = count
    daily = (last - first).days < 31
    buckets = (
        [(first + timedelta(days=n),) * 2 for n in range((last - first).days + 1)]
        if daily
        else weeks(first, last)
    )
    rows = [["Day" if daily else "Week from", "Checkouts", "Returns", "Renewals"]]
    for start, end in buckets:
        totals: Counter[str] = Counter()
        for n in range((end - start).days + 1):
            totals.update(per_day.get(str(start + timedelta(days=n)), Counter()))
        rows.append([str(start), *(shown(totals[a]) for a in ("checkout", "return", "renew"))])
    return rows


def expected_hours(conn: Any, first: date, last: date) -> list[list[str]]:
    grid: dict[tuple[int, int], int] = {}
    for sunday_first, hour, count in conn.execute(
        """SELECT CAST(strftime('%w', day) AS INTEGER), hour, sum(count) FROM usage_counters
           WHERE action IN ('checkout', 'return', 'renew') AND hour IS NOT NULL
             AND day BETWEEN ? AND ? GROUP BY 1, 2""",
        [str(first), str(last)],
    ):
        grid[((sunday_first + 6) % 7, hour)] = count
    hours = range(min(h for _, h in grid), max(h for _, h in grid) + 1)
    rows = [["Weekday", *(f"{h:02d}:00" for h in hours)]]
    for wd in range(7):
        rows.append([WEEKDAYS[wd], *(shown(grid.get((wd, h), 0)) for h in hours)])
    return rows


def expected_refusals(conn: Any, first: date, last: date) -> list[tuple[str, str]]:
    return [
        (key, shown(n))
        for key, n in conn.execute(
            """SELECT detail, sum(count) FROM usage_counters
               WHERE action = 'refusal' AND day BETWEEN ? AND ?
               GROUP BY detail ORDER BY 2 DESC, 1""",
            [str(first), str(last)],
        )
    ]


def open_hours(first: date, last: date) -> float:
    """The built-in booking hours of the default config: 08-16, Saturday 08-12."""
    total = 0
    for n in range((last - first).days + 1):
        total += (8, 8, 8, 8, 8, 4, 0)[(first + timedelta(days=n)).weekday()]
    return total


def expected_resources(conn: Any, config: Config, first: date, last: date) -> list[list[str]]:
    start, end = utc_bounds(first, last)
    rows = [
        [
            "Resource",
            "Open hours",
            "Booked hours",
            "Utilisation",
            "Used",
            "No-show",
            "Cancelled",
            "Still booked",
        ]
    ]
    hours = open_hours(first, last)
    for resource in config.resources:
        minutes, used, no_show, cancelled, booked = conn.execute(
            """SELECT coalesce(sum(CASE WHEN status <> 'cancelled' THEN
                        (strftime('%s', ends_at) - strftime('%s', starts_at)) / 60 END), 0),
                      count(*) FILTER (WHERE status IN
                        ('checked_in', 'active', 'ending', 'completed')),
                      count(*) FILTER (WHERE status = 'no_show'),
                      count(*) FILTER (WHERE status = 'cancelled'),
                      count(*) FILTER (WHERE status = 'booked')
               FROM bookings WHERE resource_id = ? AND starts_at >= ? AND starts_at < ?""",
            [resource.id, start, end],
        ).fetchone()
        rows.append(
            [
                resource.name,
                f"{hours:.1f}",
                f"{minutes / 60:.1f}",
                f"{minutes / 60 / hours * 100:.1f}",
                *(shown(n) for n in (used, no_show, cancelled, booked)),
            ]
        )
    return rows


def expected_slots(conn: Any, first: date, last: date) -> list[list[str]]:
    start, end = utc_bounds(first, last)
    found = conn.execute(
        f"""SELECT CAST(strftime('%w', datetime(starts_at, {LOCAL})) AS INTEGER),
                   CAST(strftime('%H', datetime(starts_at, {LOCAL})) AS INTEGER), count(*)
            FROM bookings WHERE status <> 'cancelled' AND starts_at >= ? AND starts_at < ?
            GROUP BY 1, 2""",
        [start, end],
    ).fetchall()
    ranked = sorted(((-n, (w + 6) % 7, h) for w, h, n in found))[:10]
    return [["Weekday", "Hour", "Bookings"]] + [
        [WEEKDAYS[wd], f"{h:02d}:00–{h + 1:02d}:00", shown(-n)] for n, wd, h in ranked
    ]


PRINTS_HEADER = ["Printer", "Done", "Failed", "Cancelled", "End not seen", "Still printing",
                 "Filament (g)", "Filament (m)"]  # fmt: skip
#: Jobs whose filament counts: an unseen end's figure is the whole estimate, a guess.
ENDED = "outcome IN ('done', 'failed', 'cancelled')"


def expected_prints(conn: Any, first: date, last: date) -> list[list[str]]:
    """Per printer, the jobs that started on the period's local days (SQL's own date)."""
    rows = [PRINTS_HEADER]
    for name, done, failed, cancelled, unknown, running, weight, mm, n in conn.execute(
        f"""SELECT r.name, count(*) FILTER (WHERE p.outcome = 'done'),
                   count(*) FILTER (WHERE p.outcome = 'failed'),
                   count(*) FILTER (WHERE p.outcome = 'cancelled'),
                   count(*) FILTER (WHERE p.outcome = 'unknown'),
                   count(*) FILTER (WHERE p.outcome IS NULL),
                   total(p.filament_g) FILTER (WHERE {ENDED}),
                   total(p.filament_mm) FILTER (WHERE {ENDED}),
                   count(p.filament_g) FILTER (WHERE {ENDED})
            FROM print_jobs p JOIN resources r ON r.id = p.resource_id
            WHERE date(p.started_at, {LOCAL}) BETWEEN ? AND ?
            GROUP BY p.resource_id ORDER BY p.resource_id""",
        [str(first), str(last)],
    ):
        filament = [f"{weight:.1f}", f"{mm / 1000:.1f}"] if n >= 5 else ["", ""]
        rows.append([name, *(shown(c) for c in (done, failed, cancelled, unknown, running)),
                     *filament])  # fmt: skip
    return rows


def expected_filament(conn: Any, first: date, last: date) -> tuple[float, float, int]:
    """Grams, metres and the number of jobs they come from."""
    grams, mm, n = conn.execute(
        f"""SELECT total(filament_g), total(filament_mm), count(filament_g) FROM print_jobs
            WHERE {ENDED} AND date(started_at, {LOCAL}) BETWEEN ? AND ?""",
        [str(first), str(last)],
    ).fetchone()
    return grams, mm / 1000, n


def expected_events(conn: Any, first: date, last: date) -> list[list[str]]:
    start, end = utc_bounds(first, last)
    rows = [["Day", "Event", "Capacity", "Registered", "Attended (walk-ins included)", "Walk-ins"]]
    for day, title, capacity, registered, attended, walk_ins in conn.execute(
        f"""SELECT date(e.starts_at, {LOCAL}), e.title_en, e.capacity,
                   (SELECT count(*) FROM registrations r
                    WHERE r.event_id = e.id AND r.walk_in = 0),
                   (SELECT count(*) FROM registrations r
                    WHERE r.event_id = e.id AND r.attended_at IS NOT NULL),
                   (SELECT count(*) FROM registrations r
                    WHERE r.event_id = e.id AND r.walk_in = 1)
            FROM events e WHERE e.cancelled = 0 AND e.starts_at >= ? AND e.starts_at < ?
            ORDER BY e.starts_at, e.id""",
        [start, end],
    ):
        rows.append(
            [day, title, "" if capacity is None else str(capacity),
             shown(registered), shown(attended), shown(walk_ins)]
        )  # fmt: skip
    return rows


def expected_feedback(conn: Any, first: date, last: date) -> dict[str, list[list[str]]]:
    days = [str(first), str(last)]
    ratings = dict(
        conn.execute(
            "SELECT rating, count(*) FROM feedback WHERE day BETWEEN ? AND ? GROUP BY rating",
            days,
        ).fetchall()
    )
    by_day = {
        d: (n, s)
        for d, n, s in conn.execute(
            """SELECT day, count(*), sum(rating) FROM feedback WHERE day BETWEEN ? AND ?
               GROUP BY day""",
            days,
        )
    }
    week_rows = [["Week from", "Entries", "Average rating"]]
    for start, end in weeks(first, last):
        n = s = 0
        for k in range((end - start).days + 1):
            dn, ds = by_day.get(str(start + timedelta(days=k)), (0, 0))
            n, s = n + dn, s + ds
        if n:
            week_rows.append([str(start), shown(n), f"{s / n:.1f}" if n >= 5 else ""])
    comments = [["Day", "Rating", "Language", "Comment"]] + [
        [d, str(r), lang or "-", c]
        for d, r, lang, c in conn.execute(
            """SELECT day, rating, language, comment FROM feedback
               WHERE day BETWEEN ? AND ? AND comment IS NOT NULL AND trim(comment) <> ''
               ORDER BY day DESC, id DESC""",
            days,
        )
    ]
    return {
        "feedback_ratings": [["Rating", "Count"]]
        + [[str(r), shown(ratings.get(r, 0))] for r in (5, 4, 3, 2, 1)],
        "feedback_weeks": week_rows,
        "feedback_comments": comments,
    }


def expected_accessibility(conn: Any, first: date, last: date) -> dict[str, list[list[str]]]:
    counted = {
        (a, d): n
        for a, d, n in conn.execute(
            """SELECT action, detail, sum(count) FROM usage_counters
               WHERE day BETWEEN ? AND ? GROUP BY action, detail""",
            [str(first), str(last)],
        )
    }
    features = (
        ("Speech", "speech"),
        ("Keypad", "keypad"),
        ("High contrast", "high_contrast"),
        ("Large text", "large_text"),
    )
    return {
        "accessibility": [
            ["Feature", "Sessions"],
            ["All sessions", shown(counted[("session", "")])],
            *([name, shown(counted.get(("session_feature", f), 0))] for name, f in features),
        ],
        "languages": [
            ["Language", "Sessions"],
            ["Bahasa Indonesia", shown(counted.get(("language", "id"), 0))],
            ["English", shown(counted.get(("language", "en"), 0))],
        ],
    }


def expected_survey(conn: Any, first: date, last: date) -> list[list[str]]:
    counts = {
        (q, a): n
        for q, a, n in conn.execute(
            """SELECT a.question, a.answer, count(*) FROM survey_answers a, survey_responses r
               WHERE r.id = a.response_id AND r.survey_id = 'layanan-2026'
                 AND r.day BETWEEN ? AND ? GROUP BY 1, 2""",
            [str(first), str(last)],
        )
    }
    questions = (
        ("How easy is the kiosk?", "mudah",
         [("1", "1 very hard"), ("2", "2 hard"), ("3", "3 neither"), ("4", "4 easy"),
          ("5", "5 very easy")]),
        ("When do you usually come?", "waktu",
         [("pagi", "Morning"), ("siang", "Midday"), ("sore", "Afternoon"),
          ("sabtu", "Saturday")]),
        ("What should we offer more of?", "tambah",
         [("jam", "Longer opening hours"), ("komputer", "Computers"),
          ("printer", "3D printers"), ("acara", "Children's events")]),
    )  # fmt: skip
    rows = [["Question", "Answer", "Count", "Answers"]]
    for text, qid, answers in questions:
        total = sum(counts.get((qid, a), 0) for a, _ in answers)
        for answer, label in answers:
            rows.append([text, label, shown(counts.get((qid, answer), 0)), shown(total)])
    return rows


def test_every_figure_equals_an_sql_count(
    reports: dict[str, Path], db: Any, history: tuple[Path, Config]
) -> None:
    folder, config = reports["en"], history[1]
    assert read_csv(folder, "summary") == expected_summary(db, FIRST, LAST)
    assert read_csv(folder, "selfservice_weeks") == expected_self_service(db, FIRST, LAST)
    assert read_csv(folder, "selfservice_hours") == expected_hours(db, FIRST, LAST)
    refusals = read_csv(folder, "refusals")
    assert refusals[0] == ["Reason", "Message key", "Count"]
    assert [(key, n) for _, key, n in refusals[1:]] == expected_refusals(db, FIRST, LAST)
    assert ["Card expired", "circulation.card_expired"] in [r[:2] for r in refusals]
    assert read_csv(folder, "makerspace_resources") == expected_resources(db, config, FIRST, LAST)
    assert read_csv(folder, "makerspace_slots") == expected_slots(db, FIRST, LAST)
    assert read_csv(folder, "prints") == expected_prints(db, FIRST, LAST)
    assert read_csv(folder, "events") == expected_events(db, FIRST, LAST)
    for name, rows in {
        **expected_feedback(db, FIRST, LAST),
        **expected_accessibility(db, FIRST, LAST),
    }.items():
        assert read_csv(folder, name) == rows, name
    assert read_csv(folder, "survey_layanan-2026") == expected_survey(db, FIRST, LAST)
    assert len(read_csv(folder, "prints")) == 4  # the three printers, all with prints
    written = {p.stem for p in (folder / "tables").glob("*.csv")}
    assert len(written) == 14  # each table above, none unchecked


def test_a_short_period_is_shown_per_day(reports: dict[str, Path], db: Any) -> None:
    folder = reports["short"]
    assert read_csv(folder, "selfservice_days") == expected_self_service(db, *SHORT)
    assert read_csv(folder, "summary") == expected_summary(db, *SHORT)
    assert read_csv(folder, "events") == expected_events(db, *SHORT)
    assert read_csv(folder, "prints") == expected_prints(db, *SHORT)


class _Page(HTMLParser):
    """Tables (rows of cell texts), figure captions, and every attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.captions: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.styles: list[str] = []
        self._cell: list[str] | None = None
        self._where = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes += [(tag, k, v or "") for k, v in attrs]
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th", "figcaption", "style"):
            self._cell, self._where = [], tag

    def handle_endtag(self, tag: str) -> None:
        if self._cell is not None and tag == self._where:
            text = "".join(self._cell).strip()
            if tag == "figcaption":
                self.captions.append(text)
            elif tag == "style":
                self.styles.append(text)
            else:
                self.tables[-1][-1].append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def page(folder: Path) -> tuple[str, _Page]:
    html = (folder / "report.html").read_text(encoding="utf-8")
    parsed = _Page()
    parsed.feed(html)
    return html, parsed


def test_the_page_shows_the_same_figures(reports: dict[str, Path], db: Any) -> None:
    folder = reports["en"]
    _, parsed = page(folder)
    names = ["summary", "selfservice_weeks", "selfservice_hours", "refusals",
             "makerspace_resources", "makerspace_slots", "prints", "events", "feedback_ratings",
             "feedback_weeks", "feedback_comments", "accessibility", "languages",
             "survey_layanan-2026"]  # fmt: skip
    assert len(parsed.tables) == len(names)
    for table, name in zip(parsed.tables, names, strict=True):
        rows = read_csv(folder, name)
        assert len(table) == len(rows), name
        for html_row, csv_row in zip(table, rows, strict=True):
            for html_cell, csv_cell in zip(html_row, csv_row, strict=True):
                if re.fullmatch(r"-?\d+(\.\d+)?", csv_cell):
                    number = html_cell.replace(",", "").rstrip("%")
                    assert float(number) == pytest.approx(float(csv_cell), abs=0.051), name
                elif csv_cell.startswith("<"):
                    assert html_cell == csv_cell
    # The findings in words match the tables too.
    best = db.execute(
        """SELECT CAST(strftime('%w', day) AS INTEGER), hour, sum(count) FROM usage_counters
           WHERE action IN ('checkout', 'return', 'renew') AND hour IS NOT NULL
             AND day BETWEEN ? AND ? GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1""",
        [str(FIRST), str(LAST)],
    ).fetchone()
    weekday, hour, count = (best[0] + 6) % 7, best[1], best[2]
    assert (
        f"Busiest hour: {WEEKDAYS[weekday]} {hour:02d}:00–{hour + 1:02d}:00, {count:,} checkouts"
        in " ".join(parsed.captions)
    )
    top = expected_refusals(db, FIRST, LAST)[0]
    assert f"The most common refusal: Card expired, {top[1]} times" in " ".join(parsed.captions)
    # Prints: outcomes, and the filament in grams and metres, from the tables.
    outcomes = dict(
        db.execute(
            f"""SELECT coalesce(outcome, 'printing'), count(*) FROM print_jobs
                WHERE date(started_at, {LOCAL}) BETWEEN ? AND ? GROUP BY 1""",
            [str(FIRST), str(LAST)],
        ).fetchall()
    )
    total = sum(outcomes.values())
    assert outcomes["done"] and outcomes["failed"] and outcomes["cancelled"]
    assert (
        f"Of {total:,} prints started, {outcomes['done'] / total:.0%} finished; "
        f"{shown(outcomes['failed'])} failed, {shown(outcomes['cancelled'])} were cancelled "
        f"and the end of {shown(outcomes.get('unknown', 0))} was not seen."
    ) in " ".join(parsed.captions)
    grams, metres, n = expected_filament(db, FIRST, LAST)
    most = db.execute(
        f"""SELECT r.name, total(p.filament_g) FROM print_jobs p
            JOIN resources r ON r.id = p.resource_id
            WHERE {ENDED} AND date(p.started_at, {LOCAL}) BETWEEN ? AND ?
            GROUP BY p.resource_id ORDER BY 2 DESC LIMIT 1""",
        [str(FIRST), str(LAST)],
    ).fetchone()
    assert (
        f"{grams:,.0f} g of filament ({metres:,.0f} m) went into {n:,} prints, "
        f"the most on {most[0]}: {most[1]:,.0f} g."
    ) in " ".join(parsed.captions)


def test_the_page_has_no_external_reference(reports: dict[str, Path]) -> None:
    for name in ("en", "id"):
        html, parsed = page(reports[name])
        text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
        assert not re.search(r"https?:|ftp:|file:|//[a-z]", text, re.I)
        for tag, key, value in parsed.attributes:
            if key == "src":
                assert value.startswith("data:image/png;base64,"), (tag, value[:40])
            if key == "href":
                assert value.startswith("#"), (tag, value)
        tags = {tag for tag, _, _ in parsed.attributes}
        assert not tags & {"link", "script", "iframe", "object", "embed"}
        assert "url(" not in " ".join(parsed.styles) and "@import" not in html
        assert "@page { size: A4" in html  # prints on A4


def test_charts_render_in_both_languages(reports: dict[str, Path]) -> None:
    charts = {n: sorted(p.name for p in (reports[n] / "charts").iterdir()) for n in ("en", "id")}
    assert charts["en"] == charts["id"]
    assert len(charts["en"]) == 30  # 15 charts, PNG and SVG each
    for name in ("en", "id"):
        for path in (reports[name] / "charts").glob("*.png"):
            width, height, _, rows = read_png(path)
            assert width == 1050 and height > 200
            assert len({row for row in rows}) > 20, path  # not blank
        for path in (reports[name] / "charts").glob("*.svg"):
            ET.parse(path)
    _, en = page(reports["en"])
    _, id_ = page(reports["id"])
    assert len(en.captions) == len(id_.captions) == 15
    assert any("Busiest hour:" in c for c in en.captions)
    assert any("Jam tersibuk:" in c for c in id_.captions)
    assert '<html lang="id">' in (reports["id"] / "report.html").read_text(encoding="utf-8")
    # Indonesian numbers: a dot groups thousands.
    indonesian = (reports["id"] / "report.html").read_text(encoding="utf-8")
    assert re.search(r"<td class=n>\d{1,3}\.\d{3}</td>", indonesian)


# -- privacy -------------------------------------------------------------------------
@pytest.fixture
def small(tmp_path: Path, default_config: Config) -> Path:
    """A week with a few small counts in it."""
    path = tmp_path / "small.db"
    store = store_of(open_test_kiosk(default_config, path))
    rows = [
        ("2026-11-23", 10, "checkout", "", 3),
        ("2026-11-23", 11, "return", "", 7),
        ("2026-11-24", 10, "refusal", "circulation.card_expired", 2),
        ("2026-11-24", 10, "refusal", "circulation.item_on_hold", 9),
        ("2026-11-24", 10, "session", "", 12),
        ("2026-11-24", 10, "session_feature", "speech", 2),
        ("2026-11-24", 10, "session_feature", "large_text", 6),
    ]
    with store.transaction() as db:
        db.conn.executemany(
            "INSERT INTO usage_counters (day, hour, action, detail, count) VALUES (?,?,?,?,?)",
            rows,
        )
        for rating in (5, 4, 2):
            db.execute("INSERT INTO feedback (day, rating) VALUES ('2026-11-24', ?)", [rating])
    store.close()
    return path


def test_small_counts_are_suppressed_and_the_report_says_so(small: Path, tmp_path: Path) -> None:
    argv = ["report", "--db", str(small), "--from", "2026-11-23", "--to", "2026-11-29"]
    assert main([*argv, "--out", str(tmp_path / "r"), "--lang", "en"]) == 0
    folder = tmp_path / "r"
    summary = dict(read_csv(folder, "summary")[1:])
    assert (summary["Checkouts"], summary["Returns"], summary["Refusals"]) == ("< 5", "7", "11")
    assert (summary["Feedback entries"], summary["Average rating"]) == ("< 5", "")
    assert read_csv(folder, "refusals")[1:] == [
        ["On hold for someone else", "circulation.item_on_hold", "9"],
        ["Card expired", "circulation.card_expired", "< 5"],
    ]
    assert dict(read_csv(folder, "accessibility")[1:])["Speech"] == "< 5"
    html, parsed = page(folder)
    assert "Counts below 5 are shown as “&lt; 5”" in html
    for table in parsed.tables:  # the small counts themselves: in no table
        assert not any(cell in ("2", "3") for row in table[1:] for cell in row[1:]), table
    # A share of a small count would give it away: words instead.
    assert "Large text, in 50% of sessions (6 of 12)" in " ".join(parsed.captions)
    assert "Fewer than 5 checkouts in the whole period." in " ".join(parsed.captions)
    assert "No print records yet." in html and "No makerspace bookings" in html
    argv_all = [*argv, "--out", str(tmp_path / "all"), "--lang", "en", "--small-cell", "0"]
    assert main(argv_all) == 0
    assert dict(read_csv(tmp_path / "all", "summary")[1:])["Checkouts"] == "3"
    assert "Small counts are shown as they are" in (tmp_path / "all" / "report.html").read_text()
    strict = [*argv, "--out", str(tmp_path / "ten"), "--lang", "en", "--small-cell", "10"]
    assert main(strict) == 0
    assert dict(read_csv(tmp_path / "ten", "summary")[1:])["Returns"] == "< 10"


class _Clock:
    now = datetime(2026, 11, 23, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_prints_by_local_day_with_small_cells_suppressed(
    small: Path, tmp_path: Path, default_config: Config
) -> None:
    store = Store(small)
    clock = _Clock()
    records = PrintJobRecords(store, default_config.printing, "kiosk-1", clock)
    makassar = ZoneInfo("Asia/Makassar")

    def job(printer: int, day: int, hour: int, minute: int, outcome: str | None,
            completion: float | None = None, mm: float = 2000.0) -> None:  # fmt: skip
        clock.now = datetime(2026, 11, day, hour, minute, tzinfo=makassar).astimezone(UTC)
        records.started(f"printer-{printer}", "part.gcode", None, "usb", 3600, mm)
        if outcome is not None:
            clock.now += timedelta(minutes=50)
            records.ended(f"printer-{printer}", outcome, completion)

    for hour in (9, 11, 13):  # Monday 23rd: three prints on printer 1
        job(1, 23, hour, 0, "done")
    for day in (24, 25, 26, 27, 28):
        job(2, day, 9, 0, "done")
    for day in (24, 25):
        job(2, day, 13, 0, "cancelled", 50.0, mm=2000.0)
    job(2, 29, 9, 0, None)  # its end not seen: closed as unknown when the next one starts
    job(2, 29, 11, 0, None)  # still printing
    job(3, 22, 23, 59, "done")  # Sunday night before the period (23rd 00:00 local is
    job(3, 23, 0, 0, "failed", 10.0)  # 22nd 16:00 UTC): the first is out, this one in,
    job(3, 30, 0, 0, "done")  # and one of the Monday after is out too.
    store.close()

    argv = ["report", "--db", str(small), "--from", "2026-11-23", "--to", "2026-11-29"]
    assert main([*argv, "--out", str(tmp_path / "r"), "--lang", "en"]) == 0
    one_m, half = round(grams(2000.0, 1.75, 1.24), 2), round(grams(1000.0, 1.75, 1.24), 2)
    printer_2 = 5 * one_m + 2 * half
    assert read_csv(tmp_path / "r", "prints") == [
        PRINTS_HEADER,
        ["Printer 3D 1", "< 5", "0", "0", "0", "0", "", ""],
        ["Printer 3D 2", "5", "0", "< 5", "< 5", "< 5", f"{printer_2:.1f}", "12.0"],
        ["Printer 3D 3", "0", "< 5", "0", "0", "0", "", ""],
    ]
    db = Store(small)
    first, last = date(2026, 11, 23), date(2026, 11, 29)
    assert read_csv(tmp_path / "r", "prints") == expected_prints(db.conn, first, last)
    assert expected_filament(db.conn, first, last)[2] == 3 + 7 + 1
    db.close()
    html, parsed = page(tmp_path / "r")
    prints = next(t for t in parsed.tables if t[0][:1] == ["Printer"])
    assert prints[1][-2:] == ["n < 5", "n < 5"] and prints[3][-2:] == ["n < 5", "n < 5"]
    words = " ".join(parsed.captions)
    assert "Of 13 prints started, 62% finished; < 5 failed, < 5 were cancelled" in words
    total = 3 * one_m + printer_2 + round(grams(200.0, 1.75, 1.24), 2)
    assert (
        f"{total:.0f} g of filament (18 m) went into 11 prints, the most on Printer 3D 2: "
        f"{printer_2:.0f} g."
    ) in words
    assert "a print whose end the kiosk did not see is left out" in html
    assert "not recorded" not in html
    # One day: printer 1's three prints and printer 3's one are too few for filament.
    day = ["report", "--db", str(small), "--from", "2026-11-23", "--to", "2026-11-23"]
    assert main([*day, "--out", str(tmp_path / "d"), "--lang", "id"]) == 0
    html = (tmp_path / "d" / "report.html").read_text(encoding="utf-8")
    assert "Filamen terpakai tidak ditampilkan untuk kurang dari 5 cetakan." in html
    assert not (tmp_path / "d" / "charts" / "prints-filament.png").exists()
    assert (tmp_path / "d" / "charts" / "prints.png").exists()
    # Without suppression every figure is written.
    assert main([*argv, "--out", str(tmp_path / "a"), "--lang", "en", "--small-cell", "0"]) == 0
    assert read_csv(tmp_path / "a", "prints")[1] == [
        "Printer 3D 1", "3", "0", "0", "0", "0", f"{3 * one_m:.1f}", "6.0"
    ]  # fmt: skip


def test_a_suppressed_share_is_said_in_words(small: Path, tmp_path: Path) -> None:
    from kiosk import config as config_module

    store = Store(small)
    store.conn.execute("UPDATE usage_counters SET count = 1 WHERE detail = 'large_text'")
    store.close()
    argv = ["report", "--db", str(small), "--from", "2026-11-23", "--to", "2026-11-29"]
    assert main([*argv, "--out", str(tmp_path / "r"), "--lang", "en"]) == 0
    _, parsed = page(tmp_path / "r")
    assert "Speech, in a very small share of sessions (< 5 of 12)" in " ".join(parsed.captions)
    assert config_module  # the same words in Bahasa Indonesia:
    assert main([*argv, "--out", str(tmp_path / "i"), "--lang", "id"]) == 0
    assert "sebagian sangat kecil" in (tmp_path / "i" / "report.html").read_text(encoding="utf-8")


# -- errors ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("first", "last", "code", "message"),
    [
        ("2026-11-29", "2026-11-23", 2, "the wrong way round: --from 2026-11-29 is after"),
        ("29-11-2026", "2026-11-30", 2, "“29-11-2026” is not a date"),
        ("2025-01-01", "2025-01-31", 1, "Nothing was recorded from 2025-01-01 to 2025-01-31"),
    ],
)
def test_errors_are_one_line(
    small: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    first: str,
    last: str,
    code: int,
    message: str,
) -> None:
    out = tmp_path / "out"
    argv = ["report", "--db", str(small), "--from", first, "--to", last, "--out", str(out)]
    assert main([*argv, "--lang", "en"]) == code
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (out / "report.html").exists()


def test_an_unwritable_folder_is_one_line_and_nothing_is_half_written(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    argv = ["report", "--db", str(small), "--from", "2026-11-23", "--to", "2026-11-29"]
    assert main([*argv, "--out", str(blocker / "r"), "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kiosk: Cannot write to") and err.count("\n") == 1
    # A folder where charts/ cannot be made: no page appears without its charts.
    out = tmp_path / "out"
    out.mkdir()
    (out / "charts").write_text("in the way")
    assert main([*argv, "--out", str(out), "--lang", "en"]) == 1
    assert "Cannot write to" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["charts"]  # no page, no leftovers
    missing = tmp_path / "none.db"
    assert main(["report", "--db", str(missing), "--from", "2026-11-23", "--to", "2026-11-29",
                 "--out", str(tmp_path / "x")]) == 2  # fmt: skip
    assert "kiosk init" in capsys.readouterr().err  # a mistyped --db: run init, exit 2
    assert not missing.exists()
