"""No English left in the Indonesian catalogue (issue 14, item 10).

An English word is any word of the English catalogue's texts; one found in an
Indonesian text is reported, unless it is code (placeholders, command lines, options,
config keys, file names, acronyms) or on the short allow-list below: names, and the
words Indonesian spells as English does (KBBI lists them: ``data``, ``status``,
``printer`` ...). "Booking" or "check-in" in an Indonesian text fails here."""

from __future__ import annotations

import re

from kiosk.i18n import catalogue

#: Code in a message, not words: placeholders, quoted code, command-line options, config
#: sections (with the key after them), paths and dotted names, ``kiosk ...`` command
#: lines, URL parameters, acronyms and metavariables (PIN, MQTT, CARD), identifiers.
CODE = re.compile(
    r"""
      \{[^}]*\}
    | `[^`]*` | '[^']*'
    | --[\w-]+
    | \[[^\]]*\](?:\s+\w+)?
    | [\w<>./-]*[./][\w<>./-]+
    | \bkiosk(?:\s+[a-z][a-z-]*)+
    | \?\w+=
    | \b[A-Z0-9][A-Z0-9_-]*[A-Z0-9]\b
    | \b\w+_\w+\b
    """,
    re.VERBOSE,
)
WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]")

#: Names (languages, products, demo people, programs, units) ...
NAMES = {"bahasa", "indonesia", "english", "slims", "sqlite", "g-code", "gcode", "ctrl-c"}
NAMES |= {"andi", "ps", "ms", "makerspace"}
#: ... and Indonesian words spelled as the English ones (KBBI).
LOANWORDS = {"per", "data", "printer", "demo", "mode", "server", "broker", "format"}
LOANWORDS |= {"volume", "rupiah", "status", "program", "slot", "folder", "normal"}
LOANWORDS |= {"minimum", "minus", "terminal", "web", "email"}


def words(text: str) -> list[str]:
    return [word.lower() for word in WORD.findall(CODE.sub(" ", text))]


def test_the_indonesian_catalogue_has_no_english_words() -> None:
    english = {word for text in catalogue("en").values() for word in words(text)}
    allowed = NAMES | LOANWORDS
    found = sorted(
        f"{key}: {word!r} in {text!r}"
        for key, text in catalogue("id").items()
        for word in words(text)
        if word in english and word not in allowed
    )
    assert found == []


def test_the_check_finds_english_words() -> None:
    """The check itself: the words issue 14 found are caught, code is not."""
    english = {word for text in catalogue("en").values() for word in words(text)}
    assert {"booking", "check-in", "offline"} <= english
    assert [w for w in words("Booking saya ({count})") if w in english] == ["booking"]
    assert [w for w in words("Check-in dibuka pukul {opens}.") if w in english] == ["check-in"]
    assert words("periksa --db atau [database] path; kiosk circ pin set {card}") == [
        "periksa",
        "atau",
    ]
