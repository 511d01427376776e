"""The screens on the SIP2 backend (issue 16 item 2): the app drives the kiosk's SIP2
backend against the real pysip2 server, with touches and device input as patrons do.
What the ILS says is shown and spoken, its print lines printed, what it does not
support is not offered, an offline loan is told it will be confirmed, and sign-out
ends the ILS session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kiosk.services import Services
from tests.support import peers
from tests.ui.conftest import UI

peers.module("pysip2", "pip install .[test]")  # the SIP2 test server's codec

from tests.support.sip2_library import (  # noqa: E402
    PASSWORD,
    ZONE,
    Library,
    Sip2TestServer,
    populate,
)

pytestmark = [pytest.mark.ui, pytest.mark.integration, pytest.mark.timeout(120)]

CARD = "04AABB01"  # Siti's card key at the ILS, with PIN 1234


@pytest.fixture
def library(sip2_server: Sip2TestServer) -> Library:
    lib = populate(sip2_server.library)
    lib.patron(CARD, "Siti Aminah", pin="1234")
    return lib


@pytest.fixture
def on_sip2(ui: UI, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``on_sip2(url, **backend)``: the app's services on the SIP2 backend at ``url``,
    on a fresh demo database (closed again by the next reset)."""
    monkeypatch.setenv("KIOSK_SIP2_PASSWORD", PASSWORD)

    def switch(url: str, **backend: Any) -> Services:
        config = ui.kiosk.config
        section = replace(config.backend, kind="sip2", url=url, **backend)
        return ui.reopen(replace(config, backend=section))

    yield switch
    ui.app.session_control.sign_out("sign_out")
    ui.settle()  # the next test's reset closes the kiosk (and the SIP2 connection)


def sign_in(ui: UI, pin: str = "1234") -> None:
    assert ui.kiosk.card_readers[0].tap(uid=CARD)  # type: ignore[attr-defined]
    ui.settle()
    assert ui.screen.name == "signin" and ui.screen.mode == "pin"
    ui.type_pin(pin)
    ui.settle()


def spoken(ui: UI) -> str:
    return " ".join(text for text, _ in ui.kiosk.speaker.spoken)  # type: ignore[union-attr]


def test_sign_in_with_pin_borrow_with_the_ils_words_shown_spoken_and_printed(
    ui: UI, library: Library, sip2_server: Sip2TestServer, on_sip2: Any
) -> None:
    on_sip2(sip2_server.url())
    sign_in(ui, "9999")
    signin = ui.screen
    assert signin.mode == "pin"
    assert signin.message == ui.t("circulation.pin_wrong", tries_left=4)
    ui.type_pin("1234")
    assert ui.app.current == "home"
    assert ui.screen.ids.greeting.text == "Halo, Siti Aminah!"
    # SIP2 keeps PINs itself: no "Set my PIN" on the home screen, nor for the keypad.
    assert not ui.app.capabilities.pin_change
    assert ui.screen.ids.pin.parent is None and ui.screen.ids.borrow.parent is not None
    ui.app.speech.set_speech_mode(True, announce=False)
    ui.tap(ui.screen.ids.borrow)
    ui.scan("I-1")
    ui.wait(lambda: ui.rows()[0].mark == "ok")
    row = ui.rows()[0]
    assert row.title == "Buku 1"
    says = ui.t("circulation.ils_says", message="Selamat membaca")
    assert row.detail.endswith(says)
    ui.wait(lambda: says in spoken(ui))
    assert library.loans["I-1"][0] == CARD
    ui.scan("I-9")  # the ILS writes this due date as YYYY-MM-DD, not as a SIP2 date
    ui.wait(lambda: ui.rows()[0].mark == "ok")
    written = library.loans["I-9"][1].astimezone(ZoneInfo(ZONE)).date().isoformat()
    assert ui.rows()[0].detail.startswith(ui.t("ui.borrow.due", date=written))
    ui.tap(ui.screen.ids.finish)
    receipt = ui.screen
    assert receipt.name == "receipt"
    printer = ui.kiosk.receipt_printer
    ui.tap(receipt.ids.print_button)
    printed = [line.text for line in printer.printed[-1].lines]  # type: ignore[union-attr]
    assert "Perpustakaan Kota Palu" in printed  # the ILS's print line (AG)
    assert any(line.startswith("Kembali: ") for line in printed)
    ui.tap(receipt.ids.done)
    ui.tap(ui.app.session_control.prompt.ids.sign_out)  # "Anything else?" No, sign me out
    ui.wait(lambda: "35" in library.codes())  # the ILS's session ended too
    assert library.requests[-1][1].patron_identifier == CARD


def test_return_shows_what_the_ils_said(
    ui: UI, library: Library, sip2_server: Sip2TestServer, on_sip2: Any
) -> None:
    from datetime import UTC, datetime, timedelta

    on_sip2(sip2_server.url())
    library.lend("I-2", "P2", datetime.now(UTC) + timedelta(days=3))
    ui.tap(ui.app.screen("attract").ids.return_items)
    ui.scan("I-2")
    ui.wait(lambda: ui.rows()[0].mark == "ok")
    row = ui.rows()[0]
    assert row.title == "Buku 2"
    assert row.detail == " ".join(
        [ui.t("ui.returns.returned"), ui.t("circulation.ils_says", message="Terima kasih")]
    )
    assert "I-2" not in library.loans


def test_renew_is_not_offered_when_the_ils_says_renew_is_off(
    ui: UI, library: Library, on_sip2: Any
) -> None:
    from datetime import UTC, datetime, timedelta

    library.lend("I-3", CARD, datetime.now(UTC) + timedelta(days=3))
    routes = ("23", "11", "09", "93", "63", "35", "17")  # no renew (29), no renew all (65)
    with Sip2TestServer(library, routes=routes) as small:
        on_sip2(small.url())
        sign_in(ui)
        assert ui.app.current == "home"
        caps = ui.app.capabilities
        assert (caps.renew, caps.renew_all, caps.pin_change) == (False, False, False)
        ui.tap(ui.screen.ids.loans)
        ui.wait(lambda: bool(ui.rows()))
        loans = ui.screen
        row = ui.rows()[0]
        assert row.title == "Buku 3"
        assert not row.action_text  # no renew button on the loan
        assert loans.ids.renew_all.opacity == 0 and loans.ids.renew_all.width == 0
        from screens.keypad import focusables

        items = focusables(loans, ui.app)
        names = [i.name() if callable(i.name) else i.name for i in items]
        assert ui.t("ui.loans.renew_all") not in names
        # Walking away: the session times out, and ends at the ILS too.
        ended = library.codes().count("35")
        ui.clock.skip(3600)
        ui.app.session_control.tick()
        ui.wait(lambda: library.codes().count("35") == ended + 1)
        assert ui.app.current == "attract"


def test_an_offline_checkout_is_told_it_will_be_confirmed(
    ui: UI, library: Library, on_sip2: Any
) -> None:
    with Sip2TestServer(library) as own:
        services = on_sip2(own.url(retry="30"), offline_checkouts=True)
        sign_in(ui)  # online: the card is cached for offline sign-in
        assert ui.app.current == "home"
        ui.tap(ui.screen.ids.borrow)
    # The ILS is gone now (its port closed): the loan goes into the outbox.
    ui.scan("I-5")
    ui.wait(lambda: ui.rows()[0].mark == "ok", timeout=10)
    row = ui.rows()[0]
    assert row.detail.endswith(ui.t("circulation.offline_recorded"))
    assert ui.app.capabilities.offline_checkouts
    outbox = services.circulation.outbox  # type: ignore[attr-defined]
    assert [e.payload["barcode"] for e in outbox.open_entries()] == ["I-5"]
