"""Patron preferences on the real app: chosen on the accessibility screen, remembered
only when the patron opts in, applied at the next sign-in, and never left on the kiosk
for the next person (ACCESSIBILITY.md: volume and speech reset after each session;
issue #7: preferences per patron, opt-in, stored)."""

from __future__ import annotations

import pytest

from accessibility.timeouts import Phase
from kiosk.preferences import Preferences
from tests.ui.conftest import UI

pytestmark = pytest.mark.ui


def _stored(ui: UI) -> str | None:
    assert ui.store is not None
    card = ui.card("ok")
    row = ui.store.conn.execute(
        "SELECT p.preferences FROM patrons p JOIN cards c ON c.patron_id = p.id "
        "WHERE c.card_number = ?",
        [card.card_number],
    ).fetchone()
    return None if row is None else row[0]


def test_settings_are_remembered_only_by_choice_applied_at_sign_in_and_cleared_at_sign_out(
    ui: UI,
) -> None:
    ui.sign_in("ok")
    ui.app.go("access")
    ui.settle()
    access = ui.screen
    ui.tap(access.ids.s3)  # text size 2.0
    ui.tap(ui.button(access.ids.themes, ui.t("ui.access.theme.high_contrast")))
    ui.tap(access.ids.speech)
    ui.tap(access.ids.long_timeouts)
    assert ui.app.text_scale == 2.0 and ui.app.theme.name == "high_contrast"
    assert ui.app.speech_on and ui.app.long_timeouts
    assert _stored(ui) is None  # nothing is stored without the patron's choice

    ui.tap(access.ids.remember)
    assert ui.app.remembered
    stored = Preferences.from_json(_stored(ui))
    assert stored == Preferences(
        language="id", theme="high_contrast", text_scale=2.0, speech=True, long_timeouts=True
    )
    header = next(w for w in access.walk() if type(w).__name__ == "Header")
    ui.tap(header.ids.language)
    assert ui.app.language == "en"
    assert Preferences.from_json(_stored(ui)).language == "en"  # kept up to date

    ui.app.sign_out("sign_out")
    ui.settle()
    # Nothing of the patron's choices stays for the next person.
    assert ui.app.language == "id" and ui.app.theme.name == "default"
    assert ui.app.text_scale == 1.0 and not ui.app.speech_on
    assert not ui.app.long_timeouts and not ui.app.remembered

    ui.sign_in("ok")
    assert ui.app.language == "en" and ui.app.theme.name == "high_contrast"
    assert ui.app.text_scale == 2.0 and ui.app.speech_on and ui.app.long_timeouts
    assert ui.app.remembered

    ui.app.go("access")
    ui.settle()
    ui.tap(ui.screen.ids.remember)  # forget
    assert not ui.app.remembered and _stored(ui) is None
    ui.app.sign_out("sign_out")
    ui.settle()
    ui.sign_in("ok")
    assert ui.app.language == "id" and ui.app.text_scale == 1.0 and not ui.app.speech_on


def test_longer_timeouts_stretch_the_countdown_and_the_warning(ui: UI) -> None:
    section = ui.kiosk.config.accessibility
    ui.sign_in("ok")
    ui.app.go("access")
    ui.settle()
    ui.tap(ui.screen.ids.long_timeouts)
    longer_session = section.session_timeout_s * section.long_timeout_factor
    longer_warning = section.timeout_warning_s * section.long_timeout_factor
    # Where the ordinary countdown would already warn, the longer one does not.
    ui.clock.skip(section.session_timeout_s - section.timeout_warning_s + 1)
    ui.frames(3)
    assert ui.app.timer.phase is Phase.ACTIVE and ui.app._warning is None
    ui.clock.skip(longer_session - longer_warning - section.session_timeout_s)
    ui.clock.skip(section.timeout_warning_s)
    ui.wait(lambda: ui.app._warning is not None)
    assert ui.app.timer.seconds_left() <= longer_warning
    assert ui.app.timer.seconds_left() >= section.timeout_warning_s  # still longer


def test_the_remember_choice_is_only_offered_to_a_signed_in_patron(ui: UI) -> None:
    ui.app.go("access")
    ui.settle()
    access = ui.screen
    assert access.ids.remember_box.parent is None
    assert ui.t("ui.access.remember") not in ui.texts(access)
    ui.tap(access.ids.speech)  # a guest may still turn speech on for this visit
    assert ui.app.speech_on
