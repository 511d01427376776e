"""The item pad rule (kiosk/itempad.py): each item on its own, an incomplete
multi-part set refused whole, unreadable tags counted. The screens use it
(tests/ui/test_flows.py: the pad through the borrow screen)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.tags import ItemTag
from kiosk.itempad import read_pad


def test_items_go_on_their_own_and_an_incomplete_set_is_refused_whole() -> None:
    reading = read_pad(
        [
            ItemTag(uid="A1", item_id="B1"),
            ItemTag(uid="C1", item_id="SET", part=1, parts=2),
            ItemTag(uid="A2", item_id="B2"),
            ItemTag(uid="", item_id=""),  # a blank tag
            ItemTag(uid="Z9", item_id=""),
        ]
    )
    assert [s.item_id for s in reading.items] == ["B1", "B2"]
    (refused,) = reading.incomplete
    assert (refused.item_id, refused.present, refused.parts, refused.missing) == ("SET", 1, 2, (2,))
    assert reading.unreadable == 2


def test_a_whole_set_goes_as_one_item_with_all_its_tags() -> None:
    reading = read_pad(
        [
            ItemTag(uid="C1", item_id="SET", part=1, parts=2),
            ItemTag(uid="C2", item_id="SET", part=2, parts=2),
            ItemTag(uid="C1", item_id="SET", part=1, parts=2),  # read twice: once
        ]
    )
    (whole,) = reading.items
    assert whole.uids == ("C1", "C2") and whole.complete and not reading.incomplete


def test_a_tag_that_disagrees_on_the_number_of_parts_is_a_missing_part() -> None:
    reading = read_pad(
        [
            ItemTag(uid="C1", item_id="SET", part=1, parts=2),
            ItemTag(uid="C2", item_id="SET", part=2, parts=3),
        ]
    )
    assert not reading.items and reading.incomplete[0].missing == (3,)


tags = st.builds(
    ItemTag,
    uid=st.text("ABC123", min_size=1, max_size=3),
    item_id=st.sampled_from(["", "B1", "B2", "SET"]),
    part=st.integers(1, 3),
    parts=st.integers(1, 3),
)


@given(st.lists(tags, max_size=12))
def test_every_tag_is_accounted_for_once(found: list[ItemTag]) -> None:
    reading = read_pad(found)
    ids = [s.item_id for s in (*reading.items, *reading.incomplete)]
    assert sorted(ids) == sorted({t.item_id for t in found if t.item_id})
    assert reading.unreadable == len({t.uid for t in found if not t.item_id})
    assert all(s.complete for s in reading.items)
    assert not any(s.complete for s in reading.incomplete)
