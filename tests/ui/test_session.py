"""Issue 14 items 1, 2 and 9 and issue 17 (the sign-out half), as a patron meets them:
Home says at sign-in what stands in their way, speech says what happened (greeting,
summary, sign-out), "Anything else?" after a receipt, the survey at sign-out, the
session counted, and nothing of one patron left for the next."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kiosk.config import Config, SurveyChoice, SurveyConfig, SurveyQuestion
from kiosk.demo import DEMO_FINES
from kiosk.domain.events import SessionEnded
from kiosk.i18n import translate
from kiosk.money import rupiah
from screens.session_control import ANYTHING_ELSE_S
from tests.ui.conftest import UI, ui_config

pytestmark = pytest.mark.ui


# -- helpers -----------------------------------------------------------------------------
def speaker(ui: UI) -> Any:
    assert ui.kiosk.speaker is not None
    return ui.kiosk.speaker


def heard(ui: UI) -> str:
    return " ".join(text for text, _lang in speaker(ui).spoken)


def summary(ui: UI) -> list[str]:
    """The summary's lines as shown on Home, top to bottom."""
    box = ui.app.screen("home").ids.summary
    return [notice.text for notice in reversed(box.children)]


def modal(kind: str) -> Any:
    from kivy.core.window import Window

    return next((w for w in Window.children if type(w).__name__ == kind), None)


def on_screen(ui: UI, widget: Any) -> bool:
    """The widget lies wholly inside the window (no scrolling needed to see it)."""
    from kivy.core.window import Window

    x, y = widget.to_window(widget.x, widget.y)
    return (
        x >= 0
        and y >= 0
        and x + widget.width <= Window.width + 1
        and y + widget.height <= (Window.height + 1)
    )


def today(ui: UI) -> Any:
    return datetime.now(ZoneInfo(ui.kiosk.config.kiosk.timezone)).date()


# -- item 1: what stands in the way, at sign-in -----------------------------------------
@pytest.mark.parametrize(("language", "scale"), [("id", 1.0), ("en", 1.0), ("id", 2.0)])
def test_home_tells_a_patron_blocked_by_fines_the_amount_reason_and_next_step(
    ui: UI, language: str, scale: float
) -> None:
    ui.app.settings.set_language(language)
    ui.app.settings.set_text_scale(scale)
    ui.app.speech.set_speech_mode(True, announce=False)
    speaker(ui).clear()
    card = ui.tap_card("fines")
    ui.frames(3)
    assert ui.app.current == "home"
    amount = rupiah(DEMO_FINES, language)
    shown = summary(ui)
    blocked = translate("ui.summary.fines_block", language, balance=amount)
    whole = f"{blocked}. {translate('ui.summary.step.pay', language)}"
    assert shown[0] == (whole if scale == 1.0 else blocked)  # first: it stops borrowing
    assert amount in shown[0]
    home = ui.app.screen("home")
    assert home.ids.summary.children[-1].kind == "refused"  # a shape, not colour alone
    # Heard at once, whole, greeting first, after the page's title (not cut off by it).
    # At large text the greeting is the page's title (the compact header): heard as the
    # title, and once only.
    spoken = speaker(ui).spoken
    assert spoken[-1][1] == language
    greeting = translate("ui.home.greeting", language, name=card.name)
    titles = [t for t, _l in spoken[:-1]]
    if scale == 1.0:
        assert spoken[-1][0].startswith(greeting) and whole in spoken[-1][0]
        assert ui.app.library_name in titles
    else:
        assert spoken[-1][0].startswith(whole)
        assert titles[-1] == greeting
    assert sum(text.count(greeting) for text, _l in spoken) == 1
    for line in shown:  # everything shown is heard
        assert line in spoken[-1][0]
    if scale == 1.0:
        # Beside the summary, the first row of actions is in view without scrolling.
        for name in ("borrow", "returns", "loans"):
            assert on_screen(ui, home.ids[name]), name


def test_home_names_a_card_near_its_end_overdue_items_and_holds_ready(ui: UI) -> None:
    last = today(ui) + timedelta(days=10)
    card = ui.card("ok")
    ui.store.conn.execute(
        "UPDATE patrons SET expires_on = ? WHERE id = (SELECT patron_id FROM cards"
        " WHERE card_number = ?)",
        [last.isoformat(), card.card_number],
    )
    ui.sign_in("ok")
    overview = ui.app.session.overview
    assert overview is not None and overview.card_expiring and overview.overdue >= 1
    shown = summary(ui)
    expiring = ui.t("ui.summary.card_expiring", day=last)
    assert shown[0] == f"{expiring}. {ui.t('ui.summary.step.card')}"
    assert ui.t("ui.summary.overdue", count=overview.overdue) in shown[1]
    assert ui.t("ui.summary.holds_ready", count=overview.holds_ready) in shown[2]
    assert shown[-1] == ui.t("ui.summary.loans", count=overview.loans)
    kinds = [n.kind for n in reversed(ui.app.screen("home").ids.summary.children)]
    assert kinds == ["warning", "warning", "ok", "info"]
    # The other language at once, and large text keeps only what stands in the way.
    ui.app.settings.set_language("en")
    ui.frames(2)
    assert summary(ui)[0].startswith(translate("ui.summary.card_expiring", "en", day=last))
    ui.app.settings.set_text_scale(2.0)
    ui.frames(3)
    assert summary(ui) == [
        translate("ui.summary.card_expiring", "en", day=last),
        translate("ui.summary.overdue", "en", count=overview.overdue),
        translate("ui.summary.holds_ready", "en", count=overview.holds_ready),
    ]
    # Short enough to leave the panel's room to the header and the actions.
    assert ui.app.screen("home").ids.summary.height <= 480 * 0.4


# -- item 2: speech says what happened ---------------------------------------------------
def test_sign_out_by_the_patron_or_the_timeout_is_announced_in_their_language(ui: UI) -> None:
    ui.app.speech.set_speech_mode(True, announce=False)
    ui.sign_in("ok")
    ui.app.settings.set_language("en")
    ui.tap(ui.app.screen("home").ids.sign_out)
    assert ui.app.current == "attract" and not ui.app.speech.speech_mode
    assert speaker(ui).spoken[-1] == (translate("ui.session.signed_out", "en"), "en")
    ui.app.speech.set_speech_mode(True, announce=False)
    ui.sign_in("ok")
    timeout = ui.kiosk.config.accessibility.session_timeout_s
    ui.clock.skip(timeout + 1)
    ui.wait(lambda: ui.app.current == "attract")
    assert speaker(ui).spoken[-1] == (ui.t("ui.session.timed_out"), "id")
    # Without speech mode nothing is said on the way out.
    speaker(ui).clear()
    ui.sign_in("ok")
    speaker(ui).clear()
    ui.tap(ui.app.screen("home").ids.sign_out)
    assert speaker(ui).spoken == []


def outcome_rows(ui: UI) -> list[str]:
    # A refused row shows its barcode small before the reason, for staff to find the
    # copy; the outcome is the title and the reason.
    return [
        f"{row.title} {row.detail.removeprefix(f'{row.ident} · ')}".strip() for row in ui.rows()
    ]


def assert_heard(ui: UI, shown: list[str], where: str) -> None:
    """Every text shown is in what the speaker was asked to say since the last step
    (word for word, punctuation aside), in the screen's language."""

    def words(text: str) -> str:
        return " ".join("".join(c for c in text if c.isalnum() or c.isspace()).split())

    spoken = speaker(ui).spoken
    assert spoken, f"{where}: nothing said"
    assert {lang for _t, lang in spoken} == {ui.app.language}, where
    said = words(" ".join(t for t, _l in spoken))
    for text in shown:
        assert words(text) in said, f"{where}: {text!r} shown, not said in {said!r}"
    speaker(ui).clear()


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_outcome_shown_is_also_said_screen_by_screen(ui: UI, language: str) -> None:
    """The sighted patron's outcome texts, screen by screen, against what the speaker
    was asked to say (ACCESSIBILITY.md: everything seen is also heard)."""
    ui.app.settings.set_language(language)
    ui.app.speech.set_speech_mode(True, announce=False)
    speaker(ui).clear()
    ui.tap_card("ok")
    ui.frames(3)
    home = ui.app.screen("home")
    assert_heard(ui, [home.ids.greeting.text, *summary(ui)], "sign-in/home")
    # Borrow: each item's title and due date or reason.
    ui.tap(home.ids.borrow)
    speaker(ui).clear()
    ui.scan("B00004")
    ui.scan("B00092")  # the damaged copy: refused with its reason
    assert_heard(ui, outcome_rows(ui), "borrow")
    # The receipt: its lines from the count of items on.
    ui.tap(ui.screen.ids.finish)
    ui.frames(3)
    receipt = [label.text for label in reversed(ui.screen.ids.lines.children)][2:]
    assert_heard(ui, receipt, "receipt")
    ui.tap(ui.screen.ids.done)
    prompt = modal("AnythingElse")
    assert_heard(ui, [prompt.ids.heading.text, prompt.ids.countdown.text], "anything else")
    ui.tap(prompt.ids.more)
    # Return: each item's title and what happened.
    ui.app.go("returns")
    ui.settle()
    speaker(ui).clear()
    ui.scan("B00003")
    assert_heard(ui, outcome_rows(ui), "return")
    # Renew: the renewed (or refused) row's result.
    ui.app.go("loans")
    ui.settle()
    renewable = next(r for r in ui.rows() if r.action_text)
    speaker(ui).clear()
    ui.tap(renewable.ids.action)
    row = next(r for r in ui.rows() if r.ident == renewable.ident)
    result = ui.screen.results[renewable.ident]
    # The outcome: renewed with its new date, or why not (the row keeps the loan's
    # own state before it, which the list says when it is walked).
    outcome = row.detail if result.ok else ui.t(result.refusal or "ui.loans.not_renewed")
    assert outcome in row.detail
    assert_heard(ui, [row.title, outcome], "renew")
    # Holds: each hold and where and until when it waits.
    ui.app.go("holds")
    ui.settle()
    ui.frames(3)
    assert_heard(ui, outcome_rows(ui), "holds")


# -- item 9: "Anything else?" and a clean kiosk for the next patron ---------------------
def borrow_one(ui: UI, barcode: str) -> None:
    ui.tap(ui.app.screen("home").ids.borrow)
    ui.scan(barcode)
    ui.tap(ui.screen.ids.finish)
    assert ui.app.current == "receipt"


@pytest.mark.parametrize(("scale", "theme"), [(1.0, "default"), (2.0, "high_contrast")])
def test_done_on_a_receipt_asks_anything_else_then_signs_out_after_its_countdown(
    ui: UI, scale: float, theme: str
) -> None:
    ui.app.settings.set_text_scale(scale)
    ui.app.settings.set_theme(theme)  # the largest letters at 2.0
    ui.sign_in("ok")
    borrow_one(ui, "B00004")
    ui.tap(ui.screen.ids.done)
    prompt = modal("AnythingElse")
    assert ui.app.current == "home" and prompt is not None
    assert prompt.ids.heading.text == ui.t("ui.session.anything_else")
    assert prompt.ids.countdown.text == ui.t("ui.session.countdown", seconds=ANYTHING_ELSE_S)
    for part in ("heading", "countdown", "more", "sign_out"):
        assert on_screen(ui, prompt.ids[part]), part  # whole on the panel, large text too
    ui.tap(prompt.ids.more)  # Yes, continue: still signed in, at home
    assert modal("AnythingElse") is None and ui.app.signed_in and ui.app.current == "home"
    borrow_one(ui, "B00005")
    ui.tap(ui.screen.ids.done)
    ui.clock.skip(ANYTHING_ELSE_S / 2)
    ui.wait(lambda: modal("AnythingElse").seconds_left < ANYTHING_ELSE_S)
    left = modal("AnythingElse").seconds_left
    assert 0 < left < ANYTHING_ELSE_S
    assert str(left) in modal("AnythingElse").ids.countdown.text  # counting down in view
    ui.clock.skip(ANYTHING_ELSE_S / 2 + 1)
    ui.wait(lambda: ui.app.current == "attract")
    assert not ui.app.signed_in and modal("AnythingElse") is None
    assert any(isinstance(e, SessionEnded) and e.reason == "timeout" for e in ui.published)


def test_anything_else_gives_way_to_a_scan_and_no_sign_out_is_at_once(ui: UI) -> None:
    ui.sign_in("ok")
    borrow_one(ui, "B00004")
    ui.tap(ui.screen.ids.done)
    ui.scan("B00005")  # another item scanned meanwhile: borrowing goes on, no countdown
    assert ui.app.current == "borrow" and modal("AnythingElse") is None
    ui.clock.skip(ANYTHING_ELSE_S + 1)
    ui.frames(3)
    assert ui.app.signed_in
    ui.tap(ui.screen.ids.finish)
    ui.tap(ui.screen.ids.done)
    ui.clock.skip(ANYTHING_ELSE_S - 5)
    ui.frames(3)
    assert ui.app.signed_in  # not yet
    ui.tap(modal("AnythingElse").ids.sign_out)  # No, sign me out
    assert ui.app.current == "attract" and not ui.app.signed_in


def test_a_second_patron_finds_no_trace_of_the_first(ui: UI) -> None:
    from kivy.tests.common import UnitTestTouch
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.scrollview import ScrollView

    first = ui.card("ok")
    ui.sign_in("ok")
    home = ui.app.screen("home")
    # The keypad's focus ring on a button, a list scrolled down, a finger still on a
    # button, a half-typed barcode: then the patron walks away.
    ui.app.speech.set_speech_mode(True, announce=False)
    ui.key(274)  # Down
    assert ui.app.keypad.ring.visible
    ui.app.go("loans")
    ui.settle()
    rows = ui.screen.ids.rows.parent
    rows.scroll_y = 0
    ui.app.go("borrow")
    ui.settle()
    ui.tap(ui.screen.ids.type_barcode)
    entry = modal("TextEntry")
    for char in "B000":
        ui.tap(ui.button(entry.ids.keyboard, char))
    ui.app.session_control.dismiss_modals()
    ui.app.go("home")
    ui.settle()
    ui.app.speech.set_speech_mode(False, announce=False)  # (touch and hear holds taps)
    x, y = home.ids.holds.to_window(*home.ids.holds.center)
    finger = UnitTestTouch(x, y)
    finger.touch_down()
    ui.wait(lambda: home.ids.holds.state == "down")  # (the page holds a touch 0.2 s)
    ui.clock.skip(ui.kiosk.config.accessibility.session_timeout_s + 1)
    ui.wait(lambda: ui.app.current == "attract")
    ui.settle()
    # The next patron.
    ui.sign_in("fines")
    assert ui.app.current == "home"
    for screen in ui.app.screens():
        for widget in screen.walk(restrict=True):
            if isinstance(widget, ButtonBehavior):
                assert widget.state == "normal", (screen.name, getattr(widget, "text", ""))
            if isinstance(widget, ScrollView):
                assert widget.scroll_y == 1, screen.name
        assert not any(first.name in text for text in ui.texts(screen)), screen.name
    assert not ui.app.keypad.ring.visible and ui.app.keypad.navigator.index is None
    assert modal("TextEntry") is None
    finger.touch_up()  # the old finger lifts at last: nothing happens for the new patron
    ui.frames(3)
    assert ui.app.current == "home"


# -- issue 17: the session counted, the survey at sign-out ------------------------------
def counted(ui: UI, action: str) -> dict[str, int]:
    rows = ui.store.conn.execute(
        "SELECT detail, sum(count) AS n FROM usage_counters WHERE action = ? GROUP BY detail",
        [action],
    ).fetchall()
    return {row["detail"]: row["n"] for row in rows}


def test_every_session_end_is_counted_once_with_what_it_used(ui: UI) -> None:
    ui.sign_in("ok")
    ui.app.settings.set_text_scale(1.5)
    borrow_one(ui, "B00004")
    ui.app.go("loans")
    ui.settle()
    renewable = next(r for r in ui.rows() if r.action_text)
    ui.tap(renewable.ids.action)
    ui.app.go("home")
    ui.settle()
    ui.tap(ui.app.screen("home").ids.sign_out)
    assert counted(ui, "session") == {"": 1}
    assert counted(ui, "session_feature") == {
        "borrow": 1,
        "large_text": 1,
        "loans": 1,
        "renew": 1,
    }
    assert counted(ui, "language") == {"id": 1}
    # A timeout counts the session too; a second sign-out of nobody counts nothing.
    ui.sign_in("ok")
    ui.app.settings.set_language("en")
    ui.app.go("holds")
    ui.settle()
    ui.clock.skip(ui.kiosk.config.accessibility.session_timeout_s + 1)
    ui.wait(lambda: ui.app.current == "attract")
    ui.app.session_control.sign_out()
    assert counted(ui, "session") == {"": 2}
    assert counted(ui, "session_feature")["holds"] == 1
    assert counted(ui, "language") == {"id": 1, "en": 1}


def survey_config(ui: UI) -> Config:
    day = today(ui)
    survey = SurveyConfig(
        id="uji",
        title_id="Survei uji",
        title_en="Test survey",
        starts_on=(day - timedelta(days=1)).isoformat(),
        ends_on=(day + timedelta(days=7)).isoformat(),
        share=1.0,
        questions=[
            SurveyQuestion(id="mudah", kind="scale", text_id="Mudah?", text_en="Easy?"),
            SurveyQuestion(
                id="kapan",
                kind="choice",
                text_id="Kapan Anda datang?",
                text_en="When do you come?",
                choices=[
                    SurveyChoice("pagi", "Pagi", "Morning"),
                    SurveyChoice("sore", "Sore", "Evening"),
                ],
            ),
        ],
    )
    return replace(ui_config(), surveys=[survey])


def responses(ui: UI) -> list[tuple[str, str]]:
    rows = ui.store.conn.execute(
        "SELECT question, answer FROM survey_answers ORDER BY question"
    ).fetchall()
    return [(row["question"], row["answer"]) for row in rows]


@pytest.mark.parametrize(("language", "scale"), [("id", 1.0), ("en", 2.0)])
def test_a_survey_at_sign_out_is_answered_with_large_buttons_and_stored_anonymously(
    ui: UI, language: str, scale: float
) -> None:
    ui.reopen(survey_config(ui))
    ui.app.settings.set_language(language)
    ui.app.settings.set_text_scale(scale)
    ui.app.settings.set_theme("high_contrast" if scale > 1 else "default")
    ui.app.speech.set_speech_mode(True, announce=False)
    ui.sign_in("ok")
    speaker(ui).clear()
    ui.tap(ui.app.screen("home").ids.sign_out)
    dialog = modal("SurveyDialog")
    assert dialog is not None and ui.app.signed_in  # asked before signing out
    title = "Survei uji" if language == "id" else "Test survey"
    assert dialog.ids.heading.text.startswith(title)
    assert dialog.ids.question.text == ("Mudah?" if language == "id" else "Easy?")
    said = speaker(ui).spoken[-1]
    assert said[1] == language and title in said[0] and dialog.ids.question.text in said[0]
    assert translate("ui.survey.intro", language) in said[0]  # it may be skipped
    buttons = [b for b in dialog.ids.answers.children]
    assert sorted(b.text for b in buttons) == ["1", "2", "3", "4", "5"]
    touch = ui.kiosk.config.display.px_per_mm * 11.4
    for button in [*buttons, dialog.ids.skip]:
        assert on_screen(ui, button) and button.height >= touch - 1  # big, and in view
    ui.tap(next(b for b in buttons if b.text == "4"))
    choice = "Pagi" if language == "id" else "Morning"
    assert dialog.ids.question.text in speaker(ui).spoken[-1][0]  # the next question said
    ui.tap(ui.button(dialog, choice))
    assert dialog.thanked
    ui.wait(lambda: ui.app.current == "attract", timeout=5)
    said_then = [t for t, _lang in speaker(ui).spoken]
    thanks = translate("ui.survey.thanks", language)
    assert said_then[-2:] == [thanks, translate("ui.session.signed_out", language)]
    assert responses(ui) == [("kapan", "pagi"), ("mudah", "4")]
    row = ui.store.conn.execute("SELECT * FROM survey_responses").fetchone()
    assert set(row.keys()) == {"id", "survey_id", "day"}  # nobody's name, card or time
    # The same patron is not asked again while the survey runs.
    ui.sign_in("ok")
    ui.tap(ui.app.screen("home").ids.sign_out)
    assert modal("SurveyDialog") is None and ui.app.current == "attract"


def test_a_survey_is_skipped_by_keypad_and_a_timeout_stores_nothing(ui: UI) -> None:
    ui.reopen(survey_config(ui))
    ui.sign_in("ok")
    ui.tap(ui.app.screen("home").ids.sign_out)
    dialog = modal("SurveyDialog")
    assert dialog is not None
    # Keypad: the items are the dialog's, Down to Skip, Enter.
    ui.app.speech.set_speech_mode(True, announce=False)
    navigator = ui.app.keypad.navigator
    for _ in range(20):
        ui.key(274)
        if navigator.current is not None and navigator.current.widget is dialog.ids.skip.__self__:
            break
    assert navigator.current.text_of("name") == ui.t("ui.survey.skip")
    ui.key(13)
    ui.settle()
    assert ui.app.current == "attract"
    assert counted(ui, "survey_skipped") == {"uji": 1} and responses(ui) == []
    # Another patron walks away from the survey: the timeout signs out, nothing stored.
    ui.sign_in("fines")
    ui.tap(ui.app.screen("home").ids.sign_out)
    dialog = modal("SurveyDialog")
    ui.tap(next(b for b in dialog.ids.answers.children if b.text == "2"))  # one answer given
    ui.clock.skip(ui.kiosk.config.accessibility.session_timeout_s + 1)
    ui.wait(lambda: ui.app.current == "attract")
    assert modal("SurveyDialog") is None
    assert responses(ui) == [] and counted(ui, "survey_skipped") == {"uji": 1}
    assert counted(ui, "survey_offered") == {"uji": 2}
