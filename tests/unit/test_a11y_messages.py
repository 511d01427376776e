"""Every accessibility message exists in both languages with the same placeholders."""

from __future__ import annotations

from kiosk.i18n import catalogue, placeholders


def test_accessibility_messages_match_in_id_and_en() -> None:
    indonesian = {k: v for k, v in catalogue("id").items() if k.startswith("a11y.")}
    english = {k: v for k, v in catalogue("en").items() if k.startswith("a11y.")}
    assert indonesian.keys() == english.keys()
    assert len(indonesian) >= 40
    for key, text in indonesian.items():
        assert placeholders(text) == placeholders(english[key]), key
        assert text != english[key], key  # really translated


def test_every_role_and_state_the_keypad_speaks_is_translated() -> None:
    from typing import get_args

    from accessibility.keypad import Role
    from accessibility.states import STATE_STYLES

    for language in ("id", "en"):
        messages = catalogue(language)
        for role in get_args(Role):
            assert f"a11y.role.{role}" in messages
            assert f"a11y.role_help.{role}" in messages
        for style in STATE_STYLES.values():
            assert not style.label_key or style.label_key in messages
