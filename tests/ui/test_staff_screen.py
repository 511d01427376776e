"""Staff mode and the makerspace: plugs as the equipment controller knows them, and a
booking checked in by staff for its patron."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kiosk.booking.service import BookingService
from kiosk.domain.events import EquipmentState
from tests.ui.conftest import UI, monday_booking, next_monday, ui_config

pytestmark = pytest.mark.ui


@pytest.fixture
def booking(ui: UI) -> Any:
    service = monday_booking(ui, ui_config())
    return service


def test_staff_check_a_booking_in_for_its_patron(ui: UI, booking: BookingService) -> None:
    zone = ZoneInfo(ui.kiosk.config.kiosk.timezone)
    start = datetime.combine(next_monday(zone), time(10, 0), zone)
    made = booking.book("1", "pc-1", start, 60)  # made at the desk: no card tap yet
    ui.sign_in("staff")
    staff = ui.screen
    assert staff.name == "staff"
    ui.settle()
    # Below the plugs, in the same list.
    rows = ui.rows(staff.ids.equipment)
    (row,) = [r for r in rows if r.ident.startswith("booking:")]
    assert row is rows[-1] and row.ident == f"booking:{made.id}"
    assert row.title == "Komputer 1"
    assert "10.00-11.00" in row.detail  # Indonesian times
    ui.tap(row.ids.action)
    ui.settle()
    assert booking.get(made.id).status == "checked_in"
    assert not [r for r in ui.rows(staff.ids.equipment) if r.ident.startswith("booking:")]


def test_staff_see_the_owner_s_word_on_each_plug(ui: UI) -> None:
    ui.sign_in("staff")
    staff = ui.screen
    ui.settle()
    rows = {r.ident: r for r in ui.rows(staff.ids.equipment)}
    assert rows["pc-1"].mark == "ok"
    lost = EquipmentState(resource="pc-1", on=None, online=None, problem="equipment.broker_lost")
    ui.kiosk.bus.publish(lost)
    ui.settle()
    row = next(r for r in ui.rows(staff.ids.equipment) if r.ident == "pc-1")
    assert row.mark == "refused"
    assert row.detail == ui.t("equipment.reason.broker_lost")
    ui.kiosk.bus.publish(EquipmentState(resource="pc-1", on=False, online=True, device="pc-1"))
    ui.settle()
    row = next(r for r in ui.rows(staff.ids.equipment) if r.ident == "pc-1")
    assert (row.mark, row.detail) == ("ok", ui.t("ui.staff.power_off"))


def test_staff_see_the_alerts_with_time_and_resource_and_close_them(ui: UI) -> None:
    from kiosk.domain.events import EquipmentFault
    from screens import format as fmt

    assert ui.kiosk.alerts is not None and ui.app.services is not None
    ui.kiosk.alerts.start()  # the kiosk records what the bus says (its scheduler not needed)
    fault = EquipmentFault(resource="pc-2", key="equipment.no_echo")
    ui.kiosk.bus.publish(fault)
    ui.sign_in("staff")
    staff = ui.screen
    ui.settle()
    (row,) = ui.rows(staff.ids.alerts)
    zone = ui.kiosk.config.kiosk.timezone
    assert row.title == "Komputer 2"
    assert row.detail.startswith(f"{fmt.short_day(fault.at, 'id', zone)} ")
    assert fmt.clock(fault.at, "id", zone) in row.detail
    assert ui.t("equipment.no_echo", resource="Komputer 2") in row.detail
    # Raised while the staff screen is shown: listed at once, newest first.
    ui.kiosk.bus.publish(EquipmentFault(resource="", key="equipment.broker_restarted"))
    ui.settle()
    rows = ui.rows(staff.ids.alerts)
    assert [r.title for r in rows] == [ui.t("ui.staff.alert_kiosk"), "Komputer 2"]
    ui.tap(rows[1].ids.action)  # Done
    ui.settle()
    assert [r.title for r in ui.rows(staff.ids.alerts)] == [ui.t("ui.staff.alert_kiosk")]
    assert [a.resource for a in ui.app.services.alerts.open_alerts()] == [""]
    ui.tap(ui.rows(staff.ids.alerts)[0].ids.action)
    ui.settle()
    assert not ui.rows(staff.ids.alerts)
    assert staff.alerts_note == ui.t("ui.staff.alerts_none")


def test_staff_turn_on_sticks_and_the_row_says_why(ui: UI) -> None:
    """Issue 14 item 11: "Turn on" with no booking holds (the reconcile leaves it), and
    the row shows and speaks what the bookings alone would do."""
    equipment = ui.kiosk.equipment
    ui.app.speech.set_speech_mode(True, announce=False)
    try:
        ui.sign_in("staff")
        staff = ui.screen
        ui.settle()
        row = next(r for r in ui.rows(staff.ids.equipment) if r.ident == "pc-1")
        assert row.ids.action.text == ui.t("ui.staff.turn_on")
        assert ui.kiosk.speaker is not None
        spoken_before = len(ui.kiosk.speaker.spoken)  # type: ignore[attr-defined]
        ui.tap(row.ids.action)
        ui.settle()
        assert equipment.apply("pc-1", force=True)  # what the periodic reconcile does
        ui.settle()
        row = next(r for r in ui.rows(staff.ids.equipment) if r.ident == "pc-1")
        assert row.ids.action.text == ui.t("ui.staff.turn_off")
        assert ui.t("ui.staff.power_on") in row.detail
        assert ui.t("ui.staff.kept_on") in row.detail
        assert ui.t("ui.staff.bookings_off") in row.detail
        assert equipment.equipment_state("pc-1").on is True
        said = " ".join(t for t, _ in ui.kiosk.speaker.spoken[spoken_before:])  # type: ignore[attr-defined]
        assert ui.t("ui.staff.kept_on") in said and ui.t("ui.staff.bookings_off") in said
        # The longer row is whole at text size 2.0 too.
        from accessibility.kivy_focus import clipped_labels

        ui.app.settings.set_text_scale(2.0)
        ui.frames(3)
        row = next(r for r in ui.rows(staff.ids.equipment) if r.ident == "pc-1")
        ui.reveal(row)
        ui.frames(3)
        assert [lb.text for lb in clipped_labels(row)] == []
        ui.app.settings.set_text_scale(1.0)
        ui.frames(3)
        row = next(r for r in ui.rows(staff.ids.equipment) if r.ident == "pc-1")
        # Staff turn it off: the override ends, the row says nothing more.
        ui.tap(row.ids.action)
        ui.settle()
        row = next(r for r in ui.rows(staff.ids.equipment) if r.ident == "pc-1")
        assert row.detail.startswith(ui.t("ui.staff.power_off"))
        assert ui.t("ui.staff.bookings_off") not in row.detail
    finally:
        ui.app.speech.set_speech_mode(False, announce=False)
        ui.app.settings.set_text_scale(1.0)


def test_staff_see_and_hear_this_week_s_figures_at_text_size_2(ui: UI) -> None:
    """Issue 17: this week's key figures on the staff screen, each equal to its own SQL
    count, small ones as "< 5"; whole at 800x480 and text size 2.0; spoken."""
    from kivy.core.window import Window

    from accessibility.kivy_focus import clipped_labels
    from kiosk.formatting import local_date

    zone = ui.kiosk.config.kiosk.timezone
    today = local_date(ui.kiosk.clock(), zone)
    store = ui.store
    with store.transaction() as db:
        for action, count in (("checkout", 12), ("return", 7), ("renew", 3), ("sign_in", 20)):
            db.execute(
                "INSERT INTO usage_counters (day, hour, action, detail, count) "
                "VALUES (?, 10, ?, '', ?)",
                [today.isoformat(), action, count],
            )
    monday = today.toordinal() - today.weekday()
    first = type(today).fromordinal(monday).isoformat()

    def counted(action: str) -> int:
        row = store.conn.execute(
            "SELECT coalesce(sum(count), 0) FROM usage_counters "
            "WHERE action = ? AND day BETWEEN ? AND ?",
            [action, first, today.isoformat()],
        ).fetchone()
        return int(row[0])

    ui.app.settings.set_text_scale(2.0)
    ui.app.speech.set_speech_mode(True, announce=False)
    try:
        assert Window.size == (800, 480)
        ui.sign_in("staff")
        staff = ui.screen
        ui.settle()
        rows = {r.ident: r for r in ui.rows(staff.ids.week)}
        service = rows["ui.staff.week.self_service"]
        assert service.title == ui.t("ui.staff.week.self_service")
        shown = service.detail.replace("\u00a0", " ")  # (one figure never breaks)
        assert f"{ui.t('ui.staff.week.checkouts')} {counted('checkout')}" in shown
        assert f"{ui.t('ui.staff.week.returns')} {counted('return')}" in shown
        assert f"{ui.t('ui.staff.week.sign_ins')} {counted('sign_in')}" in shown
        assert counted("renew") == 3 < ui.kiosk.config.report.small_cell
        assert f"{ui.t('ui.staff.week.renewals')} < 5" in shown
        assert set(rows) == {
            "ui.staff.week.self_service",
            "ui.staff.week.makerspace",
            "ui.staff.week.events",
            "ui.staff.week.feedback",
        }
        assert staff.ids.week_title.text.startswith(ui.t("ui.staff.week"))
        # Spoken when they arrive: the heading and every line.
        said = " ".join(t for t, _ in ui.kiosk.speaker.spoken)  # type: ignore[union-attr]
        assert staff.ids.week_title.text in said
        for row in rows.values():
            assert row.detail in said
        # Whole at text size 2.0: scrolled into view, no label cut.
        ui.reveal(service)
        ui.frames(3)
        assert [lb.text for lb in clipped_labels(staff)] == []
    finally:
        ui.app.speech.set_speech_mode(False, announce=False)
        ui.app.settings.set_text_scale(1.0)


def test_staff_take_attendance_at_today_s_event_by_card(ui: UI) -> None:
    """Optional part of issue 17: staff check participants in at the door; a card
    tapped on the staff screen while attendance is on checks its patron in (and signs
    nobody in); what happened is shown and spoken."""
    from tests.ui.conftest import FixedClock

    zone = ZoneInfo(ui_config().kiosk.timezone)
    today = datetime.now(zone).date()
    # The demo's workshop runs today 15.00-17.00.
    ui.reopen(ui_config(), FixedClock(datetime.combine(today, time(15, 30), zone)))
    ui.app.speech.set_speech_mode(True, announce=False)
    try:
        ui.sign_in("staff")
        staff = ui.screen
        ui.settle()
        rows = ui.rows(staff.ids.events)
        (row,) = [r for r in rows if r.title == "Lokakarya Cetak 3D untuk Pemula"]
        assert "hadir 0" in row.detail
        ui.tap(row.ids.action)
        row = next(r for r in ui.rows(staff.ids.events) if r.ident == row.ident)
        assert ui.t("ui.staff.event_tap_cards") in row.detail
        assert row.ids.action.text == ui.t("ui.staff.event_done")
        ui.tap_card("ok")  # a participant who had not registered
        assert ui.app.current == "staff"  # nobody else signed in
        row = next(r for r in ui.rows(staff.ids.events) if r.ident == row.ident)
        assert "hadir 1" in row.detail
        said = ui.t("ui.staff.event_walk_in", event="Lokakarya Cetak 3D untuk Pemula")
        assert ui.kiosk.speaker.spoken[-1][0] == said  # type: ignore[union-attr]
        ui.tap_card("ok")  # the same card again: refused, said why
        assert ui.kiosk.speaker.spoken[-1][0] == ui.t("events.already_checked_in")  # type: ignore[union-attr]
        ui.tap(row.ids.action)  # Done: cards sign in as usual again
        row = next(r for r in ui.rows(staff.ids.events) if r.ident == row.ident)
        assert row.ids.action.text == ui.t("ui.staff.event_check_in")
    finally:
        ui.app.speech.set_speech_mode(False, announce=False)
