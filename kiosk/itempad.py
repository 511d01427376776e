"""What the tags on the RFID item pad mean for borrowing and returning: the library's
rule, decided here once (``docs/circulation.md``, "The item pad").

- Tags are grouped into items by their primary item id (ISO 28560); a tag read twice
  counts once.
- Each item goes out or comes back on its own: one item refused (on hold, not for
  loan ...) is a warning on its own line, the others still go through.
- A multi-part set (a book with its CD: "part n of m") goes out or comes back only
  whole. A set with a part missing from the pad is refused as a whole (none of its
  parts is borrowed or returned) with a warning saying how many parts are there; the
  other items on the pad still go through.
- Tags that carry no item id (blank or unreadable) are one warning; the others still
  go through.

Pure functions of the tags read: the borrow and return screens (:mod:`screens.items`)
call :func:`read_pad` on every :class:`~kiosk.domain.events.TagsRead` and then borrow
or return each complete item through the circulation service, writing its tags'
security bits afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kiosk.domain.tags import ItemTag


@dataclass(frozen=True)
class TagSet:
    """The tags of one item on the pad: ``parts`` of them make it whole."""

    item_id: str
    parts: int
    tags: tuple[ItemTag, ...]

    @property
    def present(self) -> int:
        """How many of its parts are on the pad."""
        return len({t.part for t in self.tags})

    @property
    def missing(self) -> tuple[int, ...]:
        present = {t.part for t in self.tags}
        return tuple(n for n in range(1, self.parts + 1) if n not in present)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def uids(self) -> tuple[str, ...]:
        return tuple(t.uid for t in self.tags)


@dataclass(frozen=True)
class PadReading:
    """What the pad holds, sorted by the rule: ``items`` go through (each on its own),
    ``incomplete`` sets are refused whole, ``unreadable`` tags are counted."""

    items: tuple[TagSet, ...] = ()
    incomplete: tuple[TagSet, ...] = ()
    unreadable: int = 0


def read_pad(tags: Iterable[ItemTag]) -> PadReading:
    """Sort the tags read (in reading order) by the rule in the module docstring. A
    tag that says a different number of parts than its siblings makes the set count
    the largest, so a mismatch reads as a missing part, never as complete."""
    sets: dict[str, list[ItemTag]] = {}
    unreadable: set[str] = set()
    for tag in tags:
        if not tag.item_id:
            unreadable.add(tag.uid)
            continue
        same = sets.setdefault(tag.item_id, [])
        if all(t.uid != tag.uid for t in same):
            same.append(tag)
    grouped = [
        TagSet(item_id=item, parts=max(t.parts for t in found), tags=tuple(found))
        for item, found in sets.items()
    ]
    return PadReading(
        items=tuple(s for s in grouped if s.complete),
        incomplete=tuple(s for s in grouped if not s.complete),
        unreadable=len(unreadable),
    )
