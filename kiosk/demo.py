"""Demo data: patrons of every kind, 200 items, loans, overdue loans, ready holds,
events, all relative to today in the library's time zone.

The patron and title lists ship in ``config/`` (package data). Loading is one
transaction: a demo database is either complete or untouched. A database filled here
is marked as a demo one (SQLite's ``application_id`` in the file header,
:data:`DEMO_APPLICATION_ID`), so that ``kiosk demo --db FILE`` opens it again and
refuses a library's own database.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kiosk.config import Config, SurveyChoice, SurveyConfig, SurveyQuestion, data_file
from kiosk.pins import hash_pin
from kiosk.store import Store
from kiosk.timeutil import Clock, to_db, utcnow

PATRON_GROUPS = [
    # code, Indonesian name, English name, staff
    ("adult", "Umum", "Adult", 0),
    ("student", "Pelajar", "Student", 0),
    ("child", "Anak", "Child", 0),
    ("staff", "Staf", "Staff", 1),
]

#: Demo patrons who have had the 3D printer induction (``patrons.trained_on``).
TRAINED_ON_3D_PRINTERS = frozenset({"PLU-0001", "PLU-0006", "PLU-0022"})

#: Fines owed by the demo patron of kind "fines", in rupiah (over the default limit).
DEMO_FINES = 75_000
COPIES_PER_TITLE = 2

#: Marks a demo database (``PRAGMA application_id``; "KDEM"): never a library's own.
DEMO_APPLICATION_ID = 0x4B44454D


@dataclass(frozen=True)
class Next:
    """The first ``weekday`` (Monday 0) after today: for an event whose name says its
    day."""

    weekday: int

    def days_from(self, today: date) -> int:
        return (self.weekday - today.weekday() - 1) % 7 + 1


EVENTS: list[tuple[int | Next, int, int, int | None, str, str, str]] = [
    # days from today (or the next such weekday), local start hour, hours, capacity,
    # id title, en title, place
    (0, 15, 2, 12, "Lokakarya Cetak 3D untuk Pemula", "3D Printing for Beginners", "Makerspace"),
    (Next(5), 9, 1, 30, "Dongeng Anak Sabtu Pagi", "Saturday Morning Storytelling", "Ruang Anak"),
    (2, 10, 2, 20, "Kelas Literasi Digital", "Digital Literacy Class", "Lab Komputer"),
    (3, 16, 2, 15, "Belajar Coding dengan Python", "Learn to Code with Python", "Lab Komputer"),
    (5, 14, 2, 25, "Klub Buku: Laskar Pelangi", "Book Club: Laskar Pelangi", "Ruang Baca"),
    (9, 9, 6, None, "Pameran Budaya Kaili", "Kaili Culture Exhibition", "Aula"),
]


#: The survey ``kiosk demo`` offers at sign-out: the demo history's questions
#: (:data:`kiosk.demo_history.DEMO_SURVEY`) under an id of its own, running for four
#: weeks from today and offered to every session (never twice to one card), so it is
#: seen in the demo.
DEMO_SURVEY_ID = "kios-demo"
DEMO_SURVEY_DAYS = 28


@dataclass(frozen=True)
class DemoCard:
    card_number: str
    card_key: str
    kind: str
    pin: str | None
    name: str


def _rows(name: str) -> list[dict[str, str]]:
    text = data_file(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def demo_cards() -> list[DemoCard]:
    """The cards worth trying: one of each special kind and two ordinary ones."""
    cards: list[DemoCard] = []
    ordinary = 0
    for row in _rows("demo_patrons.csv"):
        if row["kind"] == "ok":
            ordinary += 1
            if ordinary > 2:
                continue
        cards.append(
            DemoCard(
                row["card_number"], row["card_key"], row["kind"], row["pin"] or None, row["name"]
            )
        )
    return cards


def load(store: Store, config: Config, clock: Clock = utcnow) -> bool:
    """Fill an empty database with demo data. Returns False (and writes nothing) when
    the database already holds patrons."""
    zone = ZoneInfo(config.kiosk.timezone)
    now = clock()
    today = now.astimezone(zone).date()

    def at(day: date, hour: int = 12, minute: int = 0) -> str:
        return to_db(datetime.combine(day, time(hour, minute), zone))

    with store.transaction() as db:
        if db.execute("SELECT count(*) AS n FROM patrons").fetchone()["n"]:
            return False
        db.execute(f"PRAGMA application_id = {DEMO_APPLICATION_ID}")
        for code, name_id, name_en, staff in PATRON_GROUPS:
            db.execute(
                "INSERT OR IGNORE INTO patron_groups VALUES (?, ?, ?, ?)",
                [code, name_id, name_en, staff],
            )
        patrons: dict[str, int] = {}
        for row in _rows("demo_patrons.csv"):
            kind = row["kind"]
            expires = (
                today - timedelta(days=30) if kind == "expired" else today + timedelta(days=730)
            )
            cursor = db.execute(
                """INSERT INTO patrons (name, patron_group, expires_on, pin_hash, trained_on,
                     created_at) VALUES (?, ?, ?, ?, ?, ?)""",
                [
                    row["name"],
                    row["patron_group"],
                    expires.isoformat(),
                    hash_pin(row["pin"]) if row["pin"] else None,
                    json.dumps(
                        ["3d_printer"] if row["card_number"] in TRAINED_ON_3D_PRINTERS else []
                    ),
                    to_db(now),
                ],
            )
            patron_id = int(cursor.lastrowid or 0)
            patrons[row["card_number"]] = patron_id
            db.execute(
                "INSERT INTO cards (patron_id, card_key, card_number) VALUES (?, ?, ?)",
                [patron_id, row["card_key"], row["card_number"]],
            )
            if kind == "fines":
                db.execute(
                    """INSERT INTO fines (patron_id, amount, reason, created_at)
                       VALUES (?, ?, 'overdue', ?)""",
                    [patron_id, DEMO_FINES, to_db(now - timedelta(days=40))],
                )

        items: list[int] = []
        for index, row in enumerate(_rows("demo_titles.csv")):
            cursor = db.execute(
                """INSERT INTO biblios (title, authors, language, call_number, publish_year)
                   VALUES (?, ?, ?, ?, ?)""",
                [
                    row["title"],
                    row["authors"],
                    row["language"],
                    row["call_number"],
                    row["publish_year"],
                ],
            )
            biblio_id = cursor.lastrowid
            for copy in range(COPIES_PER_TITLE):
                barcode = f"B{index * COPIES_PER_TITLE + copy + 1:05d}"
                status = (
                    "damaged" if row["title"] == "Malin Kundang" and copy == 1 else ("available")
                )
                cursor = db.execute(
                    """INSERT INTO items (barcode, biblio_id, title, authors, item_type,
                         call_number, location, status, created_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [
                        barcode,
                        biblio_id,
                        row["title"],
                        row["authors"],
                        row["item_type"],
                        row["call_number"],
                        _shelf(row["call_number"]),
                        status,
                        to_db(now),
                    ],
                )
                items.append(int(cursor.lastrowid or 0))

        def lend(card: str, item: int, days_ago: int, loan_days: int = 14) -> None:
            out = today - timedelta(days=days_ago)
            db.execute(
                """INSERT INTO loans (item_id, patron_id, checked_out_at, due_at, kiosk_id)
                   VALUES (?, ?, ?, ?, 'demo')""",
                [item, patrons[card], at(out, 10), at(out + timedelta(days=loan_days), 23, 59)],
            )
            db.execute("UPDATE items SET status = 'on_loan' WHERE id = ?", [item])

        # Loans: current, overdue (due date passed) and a few per patron.
        lend("PLU-0001", items[0], 3)  # Laskar Pelangi, due in 11 days
        lend("PLU-0001", items[6], 10)  # Bumi Manusia
        lend("PLU-0001", items[104], 19)  # Nineteen Eighty-Four: 5 days overdue
        lend("PLU-0002", items[24], 34)  # 20 days overdue
        lend("PLU-0002", items[30], 16)  # 2 days overdue
        lend("PLU-0004", items[40], 25)  # the patron with fines: overdue too
        lend("PLU-0008", items[112], 1)
        lend("PLU-0010", items[140], 5)
        lend("PLU-0012", items[60], 7)
        lend("PLU-0005", items[2], 2)  # Laskar Pelangi copy 2 is on loan ...

        def hold(card: str, item: int, ready: bool) -> None:
            found = db.execute("SELECT biblio_id FROM items WHERE id = ?", [item]).fetchone()
            biblio = found["biblio_id"]
            db.execute(
                """INSERT INTO holds (patron_id, biblio_id, item_id, status, pickup_location,
                     shelf_location, placed_at, ready_at, expires_on)
                   VALUES (?, ?, ?, ?, 'Meja Layanan', ?, ?, ?, ?)""",
                [
                    patrons[card],
                    biblio,
                    item,
                    "ready" if ready else "waiting",
                    f"Rak Pesanan {item % 9 + 1}" if ready else None,
                    at(today - timedelta(days=6)),
                    at(today - timedelta(days=1)) if ready else None,
                    (today + timedelta(days=6)).isoformat() if ready else None,
                ],
            )
            if ready:
                db.execute("UPDATE items SET status = 'on_hold_shelf' WHERE id = ?", [item])

        hold("PLU-0001", items[22], ready=True)  # Negeri 5 Menara
        hold("PLU-0002", items[150], ready=True)
        hold("PLU-0007", items[118], ready=True)
        hold("PLU-0009", items[2], ready=False)  # ... and held for the next patron

        for days, hour, hours, capacity, title_id, title_en, place in EVENTS:
            day = today + timedelta(days=days if isinstance(days, int) else days.days_from(today))
            db.execute(
                """INSERT INTO events (title_id, title_en, location, starts_at, ends_at,
                     capacity) VALUES (?, ?, ?, ?, ?, ?)""",
                [title_id, title_en, place, at(day, hour), at(day, hour + hours), capacity],
            )
    return True


def is_demo(store: Store) -> bool:
    """Whether ``store`` is a demo database (filled by :func:`load`). Reads only."""
    with store.lock:
        row = store.conn.execute("PRAGMA application_id").fetchone()
    return bool(row[0] == DEMO_APPLICATION_ID)


def _shelf(call_number: str) -> str:
    head = call_number.removeprefix("R ").split(" ")[0]
    return f"Rak {head.split('.')[0]}"


def demo_survey(today: date) -> SurveyConfig:
    """The demo's survey as the library would configure it (``[[surveys]]``)."""
    from kiosk.demo_history import DEMO_SURVEY

    return SurveyConfig(
        id=DEMO_SURVEY_ID,
        title_id=DEMO_SURVEY.title_id,
        title_en=DEMO_SURVEY.title_en,
        starts_on=today.isoformat(),
        ends_on=(today + timedelta(days=DEMO_SURVEY_DAYS)).isoformat(),
        share=1.0,
        questions=[
            SurveyQuestion(
                id=q.id,
                kind="scale" if q.kind == "scale" else "choice",
                text_id=q.text_id,
                text_en=q.text_en,
                choices=[SurveyChoice(c.key, c.text_id, c.text_en) for c in q.choices],
            )
            for q in DEMO_SURVEY.questions
        ],
    )


def with_survey(config: Config, clock: Clock = utcnow) -> Config:
    """``config`` with the demo survey, unless a survey of the library's own runs today
    (then that one is what the demo shows)."""
    today = clock().astimezone(ZoneInfo(config.kiosk.timezone)).date().isoformat()
    if any(s.starts_on <= today <= s.ends_on for s in config.surveys):
        return config
    return replace(config, surveys=[*config.surveys, demo_survey(date.fromisoformat(today))])
