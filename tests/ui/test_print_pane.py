"""The print pane, end to end: the real print service over the demo database and the
session's simulated printer (``printer-1``), G-code files on a USB stick folder the test
makes. Touches and keys in; what the patron sees and hears out. The booking side runs at
next Monday's fixed clock; the printer on its own clock, which the test moves."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from devices.sim import SimPrinterHost
from kiosk.config import Config
from kiosk.domain.errors import DomainError
from tests.support import gcode
from tests.ui.conftest import UI, monday_booking
from tests.ui.test_booking_screen import booking_config, open_booking, tab

pytestmark = pytest.mark.ui

PRINTER = "printer-1"


@dataclass
class Setup:
    ui: UI
    bookings: Any
    printer: SimPrinterHost
    stick: Path
    ref: str = ""
    booking_id: int = 0

    def move(self, minutes: int) -> None:
        self.bookings.clock.moment += timedelta(minutes=minutes)

    def printer_time(self, seconds: float) -> None:
        """The printer's own clock moves on (a print takes ``print_seconds``)."""
        base = self._base
        self.printer.clock = lambda: base + seconds

    _base: float = 0.0


def print_config(stick: Path) -> Config:
    config = booking_config()
    return replace(config, printing=replace(config.printing, usb_mounts=[str(stick)]))


def write_stick(stick: Path) -> None:
    """Two files: the newer with a PrusaSlicer thumbnail and estimate (1 h 2 min 3 s,
    1.23 m, 3.68 g), the older a Cura file without a picture (3723 s)."""
    stick.mkdir(parents=True, exist_ok=True)
    cube = stick / "cube.gcode"
    cube.write_text(gcode.prusaslicer(gcode.thumbnail_block(gcode.png(32, 32), 32, 32)))
    vase = stick / "vase.gcode"
    vase.write_text(gcode.cura())
    now = time.time()
    os.utime(vase, (now - 3600, now - 3600))
    os.utime(cube, (now - 60, now - 60))


@pytest.fixture
def setup(ui: UI, tmp_path: Path) -> Iterator[Setup]:
    stick = tmp_path / "usb"
    write_stick(stick)
    bookings = monday_booking(ui, print_config(stick))
    printer = ui.devices.printers[PRINTER]
    assert isinstance(printer, SimPrinterHost)
    found = Setup(ui=ui, bookings=bookings, printer=printer, stick=stick)
    found._base = time.monotonic()
    original = printer.clock
    found.printer_time(0)
    try:
        yield found
    finally:
        printer.finish()  # the session's printer is idle for the next test
        printer.clock = original
        printer.fail(None)
        ui.settle()


def running_booking(s: Setup, minutes: int = 120, kind: str = "ok") -> None:
    """The signed-in patron (first ordinary one: trained) has printer-1 booked from
    09:30 for ``minutes``, checked in; the clock at 09:31, the booking running."""
    ui = s.ui
    ui.tap_card(kind)
    s.ref = ui.app.session.ref
    start = s.bookings.clock.moment.replace(minute=30)
    booking = s.bookings.book(s.ref, PRINTER, start, minutes)
    s.bookings.check_in(s.ref, booking.id)
    s.move(11)
    assert ui.kiosk.makerspace is not None
    ui.kiosk.makerspace.scheduler.tick()
    ui.settle()
    s.booking_id = booking.id


def open_from_home(ui: UI) -> Any:
    """Home's "3D printing" (shown: the patron's printer booking runs)."""
    ui.app.go("home")
    ui.settle()
    home = ui.screen
    assert home.name == "home"
    ui.tap(home.ids.print)
    ui.settle()
    assert ui.app.current == "print"
    return ui.screen


def rows(screen: Any) -> list[Any]:
    return list(reversed(screen.ids.choices_box.children))


def spoken(ui: UI) -> list[str]:
    speaker = ui.kiosk.speaker
    assert speaker is not None
    return [text for text, _lang in speaker.spoken]  # type: ignore[attr-defined]


def test_home_offers_print_only_while_the_patrons_printer_booking_runs(setup: Setup) -> None:
    ui = setup.ui
    ui.tap_card("ok")
    home = ui.screen
    assert home.ids.print.parent is None  # not in the grid: no booking runs
    ui.app.session_control.sign_out("sign_out")
    ui.settle()
    running_booking(setup)
    ui.app.go("home")
    ui.settle()
    assert ui.screen.ids.print.parent is not None
    assert ui.screen.ids.print.text == "Cetak 3D"


def test_choose_a_file_with_pictures_plan_start_watch_and_finish(setup: Setup) -> None:
    ui = setup.ui
    running_booking(setup)
    ui.app.speech.set_speech_mode(True, announce=False)
    screen = open_from_home(setup.ui)
    ui.wait(lambda: not screen.looking and len(rows(screen)) >= 3)
    ui.settle()
    found = rows(screen)
    titles = [r.title for r in found]
    # USB files newest first, then those on the printer.
    assert titles[:2] == ["cube.gcode", "vase.gcode"]
    assert "calibration-cube.gcode" in titles[2:] and "benchy.gcode" in titles[2:]
    cube = found[0]
    assert "USB" in cube.detail and "sekitar 1 jam 2 menit" in cube.detail
    assert "filamen 1,2 m (4 g)" in cube.detail
    # Every file has a picture: the slicer's thumbnail, else the outline of its moves.
    ui.wait(lambda: all(r.texture is not None for r in rows(screen)[:2]))
    assert cube.texture.size == (32, 32)
    assert "Printer 3D 1" in screen.ids.printer_label.text

    ui.tap(cube.ids.choose)
    ui.wait(lambda: screen.plan is not None)
    ui.settle()
    assert screen.pane == "plan"
    # 09:31, the booking ends 11:30: 1 h 59 min left for a print of about 1 h 2 min.
    assert screen.plan_text == (
        "Muat dalam pemesanan Anda: cetakan ini butuh sekitar 1 jam 2 menit; "
        "pemesanan Anda berakhir pukul 11.30 (sisa 1 jam 59 menit)."
    )
    assert any(screen.plan_text in text for text in spoken(ui))

    ui.tap(screen.ids.start)
    ui.wait(lambda: screen.pane == "printing" and screen.view is not None)
    ui.settle()
    assert screen.message == "cube.gcode mulai dicetak."
    assert screen.job_title == "cube.gcode"
    assert screen.can_cancel and screen.ids.cancel_print.opacity == 1
    # Half way on the printer's clock: the bus brings the progress (no polling here).
    setup.printer_time(60)
    ui.wait(lambda: screen.completion >= 49, timeout=5)
    ui.settle()
    assert "50%" in screen.progress_text and "Sedang mencetak" in screen.progress_text
    assert "Sisa sekitar" in screen.progress_text
    assert screen.temps_text.startswith("Nozel ")

    setup.printer.finish()
    ui.wait(lambda: screen.ended)
    ui.settle()
    assert screen.message.startswith("cube.gcode selesai dicetak.")
    assert screen.message in spoken(ui)
    assert screen.completion == 100 and not screen.can_cancel
    ui.tap(screen.ids.another)
    assert screen.pane == "choose"


def test_a_print_longer_than_the_booking_says_how_much_longer_it_becomes(setup: Setup) -> None:
    ui = setup.ui
    running_booking(setup, minutes=60)
    screen = open_from_home(setup.ui)
    ui.wait(lambda: not screen.looking and len(rows(screen)) >= 2)
    ui.tap(rows(screen)[0].ids.choose)
    ui.wait(lambda: screen.plan is not None)
    ui.settle()
    assert screen.plan.extend_minutes == 30
    assert "diperpanjang 30 menit" in screen.plan_text
    assert "berakhir dalam 59 menit" in screen.plan_text
    ui.tap(screen.ids.start)
    ui.wait(lambda: screen.pane == "printing" and not screen.busy)
    ui.settle()
    assert screen.message == (
        "cube.gcode mulai dicetak. Pemesanan Anda diperpanjang sampai pukul 11.00."
    )


def test_a_print_that_cannot_fit_is_refused_with_the_numbers(setup: Setup) -> None:
    ui = setup.ui
    running_booking(setup, minutes=60)
    ui.app.speech.set_speech_mode(True, announce=False)
    # The printer is booked from 11:00 already: this booking (to 10:30, and its buffer)
    # cannot be made 30 minutes longer.
    start = setup.bookings.clock.moment.replace(hour=11, minute=0)
    setup.bookings.book(setup.ref, PRINTER, start, 60)
    screen = open_from_home(setup.ui)
    ui.wait(lambda: not screen.looking and len(rows(screen)) >= 2)
    ui.tap(rows(screen)[0].ids.choose)
    ui.wait(lambda: screen.plan is not None)
    ui.settle()
    # Said on the plan, before Start: Start cannot be pressed.
    assert screen.plan is not None and not screen.plan.can_extend
    assert screen.plan_mark == "refused" and screen.ids.start.disabled
    assert screen.plan_text.startswith(
        "Cetakan ini butuh sekitar 1 jam 2 menit; pemesanan Anda berakhir dalam 59 menit "
        "dan tidak bisa diperpanjang."
    )
    assert any(screen.plan_text in said for said in spoken(ui))
    assert setup.printer.status().state == "idle"  # nothing was sent or started
    # The service refuses a start all the same (a plan read before the next booking
    # was made): with the numbers, nothing sent.
    printing = ui.app.services.printing
    assert printing is not None
    with pytest.raises(DomainError) as refused:
        printing.start(setup.ref, PRINTER, screen.plan.choice)
    assert refused.value.key == "printing.does_not_fit"
    assert setup.printer.status().state == "idle"


def start_cube(setup: Setup, screen: Any) -> None:
    """From the file list: choose the stick's newest file and start it."""
    ui = setup.ui
    ui.wait(lambda: not screen.looking and len(rows(screen)) >= 2)
    ui.tap(rows(screen)[0].ids.choose)
    ui.wait(lambda: screen.plan is not None)
    ui.tap(screen.ids.start)
    ui.wait(lambda: screen.pane == "printing" and screen.view is not None and not screen.looking)
    ui.settle()


def confirm_dialog() -> Any:
    from kivy.core.window import Window

    from screens.print import ConfirmPrintCancel

    return next(w for w in Window.children if isinstance(w, ConfirmPrintCancel))


def test_the_booking_screen_offers_print_on_the_running_printer_booking(setup: Setup) -> None:
    ui = setup.ui
    running_booking(setup)
    ui.app.session_control.sign_out("sign_out")
    ui.settle()
    screen = open_booking(ui)
    ui.tap(tab(ui, screen, "mine"))
    (row,) = screen.ids.bookings_box.children
    assert row.can_print and row.ids.print_button.text == "Cetak"
    ui.tap(row.ids.print_button)
    assert ui.app.current == "print"
    pane = ui.screen
    ui.wait(lambda: not pane.looking and len(rows(pane)) >= 2)
    ui.tap(next(w for w in pane.walk() if type(w).__name__ == "Header").ids.back)
    assert ui.app.current == "equipment"


def test_someone_elses_booking_is_refused_in_words(setup: Setup) -> None:
    ui = setup.ui
    running_booking(setup)
    ui.app.session_control.sign_out("sign_out")
    ui.settle()
    ui.tap_card("ok", 1)
    ui.app.speech.set_speech_mode(True, announce=False)
    ui.app.screen("print").open_for(PRINTER)
    ui.settle()
    screen = ui.screen
    ui.wait(lambda: not screen.looking)
    assert screen.message_mark == "refused"
    assert screen.message == (
        "Printer 3D 1 sedang dipesan orang lain. Anda bisa mencetak selama waktu pemesanan "
        "Anda sendiri."
    )
    assert screen.message in spoken(ui)
    assert rows(screen) == [] and screen.choices_note == ""
    # Home has no Print for them either.
    ui.app.go("home")
    ui.settle()
    assert ui.screen.ids.print.parent is None


def test_a_printer_that_does_not_answer_is_said_and_try_again_looks_once_more(
    setup: Setup,
) -> None:
    ui = setup.ui
    running_booking(setup)
    setup.printer.fail("offline")
    screen = open_from_home(setup.ui)
    ui.wait(lambda: not screen.looking)
    assert screen.message_mark == "refused"
    # The printer named once, as patrons know it (not "Printer 3D Printer 3D 1").
    assert screen.message == "Printer 3D 1 tidak menjawab. Silakan minta bantuan petugas."
    assert screen.can_retry and screen.ids.retry.opacity == 1
    setup.printer.fail(None)
    ui.tap(screen.ids.retry)
    ui.wait(lambda: not screen.looking and len(rows(screen)) >= 2)
    assert screen.message == ""


def test_the_patron_cancels_their_print_after_a_confirmation(setup: Setup) -> None:
    ui = setup.ui
    running_booking(setup)
    screen = open_from_home(setup.ui)
    start_cube(setup, screen)
    ui.tap(screen.ids.cancel_print)
    dialog = confirm_dialog()
    assert "cube.gcode" in dialog.ids.question.text
    ui.tap(dialog.ids.keep)  # "Keep printing": nothing happens
    assert setup.printer.status().state == "printing"
    ui.tap(screen.ids.cancel_print)
    ui.app.speech.set_speech_mode(True, announce=False)
    ui.tap(confirm_dialog().ids.yes)
    ui.wait(lambda: screen.ended)
    ui.settle()
    assert screen.message == "cube.gcode dibatalkan."
    assert screen.message in spoken(ui)
    assert not screen.can_cancel and screen.ids.another.opacity == 1


def test_staff_see_any_running_print_and_may_cancel_it(setup: Setup) -> None:
    ui = setup.ui
    running_booking(setup)
    screen = open_from_home(setup.ui)
    start_cube(setup, screen)
    ui.app.session_control.sign_out("sign_out")
    ui.settle()
    # Another patron sees the printer busy, and no Cancel.
    ui.tap_card("ok", 1)
    ui.app.screen("print").open_for(PRINTER)
    ui.settle()
    ui.wait(lambda: not screen.looking and screen.pane == "printing")
    assert screen.job_title == "cube.gcode" and not screen.can_cancel
    ui.app.session_control.sign_out("sign_out")
    ui.settle()
    # Staff reach the pane from the staff screen's printer row.
    ui.sign_in("staff")
    staff = ui.app.screen("staff")
    assert ui.app.current == "staff"
    row = next(r for r in ui.rows(staff.ids.equipment) if r.ident == f"print:{PRINTER}")
    assert row.detail == ui.t("ui.staff.print_watch")
    ui.reveal(row.ids.action)
    ui.tap(row.ids.action)
    ui.settle()
    assert ui.app.current == "print"
    ui.wait(lambda: not screen.looking and screen.pane == "printing")
    assert screen.can_cancel
    ui.tap(screen.ids.cancel_print)
    ui.tap(confirm_dialog().ids.yes)
    ui.wait(lambda: screen.ended)
    assert screen.message == "cube.gcode dibatalkan."


def test_a_job_started_on_the_printer_itself_is_in_use_not_booked_here(setup: Setup) -> None:
    ui = setup.ui
    running_booking(setup)
    setup.printer.start_print("benchy.gcode")  # on OctoPrint itself, without the kiosk
    # The equipment owner looks at the printer (as its reconcile does after the state
    # change): the equipment state says "in use, not booked here".
    equipment = ui.kiosk.equipment
    assert equipment is not None
    equipment.apply(PRINTER)
    ui.wait(lambda: equipment.equipment_state(PRINTER).printer_foreign, timeout=5)
    screen = open_from_home(setup.ui)
    ui.wait(lambda: not screen.looking and screen.pane == "printing")
    assert "Sedang dipakai (tidak dipesan di sini)" in screen.ids.printer_label.text
    assert screen.job_title == "benchy.gcode" and not screen.can_cancel
    booking = open_booking_again(ui)
    ui.tap(tab(ui, booking, "3d_printer"))
    button = next(w for w in booking.ids.resources.children if w.ident == PRINTER)
    assert "Sedang dipakai (tidak dipesan di sini)" in button.text


def open_booking_again(ui: UI) -> Any:
    ui.app.go("equipment")
    ui.settle()
    return ui.screen


def test_the_pane_in_english(setup: Setup) -> None:
    ui = setup.ui
    running_booking(setup)
    ui.app.settings.set_language("en")
    screen = open_from_home(setup.ui)
    ui.wait(lambda: not screen.looking and len(rows(screen)) >= 2)
    assert "USB stick" in rows(screen)[0].detail
    assert "about 1 h 2 min" in rows(screen)[0].detail
    assert "1.2 m of filament (4 g)" in rows(screen)[0].detail
    ui.tap(rows(screen)[0].ids.choose)
    ui.wait(lambda: screen.plan is not None)
    assert screen.plan_text == (
        "Fits your booking: this print needs about 1 h 2 min; your booking ends at 11:30 "
        "(1 h 59 min left)."
    )
    assert screen.ids.start.text == "Start printing"


def test_keypad_walks_the_files_and_chooses_one(setup: Setup) -> None:
    down, enter = 274, 13
    ui = setup.ui
    running_booking(setup)
    screen = open_from_home(setup.ui)
    ui.wait(lambda: not screen.looking and len(rows(screen)) >= 2)
    navigator = ui.app.keypad.navigator
    ui.key(down)  # the first keypad key turns speech mode on
    target = rows(screen)[0].ids.choose.__self__
    for _ in range(30):
        ui.key(down)
        if navigator.current is not None and navigator.current.widget is target:
            break
    assert navigator.current is not None and navigator.current.widget is target
    names = [text for text, _lang in ui.kiosk.speaker.spoken]  # type: ignore[union-attr]
    assert any("cube.gcode" in text for text in names)  # the file's name was said
    ui.key(enter)
    ui.wait(lambda: screen.plan is not None)
    assert screen.pane == "plan"


@pytest.mark.parametrize("scale", [1.0, 1.5, 2.0])
def test_every_pane_fits_800x480_at_each_text_size_and_in_high_contrast(
    setup: Setup, scale: float
) -> None:
    from kivy.core.window import Window

    from accessibility.kivy_focus import clipped_labels, overlapping_labels, small_targets
    from screens.keypad import top_modal

    ui = setup.ui
    running_booking(setup, minutes=60)
    assert tuple(Window.size) == (800, 480)
    ppm = ui.kiosk.config.display.px_per_mm

    def check(where: str) -> None:
        for theme in ("high_contrast", ui.kiosk.config.accessibility.theme):
            ui.app.settings.set_theme(theme)
            ui.app.settings.set_text_scale(scale)
            for lang in ("id", "en"):
                ui.app.settings.set_language(lang)
                ui.frames(4)
                root = top_modal(Window) or ui.app.current_screen()
                assert not clipped_labels(root), (
                    where,
                    theme,
                    lang,
                    [(w.text, w.size, w.texture_size, w.opacity) for w in clipped_labels(root)],
                )
                assert not list(overlapping_labels(root)), (where, theme, lang)
                assert not small_targets(root, ppm), (where, theme, lang)

    ui.app.go("home")
    ui.settle()
    assert ui.screen.ids.print.parent is not None
    check("home with 3D printing")
    ui.app.settings.set_theme(ui.kiosk.config.accessibility.theme)
    ui.app.settings.set_text_scale(1.0)
    screen = open_from_home(setup.ui)
    ui.wait(lambda: not screen.looking and len(rows(screen)) >= 2)
    ui.wait(lambda: rows(screen)[0].texture is not None)
    check("choose")
    ui.tap(rows(screen)[0].ids.choose)
    ui.wait(lambda: screen.plan is not None)
    check("plan")
    ui.tap(screen.ids.start)
    ui.wait(lambda: screen.pane == "printing" and screen.view is not None and not screen.looking)
    check("printing")
    ui.tap(screen.ids.cancel_print)
    check("cancel question")
    confirm_dialog().dismiss(animation=False)


def test_the_upload_shows_its_progress_while_the_file_is_sent(setup: Setup) -> None:
    ui = setup.ui
    running_booking(setup)
    screen = open_from_home(setup.ui)
    ui.wait(lambda: not screen.looking and len(rows(screen)) >= 2)
    ui.tap(rows(screen)[0].ids.choose)
    ui.wait(lambda: screen.plan is not None)
    setup.printer.delay = 0.4  # each request to the printer takes a while, as on a network
    try:
        # The button's own release (a tap through ui.tap would wait for the whole start).
        screen.ids.start.dispatch("on_release")
        ui.frames(2)
        assert screen.pane == "sending"
        assert screen.sending_text == "Mengirim cube.gcode ke printer: 0%"
        ui.wait(lambda: screen.sent == 100)  # the file is on the printer; the start follows
        assert screen.pane == "sending"
        assert screen.sending_text == "Mengirim cube.gcode ke printer: 100%"
        assert screen.ids.sent_bar.value == 100
    finally:
        setup.printer.delay = 0.0
    ui.wait(lambda: screen.pane == "printing" and not screen.busy)


def test_while_the_printer_is_asked_the_pane_says_it_is_looking(setup: Setup) -> None:
    ui = setup.ui
    running_booking(setup)
    setup.printer.delay = 0.4
    try:
        ui.app.screen("print").open_for(PRINTER)
        ui.frames(2)
        screen = ui.screen
        assert screen.looking and screen.choices_note == "Sedang melihat Printer 3D 1…"
        assert rows(screen) == []
        ui.wait(lambda: not screen.looking and len(rows(screen)) >= 2, timeout=10)
        assert screen.choices_note.startswith("Pilih berkas yang ingin dicetak.")
    finally:
        setup.printer.delay = 0.0


def test_at_large_text_the_plan_and_start_and_then_the_progress_come_into_sight(
    setup: Setup,
) -> None:
    from kivy.core.window import Window

    ui = setup.ui
    running_booking(setup)
    ui.app.settings.set_text_scale(2.0)
    screen = open_from_home(setup.ui)
    ui.wait(lambda: not screen.looking and len(rows(screen)) >= 2)
    ui.tap(rows(screen)[0].ids.choose)
    ui.wait(lambda: screen.plan is not None)
    ui.settle()

    def in_sight(widget: Any) -> bool:
        _x, y = widget.to_window(widget.x, widget.y)
        return y >= 0 and y + widget.height <= Window.height

    def starts_in_sight(widget: Any) -> bool:
        _x, top = widget.to_window(widget.x, widget.top)
        return 0 < top <= Window.height

    # The plan's first words are in sight (the header takes much of 480 px at 2.0).
    assert starts_in_sight(screen.ids.plan_text)
    ui.tap(screen.ids.start)
    ui.wait(lambda: screen.pane == "printing" and screen.view is not None)
    ui.settle()
    assert in_sight(screen.ids.job_bar)
    setup.printer.finish()
    ui.wait(lambda: screen.ended)
    ui.settle()
    assert starts_in_sight(screen.ids.message_label)  # the page got shorter: done is seen


def test_progress_is_said_on_request_by_the_keypad(setup: Setup) -> None:
    """Speech mode: the progress is not read out on every update, but the keypad walk
    reaches it and says it as it is now (percent, time left, temperatures)."""
    down = 274
    ui = setup.ui
    running_booking(setup)
    screen = open_from_home(setup.ui)
    start_cube(setup, screen)
    setup.printer_time(60)
    ui.wait(lambda: screen.completion >= 49, timeout=5)
    ui.settle()
    navigator = ui.app.keypad.navigator
    ui.key(down)  # the first keypad key turns speech mode on
    progress = temps = ""
    for _ in range(30):
        ui.key(down)
        last = ui.kiosk.speaker.spoken[-1][0]  # type: ignore[union-attr]
        if navigator.current is not None and "50%" in last:
            progress = last
        if navigator.current is not None and screen.temps_text and screen.temps_text in last:
            temps = last
        if progress and temps:
            break
    assert "Sedang mencetak" in progress and "Sisa sekitar" in progress
    assert temps.startswith("Nozel ")
