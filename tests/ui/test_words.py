"""Words (issue 14, item 10), in both languages: a button and the screen it opens have
the same name; labels shown together do not collide (Kembali / Kembalikan, Pesanan /
Pesan alat); refusal rows are titled with the item's title (barcode small) and carry
no "!" glyph (the error state is the outline and the mark)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.conftest import UI

pytestmark = pytest.mark.ui

LANGUAGES = ["id", "en"]
#: Screens a signed-in patron reaches from Home, by the Home button's id.
HOME_BUTTONS = {
    "borrow": "borrow",
    "returns": "returns",
    "loans": "loans",
    "holds": "holds",
    "equipment": "equipment",
    "events": "events",
    "feedback": "feedback",
    "pin": "pin_change",
}


def header(screen: Any) -> Any:
    from screens.widgets import Header

    return next(w for w in screen.walk(restrict=True) if isinstance(w, Header))


def header_buttons(screen: Any) -> list[Any]:
    from screens.widgets import KButton

    bar = header(screen)
    # Back returns and Sign out ends the session: neither opens a screen by a name.
    leaving = (bar.ids.back.__self__, bar.ids.sign_out.__self__)
    return [
        w
        for w in bar.walk(restrict=True)
        if isinstance(w, KButton) and w.shown and w.opacity > 0 and w not in leaving
    ]


def visible_labels(ui: UI, screen: Any) -> list[str]:
    """What names things on the screen: its title and its buttons' texts."""
    from screens.widgets import KButton

    buttons = [
        w.text
        for w in screen.walk(restrict=True)
        if isinstance(w, KButton) and w.text and w.opacity > 0 and getattr(w, "shown", True)
    ]
    found = [w for w in screen.walk(restrict=True) if type(w).__name__ == "Header"]
    return ([found[0].title] if found else []) + buttons


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_header_and_home_button_has_the_name_of_the_screen_it_opens(
    ui: UI, language: str
) -> None:
    ui.app.settings.set_language(language)
    # The idle screen's accessibility button, then every screen's header buttons.
    attract = ui.app.screen("attract")
    opened_by = attract.ids.access.text
    ui.tap(attract.ids.access)
    assert header(ui.screen).title == opened_by, ui.app.current
    ui.app.go("attract")
    ui.settle()
    ui.sign_in("ok")
    home = ui.app.screen("home")
    checked = 0
    for button_id, name in HOME_BUTTONS.items():
        ui.app.go("home")
        ui.settle()
        button = home.ids[button_id]
        text = button.text
        ui.tap(button)
        assert ui.app.current == name
        assert header(ui.screen).title == text, (name, text)
        for header_button in header_buttons(ui.screen):
            before, text = ui.app.current, header_button.text
            ui.tap(header_button)
            if ui.app.current != before:  # it opened a screen: named as the button
                assert header(ui.screen).title == text, (before, ui.app.current, text)
                checked += 1
                ui.app.go(before)
                ui.settle()
            ui.app.settings.set_language(language)  # the language button switched it
    assert checked == len(HOME_BUTTONS)


def first_word(label: str) -> str:
    return label.split()[0].lower() if label.split() else ""


@pytest.mark.parametrize("language", LANGUAGES)
def test_labels_shown_together_do_not_collide(ui: UI, language: str) -> None:
    """No label on a screen starts with a word that begins another label's first word
    ("Kembali" / "Kembalikan", "Pesan" / "Pesanan"): a patron reading quickly takes one
    for the other."""
    ui.app.settings.set_language(language)
    screens = {"attract": ui.app.screen("attract")}
    screens["returns"] = ui.app.screen("returns")
    ui.sign_in("ok")
    collisions = []
    for name in ["home", *HOME_BUTTONS.values()]:
        ui.app.go(name)
        ui.settle()
        screens[name] = ui.screen
    for name, screen in screens.items():
        words = {first_word(label) for label in visible_labels(ui, screen)}
        for one in words:
            for other in words:
                if len(one) >= 4 and one != other and other.startswith(one):
                    collisions.append((name, one, other))
    assert collisions == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_refusal_rows_are_titled_with_the_item_s_title_without_a_glyph(
    ui: UI, language: str
) -> None:
    ui.app.settings.set_language(language)
    ui.sign_in("fines")  # over the fine limit: the refusal is the account's, not the item's
    ui.tap(ui.screen.ids.borrow)
    ui.scan("B00004")
    row = ui.rows()[0]
    assert row.mark == "refused"
    assert row.title == "Sang Pemimpi"  # asked of the library system: the refusal names none
    assert row.detail.startswith("B00004 · ")
    assert "Rp" in row.detail
    said = [text for text, _ in ui.kiosk.speaker.spoken]  # type: ignore[union-attr]
    assert said[-1].startswith("Sang Pemimpi. ")
    # No "!" drawn before any text: the error state is the outline and the mark.
    assert not [text for text in ui.texts(ui.screen) if text.lstrip().startswith("!")]
    ui.scan("X-NONE")  # unknown to the library system: its barcode is all there is
    unknown = ui.rows()[0]
    assert unknown.title == "X-NONE" and not unknown.detail.startswith("X-NONE")
