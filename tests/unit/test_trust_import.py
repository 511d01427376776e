"""Issue 11 items 5-7: a re-import never undoes what its file does not mention; SLiMS
member types reach staff only through config; errors go to stderr, results to stdout,
and control characters in names are refused with their line, never stored or shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.importer import run_import
from kiosk.store import Store

SLIMS_HEADER = (
    "member_id;member_name;gender;member_type_name;member_email;member_address;postal_code;"
    "inst_name;is_new;member_image;pin;member_phone;member_fax;member_since_date;"
    "register_date;expire_date;birth_date;member_notes"
)


def slims_member(number: str, name: str, member_type: str, expires: str = "2028-01-01") -> str:
    fields = [number, name, "1", member_type, "", "", "", "", "0", "", "", "", "", "",
              "2024-01-01", expires, "", ""]  # fmt: skip
    return ";".join(f'"{f}"' for f in fields)


def row(store: Store, sql: str, *params: object) -> tuple:
    return tuple(store.conn.execute(sql, params).fetchone())


# -- item 5: only the columns in the file are written ---------------------------------
def test_a_partial_item_file_leaves_every_other_field_alone(store: Store) -> None:
    full = (
        "barcode,title,authors,item_type,call_number,location,status,not_for_loan\n"
        "B1,Kamus Besar,Tim,reference,R 499.221 KAM,Rak Referensi,damaged,1\n"
        "B2,Laskar Pelangi,Andrea Hirata,book,899.221 HIR,Rak 3,available,0\n"
    )
    run_import(store, "items", full.encode())
    before = row(store, "SELECT * FROM items WHERE barcode = 'B1'")
    partial = "barcode,title\nB1,Kamus Besar Bahasa Indonesia\nB2,Laskar Pelangi\n"
    report = run_import(store, "items", partial.encode())
    assert report.written and report.updated == 2
    after = store.conn.execute(
        """SELECT title, item_type, call_number, location, status, not_for_loan
           FROM items WHERE barcode = 'B1'"""
    ).fetchone()
    assert tuple(after) == (
        "Kamus Besar Bahasa Indonesia",
        "reference",
        "R 499.221 KAM",
        "Rak Referensi",
        "damaged",
        1,
    )
    assert before != after
    assert report.changes == {"title": 1}


def test_a_partial_patron_file_keeps_expiry_block_and_contacts(store: Store) -> None:
    full = (
        "card_number,name,patron_group,card_key,email,phone,expires_on,blocked\n"
        "P1,Andi,adult,04AABBCC,andi@example.id,0812,2027-06-30,1\n"
    )
    run_import(store, "patrons", full.encode())
    report = run_import(store, "patrons", b"card_number,name,patron_group\nP1,Andi P.,adult\n")
    assert report.written
    assert row(store, "SELECT name, email, phone, expires_on, blocked FROM patrons") == (
        "Andi P.",
        "andi@example.id",
        "0812",
        "2027-06-30",
        1,
    )
    assert row(store, "SELECT card_key FROM cards") == ("04AABBCC",)
    assert report.changes == {"name": 1}


def test_a_slims_import_never_unblocks(store: Store) -> None:
    data = f"{SLIMS_HEADER}\n{slims_member('M1', 'Rina', 'Umum')}\n".encode()
    run_import(store, "patrons", data)
    store.conn.execute("UPDATE patrons SET blocked = 1, blocked_reason = 'lost book'")
    report = run_import(store, "patrons", data)
    assert report.written
    assert row(store, "SELECT blocked, blocked_reason FROM patrons") == (1, "lost book")
    assert report.changes == {}


def test_dry_run_counts_per_field_what_would_change(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_import(
        store,
        "items",
        b"barcode,title,location,status\nB1,Satu,Rak 1,available\nB2,Dua,Rak 1,available\n"
        b"B3,Tiga,Rak 2,available\n",
    )
    db = store.path
    store.close()
    changed = tmp_path / "items.csv"
    changed.write_text(
        "barcode,title,location,status\nB1,Satu,Rak 9,damaged\nB2,Dua,Rak 9,available\n"
        "B3,Tiga,Rak 2,available\nB4,Empat,Rak 2,available\n",
        encoding="utf-8",
    )
    code = main(["import", "items", str(changed), "--dry-run", "--db", db, "--lang", "en",
                 "--json"])  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["changes"] == {"location": 2, "status": 1}
    assert (report["added"], report["updated"], report["written"]) == (1, 3, False)
    code = main(["import", "items", str(changed), "--dry-run", "--db", db, "--lang", "en"])
    out = capsys.readouterr().out
    assert "location: 2" in out and "status: 1" in out


# -- item 6: SLiMS member types map through config ---------------------------------------
def test_slims_member_types_never_become_staff_by_a_guess(store: Store) -> None:
    data = (
        f"{SLIMS_HEADER}\n{slims_member('M1', 'Made', 'Pegawai')}\n"
        f"{slims_member('M2', 'Sri', 'Pustakawan')}\n"
    ).encode()
    report = run_import(store, "patrons", data)
    assert report.written
    staff = store.conn.execute(
        """SELECT count(*) FROM patrons p JOIN patron_groups g ON g.code = p.patron_group
           WHERE g.is_staff = 1"""
    ).fetchone()[0]
    assert staff == 0


def test_a_member_type_named_like_a_staff_group_needs_config(store: Store) -> None:
    data = f"{SLIMS_HEADER}\n{slims_member('M3', 'Budi', 'Staff')}\n".encode()
    report = run_import(store, "patrons", data)
    assert not report.written
    assert report.rejected[0].key == "importer.staff_needs_config"
    assert report.rejected[0].line == 2


def test_configured_member_types_map_to_groups_staff_included(store: Store) -> None:
    data = (
        f"{SLIMS_HEADER}\n{slims_member('M1', 'Made', 'Pegawai')}\n"
        f"{slims_member('M2', 'Rina', 'umum')}\n"
    ).encode()
    report = run_import(store, "patrons", data, member_types={"PEGAWAI": "staff", "Umum": "adult"})
    assert report.written
    groups = dict(
        store.conn.execute(
            """SELECT c.card_number, p.patron_group FROM patrons p
               JOIN cards c ON c.patron_id = p.id"""
        ).fetchall()
    )
    assert groups == {"M1": "staff", "M2": "adult"}


def test_the_cli_passes_the_configured_member_types(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = store.path
    store.close()
    config = tmp_path / "kiosk.toml"
    config.write_text('[import.slims]\nmember_types = { "Pegawai" = "staff" }\n', "utf-8")
    members = tmp_path / "members.csv"
    members.write_text(f"{SLIMS_HEADER}\n{slims_member('M1', 'Made', 'Pegawai')}\n", "utf-8")
    code = main(["import", "patrons", str(members), "--db", db, "--config", str(config)])
    assert code == 0, capsys.readouterr()
    check = Store(db)
    assert row(check, "SELECT patron_group FROM patrons") == ("staff",)
    check.close()


# -- item 7: where reports go; control characters ---------------------------------------
@pytest.mark.parametrize(
    "name", ["\x1b[31mMerah\x1b[0m", "Nul\x00l", "Bell\x07", "Tab\tbed", "C1\x9bcontrol"]
)
def test_control_characters_in_names_are_refused_with_the_line(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    data = f"card_number,name,patron_group\nP1,Andi,adult\nP2,{name},adult\n"
    report = run_import(store, "patrons", data.encode())
    assert not report.written
    assert [(r.line, r.key) for r in report.rejected] == [(3, "importer.control_characters")]
    db = store.path
    store.close()
    path = tmp_path / "patrons.csv"
    path.write_bytes(data.encode())
    code = main(["import", "patrons", str(path), "--db", db, "--lang", "en"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "line 3" in err and "control characters" in err
    for raw in ("\x1b", "\x00", "\x07", "\x9b"):
        assert raw not in out + err
    check = Store(db)
    assert check.conn.execute("SELECT count(*) FROM patrons").fetchone()[0] == 0
    check.close()


def test_results_go_to_stdout_and_errors_to_stderr(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = store.path
    store.close()
    good = tmp_path / "good.csv"
    good.write_text("barcode,title\nB1,Satu\n", encoding="utf-8")
    assert main(["import", "items", str(good), "--db", db, "--lang", "en"]) == 0
    out, err = capsys.readouterr()
    assert "new: 1" in out and err == ""
    bad = tmp_path / "bad.csv"
    bad.write_text("barcode,title\nB2,\n", encoding="utf-8")
    assert main(["import", "items", str(bad), "--db", db, "--lang", "en"]) == 1
    out, err = capsys.readouterr()
    assert "line 2" in err and "line 2" not in out
    assert "Nothing was written" in err
    missing = tmp_path / "nope.csv"
    assert main(["import", "items", str(missing), "--db", db, "--lang", "en"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "nope.csv" in err
    notcsv = tmp_path / "bin.csv"
    notcsv.write_bytes(b"\xff\xfe\x00")
    assert main(["import", "items", str(notcsv), "--db", db, "--lang", "en"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.strip()
