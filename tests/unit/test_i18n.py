"""The catalogue: every key in both languages, with the same placeholders, and every key
the code uses exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.domain.errors import DomainError
from kiosk.i18n import LANGUAGES, Translator, catalogue, describe, placeholders, translate

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("kiosk", "devices", "screens", "accessibility")
# A message key passed to an error or to a translate call, or named in a .kv file.
KEY_USE = re.compile(
    r"""(?:DomainError|DeviceError|StoreError|KioskError|translate|describe_key|\bt|_t)\(\s*
        ["']([a-z0-9_]+(?:\.[a-z0-9_]+)+)["']""",
    re.VERBOSE,
)


def test_both_languages_have_the_same_keys() -> None:
    ids, ens = set(catalogue("id")), set(catalogue("en"))
    assert ids, "the Indonesian catalogue is empty"
    assert sorted(ids - ens) == [], "keys missing in English"
    assert sorted(ens - ids) == [], "keys missing in Bahasa Indonesia"


def test_placeholders_match_and_texts_are_not_empty() -> None:
    for key, text_id in catalogue("id").items():
        text_en = catalogue("en")[key]
        assert text_id.strip() and text_en.strip(), key
        assert placeholders(text_id) == placeholders(text_en), key


def _used_keys() -> set[str]:
    keys: set[str] = set()
    for folder in SOURCES:
        for path in (REPO / folder).rglob("*"):
            if path.suffix in (".py", ".kv"):
                keys.update(KEY_USE.findall(path.read_text(encoding="utf-8")))
    return keys


def test_every_key_used_in_code_exists() -> None:
    used = _used_keys()
    assert "device.offline" in used  # the scan itself works
    missing = sorted(k for k in used if k not in catalogue("id"))
    assert missing == []


def test_translate_formats_and_falls_back() -> None:
    assert translate("app.card_read", "en", card="04A1") == "Card read: 04A1"
    assert translate("app.card_read", "id", card="04A1") == "Kartu terbaca: 04A1"
    assert translate("no.such.key", "en") == "no.such.key"
    # Wrong parameters never crash in front of a patron.
    assert translate("app.card_read", "en") == "Card read: {card}"
    t = Translator("id")
    t.language = "en"
    assert t("language.id") == "Bahasa Indonesia"  # each language named in itself
    with pytest.raises(ValueError, match="unknown language"):
        t.language = "fr"


def test_errors_describe_themselves_in_each_language() -> None:
    error = DomainError("booking.overlap")
    for language in LANGUAGES:
        assert describe(error, language) == catalogue(language)["booking.overlap"]
