"""Receipt layout (translated, local dates, rupiah) and its ESC/POS rendering."""

from __future__ import annotations

from datetime import UTC, datetime

from kiosk.circulation.api import CheckoutResult, RenewResult, ReturnResult
from kiosk.receipts import ReceiptBuilder, day, rupiah
from tests.support import peers

NOW = datetime(2026, 11, 28, 8, 5, tzinfo=UTC)  # 16:05 WITA
# 16:30 UTC on the 12th is 00:30 WITA on the 13th: the receipt shows the library's day.
DUE = datetime(2026, 12, 12, 16, 30, tzinfo=UTC)


def texts(lines: object) -> list[str]:
    return [line.text for line in lines]  # type: ignore[attr-defined]


def test_checkout_receipt_in_indonesian() -> None:
    builder = ReceiptBuilder("Perpustakaan Kota Palu", "Asia/Makassar", "id")
    receipt = builder.checkout(
        [CheckoutResult("B0001", "Laskar Pelangi", DUE, print_lines=("Harap dijaga",))], NOW
    )
    assert texts(receipt.lines) == [
        "Perpustakaan Kota Palu",
        "28 Nov 2026 16.05",  # Indonesian times, as on the screens
        "",
        "Bukti Peminjaman",
        "",
        "Laskar Pelangi",
        "Kode batang: B0001",
        "Batas kembali: 13 Des 2026",
        "Harap dijaga",
        "",
        "Jumlah buku: 1",
        "",
        "Terima kasih telah berkunjung ke perpustakaan!",
    ]
    assert [line.emphasis for line in receipt.lines if line.emphasis] == [True] * 3


def test_return_receipt_with_fines_in_english() -> None:
    builder = ReceiptBuilder("Palu City Library", "Asia/Makassar", "en")
    receipt = builder.checkin(
        [ReturnResult("B1", "Bumi Manusia", fine=2000), ReturnResult("B2", "Ronggeng", fine=3500)],
        NOW,
    )
    lines = texts(receipt.lines)
    assert "Return receipt" in lines
    assert "Late fine: Rp 2,000" in lines
    assert "Fines from these returns: Rp 5,500" in lines
    assert lines[-1] == "Thank you for visiting the library!"


def test_renewal_receipt_leaves_out_refusals() -> None:
    builder = ReceiptBuilder("Perpustakaan Kota Palu", "Asia/Makassar", "id")
    receipt = builder.renewal(
        [
            RenewResult("B1", "Ayat-Ayat Cinta", True, DUE),
            RenewResult("B2", "Negeri 5 Menara", False, refusal="circulation.renew_on_hold"),
        ],
        NOW,
    )
    lines = texts(receipt.lines)
    assert "Ayat-Ayat Cinta" in lines
    assert "Negeri 5 Menara" not in lines
    assert "Jumlah buku: 1" in lines


def test_formats() -> None:
    assert rupiah(1234567, "id") == "Rp 1.234.567"
    assert rupiah(0, "en") == "Rp 0"
    assert day(DUE, "en", "Asia/Makassar") == "13 Dec 2026"
    assert day(DUE, "id", "UTC") == "12 Des 2026"


def test_escpos_rendering_with_the_dummy_printer() -> None:
    escpos = peers.module("escpos.printer", "pip install .[escpos]")
    from devices.escpos_printer import render

    builder = ReceiptBuilder("Perpustakaan Kota Palu", "Asia/Makassar", "id")
    receipt = builder.checkout(
        [CheckoutResult("B0001", "Sejarah Kota Palu dari Masa ke Masa Jilid Pertama", DUE)], NOW
    )
    printer = escpos.Dummy()
    render(printer, receipt, width=32)
    out: bytes = printer.output
    assert out.startswith(b"\x1bE\x01\x1ba\x01")  # bold, centred: the library's name
    assert b"Perpustakaan Kota Palu\n" in out
    assert b"\x1bE\x01" + b"\x1ba\x00" in out  # emphasised lines are bold
    # The long title is wrapped at 32 characters, words kept whole.
    assert b"Sejarah Kota Palu dari Masa ke\nMasa Jilid Pertama\n" in out
    assert b"Batas kembali: 13 Des 2026\n" in out
    assert out.endswith(b"\x1dV\x00")  # full cut


def test_what_the_ils_wrote_is_printed_as_it_wrote_it() -> None:
    """SIP2 (issue 16): a due date the ILS wrote in its own form, its print lines (AG)
    on returns too, and offline loans and returns said to be confirmed later."""
    builder = ReceiptBuilder("Palu City Library", "Asia/Makassar", "en")
    out = builder.checkout(
        [CheckoutResult("I-9", "Buku 9", DUE, due_text="12/13/2026", offline=True)], NOW
    )
    lines = texts(out.lines)
    assert "Due back: 12/13/2026" in lines
    assert any("will be confirmed" in line for line in lines)
    back = builder.checkin(
        [ReturnResult("I-1", "Buku 1", print_lines=("Perpustakaan Kota Palu", "Terima kasih"))],
        NOW,
    )
    assert texts(back.lines)[7:9] == ["Perpustakaan Kota Palu", "Terima kasih"]
    offline = texts(builder.checkin([ReturnResult("I-2", "Buku 2", offline=True)], NOW).lines)
    assert any("This return is recorded by the kiosk" in line for line in offline)
    renewed = builder.renewal([RenewResult("I-4", "Buku 4", True, DUE, due_text="2026-12-20")], NOW)
    assert "Due back: 2026-12-20" in texts(renewed.lines)
