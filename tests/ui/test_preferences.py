"""Patron preferences on the real app: chosen on the accessibility screen, remembered
only when the patron opts in, applied at the next sign-in, and never left on the kiosk
for the next person (ACCESSIBILITY.md: volume and speech reset after each session;
issue #7: preferences per patron, opt-in, stored)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

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

    ui.app.session_control.sign_out("sign_out")
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
    ui.app.session_control.sign_out("sign_out")
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
    assert (
        ui.app.session_control.timer.phase is Phase.ACTIVE
        and ui.app.session_control.warning is None
    )
    ui.clock.skip(longer_session - longer_warning - section.session_timeout_s)
    ui.clock.skip(section.timeout_warning_s)
    ui.wait(lambda: ui.app.session_control.warning is not None)
    assert ui.app.session_control.timer.seconds_left() <= longer_warning
    assert ui.app.session_control.timer.seconds_left() >= section.timeout_warning_s  # still longer


def test_the_remember_choice_is_only_offered_to_a_signed_in_patron(ui: UI) -> None:
    ui.app.go("access")
    ui.settle()
    access = ui.screen
    assert access.ids.remember_box.parent is None
    assert ui.t("ui.access.remember") not in ui.texts(access)
    ui.tap(access.ids.speech)  # a guest may still turn speech on for this visit
    assert ui.app.speech_on


def _count_renders(ui: UI, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every screen made, and each one's ``render`` calls counted from now on."""
    from screens import registry

    counted: Counter[str] = Counter()
    for name in registry.NAMES:
        screen = ui.app.screen(name)

        def render(screen: Any = screen, original: Any = screen.render) -> None:
            counted[screen.name] += 1
            original()

        monkeypatch.setattr(screen, "render", render)
    return counted


@pytest.mark.parametrize(
    ("stored", "language"),
    [
        # Their record says English and they stored no language: English, once.
        (Preferences(theme="high_contrast"), "en"),
        # Their record says English, but they chose Indonesian and had it remembered:
        # their choice wins, and the screens are not switched to English and back.
        (Preferences(language="id", theme="high_contrast"), "id"),
    ],
)
def test_the_patrons_own_language_is_applied_once_at_sign_in(
    ui: UI, monkeypatch: pytest.MonkeyPatch, stored: Preferences, language: str
) -> None:
    """Issue 13: each language switch re-renders every screen; a sign-in switches once
    at most (the record's language and the stored choices are applied together)."""
    services = ui.app.services
    assert services is not None and services.preferences is not None
    card = ui.card("ok")
    patron = services.circulation.sign_in(number=card.card_number)
    services.preferences.save(patron.ref, stored)
    counted = _count_renders(ui, monkeypatch)
    # The patron as a backend that keeps a language (SIP2) hands them over.
    ui.app.session_control.begin(replace(patron, language="en"))
    ui.settle()
    assert ui.app.current == "home" and ui.app.theme.name == "high_contrast"
    assert ui.app.language == language and ui.app.remembered
    from screens import registry

    switches = 1 if language != ui.kiosk.config.kiosk.language else 0
    assert counted == Counter({name: switches for name in registry.NAMES if switches})


def test_a_remembered_patron_has_every_change_stored_even_one_made_by_the_keypad(
    ui: UI,
) -> None:
    ui.sign_in("ok")
    ui.app.go("access")
    ui.settle()
    ui.tap(ui.screen.ids.remember)
    assert Preferences.from_json(_stored(ui)).speech is False
    ui.key(274)  # the first keypad key (down) turns speech mode on
    assert ui.app.speech_on
    assert Preferences.from_json(_stored(ui)).speech is True
