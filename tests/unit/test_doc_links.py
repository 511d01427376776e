"""Every relative link and image in the README and docs/ points at a file that exists
(issue 14 item 12: the guide showed pictures that were not there)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]

#: ``![alt](target "title")`` and ``[text](target)``, ``<img src="...">``, and
#: reference definitions ``[name]: target``.
_LINK = re.compile(
    r"!?\[[^\]]*\]\(\s*<?(?P<inline>[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)"
    r"|<img\b[^>]*\bsrc=\"(?P<img>[^\"]+)\""
    r"|^\s*\[[^\]]+\]:\s*(?P<ref>\S+)",
    re.MULTILINE,
)


def links(text: str) -> list[tuple[str, bool]]:
    """(target, is an image) of every link outside code blocks and code spans."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    text = re.sub(r"`[^`\n]*`", "", text)
    found = []
    for match in _LINK.finditer(text):
        target = match.group("inline") or match.group("img") or match.group("ref")
        image = match.group(0).startswith("!") or match.group("img") is not None
        found.append((target, image))
    return found


def local(target: str) -> str | None:
    """The path part of a link to a file of the repository (None: a web address, a
    mail address or an anchor on the same page)."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.startswith("#"):
        return None
    return target.split("#", 1)[0].split("?", 1)[0] or None


def test_the_link_finder_sees_images_links_and_references() -> None:
    text = (
        '![A](shots/a.png) [b](b.md#x) <img src="c.svg" alt="c"> [w](https://x.org)\n'
        "[ref]: d/e.md\n`![not](code.png)`\n```\n![not](block.png)\n```\n"
    )
    assert links(text) == [
        ("shots/a.png", True),
        ("b.md#x", False),
        ("c.svg", True),
        ("https://x.org", False),
        ("d/e.md", False),
    ]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_and_image_exists(doc: Path) -> None:
    broken = []
    for target, image in links(doc.read_text(encoding="utf-8")):
        path = local(target)
        if path is not None and not (doc.parent / path).exists():
            broken.append(f"{'image' if image else 'link'} {target}")
    assert broken == [], f"{doc.relative_to(REPO)}: {broken}"


def test_the_guide_shows_pictures() -> None:
    images = [t for t, image in links((REPO / "docs/using-the-kiosk.md").read_text()) if image]
    assert len(images) >= 10
