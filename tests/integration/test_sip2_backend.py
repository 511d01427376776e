"""The SIP2 backend against a real SIP2 server (pysip2's ACS serving an in-test
library): sign-in with and without PINs, refusals, checkout and return, lists, renew,
holds, fees, what BX allows, TLS, character sets, keep-alive and reconnect."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.circulation.sip2.backend import Sip2Circulation
from kiosk.config import Config
from tests.conftest import free_port, wait_port
from tests.support import peers

peers.module("pysip2", "pip install .[test]")  # the SIP2 test server's codec

from tests.support.sip2_library import (  # noqa: E402
    PASSWORD,
    Library,
    Sip2TestServer,
    make,
    populate,
    refused,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


@pytest.fixture
def library(sip2_server: Sip2TestServer) -> Library:
    return populate(sip2_server.library)


@pytest.fixture
def sip2(
    sip2_server: Sip2TestServer, library: Library, tmp_path: Path, default_config: Config
) -> Iterator[Sip2Circulation]:
    backend = make(tmp_path, default_config, sip2_server.url())
    yield backend
    backend.close()
    backend.outbox.store.close()


# -- sign-in ----------------------------------------------------------------------------
def test_a_blank_or_wrong_pin_never_signs_in_when_the_ils_checks_pins(
    sip2: Sip2Circulation, library: Library
) -> None:
    refused("circulation.pin_required", sip2.sign_in, number="P1")
    assert library.requests[-1][1].patron_password == ""  # the blank PIN was asked about
    error = refused("circulation.pin_wrong", sip2.sign_in, number="P1", pin="9999")
    assert error.params == {"tries_left": 4}
    patron = sip2.sign_in(number="P1", pin="1234")
    assert (patron.ref, patron.name, patron.language, patron.is_staff) == (
        "P1", "Siti Aminah", "en", False,
    )  # fmt: skip
    # A patron without a PIN: the ILS sends no CQ, no PIN is asked for.
    assert sip2.sign_in(number="P2").name == "Budi Santoso"
    # A tapped card goes to the ILS as its card key (uppercase hex).
    assert sip2.sign_in(uid="04a1b2c3").name == "Kartu RFID"


def test_wrong_pins_lock_the_card_here(sip2: Sip2Circulation) -> None:
    for left in (4, 3, 2, 1):
        assert refused("circulation.pin_wrong", sip2.sign_in, number="P1", pin="0000").params == {
            "tries_left": left
        }
    refused("circulation.card_locked", sip2.sign_in, number="P1", pin="0000")
    refused("circulation.card_locked", sip2.sign_in, number="P1", pin="1234")


def test_invalid_unknown_lost_and_blocked_cards(sip2: Sip2Circulation) -> None:
    refused("circulation.card_not_valid", sip2.sign_in, number="P5")  # BL=N
    refused("circulation.card_not_valid", sip2.sign_in, number="NOBODY")
    refused("circulation.card_lost", sip2.sign_in, number="P4")
    refused("circulation.card_unknown", sip2.sign_in, number="P|1")  # cannot travel
    # Blocked: signs in (to return and see loans); the ILS refuses the checkout itself.
    assert sip2.sign_in(number="P3").ref == "P3"
    error = refused("circulation.ils_refused", sip2.checkout, "P3", "I-1")
    assert error.params == {"message": "Patron blocked"}
    assert [e.key for e in sip2.problems("P3")] == ["circulation.card_blocked"]


def test_pin_required_policy(
    sip2_server: Sip2TestServer, library: Library, tmp_path: Path, default_config: Config
) -> None:
    backend = make(tmp_path, default_config, sip2_server.url(pin="required"))
    try:
        before = len(library.requests)
        refused("circulation.pin_required", backend.sign_in, number="P2")
        assert library.codes()[before:].count("63") == 0  # a blank PIN never goes out
        refused("circulation.pin_not_checked", backend.sign_in, number="P2", pin="1111")
        assert backend.sign_in(number="P1", pin="1234").ref == "P1"
    finally:
        backend.close()


# -- checkout and return ----------------------------------------------------------------
def test_checkout_and_return_carry_what_the_ils_said(
    sip2: Sip2Circulation, library: Library
) -> None:
    sip2.sign_in(number="P2")
    result = sip2.checkout("P2", " I-1 ")
    assert (result.barcode, result.title, result.desensitize) == ("I-1", "Buku 1", True)
    assert result.messages == ("Selamat membaca",)
    assert result.print_lines[0] == "Perpustakaan Kota Palu"
    assert result.due_text is None and not result.offline
    assert abs(result.due_at - (datetime.now(UTC) + timedelta(days=14))) < timedelta(seconds=5)
    assert library.loans["I-1"][0] == "P2"
    request = library.requests[-1][1]
    assert (request.no_block, request.institution_id) == ("N", "PALU")
    back = sip2.checkin("I-1")
    assert (back.title, back.resensitize, back.messages) == ("Buku 1", True, ("Terima kasih",))
    assert library.requests[-1][1].current_location == "KIOSK-1"
    assert "I-1" not in library.loans
    error = refused("circulation.ils_refused", sip2.checkout, "P2", "I-7")
    assert error.params["message"] == "Item on hold for another patron"
    refused("circulation.ils_refused", sip2.checkout, "P2", "NO-SUCH")
    refused("circulation.ils_refused", sip2.checkin, "I-2")  # not on loan
    refused("circulation.item_not_found", sip2.checkout, "P2", "  ")


def test_due_dates_not_in_sip2_form_are_shown_as_written(sip2: Sip2Circulation) -> None:
    us = sip2.checkout("P2", "I-8")
    assert us.due_text is not None and us.due_text.count("/") == 2  # MM/DD/YYYY
    iso = sip2.checkout("P2", "I-9")
    assert iso.due_text is not None and len(iso.due_text) == 10
    local = iso.due_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Makassar"))
    assert (local.date().isoformat(), local.strftime("%H:%M")) == (iso.due_text, "23:59")


# -- lists -----------------------------------------------------------------------------
def test_overview_loans_holds_and_fines(sip2: Sip2Circulation, library: Library) -> None:
    sip2.sign_in(number="P6")
    sip2.checkout("P6", "I-2")
    library.lend("I-3", "P6", datetime.now(UTC) - timedelta(days=3))  # overdue
    overview = sip2.overview("P6")
    assert (overview.loans, overview.overdue, overview.holds_ready) == (2, 1, 1)
    assert overview.fines_balance == 75_000
    assert overview.fines_block  # the ILS's "excessive fines" flag: Home says so
    assert not (overview.card_expired or overview.card_expiring)
    loans = {loan.barcode: loan for loan in sip2.loans("P6")}
    assert set(loans) == {"I-2", "I-3"}
    assert loans["I-3"].overdue and not loans["I-2"].overdue
    assert loans["I-2"].title == "Buku 2" and loans["I-2"].checked_out_at is None
    holds = sip2.holds("P6")
    assert [(h.title, h.status) for h in holds] == [
        ("Buku 7", "ready"), ("Sejarah Sulawesi", "waiting"),
    ]  # fmt: skip
    assert holds[0].shelf_location == "Rak Pesanan" and holds[0].expires_on is not None
    fines = sip2.fines("P6")
    assert (fines.balance, fines.limit) == (75_000, 50_000)
    assert fines.descriptions == ("Denda keterlambatan Rp 75000",)
    assert [e.key for e in sip2.problems("P6")] == ["circulation.ils_fines"]


def test_item_information(sip2: Sip2Circulation) -> None:
    sip2.checkout("P2", "I-4")
    info = sip2.item("I-4")
    assert (info.title, info.status, info.item_type, info.location) == (
        "Buku 4", "on_loan", "book", "Lantai 1",
    )  # fmt: skip
    assert info.due_at is not None
    assert sip2.item("I-7").status == "on_hold_shelf"
    refused("circulation.item_not_found", sip2.item, "NO-SUCH")


def test_renew_and_renew_all(sip2: Sip2Circulation, library: Library) -> None:
    first = sip2.checkout("P2", "I-5")
    sip2.checkout("P2", "I-6")
    renewed = sip2.renew("P2", "I-5")
    assert renewed.ok and renewed.due_at is not None and renewed.due_at > first.due_at
    library.items["I-6"].hold_for = "P1"
    no = sip2.renew("P2", "I-6")
    assert (no.ok, no.refusal, no.messages) == (
        False, "circulation.renew_refused", ("Item on hold for another patron",),
    )  # fmt: skip
    results = {r.barcode: r for r in sip2.renew_all("P2")}
    assert results["I-5"].ok and results["I-5"].due_at is not None
    assert not results["I-6"].ok and results["I-6"].title == "Buku 6"


def test_place_and_cancel_holds_pay_fees_and_end_the_session(
    sip2: Sip2Circulation, library: Library
) -> None:
    sip2.sign_in(number="P6")
    hold = sip2.place_hold("P6", barcode="I-10", pickup="Lobi")
    assert (hold.title, hold.status, hold.pickup_location) == ("Buku 10", "waiting", "Lobi")
    assert "Buku 10" in library.patrons["P6"].waiting_holds
    sip2.cancel_hold("P6", barcode="I-10")
    assert "Buku 10" not in library.patrons["P6"].waiting_holds
    refused("circulation.ils_refused", sip2.cancel_hold, "P6", barcode="I-10")
    assert sip2.pay("P6", 25_000, taken_by="staff").balance == 50_000
    assert library.requests[-2][1].currency_type == "IDR"
    refused("circulation.ils_refused", sip2.pay, "P6", 999_999)
    refused("circulation.amount_invalid", sip2.pay, "P6", 0)
    sip2.end_session("P6")
    assert library.codes()[-1] == "35"


def test_what_bx_does_not_list_is_refused_and_reported(
    library: Library, tmp_path: Path, default_config: Config
) -> None:
    routes = ("23", "11", "09", "93", "63", "35", "17")  # no renew, fee paid, hold
    with Sip2TestServer(library, routes=routes) as small:
        backend = make(tmp_path, default_config, small.url())
        try:
            backend.sign_in(number="P2")
            caps = backend.capabilities()
            assert (caps.checkout, caps.checkin, caps.item_info) == (True, True, True)
            assert (caps.renew, caps.renew_all, caps.pay, caps.place_hold) == (
                False, False, False, False,
            )  # fmt: skip
            assert caps.pin_change is False
            status = backend.acs_status()
            assert status is not None and status.supported is not None
            assert not status.supports("renew") and status.supports("login")
            refused("circulation.ils_unsupported", backend.renew, "P2", "I-1")
            refused("circulation.ils_unsupported", backend.pay, "P2", 1000)
            refused("circulation.ils_unsupported", backend.place_hold, "P2", barcode="I-1")
        finally:
            backend.close()


def test_an_ils_without_patron_information_signs_in_with_patron_status(
    library: Library, tmp_path: Path, default_config: Config
) -> None:
    with Sip2TestServer(library, routes=("23", "93", "11", "09", "17")) as small:
        backend = make(tmp_path, default_config, small.url())
        try:
            refused("circulation.pin_required", backend.sign_in, number="P1")
            refused("circulation.pin_wrong", backend.sign_in, number="P1", pin="1111")
            assert backend.sign_in(number="P1", pin="1234").name == "Siti Aminah"
            refused("circulation.card_not_valid", backend.sign_in, number="P5")
            assert "63" not in library.codes()
            refused("circulation.ils_unsupported", backend.loans, "P1")  # lists need 63
        finally:
            backend.close()


# -- wire variants, TLS, keep-alive, reconnect -----------------------------------------
def test_utf8_another_separator_no_checksums(
    library: Library, tmp_path: Path, default_config: Config
) -> None:
    library.patron("P9", "Siti Aïsyah Ñ")
    with Sip2TestServer(library, encoding="utf-8", field_delimiter="^") as server:
        # (pysip2 reads CR only: CRLF from the kiosk is tested against the raw peer.)
        url = server.url(encoding="utf-8", separator="^", checksums="off")
        backend = make(tmp_path, default_config, url)
        try:
            assert backend.sign_in(number="P9").name == "Siti Aïsyah Ñ"
            assert backend.checkout("P9", "I-1").title == "Buku 1"
        finally:
            backend.close()


def test_tls_through_a_stunnel_style_terminator(
    sip2_server: Sip2TestServer, library: Library, tmp_path: Path, default_config: Config
) -> None:
    trustme = peers.module("trustme", "pip install .[test]")
    peers.program("socat", "socat")
    ca = trustme.CA()
    cert = ca.issue_cert("localhost")
    cert_file, ca_file = tmp_path / "server.pem", tmp_path / "ca.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
    ca.cert_pem.write_to_path(str(ca_file))
    port = free_port()
    socat = subprocess.Popen(
        [
            "socat",
            f"OPENSSL-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,cert={cert_file},verify=0",
            f"TCP:127.0.0.1:{sip2_server.port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port, "socat")
        url = sip2_server.url("sip2s", ca_file=str(ca_file)).replace("127.0.0.1", "localhost")
        url = url.replace(f":{sip2_server.port}", f":{port}")
        backend = make(tmp_path, default_config, url)
        try:
            assert backend.sign_in(number="P1", pin="1234").name == "Siti Aminah"
            assert backend.checkout("P1", "I-1").title == "Buku 1"
        finally:
            backend.close()
        # A certificate the kiosk does not trust: unreachable, never "signed in".
        bad = make(tmp_path, default_config, url.replace(f"ca_file={ca_file}", "timeout=1"))
        with pytest.raises(Exception, match="unreachable"):
            bad.sign_in(number="P2")
        bad.close()
    finally:
        socat.terminate()
        socat.wait(5)


def test_status_at_start_and_periodic_keepalive(
    sip2_server: Sip2TestServer, library: Library, tmp_path: Path, default_config: Config
) -> None:
    backend = make(tmp_path, default_config, sip2_server.url(keepalive="0.3"))
    try:
        backend.start()
        deadline = time.monotonic() + 5
        while library.codes().count("99") < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        codes = library.codes()
        assert codes[:2] == ["93", "99"]  # login, then status
        assert codes.count("99") >= 3 and codes.count("93") == 1  # one connection kept alive
    finally:
        backend.close()


def test_reconnects_and_logs_in_again_after_the_ils_restarts(
    library: Library, tmp_path: Path, default_config: Config
) -> None:
    server = Sip2TestServer(library).start()
    backend = make(tmp_path, default_config, server.url())
    try:
        assert backend.sign_in(number="P2").ref == "P2"
        server.stop()  # every connection dropped
        server.start()  # same port
        # The idle connection is found dead before the checkout goes out: no doubt.
        assert backend.checkout("P2", "I-1").title == "Buku 1"
        assert library.codes().count("93") == 2
        assert library.checkouts["I-1"] == 1
    finally:
        backend.close()
        server.stop()


def test_doctor_logs_in_to_the_ils_and_names_a_wrong_password(
    sip2_server: Sip2TestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kiosk doctor` checks the ILS for real: a 93 login with the configured password
    and a 99 status; a wrong password is a FAIL line, not a pass."""
    import json

    from kiosk.cli import main

    db = tmp_path / "kiosk.db"
    assert main(["init", "--db", str(db)]) == 0
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[backend]\nkind = "sip2"\nurl = "{sip2_server.url()}"\n', encoding="utf-8")

    def backend_check(capsys_out: str) -> dict[str, object]:
        report = json.loads(capsys_out)
        return next(c for c in report["checks"] if c["name"] == "backend")

    import contextlib
    import io

    for password, ok in ((PASSWORD, True), ("wrong", False)):
        monkeypatch.setenv("KIOSK_SIP2_PASSWORD", password)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            main(["doctor", "--json", "--lang", "en", "--config", str(config), "--db", str(db)])
        check = backend_check(out.getvalue())
        assert check["ok"] is ok, check
        assert "sip2 127.0.0.1" in str(check["reason"])


def test_doctor_times_a_round_trip_and_counts_the_outbox(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16 item 4: after login and status, one item information (17) for a barcode
    no library has still gets an 18, timed; the outbox's waiting and refused entries
    are counted (refused ones warn: staff must sort them out). An ILS that is gone is a
    FAIL line and no round trip is tried."""
    import contextlib
    import io
    import json

    from kiosk.cli import main
    from kiosk.outbox import Outbox
    from kiosk.store import Store

    db = tmp_path / "kiosk.db"
    assert main(["init", "--db", str(db)]) == 0
    monkeypatch.setenv("KIOSK_SIP2_PASSWORD", PASSWORD)

    def doctor(url: str) -> dict[str, dict[str, object]]:
        config = tmp_path / "kiosk.toml"
        config.write_text(f'[backend]\nkind = "sip2"\nurl = "{url}"\n', encoding="utf-8")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            main(["doctor", "--json", "--lang", "en", "--config", str(config), "--db", str(db)])
        return {c["name"]: c for c in json.loads(out.getvalue())["checks"]}

    with Sip2TestServer(library) as own:
        checks = doctor(own.url())
        trip = checks["ils round trip"]
        assert trip["ok"] is True and str(trip["reason"]).endswith(" ms")
        assert "item information (17 -> 18)" in str(trip["reason"])
        assert ("17", "KIOSK-DOCTOR-PING") in [
            (code, getattr(r, "item_identifier", None)) for code, r in library.requests
        ]
        assert checks["outbox"]["reason"] == "0 waiting to be sent, 0 refused by the ILS"
        store = Store(db)
        box = Outbox(store, "sip2")
        box.add("checkout", {"patron": "P1", "barcode": "I-1", "at": "x", "due": "x"})
        refused = box.add("checkin", {"barcode": "I-2", "at": "x"})
        box.replay(lambda entry: "Item not checked out" if entry.id == refused.id else None)
        box.add("checkin", {"barcode": "I-3", "at": "x"})
        store.close()
        outbox = doctor(own.url())["outbox"]
        assert outbox["ok"] is True and outbox["warning"] is True
        assert str(outbox["reason"]).startswith("1 waiting to be sent, 1 refused by the ILS")
        url = own.url()
    gone = doctor(url)
    assert gone["backend"]["ok"] is False and "ils round trip" not in gone
    assert gone["outbox"]["reason"].startswith("1 waiting")  # type: ignore[union-attr]
