"""Importing a library's patrons, items, bibliographic records and card keys.

Two formats: the kiosk's own CSV (a header row names the columns, see
``docs/circulation.md``) and SLiMS 9's member, bibliography and item exports exactly as
SLiMS writes them (see :mod:`kiosk.importer.reader`). Every row is validated; the
import is all-or-nothing (one transaction: nothing is written when a row is rejected,
unless ``skip_invalid``), and the report names every rejected row by its line and a
reason key (``importer.*``, translated). SLiMS's ``pin`` column (a national ID number,
not a PIN) is never read, nor anything else the kiosk does not need (address, birth
date, gender, photo).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from kiosk.domain.errors import DomainError
from kiosk.importer.reader import (
    Escapes,
    Record,
    decode,
    guess_delimiter,
    multi_values,
    read_records,
)
from kiosk.patrons import normalise_key
from kiosk.store import Store
from kiosk.timeutil import Clock, to_db, utcnow

Kind = Literal["patrons", "items", "biblio", "cards"]
Format = Literal["auto", "kiosk", "slims"]
KINDS: tuple[str, ...] = ("patrons", "items", "biblio", "cards")

SLIMS_COLUMNS: dict[str, tuple[str, ...]] = {
    "patrons": (
        "member_id", "member_name", "gender", "member_type_name", "member_email",
        "member_address", "postal_code", "inst_name", "is_new", "member_image", "pin",
        "member_phone", "member_fax", "member_since_date", "register_date", "expire_date",
        "birth_date", "member_notes",
    ),
    "biblio": (
        "title", "gmd_name", "edition", "isbn_issn", "publisher_name", "publish_year",
        "collation", "series_title", "call_number", "language_name", "place_name",
        "classification", "notes", "image", "sor", "authors", "topics", "item_code",
    ),
    "items": (
        "item_code", "call_number", "coll_type_name", "inventory_code", "received_date",
        "supplier_name", "order_no", "location_name", "order_date", "item_status_name",
        "site", "source", "invoice", "price", "price_currency", "invoice_date",
        "input_date", "last_update", "title",
    ),
}  # fmt: skip

#: The kiosk's own CSV: required columns first, then optional ones.
KIOSK_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "patrons": (
        ("card_number", "name", "patron_group"),
        ("card_key", "email", "phone", "expires_on", "blocked"),
    ),
    "items": (
        ("barcode", "title"),
        ("authors", "item_type", "call_number", "location", "status", "not_for_loan", "isbn"),
    ),
    "biblio": (
        ("title",),
        ("authors", "isbn", "publisher", "publish_year", "language", "call_number", "topics",
         "barcodes"),
    ),
    "cards": (("card_number", "card_key"), ()),
}  # fmt: skip

#: SLiMS collection types (``coll_type_name``, lowercase) -> kiosk item types. Others
#: become their own lowercase name, which the ("*", "*") loan rule covers.
COLLECTION_TYPES = {
    "reference": "reference", "referensi": "reference", "rujukan": "reference",
    "textbook": "book", "buku teks": "book", "fiction": "book", "fiksi": "book",
    "non-fiction": "book", "nonfiction": "book", "non fiksi": "book", "nonfiksi": "book",
    "non-fiksi": "book", "umum": "book", "buku": "book", "book": "book",
    "majalah": "magazine", "magazine": "magazine", "terbitan berkala": "magazine",
    "serial": "magazine", "anak": "child", "buku anak": "child", "children": "child",
    "cd": "av", "dvd": "av", "audio visual": "av", "audiovisual": "av", "av": "av",
}  # fmt: skip

#: SLiMS member types (``member_type_name``, lowercase) -> the kiosk's patron groups,
#: when ``[import.slims] member_types`` does not name them. Never a staff group: only
#: the library's config may make a member staff (a type whose own name is a staff group
#: is refused until the config maps it). Others become a new, non-staff group named
#: after them (the ("*", ...) loan rules cover it).
MEMBER_TYPES = {
    "umum": "adult", "dewasa": "adult", "masyarakat umum": "adult", "adult": "adult",
    "pelajar": "student", "siswa": "student", "mahasiswa": "student", "student": "student",
    "anak": "child", "anak-anak": "child", "child": "child",
}  # fmt: skip

#: SLiMS item statuses (``item_status_name``, lowercase) -> (status, not for loan).
ITEM_STATUSES = {
    "": ("available", False), "available": ("available", False),
    "tersedia": ("available", False), "repair": ("damaged", False),
    "perbaikan": ("damaged", False), "damaged": ("damaged", False),
    "rusak": ("damaged", False), "missing": ("missing", False),
    "hilang": ("missing", False), "no loan": ("available", True),
    "not for loan": ("available", True), "tidak dipinjamkan": ("available", True),
    "withdrawn": ("withdrawn", False), "weeded": ("withdrawn", False),
    "dihapus": ("withdrawn", False),
}  # fmt: skip

_IDENT = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: Longest text the kiosk keeps in one field (titles, names), in characters.
MAX_TEXT = 500


class RowRejectedError(Exception):
    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = {k: shown(v) for k, v in params.items()}


@dataclass(frozen=True)
class Rejected:
    line: int
    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportReport:
    kind: str
    format: str
    delimiter: str
    header: bool
    rows: int = 0
    added: int = 0
    updated: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    dry_run: bool = False
    #: True when the rows were written (no rejection, or skip_invalid; not a dry run).
    written: bool = False
    #: Patron groups created for SLiMS member types the database did not know.
    new_groups: list[str] = field(default_factory=list)
    #: Field -> how many existing records it changed (or would, in a dry run). Only
    #: columns the file has are ever written.
    changes: dict[str, int] = field(default_factory=dict)


class _RollbackError(Exception):
    pass


# -- helpers ------------------------------------------------------------------------
def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def _no_controls(value: str, name: str) -> str:
    """Refuse control characters (an ANSI escape, NUL, a tab or line break): a name or
    title is shown on screens, receipts and terminals, and must never drive them."""
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise RowRejectedError("importer.control_characters", field=name)
    return value


def shown(value: Any) -> Any:
    """A value as it may be printed in a report: control characters as ``?``."""
    if isinstance(value, str):
        return "".join(c if c.isprintable() else "?" for c in value)
    return value


def _text(row: dict[str, str], name: str, *, required: bool = False) -> str | None:
    value = _no_controls((row.get(name) or "").strip(), name)
    if not value:
        if required:
            raise RowRejectedError("importer.missing", field=name)
        return None
    if len(value) > MAX_TEXT:
        raise RowRejectedError("importer.too_long", field=name, limit=MAX_TEXT)
    return value


def _date(row: dict[str, str], name: str) -> str | None:
    value = (row.get(name) or "").strip()
    if not value or value.startswith("0000-00-00"):
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        raise RowRejectedError("importer.bad_date", field=name, value=value) from None


def _flag(row: dict[str, str], name: str) -> int:
    value = (row.get(name) or "").strip().lower()
    if value in ("", "0", "false", "no", "tidak"):
        return 0
    if value in ("1", "true", "yes", "ya"):
        return 1
    raise RowRejectedError("importer.bad_flag", field=name, value=value)


def _barcode(value: str, name: str) -> str:
    code = _no_controls(value.strip(), name)
    if not code:
        raise RowRejectedError("importer.missing", field=name)
    if any(c.isspace() for c in code) or len(code) > 64:
        raise RowRejectedError("importer.bad_barcode", field=name, value=value)
    return code


# -- one writer per kind ------------------------------------------------------------
class _Writer:
    def __init__(
        self,
        db: Any,
        report: ImportReport,
        now: str,
        columns: set[str],
        member_types: dict[str, str],
    ) -> None:
        self.db = db
        self.report = report
        self.now = now
        #: The file's columns: only fields read from one of these are ever written.
        self.columns = columns
        #: ``[import.slims] member_types``, keys lower-cased.
        self.member_types = {k.strip().lower(): v for k, v in member_types.items()}
        self.seen: dict[str, int] = {}

    def has(self, column: str) -> bool:
        return column in self.columns

    def update(self, table: str, row_id: int, values: dict[str, Any]) -> None:
        """Write ``values`` (field -> new value, only fields the file has) to an
        existing record; count each field that changes."""
        names = ", ".join(values)
        current = self.db.execute(f"SELECT {names} FROM {table} WHERE id = ?", [row_id])
        row = current.fetchone()
        old = {name: row[name] for name in values}
        changed = {k: v for k, v in values.items() if old[k] != v}
        for name in changed:
            self.report.changes[name] = self.report.changes.get(name, 0) + 1
        if changed:
            sets = ", ".join(f"{k} = ?" for k in changed)
            self.db.execute(f"UPDATE {table} SET {sets} WHERE id = ?", [*changed.values(), row_id])

    def once(self, value: str, line: int) -> None:
        """A key (card number, barcode) may appear once per file."""
        first = self.seen.setdefault(value, line)
        if first != line:
            raise RowRejectedError("importer.duplicate_in_file", value=value, first_line=first)

    def count(self, added: bool) -> None:
        if added:
            self.report.added += 1
        else:
            self.report.updated += 1

    # patrons ---------------------------------------------------------------------
    def _group(self, group_text: str, slims: bool) -> str:
        """The patron group for a row's group or SLiMS member type."""
        configured = self.member_types.get(group_text.lower()) if slims else None
        if configured is not None:
            return configured
        group = MEMBER_TYPES.get(group_text.lower(), _slug(group_text)) if slims else None
        group = group or _slug(group_text)
        if slims:
            staff = self.db.execute(
                "SELECT is_staff FROM patron_groups WHERE code = ?", [group]
            ).fetchone()
            if staff is not None and staff["is_staff"]:
                # Making someone staff is the library's decision, never a guess.
                raise RowRejectedError("importer.staff_needs_config", value=group_text)
        return group

    def patron(self, row: dict[str, str], line: int, slims: bool) -> None:
        def col(kiosk_name: str, slims_name: str) -> str:
            return slims_name if slims else kiosk_name

        number = _barcode(
            row.get(col("card_number", "member_id"), ""), col("card_number", "member_id")
        )
        name = _text(row, col("name", "member_name"), required=True)
        group_text = _text(row, col("patron_group", "member_type_name"), required=True)
        assert group_text is not None
        group = self._group(group_text, slims)
        if not group or not _IDENT.match(group):
            raise RowRejectedError("importer.bad_group", value=group_text)
        values: dict[str, Any] = {"name": name, "patron_group": group}
        if self.has(col("email", "member_email")):
            email = _text(row, col("email", "member_email"))
            if email is not None and not _EMAIL.match(email):
                raise RowRejectedError("importer.bad_email", value=email)
            values["email"] = email
        if self.has(col("phone", "member_phone")):
            values["phone"] = _text(row, col("phone", "member_phone"))
        if self.has(col("expires_on", "expire_date")):
            values["expires_on"] = _date(row, col("expires_on", "expire_date"))
        if not slims and self.has("blocked"):  # SLiMS exports have no block: never touched
            values["blocked"] = _flag(row, "blocked")
        key_text = None if slims else _text(row, "card_key")
        key = None
        if key_text is not None:
            key = normalise_key(key_text)
            if key is None:
                raise RowRejectedError("importer.bad_card_key", value=key_text)
        self.once(number, line)
        db = self.db
        card = db.execute(
            "SELECT id, patron_id, card_key FROM cards WHERE card_number = ?", [number]
        ).fetchone()
        if key is not None:
            self.once("key:" + key, line)
            other = db.execute("SELECT card_number FROM cards WHERE card_key = ?", [key]).fetchone()
            if other is not None and other["card_number"] != number:
                raise RowRejectedError(
                    "importer.card_key_taken", value=key, card_number=other["card_number"]
                )
        if db.execute("SELECT 1 FROM patron_groups WHERE code = ?", [group]).fetchone() is None:
            db.execute(
                "INSERT INTO patron_groups (code, name_id, name_en) VALUES (?, ?, ?)",
                [group, group_text, group_text],
            )
            self.report.new_groups.append(group)
        if card is None:
            names = ", ".join(values)
            marks = ", ".join("?" * len(values))
            cursor = db.execute(
                f"INSERT INTO patrons ({names}, created_at) VALUES ({marks}, ?)",
                [*values.values(), self.now],
            )
            db.execute(
                "INSERT INTO cards (patron_id, card_key, card_number) VALUES (?, ?, ?)",
                [cursor.lastrowid, key, number],
            )
            self.count(True)
            return
        self.update("patrons", card["patron_id"], values)
        if key is not None and key != card["card_key"]:
            db.execute("UPDATE cards SET card_key = ? WHERE id = ?", [key, card["id"]])
            self.report.changes["card_key"] = self.report.changes.get("card_key", 0) + 1
        self.count(False)

    # cards -----------------------------------------------------------------------
    def card(self, row: dict[str, str], line: int, slims: bool) -> None:
        number = _barcode(row.get("card_number", ""), "card_number")
        key_text = _text(row, "card_key", required=True)
        assert key_text is not None
        key = normalise_key(key_text)
        if key is None:
            raise RowRejectedError("importer.bad_card_key", value=key_text)
        self.once(number, line)
        self.once("key:" + key, line)
        db = self.db
        card = db.execute(
            "SELECT id, card_key FROM cards WHERE card_number = ?", [number]
        ).fetchone()
        if card is None:
            raise RowRejectedError("importer.card_number_unknown", value=number)
        other = db.execute("SELECT card_number FROM cards WHERE card_key = ?", [key]).fetchone()
        if other is not None and other["card_number"] != number:
            raise RowRejectedError(
                "importer.card_key_taken", value=key, card_number=other["card_number"]
            )
        db.execute("UPDATE cards SET card_key = ? WHERE id = ?", [key, card["id"]])
        self.count(card["card_key"] is None)

    # items -----------------------------------------------------------------------
    def item(self, row: dict[str, str], line: int, slims: bool) -> None:
        barcode = _barcode(
            row.get("item_code" if slims else "barcode", ""), "item_code" if slims else "barcode"
        )
        title = _text(row, "title", required=True)
        values: dict[str, Any] = {"title": title}
        if self.has("call_number"):
            values["call_number"] = _text(row, "call_number")
        location_column = "location_name" if slims else "location"
        if self.has(location_column):
            values["location"] = _text(row, location_column)
        authors = None
        isbn = None
        if slims:
            coll = _no_controls((row.get("coll_type_name") or "").strip(), "coll_type_name")
            values["item_type"] = COLLECTION_TYPES.get(coll.lower(), _slug(coll) or "book")
            status_text = _no_controls(
                (row.get("item_status_name") or "").strip(), "item_status_name"
            )
            if status_text.lower() not in ITEM_STATUSES:
                raise RowRejectedError("importer.bad_status", value=status_text)
            values["status"], no_loan = ITEM_STATUSES[status_text.lower()]
            values["not_for_loan"] = int(no_loan)
        else:
            if self.has("item_type"):
                raw_type = _no_controls(row.get("item_type") or "", "item_type")
                values["item_type"] = _slug(raw_type) or "book"
            if self.has("status"):
                status = _no_controls((row.get("status") or "").strip().lower(), "status")
                status = status or "available"
                if status not in ("available", "damaged", "missing", "withdrawn"):
                    raise RowRejectedError("importer.bad_status", value=status)
                values["status"] = status
            if self.has("not_for_loan"):
                values["not_for_loan"] = _flag(row, "not_for_loan")
            authors = _text(row, "authors")
            isbn = _text(row, "isbn")
        if "item_type" in values and not _IDENT.match(values["item_type"]):
            raise RowRejectedError("importer.bad_item_type", value=values["item_type"])
        self.once(barcode, line)
        db = self.db
        biblio = self._biblio_for(title, isbn)
        existing = db.execute(
            "SELECT id, status, biblio_id FROM items WHERE barcode = ?", [barcode]
        ).fetchone()
        if existing is None:
            db.execute(
                """INSERT INTO items (barcode, biblio_id, title, authors, item_type, call_number,
                     location, status, not_for_loan, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [barcode, biblio, title, authors, values.get("item_type", "book"),
                 values.get("call_number"), values.get("location"),
                 values.get("status", "available"), values.get("not_for_loan", 0), self.now],
            )  # fmt: skip
            self.count(True)
            return
        # Circulation owns the state of a copy on loan or on the hold shelf.
        if existing["status"] in ("on_loan", "on_hold_shelf", "in_transit"):
            values.pop("status", None)
        if authors is not None:  # an empty authors cell never wipes them
            values["authors"] = authors
        if biblio is not None:
            values["biblio_id"] = biblio
        self.update("items", existing["id"], values)
        self.report.changes.pop("biblio_id", None)  # a link, not a field the file names
        self.count(False)

    def _biblio_for(self, title: str | None, isbn: str | None) -> int | None:
        """The record a copy belongs to: by ISBN, else the one record with its title."""
        if isbn:
            row = self.db.execute("SELECT id FROM biblios WHERE isbn = ?", [isbn]).fetchone()
            if row:
                return int(row["id"])
        rows = self.db.execute("SELECT id FROM biblios WHERE title = ? LIMIT 2", [title]).fetchall()
        return int(rows[0]["id"]) if len(rows) == 1 else None

    # biblio ----------------------------------------------------------------------
    def biblio(self, row: dict[str, str], line: int, slims: bool) -> None:
        title = _text(row, "title", required=True)
        authors: str | None
        topics: str | None
        if slims:
            raw_authors = _no_controls(row.get("authors") or "", "authors")
            authors = "; ".join(multi_values(raw_authors)) or None
            topics = (
                "; ".join(multi_values(_no_controls(row.get("topics") or "", "topics"))) or None
            )
            codes = multi_values(row.get("item_code") or "")
            isbn = _text(row, "isbn_issn")
            publisher = _text(row, "publisher_name")
            language = _text(row, "language_name")
        else:
            authors = _text(row, "authors")
            topics = _text(row, "topics")
            raw = (row.get("barcodes") or "").strip()
            codes = multi_values(raw) if raw.startswith("<") else raw.replace("|", " ").split()
            isbn = _text(row, "isbn")
            publisher = _text(row, "publisher")
            language = _text(row, "language")
        year = _text(row, "publish_year")
        call_number = _text(row, "call_number")
        barcodes = [_barcode(code, "item_code" if slims else "barcodes") for code in codes]
        for code in barcodes:
            self.once(code, line)
        db = self.db
        if isbn:
            found = db.execute("SELECT id FROM biblios WHERE isbn = ?", [isbn]).fetchone()
        else:
            found = db.execute(
                """SELECT id FROM biblios WHERE title = ? AND coalesce(authors, '') = ?
                   AND coalesce(publish_year, '') = ?""",
                [title, authors or "", year or ""],
            ).fetchone()
        values = [title, authors, isbn, publisher, year, language, call_number, topics]
        if found is None:
            biblio_id = db.execute(
                """INSERT INTO biblios (title, authors, isbn, publisher, publish_year, language,
                     call_number, topics) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                values,
            ).lastrowid
            self.count(True)
        else:
            biblio_id = found["id"]
            fields = ("title", "authors", "isbn", "publisher", "publish_year", "language",
                      "call_number", "topics")  # fmt: skip
            slims_names = {"isbn": "isbn_issn", "publisher": "publisher_name",
                           "language": "language_name"}  # fmt: skip
            present = {
                name: value
                for name, value in zip(fields, values, strict=True)
                if self.has(slims_names.get(name, name) if slims else name)
            }
            self.update("biblios", biblio_id, present)
            self.count(False)
        for code in barcodes:
            item = db.execute("SELECT id FROM items WHERE barcode = ?", [code]).fetchone()
            if item is None:
                # A copy the item export has not brought yet: the item import fills in
                # its collection type, location and status later.
                db.execute(
                    """INSERT INTO items (barcode, biblio_id, title, authors, call_number,
                         created_at) VALUES (?, ?, ?, ?, ?, ?)""",
                    [code, biblio_id, title, authors, call_number, self.now],
                )
            else:
                db.execute(
                    """UPDATE items SET biblio_id = ?, title = ?,
                         authors = coalesce(?, authors) WHERE id = ?""",
                    [biblio_id, title, authors, item["id"]],
                )


# -- the import -----------------------------------------------------------------------
def _header(fields: tuple[str, ...]) -> list[str]:
    """Column names of a header row; SLiMS ends its header with one separator too many."""
    names = [f.strip().lower() for f in fields]
    while names and not names[-1]:
        names.pop()
    return names


def _escapes(kind: str, fmt: str) -> Escapes:
    """SLiMS escapes member values; its bibliography and item exports strip the
    escapes again (``stripslashes``); the kiosk's CSV has none."""
    if fmt == "kiosk":
        return "none"
    return "mysql" if kind == "patrons" else "quotes"


def _detect(
    kind: str, text: str, fmt: str, delimiter: str | None
) -> tuple[str, str, list[Record], bool]:
    """(format, delimiter, records, has header)."""
    slims_columns = SLIMS_COLUMNS.get(kind)
    required, optional = KIOSK_COLUMNS[kind]
    expected = {len(slims_columns)} if slims_columns else set()
    if fmt == "kiosk":
        expected = {len(required) + len(optional)}
    delim = delimiter or guess_delimiter(text, expected)
    first = read_records(text, delim, limit=1, escapes="none" if fmt == "kiosk" else "quotes")
    if not first:
        raise DomainError("importer.empty")
    head = _header(first[0].fields)
    if fmt == "auto":
        if slims_columns and head == list(slims_columns):
            fmt = "slims"
        elif set(required) <= set(head) or slims_columns is None:
            fmt = "kiosk"
        elif len(first[0].fields) == len(slims_columns):
            fmt = "slims"  # SLiMS writes the header row only when asked to
        else:
            raise DomainError(
                "importer.unknown_format", kind=kind, columns=len(head), slims=len(slims_columns)
            )
    if fmt == "slims" and slims_columns is None:
        raise DomainError("importer.no_slims_format", kind=kind)
    records = read_records(text, delim, escapes=_escapes(kind, fmt))
    header = head == list(slims_columns) if fmt == "slims" and slims_columns else True
    if fmt == "kiosk":
        header = set(required) <= set(head)
        if not header and kind == "cards" and len(head) == 2:
            header = False  # two bare columns: card number, card key
        elif not header:
            raise DomainError("importer.kiosk_header", kind=kind, columns=", ".join(required))
        else:
            unknown = [h for h in head if h not in required + optional]
            if unknown:
                raise DomainError("importer.unknown_columns", columns=", ".join(unknown))
    return fmt, delim, records, header


def run_import(
    store: Store,
    kind: str,
    data: bytes,
    *,
    fmt: Format = "auto",
    delimiter: str | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    clock: Clock = utcnow,
    member_types: dict[str, str] | None = None,
) -> ImportReport:
    """Validate and import ``data``; file-level problems raise DomainError
    (``importer.*``), row-level ones are in the report. Blocking: one transaction.

    Only the fields of columns the file has are written: a re-import of a file with
    fewer columns leaves the others as they are (``report.changes`` counts, per field,
    the records that changed). ``member_types``: ``[import.slims] member_types``."""
    if kind not in KINDS:
        raise DomainError("importer.unknown_kind", kind=kind)
    text = decode(data)
    fmt_used, delim, records, header = _detect(kind, text, fmt, delimiter)
    slims = fmt_used == "slims"
    if slims:
        columns = list(SLIMS_COLUMNS[kind])
    elif header:
        columns = _header(records[0].fields)
    else:
        columns = ["card_number", "card_key"]
    body = records[1:] if header else records
    report = ImportReport(kind, fmt_used, delim, header, rows=len(body), dry_run=dry_run)
    write: dict[str, Callable[[_Writer, dict[str, str], int, bool], None]] = {
        "patrons": _Writer.patron,
        "cards": _Writer.card,
        "items": _Writer.item,
        "biblio": _Writer.biblio,
    }
    try:
        with store.transaction() as db:
            writer = _Writer(db, report, to_db(clock()), set(columns), member_types or {})
            for record in body:
                if len(record.fields) != len(columns):
                    report.rejected.append(
                        Rejected(
                            record.line,
                            "importer.field_count",
                            {"expected": len(columns), "found": len(record.fields)},
                        )
                    )
                    continue
                row = dict(zip(columns, record.fields, strict=True))
                row.pop("pin", None)  # SLiMS's national ID number: never imported
                # A savepoint per row: a rejected row leaves nothing of itself behind.
                db.execute("SAVEPOINT import_row")
                try:
                    write[kind](writer, row, record.line, slims)
                except RowRejectedError as exc:
                    db.execute("ROLLBACK TO import_row")
                    report.rejected.append(Rejected(record.line, exc.key, exc.params))
                db.execute("RELEASE import_row")
            if dry_run or (report.rejected and not skip_invalid):
                raise _RollbackError
            report.written = True
    except _RollbackError:
        pass  # nothing written; the counts say what the import would have done
    return report
