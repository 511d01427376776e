"""Import of the kiosk's own CSV and of SLiMS exports, bad rows included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.importer import run_import
from kiosk.importer.reader import guess_delimiter, multi_values, read_records
from kiosk.store import Store
from tests.conftest import REPO
from tests.unit.circ_helpers import FakeClock, add_patron, services

SLIMS = REPO / "tests" / "fixtures" / "slims"


def slims(name: str) -> bytes:
    return (SLIMS / name).read_bytes()


def reasons(report: object) -> list[tuple[int, str]]:
    return [(r.line, r.key) for r in report.rejected]  # type: ignore[attr-defined]


def count(store: Store, table: str) -> int:
    return int(store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


# -- the reader ---------------------------------------------------------------------
def test_reader_takes_member_export_mysql_escapes() -> None:
    # SLiMS's member export: escape_string on every value, so quotes, backslashes and
    # line breaks arrive as backslash escapes.
    text = (
        '"a \\"quoted\\" word";"back\\\\slash";"line\\nbreak";"it\\\'s";""\r\n\n"x";"";"";"";""\n'
    )
    records = read_records(text, ";", escapes="mysql")
    assert records[0].fields == ('a "quoted" word', "back\\slash", "line\nbreak", "it's", "")
    assert records[0].line == 1
    assert records[1].line == 3


def test_reader_takes_raw_quotes_of_the_biblio_and_item_exports() -> None:
    # stripslashes() undoes the escapes there: bare quotes and backslashes inside.
    text = '"Catatan "Si Boy"","C:\\ Panduan","<A><B>"\r"Next","x\\"y","z"\r'
    records = read_records(text, ",", escapes="quotes")
    assert records[0].fields == ('Catatan "Si Boy"', "C:\\ Panduan", "<A><B>")
    assert records[1].fields == ("Next", 'x"y', "z")  # \" kept by an older export
    assert [r.line for r in records] == [1, 2]  # a lone CR ends a record too


def test_reader_reads_csv_with_doubled_quotes_and_multiline_fields() -> None:
    text = '"doubled ""quotes""",plain,"real\nnewline",C:\\temp\nnext,"",x,y\n'
    records = read_records(text, ",", escapes="none")
    assert records[0].fields == ('doubled "quotes"', "plain", "real\nnewline", "C:\\temp")
    assert records[1].fields == ("next", "", "x", "y")
    assert records[1].line == 3


def test_reader_refuses_an_unclosed_quote_naming_its_line() -> None:
    with pytest.raises(DomainError) as info:
        read_records('"ok","fine"\n"never closed,x\n', ",", escapes="none")
    assert (info.value.key, info.value.params) == ("importer.unclosed_quote", {"line": 2})


def test_delimiter_and_multi_values() -> None:
    assert guess_delimiter('"a;b","c"\n', {2}) == ","
    assert guess_delimiter('"a,b";"c";"d"\n', {3}) == ";"
    assert multi_values("<Andrea Hirata><Tim Editor>") == ["Andrea Hirata", "Tim Editor"]
    assert multi_values("Andrea Hirata") == ["Andrea Hirata"]
    assert multi_values("") == []


# -- SLiMS members ------------------------------------------------------------------
def test_slims_members_all_or_nothing_with_a_line_report(store: Store) -> None:
    report = run_import(store, "patrons", slims("members.csv"))
    assert (report.format, report.delimiter, report.header) == ("slims", ";", True)
    assert reasons(report) == [
        (4, "importer.missing"),
        (5, "importer.bad_date"),
        (6, "importer.duplicate_in_file"),
        (7, "importer.bad_email"),
        (8, "importer.field_count"),
    ]
    assert report.rejected[2].params == {"value": "PLU-1001", "first_line": 2}
    assert not report.written
    assert count(store, "patrons") == 0
    assert count(store, "cards") == 0


def test_slims_members_skip_invalid_imports_the_rest_and_never_the_pin(
    store: Store, default_config: Config
) -> None:
    report = run_import(store, "patrons", slims("members.csv"), skip_invalid=True)
    assert report.written
    assert (report.added, report.updated, len(report.rejected)) == (4, 0, 5)
    rows = dict(
        store.conn.execute(
            "SELECT c.card_number, p.name || '|' || p.patron_group || '|' ||"
            " coalesce(p.expires_on, '-') FROM patrons p JOIN cards c ON c.patron_id = p.id"
        ).fetchall()
    )
    assert rows == {
        "PLU-1001": "Ahmad Lamarauna|adult|2027-01-05",
        "PLU-1002": "Siti Nur'aini Pontoh|student|2026-07-15",
        "PLU-1007": "Nurul Hidayah|child|2026-08-17",
        "PLU-1008": "I Made Sudarsana|pegawai_pemkot|-",
    }
    assert report.new_groups == ["pegawai_pemkot"]
    dump = "\n".join(store.conn.iterdump())
    for national_id in ("7271010101900001", "7271014506080002", "7271010505700008"):
        assert national_id not in dump
    assert "Jl. Sam Ratulangi" not in dump  # no address: the kiosk does not need it
    assert (
        store.conn.execute("SELECT count(*) FROM patrons WHERE pin_hash IS NOT NULL").fetchone()[0]
        == 0
    )
    # The imported patron signs in with the printed member id.
    svc = services(store, default_config, FakeClock())
    assert svc.circulation.sign_in(number="PLU-1001").name == "Ahmad Lamarauna"


def test_slims_members_without_header_comma_separated(store: Store) -> None:
    report = run_import(store, "patrons", slims("members_noheader_comma.csv"))
    assert (report.format, report.delimiter, report.header) == ("slims", ",", False)
    assert (report.added, report.rejected, report.written) == (2, [], True)
    again = run_import(store, "patrons", slims("members_noheader_comma.csv"))
    assert (again.added, again.updated) == (0, 2)
    assert count(store, "patrons") == 2


def test_dry_run_writes_nothing(store: Store) -> None:
    report = run_import(store, "patrons", slims("members_noheader_comma.csv"), dry_run=True)
    assert (report.added, report.written) == (2, False)
    assert count(store, "patrons") == 0


# -- SLiMS bibliography and items ---------------------------------------------------
def test_slims_biblio_then_items(store: Store, default_config: Config) -> None:
    biblio = run_import(store, "biblio", slims("biblio.csv"), skip_invalid=True)
    assert reasons(biblio) == [
        (5, "importer.missing"),
        (7, "importer.duplicate_in_file"),
        (8, "importer.field_count"),
    ]
    assert biblio.added == 4
    boy = store.conn.execute(
        "SELECT authors, topics FROM biblios WHERE title = 'Catatan \"Si Boy\": Edisi Khusus'"
    ).fetchone()
    assert tuple(boy) == ("Marwan Alkatiri; Prambors", "Fiksi")
    assert (
        store.conn.execute(
            "SELECT count(*) FROM biblios WHERE title = 'Dasar Pemrograman C:\\ Panduan'"
        ).fetchone()[0]
        == 1
    )
    # Every copy listed in item_code exists now, linked to its record.
    linked = store.conn.execute(
        "SELECT i.barcode, b.title FROM items i JOIN biblios b ON b.id = i.biblio_id"
        " ORDER BY i.barcode"
    ).fetchall()
    assert [code for code, _ in linked] == ["S001", "S002", "S003", "S004", "S005", "S006", "S007"]

    items = run_import(store, "items", slims("items.csv"), skip_invalid=True)
    assert (items.format, items.delimiter, items.header) == ("slims", ";", False)
    assert reasons(items) == [
        (7, "importer.bad_status"),
        (8, "importer.missing"),
        (9, "importer.missing"),
    ]
    assert (items.added, items.updated) == (3, 4)
    table = {
        row[0]: row[1:]
        for row in store.conn.execute(
            "SELECT barcode, item_type, status, not_for_loan, location, biblio_id IS NOT NULL"
            " FROM items"
        )
    }
    assert table["S001"] == ("book", "available", 0, "Perpustakaan Kota Palu", 1)
    assert table["S002"] == ("book", "damaged", 0, "Perpustakaan Kota Palu", 1)
    assert table["S007"] == ("reference", "available", 1, "Ruang Referensi", 1)
    assert table["S008"] == ("magazine", "available", 0, "Ruang Majalah", 0)
    assert table["S009"] == ("child", "missing", 0, "Ruang Anak", 0)
    # An item with no record in the database still carries its own title.
    title = store.conn.execute("SELECT title FROM items WHERE barcode = 'S013'").fetchone()
    assert tuple(title) == ("Python Crash Course",)
    svc = services(store, default_config, FakeClock())
    ref = add_patron(store, "M-1")
    assert svc.circulation.checkout(ref, "S001").title == "Laskar Pelangi"
    with pytest.raises(DomainError) as info:
        svc.circulation.checkout(ref, "S007")
    assert info.value.key == "circulation.item_not_for_loan"


def test_reimport_keeps_the_circulation_state_of_a_loaned_copy(
    store: Store, default_config: Config
) -> None:
    run_import(store, "items", slims("items.csv"), skip_invalid=True)
    svc = services(store, default_config, FakeClock())
    ref = add_patron(store, "M-1")
    svc.circulation.checkout(ref, "S013")
    run_import(store, "items", slims("items.csv"), skip_invalid=True)
    assert svc.circulation.item("S013").status == "on_loan"


# -- the kiosk's own CSV ------------------------------------------------------------
def test_kiosk_patrons_and_cards(store: Store) -> None:
    patrons = (
        b"card_number,name,patron_group,card_key,expires_on,email\n"
        b"K-1,Dewi,adult,04:a1:b2:c3,2027-01-01,dewi@example.id\n"
        b"K-2,Rahmat,student,,2027-01-01,\n"
        b"K-3,Nadia,child,zz-not-hex,2027-01-01,\n"
        b"K-4,Arif,adult,04A1B2C3,2027-01-01,\n"
    )
    report = run_import(store, "patrons", patrons, skip_invalid=True)
    assert report.format == "kiosk"
    assert reasons(report) == [(4, "importer.bad_card_key"), (5, "importer.duplicate_in_file")]
    assert tuple(
        store.conn.execute("SELECT card_key FROM cards WHERE card_number = 'K-1'").fetchone()
    ) == ("04A1B2C3",)
    cards = b"card_number;card_key\nK-2;DE4A9C21\nK-9;AABBCCDD\nK-2;0102\nK-1;DE4A9C21\n"
    report = run_import(store, "cards", cards, skip_invalid=True)
    assert report.delimiter == ";"
    assert reasons(report) == [
        (3, "importer.card_number_unknown"),
        (4, "importer.duplicate_in_file"),
        (5, "importer.duplicate_in_file"),
    ]
    assert tuple(
        store.conn.execute("SELECT card_key FROM cards WHERE card_number = 'K-2'").fetchone()
    ) == ("DE4A9C21",)
    taken = run_import(store, "cards", b"card_number,card_key\nK-1,DE4A9C21\n")
    assert reasons(taken) == [(2, "importer.card_key_taken")]
    headerless = run_import(store, "cards", b"K-1,0A0B0C0D\n")
    assert (headerless.header, headerless.updated) == (False, 1)


def test_kiosk_items_and_biblio(store: Store) -> None:
    biblio = (
        b"title,authors,isbn,publish_year,barcodes\n"
        b'Bumi Manusia,Pramoedya Ananta Toer,979-97312-3-2,1980,"K001|K002"\n'
    )
    assert run_import(store, "biblio", biblio).added == 1
    items = (
        b"barcode,title,item_type,status,not_for_loan,isbn,location\n"
        b"K001,Bumi Manusia,book,available,0,979-97312-3-2,Rak 899\n"
        b"K003,Atlas Indonesia,reference,available,1,,Ruang Referensi\n"
        b"K004,Majalah Bobo,magazine,on_loan,0,,\n"
        b"K005,Tempo,magazine,available,maybe,,\n"
    )
    report = run_import(store, "items", items, skip_invalid=True)
    assert reasons(report) == [(4, "importer.bad_status"), (5, "importer.bad_flag")]
    assert (report.added, report.updated) == (1, 1)
    assert tuple(
        store.conn.execute(
            "SELECT location, biblio_id IS NOT NULL FROM items WHERE barcode = 'K001'"
        ).fetchone()
    ) == ("Rak 899", 1)


@pytest.mark.parametrize(
    ("kind", "data", "key"),
    [
        ("patrons", b"\xff\xfe\x00garbage", "importer.not_utf8"),
        ("patrons", b"\n\n", "importer.empty"),
        ("patrons", b"a,b,c\n1,2,3\n", "importer.unknown_format"),
        ("items", b"barcode,title,colour\nX,Y,red\n", "importer.unknown_columns"),
        ("cards", b"a,b,c\n", "importer.kiosk_header"),
        ("nonsense", b"x\n", "importer.unknown_kind"),
    ],
)
def test_file_level_problems(store: Store, kind: str, data: bytes, key: str) -> None:
    with pytest.raises(DomainError) as info:
        run_import(store, kind, data)
    assert info.value.key == key


# -- the command --------------------------------------------------------------------
def test_cli_import_report_and_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "k.db")
    members = str(SLIMS / "members.csv")
    assert main(["init", "--db", db]) == 0  # import never creates a database
    capsys.readouterr()
    assert main(["import", "patrons", members, "--db", db, "--lang", "en"]) == 1
    out, err = capsys.readouterr()  # the result on stdout, the problems on stderr
    assert "Rows: 9" in out
    assert "line 4: member_name is empty" in err
    assert "line 6: “PLU-1001” already appears on line 2" in err
    assert "Nothing was written." in err
    assert main(["import", "patrons", members, "--db", db, "--skip-invalid", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["added"], report["written"]) == (4, True)
    assert report["rejected"][0]["reason"] == "kolom member_name kosong"
    assert main(["import", "items", str(SLIMS / "items.csv"), "--db", db, "--format",
                 "slims", "--delimiter", ";", "--dry-run"]) == 1  # fmt: skip
    assert "Uji coba saja" in capsys.readouterr().out
