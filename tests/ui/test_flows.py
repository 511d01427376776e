"""Every patron flow, end to end, on the real local services and demo data: touches
and key presses in, what the screen shows out."""

from __future__ import annotations

import pytest

from tests.ui.conftest import UI

pytestmark = pytest.mark.ui


def test_attract_shows_the_library_and_switches_language_at_once(ui: UI) -> None:
    attract = ui.app.screen("attract")
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
