"""Patron preferences (opt-in, stored in patrons.preferences), applied at sign-in and
cleared from the kiosk at sign-out; and the [accessibility] config section."""

from __future__ import annotations

import pytest

from accessibility.session import AccessibilitySettings, Snapshot, build_speech
from accessibility.theme import HIGH_CONTRAST
from devices.sim import SimSpeaker
from kiosk import config as config_module
from kiosk.domain.errors import ConfigError
from kiosk.preferences import Preferences, PreferencesService
from kiosk.store import Store
from tests.conftest import REPO


def _patron(store: Store) -> int:
    with store.transaction() as db:
        db.execute(
            "INSERT INTO patron_groups (code, name_id, name_en) VALUES ('umum', 'Umum', 'Public')"
        )
        cursor = db.execute(
            "INSERT INTO patrons (name, patron_group, created_at) "
            "VALUES ('Siti', 'umum', '2026-01-01T00:00:00Z')"
        )
        return int(cursor.lastrowid)


def test_nothing_is_stored_until_the_patron_opts_in(store: Store) -> None:
    service = PreferencesService(store)
    patron = _patron(store)
    assert service.load(patron).empty
    chosen = Preferences(
        language="en", theme="high_contrast", text_scale=2.0, speech=True, long_timeouts=True
    )
    service.save(patron, chosen)
    assert service.load(patron) == chosen
    service.forget(patron)
    assert service.load(patron).empty
    row = store.conn.execute("SELECT preferences FROM patrons WHERE id = ?", [patron]).fetchone()
    assert row[0] is None
    assert service.load(9999).empty


def test_stored_rubbish_is_ignored_not_fatal() -> None:
    assert Preferences.from_json("{not json").empty
    prefs = Preferences.from_json(
        '{"language": "fr", "theme": "neon", "text_scale": 3, "speech": "yes", '
        '"long_timeouts": true, "future_key": 1}'
    )
    assert prefs == Preferences(long_timeouts=True)
    assert Preferences.from_json('{"text_scale": 1.5}').text_scale == 1.5


def test_applied_at_sign_in_and_cleared_at_sign_out(default_config) -> None:  # type: ignore[no-untyped-def]
    speaker = SimSpeaker()
    section = default_config.accessibility
    speech = build_speech(section, speaker, "id")
    seen: list[Snapshot] = []
    settings = AccessibilitySettings(section, speech, language="id", on_change=seen.append)
    base_session = settings.policy.session_s
    settings.apply(
        Preferences(
            language="en", theme="high_contrast", text_scale=2.0, speech=True, long_timeouts=True
        )
    )
    assert settings.theme is HIGH_CONTRAST
    assert settings.text_scale == 2.0
    assert speech.language == "en"
    assert speech.speech_mode
    assert settings.policy.session_s == base_session * section.long_timeout_factor
    assert settings.current() == Preferences("en", "high_contrast", 2.0, True, True)
    # One report for the whole sign-in (a language change re-renders every screen).
    assert seen == [Snapshot("en", "high_contrast", 2.0, True, True)]
    speech.volume_up()
    settings.reset()
    assert seen[1:] == [Snapshot("id", "default", 1.0, False, False)]  # one for sign-out
    assert speaker.volume == section.speech_volume
    assert not speech.speech_mode
    assert speech.language == "id"
    assert settings.policy.session_s == base_session


def test_accessibility_button_actions(default_config) -> None:  # type: ignore[no-untyped-def]
    speech = build_speech(default_config.accessibility, None, "id")
    settings = AccessibilitySettings(default_config.accessibility, speech)
    seen: list[Snapshot] = []
    settings.on_change = seen.append
    settings.set_text_scale(1.5)
    settings.set_theme("dark")
    settings.toggle_language()
    settings.set_speech(True)
    settings.set_long_timeouts(True)
    assert settings.snapshot() == Snapshot("en", "dark", 1.5, True, True)
    assert len(seen) == 5  # one change, one report (speech mode too)
    settings.toggle_language()
    assert settings.language == "id"
    with pytest.raises(ValueError, match="text scale"):
        settings.set_text_scale(1.25)
    with pytest.raises(ValueError, match="language"):
        settings.set_language("xx")


def test_accessibility_config_section() -> None:
    config = config_module.parse(
        '[accessibility]\ntheme = "high_contrast"\ntext_scale = 2.0\n'
        'keymap = { help = ["numpad5"], volume_up = ["numpadadd"] }\n'
    )
    assert config.accessibility.theme == "high_contrast"
    assert config.accessibility.keymap["help"] == ["numpad5"]
    assert config_module.load(REPO / "config" / "kiosk.example.toml").accessibility.keymap


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[accessibility]\ntext_scale = 1.2", "accessibility.text_scale"),
        ("[accessibility]\ntimeout_warning_s = 10", "accessibility.timeout_warning_s"),
        ("[accessibility]\nmax_extensions = 3", "accessibility.max_extensions"),
        ("[accessibility]\nkeymap = { jump = ['j'] }", "accessibility.keymap"),
        ("[accessibility]\nkeymap = { help = ['F2'] }", "accessibility.keymap"),
        ("[accessibility]\ntheme = 'neon'", "accessibility.theme"),
        (
            "[accessibility]\nsession_timeout_s = 40\ntimeout_warning_s = 40",
            "accessibility.timeout_warning_s",
        ),
    ],
)
def test_bad_accessibility_config_is_refused(text: str, where: str) -> None:
    with pytest.raises(ConfigError, match=where.replace(".", r"\.")):
        config_module.parse(text)
