"""Book equipment, end to end on the real booking service over the demo database:
touches in, what the screen shows out. Time is the service's clock, fixed at a Monday
morning so that the day grid is the same whenever the suite runs."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from kiosk import config as config_module
from kiosk.booking.service import BookingService
from kiosk.config import Config
from tests.ui.conftest import UI, monday_booking, ui_config

pytestmark = pytest.mark.ui


def booking_config() -> Config:
    """The built-in booking rules: only trained patrons may book the 3D printers."""
    parsed = config_module.parse(config_module.default_config_text(), "<booking ui tests>")
    assert parsed.bookings.kinds["3d_printer"].training == "3d_printer"
    return replace(ui_config(), bookings=parsed.bookings)


@pytest.fixture
def booking(ui: UI) -> Any:
    """The booking service on the test's fresh demo database, at next Monday 09:20
    local time (open 08:00-16:00, 30-minute slots; the 09:00 slot is running)."""
    service = monday_booking(ui, booking_config())
    # In the demo data the first ordinary patron has had the 3D printer induction and
    # the second has not (kiosk/demo.py TRAINED_ON_3D_PRINTERS).
    return service


def open_booking(ui: UI, index: int = 0) -> Any:
    ui.tap_card("ok", index)
    assert ui.app.current == "home"
    ui.tap(ui.screen.ids.equipment)
    screen = ui.screen
    assert screen.name == "equipment" and screen.loaded
    return screen


def tab(ui: UI, screen: Any, kind: str) -> Any:
    return next(w for w in screen.ids.tabs.children if w.tab == kind)


def slot_button(screen: Any, hhmm: str) -> Any:
    """The slot starting at ``hhmm``, scrolled into view as a patron would."""
    from kivy.base import EventLoop

    for button in screen.ids.slots.children:
        if button.slot.starts_at.strftime("%H:%M") == hhmm:
            EventLoop.idle()  # lay the grid out first
            screen.ids.slots.parent.scroll_to(button, padding=0, animate=False)
            EventLoop.idle()
            return button
    raise AssertionError(f"no slot at {hhmm}")


def resource_button(screen: Any, resource_id: str) -> Any:
    return next(w for w in screen.ids.resources.children if w.ident == resource_id)


def test_without_a_booking_service_the_screen_says_so(ui: UI) -> None:
    ui.reopen(replace(ui_config(), resources=()))  # a lobby kiosk: nothing to book
    ui.sign_in("ok")
    ui.tap(ui.screen.ids.equipment)
    screen = ui.screen
    assert not screen.available
    assert screen.ids.grid_note.text == ui.t("ui.booking.unavailable")


def test_a_trained_patron_books_a_printer_sees_it_in_my_bookings_and_cancels_it(
    ui: UI, booking: BookingService
) -> None:
    screen = open_booking(ui, 0)
    # Kind tabs in config order, then My bookings; printers first.
    tabs = [w.text for w in reversed(screen.ids.tabs.children)]
    assert tabs == ["Printer 3D", "Komputer", "Pemesanan saya (0)"]
    assert screen.kind == "3d_printer" and screen.resource_id == "printer-1"
    assert screen.ids.day_label.text.startswith("Hari ini, Sen")
    names = [w.text.split("\n")[0] for w in reversed(screen.ids.resources.children)]
    assert names == ["Printer 3D 1", "Printer 3D 2", "Printer 3D 3"]
    # The training rule is said up front, in words.
    assert "perlu pelatihan" in resource_button(screen, "printer-1").text
    # Past slots are closed, the running one is still free (no lead time): words too.
    past, running = slot_button(screen, "08:30"), slot_button(screen, "09:00")
    assert past.disabled and past.text.endswith("tidak tersedia")
    assert not running.disabled and running.text.endswith("kosong")
    assert screen.ids.prev_day.disabled and not screen.ids.next_day.disabled

    ui.tap(resource_button(screen, "printer-2"))
    ui.tap(slot_button(screen, "10:00"))
    assert screen.pane == "confirm"
    assert screen.ids.confirm_title.text == "Printer 3D 2"
    # 3D printers: at least 60 and at most 240 minutes (the built-in kind rules).
    assert screen.ids.minutes_label.text == "60 menit"
    assert screen.ids.shorter.disabled
    for _ in range(6):
        ui.tap(screen.ids.longer)
    assert screen.ids.minutes_label.text == "240 menit" and screen.ids.longer.disabled
    for _ in range(5):
        ui.tap(screen.ids.shorter)
    assert "10.00–11.30" in screen.ids.confirm_when.text
    ui.tap(screen.ids.book)
    assert screen.pane == "done"
    assert screen.message == ui.t("ui.booking.booked") and screen.message_mark == "ok"
    assert "Printer 3D 2" in screen.ids.done_what.text
    assert "09.45" in screen.ids.done_check_in.text  # 15 minutes before the start

    ref = ui.app.session.ref
    made = booking.bookings_of(ref)
    assert [(b.resource_id, b.minutes, b.starts_at.strftime("%H:%M")) for b in made] == [
        ("printer-2", 90, "10:00")
    ]
    # Back in the grid the three slots are the patron's own.
    ui.tap(screen.ids.book_more)
    assert slot_button(screen, "10:30").text.endswith("milik Anda")

    ui.tap(tab(ui, screen, "mine"))
    assert screen.pane == "mine"
    (row,) = screen.ids.bookings_box.children
    assert row.title == "Printer 3D 2"
    assert "dipesan" in row.detail and "lapor hadir mulai pukul 09.45" in row.detail
    assert row.can_cancel and not row.can_check_in
    ui.tap(row.ids.cancel)
    from kivy.core.window import Window

    from screens.equipment import ConfirmCancel

    ask = next(w for w in Window.children if isinstance(w, ConfirmCancel))
    assert "Printer 3D 2" in ask.ids.question.text
    ui.tap(ask.ids.yes)
    assert screen.message_mark == "ok" and "dibatalkan" in screen.message
    assert booking.bookings_of(ref) == []
    assert screen.ids.mine_empty.text == ui.t("ui.booking.mine_empty")
    assert tab(ui, screen, "mine").text == "Pemesanan saya (0)"


def test_an_untrained_patron_learns_it_when_the_printers_tab_opens_and_books_a_computer(
    ui: UI, booking: BookingService
) -> None:
    """Issue 14 item 8: the refusal comes when the printers tab opens (the service's
    answer carries it), not after a slot and a duration were picked."""
    screen = open_booking(ui, 1)
    assert screen.kind == "3d_printer" and screen.pane == "pick"  # the first tab
    said = ui.t("booking.training_needed", resource="Printer 3D 1")
    assert screen.ids.grid_note.text == said
    assert said in [text for text, _ in ui.kiosk.speaker.spoken]  # type: ignore[union-attr]
    # No slot of a printer offers a booking to this patron: nothing to pick first.
    assert all(button.disabled for button in screen.ids.slots.children)
    assert screen.resource().refusal == "booking.training_needed"
    # The refusal follows a language switch at once.
    ui.app.settings.set_language("en")
    assert (
        screen.ids.grid_note.text
        == "Printer 3D 1 can be booked only after an induction. Ask staff for the next one."
    )
    ui.app.settings.set_language("id")
    # Opening the tab again says it again; a computer needs no induction.
    ui.tap(tab(ui, screen, "computer"))
    ui.kiosk.speaker.clear()  # type: ignore[union-attr]
    ui.tap(tab(ui, screen, "3d_printer"))
    assert said in [text for text, _ in ui.kiosk.speaker.spoken]  # type: ignore[union-attr]

    ui.tap(tab(ui, screen, "computer"))
    assert screen.resource_id == "pc-1"
    assert screen.resource().refusal == ""
    ui.tap(resource_button(screen, "pc-3"))
    ui.tap(slot_button(screen, "09:00"))  # a walk-in: the running slot
    ui.tap(screen.ids.book)
    assert screen.pane == "done" and screen.message_mark == "ok"
    (made,) = booking.bookings_of(ui.app.session.ref)
    assert made.resource_id == "pc-3" and made.minutes == 30


def test_a_slot_taken_meanwhile_is_refused_and_the_grid_updates(
    ui: UI, booking: BookingService
) -> None:
    screen = open_booking(ui, 0)
    ui.tap(tab(ui, screen, "computer"))
    ui.tap(slot_button(screen, "13:00"))
    # Someone at another kiosk books the same slot first.
    other = ui.card("ok", 1)
    other_ref = ui.app.services.circulation.sign_in(uid=other.card_key).ref
    booking.book(other_ref, "pc-1", slot_button(screen, "13:00").slot.starts_at, 30)
    ui.tap(screen.ids.book)
    assert screen.message_mark == "refused"
    assert screen.message == ui.t("booking.overlap")
    ui.tap(screen.ids.other_time)
    taken = slot_button(screen, "13:00")
    assert taken.disabled and taken.text.endswith("terisi")


def test_other_days_within_the_horizon_and_a_closed_sunday(ui: UI, booking: BookingService) -> None:
    screen = open_booking(ui, 1)
    ui.tap(tab(ui, screen, "computer"))
    for _ in range(6):
        ui.tap(screen.ids.next_day)
    assert screen.ids.day_label.text.startswith("Min")
    assert screen.ids.grid_note.text == ui.t("booking.closed_day")
    assert not screen.ids.slots.children
    for _ in range(8):
        ui.tap(screen.ids.next_day)
    assert screen.ids.next_day.disabled  # 14 days ahead is the horizon
    slots = [b for b in screen.ids.slots.children if not b.disabled]
    assert len(slots) == 16  # a whole free Monday, 08:00-16:00
    ui.tap(screen.ids.prev_day)
    assert not screen.ids.next_day.disabled and screen.ids.day_label.text.startswith("Min")


def test_an_offline_computer_is_shown_and_cannot_be_booked(ui: UI, booking: BookingService) -> None:
    from kiosk.domain.events import EquipmentState

    screen = open_booking(ui, 1)
    ui.tap(tab(ui, screen, "computer"))
    ui.kiosk.bus.publish(EquipmentState(resource="pc-1", on=None, online=False, device="pc-1"))
    ui.settle()
    assert "tidak terhubung" in resource_button(screen, "pc-1").text
    assert screen.ids.grid_note.text == ui.t("ui.booking.offline", resource="Komputer 1")
    assert all(b.disabled for b in screen.ids.slots.children)
    ui.kiosk.bus.publish(EquipmentState(resource="pc-1", on=False, online=True, device="pc-1"))
    ui.settle()
    assert not slot_button(screen, "10:00").disabled


def test_a_plug_that_has_not_answered_is_not_bookable_with_the_reason(
    ui: UI, booking: BookingService
) -> None:
    from kiosk.domain.events import EquipmentState

    screen = open_booking(ui, 1)
    ui.tap(tab(ui, screen, "computer"))
    # The broker connection was lost: nothing is known about the plug any more.
    lost = EquipmentState(resource="pc-2", on=None, online=None, problem="equipment.broker_lost")
    ui.kiosk.bus.publish(lost)
    ui.settle()
    ui.tap(resource_button(screen, "pc-2"))
    assert ui.t("ui.booking.unknown_short") in resource_button(screen, "pc-2").text
    reason = ui.t("equipment.reason.broker_lost")
    assert screen.ids.grid_note.text == ui.t(
        "ui.booking.not_bookable", resource="Komputer 2", reason=reason
    )
    assert all(b.disabled for b in screen.ids.slots.children)
    ui.app.settings.set_language("en")
    ui.settle()
    assert "cannot be booked right now" in screen.ids.grid_note.text
    ui.kiosk.bus.publish(EquipmentState(resource="pc-2", on=False, online=True, device="pc-2"))
    ui.settle()
    assert not slot_button(screen, "10:00").disabled


def test_check_in_from_my_bookings_and_by_card_tap_at_sign_in(
    ui: UI, booking: BookingService
) -> None:
    screen = open_booking(ui, 1)
    ui.tap(tab(ui, screen, "computer"))
    ui.tap(slot_button(screen, "09:30"))
    ui.tap(screen.ids.book)
    ui.tap(tab(ui, screen, "computer"))
    ui.tap(resource_button(screen, "pc-2"))
    ui.tap(slot_button(screen, "10:00"))
    ui.tap(screen.ids.book)
    ui.tap(screen.ids.to_mine)
    rows = list(reversed(screen.ids.bookings_box.children))
    assert [r.title for r in rows] == ["Komputer 1", "Komputer 2"]
    first, second = rows
    # 09:20 now: check-in for 09:30 is open (from 09:15), for 10:00 not yet.
    assert first.can_check_in and not second.can_check_in
    assert "lapor hadir mulai pukul 09.45" in second.detail
    ui.tap(first.ids.check_in)
    assert screen.message_mark == "ok"
    assert screen.message.startswith("Anda sudah lapor hadir untuk Komputer 1")
    statuses = [b.status for b in booking.bookings_of(ui.app.session.ref)]
    assert statuses == ["checked_in", "booked"]

    # Later the patron comes back for the 10:00 booking and taps their card.
    ui.app.session_control.sign_out("sign_out")
    ui.settle()
    booking.clock.moment += timedelta(minutes=30)  # type: ignore[attr-defined]
    ui.tap_card("ok", 1)
    assert ui.app.current == "equipment"
    screen = ui.screen
    assert screen.pane == "mine"
    assert screen.message.startswith("Anda sudah lapor hadir untuk Komputer 2")
    statuses = [b.status for b in booking.bookings_of(ui.app.session.ref)]
    assert statuses[-1] == "checked_in"


def test_a_sign_in_without_a_booking_to_check_in_goes_home(ui: UI, booking: BookingService) -> None:
    ui.tap_card("ok", 0)
    assert ui.app.current == "home"


def test_the_booking_screen_in_english(ui: UI, booking: BookingService) -> None:
    screen = open_booking(ui, 0)
    ui.app.settings.set_language("en")
    tabs = [w.text for w in reversed(screen.ids.tabs.children)]
    assert tabs == ["3D printers", "Computers", "My bookings (0)"]
    assert screen.ids.day_label.text.startswith("Today, Mon")
    # The library's 24-hour clock in English too (one English locale: en_GB).
    assert slot_button(screen, "10:00").text == "10:00\nfree"


def test_a_no_show_released_by_the_scheduler_shows_at_once(ui: UI, booking: BookingService) -> None:
    from kiosk.domain.events import BookingNoShow

    screen = open_booking(ui, 1)
    ui.tap(tab(ui, screen, "computer"))
    ui.tap(slot_button(screen, "11:00"))
    ui.tap(screen.ids.book)
    ui.tap(screen.ids.to_mine)
    (made,) = booking.bookings_of(ui.app.session.ref)
    # What the scheduler's thread does when nobody checked in: the row disappears.
    assert ui.store is not None
    with ui.store.transaction() as db:
        db.execute("UPDATE bookings SET status = 'no_show' WHERE id = ?", [made.id])
    ui.kiosk.bus.publish(BookingNoShow(booking_id=made.id, resource="pc-1", ends_at=made.ends_at))
    ui.settle()
    assert not screen.ids.bookings_box.children
    assert screen.ids.mine_empty.text == ui.t("ui.booking.mine_empty")


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_pane_has_large_targets_and_no_message_keys(
    ui: UI, booking: BookingService, language: str
) -> None:
    from kivy.uix.behaviors import ButtonBehavior

    from tests.ui.test_screens import RAW_KEY

    minimum = 11.4 * ui.kiosk.config.display.px_per_mm - 0.5
    ui.app.settings.set_language(language)
    screen = open_booking(ui, 0)
    ui.app.settings.set_language(language)

    def check() -> int:
        ui.frames(2)
        shown = [
            w
            for w in screen.walk()
            if isinstance(w, ButtonBehavior)
            and w.get_root_window() is not None
            and not w.disabled
            and w.opacity > 0
            and w.width > 0
        ]
        for widget in shown:
            assert min(widget.width, widget.height) >= minimum, (screen.pane, widget.text)
        assert not [t for t in ui.texts(screen) if RAW_KEY.search(t)], screen.pane
        return len(shown)

    seen = check()
    ui.tap(slot_button(screen, "10:00"))
    seen += check()
    ui.tap(screen.ids.book)
    seen += check()
    ui.tap(tab(ui, screen, "computer"))
    ui.tap(slot_button(screen, "09:30"))
    ui.tap(screen.ids.book)
    ui.tap(screen.ids.to_mine)
    seen += check()
    assert seen > 30


def test_leaving_mid_booking_starts_afresh_and_nothing_is_booked(
    ui: UI, booking: BookingService
) -> None:
    screen = open_booking(ui, 0)
    ui.tap(slot_button(screen, "14:00"))
    assert screen.pane == "confirm"
    header = next(w for w in screen.walk() if type(w).__name__ == "Header")
    ui.tap(header.ids.back)
    assert ui.app.current == "home"
    ui.tap(ui.screen.ids.equipment)
    assert screen.pane == "pick" and screen.start is None
    assert booking.bookings_of(ui.app.session.ref) == []


def test_check_in_and_cancel_fetch_the_screen_once(
    ui: UI, booking: BookingService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer to the patron's tap and the service's event (BookingCheckedIn,
    BookingCancelled) used to fetch twice; now the event alone brings the one fetch."""
    screen = open_booking(ui, 1)
    ui.tap(tab(ui, screen, "computer"))
    ui.tap(slot_button(screen, "09:30"))
    ui.tap(screen.ids.book)
    ui.tap(screen.ids.to_mine)
    fetched: list[object] = []
    view = booking.view

    def counted(*args: Any, **kwargs: Any) -> Any:
        fetched.append(args)
        return view(*args, **kwargs)

    monkeypatch.setattr(booking, "view", counted)
    (row,) = screen.ids.bookings_box.children
    ui.tap(row.ids.check_in)
    assert screen.message.startswith("Anda sudah lapor hadir untuk Komputer 1")
    assert len(fetched) == 1
    (row,) = screen.ids.bookings_box.children
    assert not row.can_check_in and row.can_cancel  # the fetched row: checked in
    fetched.clear()
    ui.tap(row.ids.cancel)
    from kivy.core.window import Window

    from screens.equipment import ConfirmCancel

    ask = next(w for w in Window.children if isinstance(w, ConfirmCancel))
    ui.tap(ask.ids.yes)
    assert "dibatalkan" in screen.message
    assert len(fetched) == 1
    assert not screen.ids.bookings_box.children
