"""Every patron flow, end to end, on the real local services and demo data: touches
and key presses in, what the screen shows out."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from tests.ui.conftest import UI

pytestmark = pytest.mark.ui


def test_attract_shows_the_library_and_switches_language_at_once(ui: UI) -> None:
    attract = ui.app.screen("attract")
    # The demo's workshop is today at 15:00-17:00: moved to now, whatever the clock says.
    workshop = ui.store.conn.execute("SELECT min(id) AS id FROM events").fetchone()["id"]
    _event_at(ui, workshop, timedelta(0))
    attract.refresh()
    ui.settle()
    assert ui.app.current == "attract"
    assert "Perpustakaan Kota Palu" in ui.texts()
    assert attract.ids.prompt.text == "Tempelkan kartu perpustakaan Anda"
    ui.tap(attract.ids.lang_en)
    assert attract.ids.prompt.text == "Tap your library card"
    # Each language is named in itself, whatever the current language.
    assert attract.ids.lang_id.text == "Bahasa Indonesia"
    assert attract.ids.lang_en.text == "English"
    # Today's events (the demo has a workshop today) are listed in the new language.
    assert "3D Printing for Beginners" in ui.texts(attract.ids.events)


def test_a_card_tap_signs_in_and_home_greets_by_name_with_counts(ui: UI) -> None:
    card = ui.tap_card("ok")
    assert ui.app.current == "home"
    home = ui.screen
    assert home.ids.greeting.text == f"Halo, {card.name}!"
    overview = ui.app.services.circulation.overview(ui.app.session.ref)
    assert (home.loans, home.overdue, home.holds_ready) == (
        overview.loans,
        overview.overdue,
        overview.holds_ready,
    )
    assert overview.overdue >= 1 and overview.holds_ready >= 1  # the demo story
    for name in ("borrow", "returns", "loans", "holds", "equipment", "events", "feedback"):
        assert home.ids[name].text  # every service has its large button


def test_typing_the_card_number_on_the_keyboard_signs_in(ui: UI) -> None:
    attract = ui.app.screen("attract")
    ui.tap(attract.ids.type_card)
    signin = ui.screen
    assert signin.name == "signin" and signin.mode == "number"
    keyboard = signin.ids.keyboard
    for char in "PLU-0001":
        ui.tap(ui.button(keyboard, char))
    assert signin.ids.number_field.text == "PLU-0001"
    ui.tap(ui.button(keyboard, ui.t("ui.keyboard.del")))
    ui.tap(ui.button(keyboard, "1"))
    ui.tap(signin.ids.submit_number)
    assert ui.app.current == "home"
    assert ui.app.patron_name == ui.card("ok").name


def test_pin_pad_is_masked_and_a_wrong_pin_is_explained(ui: UI) -> None:
    card = ui.tap_card("pin")
    signin = ui.screen
    assert signin.mode == "pin"
    pad = signin.ids.pinpad
    for digit in "9999":
        ui.tap(ui.button(pad, digit))
    assert signin.ids.pin_field.text == "••••"  # never the digits
    assert "9" not in signin.ids.pin_field.text
    ui.tap(pad.ids.ok)
    assert signin.mode == "pin"
    assert signin.message.startswith(ui.t("circulation.pin_wrong", tries_left=0)[:8])
    assert card.pin is not None
    ui.type_pin(card.pin)
    assert ui.app.current == "home"


@pytest.mark.parametrize("kind", ["expired", "fines"])
def test_a_card_that_cannot_be_used_gets_a_kind_message(ui: UI, kind: str) -> None:
    ui.tap_card(kind)
    if kind == "fines":
        # Fines over the limit still sign in (the patron may return and see loans);
        # borrowing is what is refused, with the reason.
        assert ui.app.current == "home"
        ui.tap(ui.screen.ids.borrow)
        ui.scan("B00004")
        row = ui.rows()[0]
        assert row.mark == "refused"
        assert "Rp" in row.detail or "denda" in row.detail
        return
    signin = ui.screen
    assert signin.mode == "message"
    assert "kartu Anda habis" in signin.ids.message_text.text
    assert signin.ids.message_title.text == ui.t("ui.signin.refused_title")
    ui.tap(signin.ids.main_action)  # Done: only staff can help with an expired card
    assert ui.app.current == "attract"


def test_borrow_lists_each_item_with_due_date_or_reason_then_prints_a_receipt(ui: UI) -> None:
    ui.sign_in("ok")
    ui.tap(ui.screen.ids.borrow)
    borrow = ui.screen
    assert borrow.name == "borrow"
    ui.scan("B00004")
    ui.scan("B00092")  # the damaged copy of Malin Kundang
    ui.scan("B00004")  # read twice: listed once
    rows = ui.rows()
    assert [r.ident for r in rows] == ["B00092", "B00004"]  # newest on top
    damaged, ok = rows
    assert ok.mark == "ok" and ok.title == "Sang Pemimpi"
    assert ok.detail.startswith("Kembalikan paling lambat ")
    assert damaged.mark == "refused" and "rusak" in damaged.detail
    assert borrow.count_ok == 1
    # Typed barcode through the on-screen keyboard modal.
    ui.tap(borrow.ids.type_barcode)
    from kivy.core.window import Window

    from screens.widgets import TextEntry

    entry = next(w for w in Window.children if isinstance(w, TextEntry))
    for char in "B00005":
        ui.tap(ui.button(entry.ids.keyboard, char))
    ui.tap(entry.ids.ok)
    assert ui.rows()[0].title == "Edensor"
    ui.tap(borrow.ids.finish)
    receipt = ui.screen
    assert receipt.name == "receipt"
    shown = ui.texts(receipt.ids.lines)
    assert "Sang Pemimpi" in shown and "Edensor" in shown
    assert ui.t("receipt.barcode", barcode="B00004") in shown
    assert ui.app.session.patron.name not in shown  # a lost slip names nobody
    printer = ui.kiosk.receipt_printer
    before = len(printer.printed)  # type: ignore[union-attr]
    ui.tap(receipt.ids.print_button)
    assert len(printer.printed) == before + 1  # type: ignore[union-attr]
    assert receipt.status == ui.t("ui.receipt.printed")
    ui.tap(receipt.ids.done)
    assert ui.app.current == "home"


def test_no_receipt_is_allowed(ui: UI) -> None:
    ui.sign_in("ok")
    ui.tap(ui.screen.ids.borrow)
    ui.scan("B00004")
    ui.tap(ui.screen.ids.finish)
    printer = ui.kiosk.receipt_printer
    before = len(printer.printed)  # type: ignore[union-attr]
    assert ui.screen.ids.done.text == ui.t("ui.receipt.none")
    ui.tap(ui.screen.ids.done)
    assert ui.app.current == "home"
    assert len(printer.printed) == before  # type: ignore[union-attr]


def test_return_works_without_signing_in_and_sends_held_items_to_the_hold_shelf(
    ui: UI,
) -> None:
    ui.tap(ui.app.screen("attract").ids.return_items)
    returns = ui.screen
    assert returns.name == "returns" and not ui.app.signed_in
    ui.scan("B00003")  # on loan, and another patron is waiting for it
    ui.scan("B00001")  # an ordinary loan
    ui.scan("B00004")  # not on loan
    by_id = {r.ident: r for r in ui.rows()}
    assert by_id["B00003"].mark == "warning"
    assert "rak reservasi" in by_id["B00003"].detail
    assert by_id["B00001"].mark == "ok"
    assert by_id["B00004"].mark == "refused"
    ui.tap(returns.ids.done)
    assert ui.app.current == "receipt"  # the two returned, as after borrowing
    assert returns.lines == []
    ui.tap(ui.screen.ids.done)
    assert ui.app.current == "attract"


def test_scanning_an_item_at_the_idle_screen_starts_a_return(ui: UI) -> None:
    ui.scan("B00001")
    assert ui.app.current == "returns"
    assert ui.rows()[0].title == "Laskar Pelangi"


def test_my_loans_marks_overdue_by_word_and_icon_and_renews_with_a_result_each(
    ui: UI,
) -> None:
    ui.sign_in("ok")
    ui.tap(ui.screen.ids.loans)
    loans = ui.screen
    rows = ui.rows()
    overdue = [r for r in rows if r.mark == "warning"]
    assert overdue and all("TERLAMBAT" in r.detail for r in overdue)
    assert any(r.mark == "" and "TERLAMBAT" not in r.detail for r in rows)
    ui.tap(loans.ids.renew_all)
    after = ui.rows()
    assert len(after) == len(rows)
    # A result per item: renewed (tick + new date) or the reason it was not.
    for row in after:
        result = loans.results[row.ident]
        if result.ok:
            assert row.mark == "ok" and row.detail.startswith("Diperpanjang sampai")
        else:
            assert row.detail.endswith(ui.t(result.refusal or "ui.loans.not_renewed"))


def test_holds_show_ready_holds_with_pickup_place_and_expiry(ui: UI) -> None:
    ui.sign_in("ok")
    ui.tap(ui.screen.ids.holds)
    ready = [r for r in ui.rows() if r.mark == "ok"]
    assert ready
    assert "Meja Layanan" in ready[0].detail
    assert "Disimpan sampai" in ready[0].detail


def _event_at(ui: UI, event_id: int, starts_in: timedelta, hours: float = 2) -> None:
    """Moves a demo event to start ``starts_in`` from now (negative: under way)."""
    from kiosk.timeutil import to_db, utcnow

    starts = utcnow() + starts_in
    ui.store.conn.execute(
        "UPDATE events SET starts_at = ?, ends_at = ? WHERE id = ?",
        [to_db(starts), to_db(starts + timedelta(hours=hours)), event_id],
    )


def test_events_register_and_unregister_with_seats_left(ui: UI) -> None:
    # The demo's first event starts today: put it a day ahead, whatever the clock says.
    first_id = ui.store.conn.execute("SELECT min(id) AS id FROM events").fetchone()["id"]
    _event_at(ui, first_id, timedelta(days=1))
    ui.sign_in("ok")
    ui.tap(ui.screen.ids.events)

    def row() -> Any:
        return next(r for r in ui.rows() if r.ident == str(first_id))

    assert row().action_text == ui.t("ui.events.join")
    assert "Sisa tempat: 12" in row().detail
    ui.tap(row().ids.action)
    assert row().mark == "ok" and "Sisa tempat: 11" in row().detail, row().detail
    assert row().action_text == ui.t("ui.events.cancel")
    ui.tap(row().ids.action)
    assert "Sisa tempat: 12" in row().detail


def test_an_event_under_way_says_so_and_offers_no_button_that_is_refused(ui: UI) -> None:
    """Issue 14 item 8 (refusals early): an event that has started is listed as under
    way, with no Register (or Unregister) button the service could only refuse."""
    first_id = ui.store.conn.execute("SELECT min(id) AS id FROM events").fetchone()["id"]
    _event_at(ui, first_id, timedelta(minutes=-30))
    ui.sign_in("ok")
    ui.tap(ui.screen.ids.events)
    row = next(r for r in ui.rows() if r.ident == str(first_id))
    assert row.detail.endswith(ui.t("ui.events.under_way")), row.detail
    assert "Sisa tempat" not in row.detail  # registration has closed
    assert row.action_text == "" and row.action is None
    assert row.mark == ""


def test_feedback_with_a_face_and_a_typed_comment_is_stored_anonymously(ui: UI) -> None:
    ui.sign_in("ok")
    ui.tap(ui.screen.ids.feedback)
    feedback = ui.screen
    ui.tap(feedback.ids.send)
    assert feedback.status == ui.t("ui.feedback.choose_first")
    faces = [w for w in feedback.walk() if type(w).__name__ == "Face"]
    ui.tap(faces[4])
    assert feedback.rating == 5
    ui.tap(feedback.ids.comment)
    from kivy.core.window import Window

    from screens.widgets import TextEntry

    entry = next(w for w in Window.children if isinstance(w, TextEntry))
    for char in "bagus":
        ui.tap(ui.button(entry.ids.keyboard, char))
    ui.tap(entry.ids.ok)
    assert feedback.comment == "bagus"
    ui.tap(feedback.ids.send)
    assert feedback.status == ui.t("ui.feedback.sent")
    assert ui.store is not None
    rows = ui.store.conn.execute("SELECT * FROM feedback").fetchall()
    assert len(rows) == 1
    assert ui.app.session.patron.name not in repr(rows[0])


def test_inactivity_warns_then_more_time_then_sign_out_clears_every_trace(ui: UI) -> None:
    from kiosk.domain.events import SessionEnded, SessionWarning

    ui.sign_in("ok")
    ui.tap(ui.screen.ids.borrow)
    ui.scan("B00004")
    timeout = ui.kiosk.config.accessibility.session_timeout_s
    warning = ui.kiosk.config.accessibility.timeout_warning_s
    assert warning >= 20  # long enough to be heard and answered
    ui.clock.skip(timeout - warning + 1)
    ui.frames(1)
    ui.wait(lambda: ui.app.session_control.warning is not None)
    assert any(isinstance(e, SessionWarning) for e in ui.published)
    spoken = ui.kiosk.speaker.spoken  # type: ignore[union-attr]
    assert spoken and spoken[-1][0].startswith(ui.t("a11y.timeout.title"))
    # Said as shown (a tick later the seconds may be one fewer), and how to ask for
    # more time: the dialog's heading and text, then the hint for the button.
    shown = ui.app.session_control.warning
    said = f"{shown.ids.heading.text} {shown.ids.countdown.text} {ui.t('a11y.timeout.hint')}"
    assert re.sub(r"\d+", "N", spoken[-1][0]) == re.sub(r"\d+", "N", said)
    assert spoken[-1][1] == "id"  # the screen's language
    ui.tap(ui.app.session_control.warning.ids.more_time)
    assert ui.app.session_control.warning is None and ui.app.current == "borrow"
    extensions = ui.kiosk.config.accessibility.max_extensions
    assert extensions >= 10  # at least ten extensions are possible
    for n in range(2, extensions + 1):
        ui.clock.skip(timeout - warning + 1)
        ui.wait(lambda: ui.app.session_control.warning is not None)
        ui.tap(ui.app.session_control.warning.ids.more_time)
        assert (
            ui.app.session_control.timer.extensions == n and ui.app.session_control.warning is None
        )
    # The last warning says no more time is left and offers none; sign-out follows.
    ui.clock.skip(timeout - warning + 1)
    ui.wait(lambda: ui.app.session_control.warning is not None)
    last = ui.app.session_control.warning
    assert last.ids.countdown.text.startswith(ui.t("a11y.timeout.last_warning", seconds=0)[:20])
    assert last.ids.more_time.disabled and last.ids.more_time.opacity == 0
    ui.clock.skip(warning + 1)
    ui.wait(lambda: ui.app.current == "attract")
    assert any(isinstance(e, SessionEnded) and e.reason == "timeout" for e in ui.published)
    assert not ui.app.signed_in and ui.app.patron_name == ""
    assert ui.app.screen("borrow").lines == []
    assert ui.app.screen("loans").loans == []
    assert ui.app.screen("receipt").items == []
    assert ui.app.screen("home").loans == 0
    name = ui.card("ok").name
    for screen in ui.app.screens():
        assert not any(name in text for text in ui.texts(screen)), screen.name


def test_staff_mode_needs_staff_card_and_pin_and_shows_devices_and_switches(ui: UI) -> None:
    ui.sign_in("staff")
    staff = ui.screen
    assert staff.name == "staff"
    ui.settle()
    devices = [r.ident for r in ui.rows(staff.ids.devices)]
    assert "devices.card_readers[0]" in devices
    assert all(r.mark == "ok" for r in ui.rows(staff.ids.devices))
    first = ui.rows(staff.ids.equipment)[0]
    switch = ui.kiosk.switches[first.ident]
    ui.tap(first.ids.action)
    ui.settle()
    assert switch.on is True  # type: ignore[attr-defined]
    stopped: list[bool] = []
    ui.app.stop = lambda *_a: stopped.append(True)  # type: ignore[method-assign]
    try:
        ui.tap(staff.ids.exit)
        assert not stopped and staff.confirm_exit  # a second press is needed
        ui.tap(staff.ids.exit)
        assert stopped == [True]
    finally:
        del ui.app.stop
        ui.app._quitting = False


def test_a_patron_never_reaches_staff_mode(ui: UI) -> None:
    ui.sign_in("ok")
    ui.app.go("staff")
    ui.settle()
    assert ui.app.current == "home"


def test_escape_and_window_close_do_not_quit_in_kiosk_mode(ui: UI) -> None:
    from dataclasses import replace

    ui.sign_in("ok")
    ui.key(27)
    assert ui.app.current == "home"
    config = ui.kiosk.config
    ui.kiosk.config = replace(config, display=replace(config.display, fullscreen=True))
    try:
        assert ui.app._on_request_close() is True
    finally:
        ui.kiosk.config = config


def test_the_demo_panel_taps_demo_cards_and_scans_demo_items(ui: UI) -> None:
    from kivy.core.window import Window

    from screens.demo_panel import DemoSheet

    panel = next(w for w in ui.app.root.children if type(w).__name__ == "DemoPanel")
    ui.tap(panel.ids.open_demo)
    sheet = next(w for w in Window.children if isinstance(w, DemoSheet))
    card = ui.card("ok")
    ui.tap(next(b for b in sheet.ids.card_list.children if b.text.startswith(card.name)))
    assert ui.app.current == "home" and ui.app.patron_name == card.name
    ui.tap(ui.screen.ids.borrow)
    ui.tap(panel.ids.open_demo)
    sheet = next(w for w in Window.children if isinstance(w, DemoSheet))
    ui.tap(next(b for b in sheet.ids.item_list.children if b.text.startswith("B00004")))
    assert ui.rows()[0].title == "Sang Pemimpi"


def test_items_on_the_rfid_pad_are_borrowed_and_their_tags_disarmed(ui: UI) -> None:
    from kiosk.domain.tags import ItemTag

    pad = ui.kiosk.item_pad
    assert pad is not None
    ui.sign_in("ok")
    ui.tap(ui.screen.ids.borrow)
    pad.place(ItemTag(uid="E0040100AA", item_id="B00004"))  # type: ignore[attr-defined]
    pad.place(ItemTag(uid="E0040100BB", item_id="B00005", part=1, parts=2))  # type: ignore[attr-defined]
    ui.settle()
    by_id = {r.ident: r for r in ui.rows()}
    # The rule (kiosk/itempad.py): each item on its own; the set missing a part is
    # refused whole, with a warning on its own line.
    assert by_id["B00004"].mark == "ok"
    assert by_id["B00005"].mark == "warning"  # part 2 of 2 is missing
    assert "1 dari 2" in by_id["B00005"].detail
    ref = ui.app.session.ref
    loans = {loan.barcode for loan in ui.app.services.circulation.loans(ref)}
    assert "B00004" in loans and "B00005" not in loans
    ui.settle()
    tags = {t.uid: t for t in pad.tags()}
    assert tags["E0040100AA"].secured is False
    assert tags["E0040100BB"].secured is True  # nothing of the set went out
    # The missing part is put on the pad: now the whole set goes out, both tags disarmed.
    pad.place(ItemTag(uid="E0040100CC", item_id="B00005", part=2, parts=2))  # type: ignore[attr-defined]
    ui.settle()
    by_id = {r.ident: r for r in ui.rows()}
    assert by_id["B00005"].mark == "ok"
    assert "B00005" in {loan.barcode for loan in ui.app.services.circulation.loans(ref)}
    ui.settle()
    tags = {t.uid: t for t in pad.tags()}
    assert tags["E0040100BB"].secured is False and tags["E0040100CC"].secured is False
    # A tag whose memory cannot be read (no item id): one warning line.
    pad.place_memory("E0040100DD", bytes(32))  # type: ignore[attr-defined]
    ui.settle()
    unreadable = next(r for r in ui.rows() if r.ident == "pad:unreadable")
    assert unreadable.mark == "warning"
    assert unreadable.detail == ui.t("pad.tag_unreadable", count=1)
    pad.clear()  # type: ignore[attr-defined]
    ui.settle()


def test_refusals_are_spoken_and_pin_digits_never_are(ui: UI) -> None:
    speaker = ui.kiosk.speaker
    assert speaker is not None
    ui.tap_card("expired")
    said = [text for text, _lang in speaker.spoken]  # type: ignore[attr-defined]
    assert said and "kartu Anda habis" in said[-1]
    ui.app.session_control.sign_out()
    speaker.clear()  # type: ignore[attr-defined]
    ui.app.speech.set_speech_mode(True, announce=False)
    card = ui.tap_card("pin")
    assert card.pin is not None
    ui.type_pin(card.pin)
    assert ui.app.current == "home"
    said = " ".join(text for text, _lang in speaker.spoken)  # type: ignore[attr-defined]
    assert not any(d in said for d in card.pin)  # a tone or "star" for each digit


def test_scanning_an_item_at_home_starts_borrowing_it(ui: UI) -> None:
    ui.sign_in("ok")
    ui.scan("B00004")
    assert ui.app.current == "borrow"
    assert ui.rows()[0].title == "Sang Pemimpi" and ui.rows()[0].mark == "ok"
