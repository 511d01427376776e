"""kv rules add up, they do not override (kivy/kivy#2365): when a derived rule or a
widget in a layout sets a property its base rule also binds, both bindings stay, and
the base rule wins again whenever only its own inputs change (a theme or text-size
switch). Header buttons then took the body size after a switch to high contrast, and
the PIN pad's keys the body size after a language switch. So each such property has
one rule, in the base class, and the others say what they want through a property of
its own: ``font_role`` / ``font_fixed`` for the text size (FitText), ``fixed_height``
for a button's height, ``fixed_width`` for a short button's width."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SCREENS = Path(__file__).resolve().parents[2] / "screens"

#: Python classes of the families (kv's ``<Name@Base>`` rules are read below).
PYTHON_BASES = {
    "KLabelBase": "FitText",
    "KButton": "FitText",
    "KToggle": "KButton",
    "SlotButton": "KButton",
    "ShortButton": "KButton",
    "HeaderButton": "ShortButton",
    "AccessButton": "HeaderButton",
}

#: (family, property, the one rule allowed to set it)
ONE_RULE = (
    ("FitText", "font_size", {"KLabel", "KButton"}),
    ("KButton", "height", {"KButton"}),
    ("ShortButton", "width", {"ShortButton"}),
)


def _bases() -> dict[str, str]:
    bases = dict(PYTHON_BASES)
    for kv in SCREENS.glob("*.kv"):
        for name, base in re.findall(r"^<(\w+)@(\w+)[^>]*>:", kv.read_text(), re.M):
            bases[name] = base
    return bases


def _is_a(name: str, family: str, bases: dict[str, str]) -> bool:
    while name:
        if name == family:
            return True
        name = bases.get(name, "")
    return False


def _settings() -> list[tuple[str, int, str, str]]:
    """(file, line, widget or rule, property) for every property line in the kv files,
    with the widget it belongs to (the nearest less-indented declaration)."""
    found = []
    for kv in sorted(SCREENS.glob("*.kv")):
        lines = kv.read_text().split("\n")
        for number, line in enumerate(lines):
            match = re.match(r"^(\s*)(\w+):", line)
            if not match or match.group(2)[0].isupper():
                continue
            indent = len(match.group(1))
            for above in reversed(lines[:number]):
                stripped = above.strip()
                if not stripped or stripped.startswith("#"):
                    continue
                if len(above) - len(above.lstrip()) < indent:
                    owner = stripped.rstrip(":").lstrip("<").rstrip(">").split("@")[0]
                    found.append((kv.name, number + 1, owner, match.group(2)))
                    break
    return found


@pytest.mark.parametrize(("family", "prop", "allowed"), ONE_RULE)
def test_one_rule_sets_each_property_the_base_binds(
    family: str, prop: str, allowed: set[str]
) -> None:
    bases = _bases()
    others = [
        f"{file}:{line} {owner}"
        for file, line, owner, name in _settings()
        if name == prop and _is_a(owner, family, bases) and owner not in allowed
    ]
    assert others == [], f"set {prop} through the base rule's own property: {others}"


def test_the_scanner_sees_the_base_rules() -> None:
    """The check above reads what it should: the base rules themselves are found."""
    owners = {(owner, name) for _f, _l, owner, name in _settings()}
    assert {("KLabel", "font_size"), ("KButton", "font_size"), ("KButton", "height")} <= owners
    assert ("ShortButton", "width") in owners
    assert _is_a("HeaderButton", "KButton", _bases())
