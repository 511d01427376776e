"""Borrowing and returning with the pad: sets, refusals, security writes."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from devices.iso28560 import AFI_ON_LOAN, AFI_SECURED
from devices.sim import SimItemPad
from kiosk.circulation.api import CheckoutResult, ReturnResult
from kiosk.domain.errors import DomainError
from kiosk.domain.tags import ItemTag
from kiosk.itempad import PadCirculation, group

DUE = datetime(2026, 12, 12, 8, 0, tzinfo=UTC)


class FakeCirculation:
    """Records checkouts and returns; refuses the barcodes in ``refuse``."""

    def __init__(self, refuse: dict[str, str] | None = None, desensitize: bool = True) -> None:
        self.refuse = refuse or {}
        self.desensitize = desensitize
        self.checked_out: list[tuple[str, str]] = []
        self.checked_in: list[str] = []

    def checkout(self, patron: str, barcode: str) -> CheckoutResult:
        if barcode in self.refuse:
            raise DomainError(self.refuse[barcode], barcode=barcode)
        self.checked_out.append((patron, barcode))
        return CheckoutResult(barcode, f"Title {barcode}", DUE, desensitize=self.desensitize)

    def checkin(self, barcode: str) -> ReturnResult:
        if barcode in self.refuse:
            raise DomainError(self.refuse[barcode], barcode=barcode)
        self.checked_in.append(barcode)
        return ReturnResult(barcode, f"Title {barcode}")


def tag(uid: str, item: str, part: int = 1, parts: int = 1) -> ItemTag:
    return ItemTag(uid=uid, item_id=item, part=part, parts=parts, country="ID", isil="PKP")


@pytest.fixture
def pad() -> SimItemPad:
    return SimItemPad()


def test_group_sets_and_unreadable() -> None:
    sets, unreadable = group(
        [tag("1", "A", 1, 2), tag("2", "B"), tag("3", "A", 2, 2), ItemTag(uid="4", item_id="")]
    )
    assert [(s.item_id, s.complete) for s in sets] == [("A", True), ("B", True)]
    assert [t.uid for t in unreadable] == ["4"]
    (partial,), _ = group([tag("1", "C", 1, 3), tag("2", "C", 3, 3)])
    assert partial.missing == (2,)


def test_checkout_complete_items_and_write_on_loan(pad: SimItemPad) -> None:
    pad.place(tag("E1", "B1", 1, 2), tag("E2", "B2"), tag("E3", "B1", 2, 2))
    circulation = FakeCirculation()
    result = PadCirculation(pad, circulation).checkout("P1")
    assert circulation.checked_out == [("P1", "B1"), ("P1", "B2")]
    assert [o.item_id for o in result.done] == ["B1", "B2"]
    assert [r.barcode for r in result.checkouts] == ["B1", "B2"]
    assert result.returns == ()
    assert not result.see_staff
    for uid in ("E1", "E2", "E3"):
        raw = pad.memory(uid)
        assert raw is not None
        assert raw.afi == AFI_ON_LOAN


def test_no_write_when_the_ils_says_not_to_desensitize(pad: SimItemPad) -> None:
    pad.place(tag("E1", "B1"))
    PadCirculation(pad, FakeCirculation(desensitize=False)).checkout("P1")
    raw = pad.memory("E1")
    assert raw is not None
    assert raw.afi == AFI_SECURED


def test_a_set_with_a_missing_part_is_refused_before_anything_is_borrowed(
    pad: SimItemPad,
) -> None:
    pad.place(tag("E1", "B1", 1, 3), tag("E3", "B1", 3, 3), tag("E4", "B2"))
    circulation = FakeCirculation()
    with pytest.raises(DomainError) as err:
        PadCirculation(pad, circulation).checkout("P1")
    assert err.value.key == "pad.set_incomplete"
    assert err.value.params == {"item": "B1", "parts": 3, "missing": "2"}
    assert circulation.checked_out == []
    with pytest.raises(DomainError, match=r"pad.set_incomplete"):
        PadCirculation(pad, circulation).checkin()
    assert circulation.checked_in == []


def test_empty_pad_and_unreadable_tag(pad: SimItemPad) -> None:
    service = PadCirculation(pad, FakeCirculation())
    with pytest.raises(DomainError, match=r"pad.empty"):
        service.checkout("P1")
    pad.place_memory("E9", b"\x00" * 32)
    with pytest.raises(DomainError, match=r"pad.tag_unreadable"):
        service.checkin()


def test_one_refused_item_does_not_stop_the_others(pad: SimItemPad) -> None:
    pad.place(tag("E1", "B1"), tag("E2", "B2"))
    circulation = FakeCirculation(refuse={"B1": "circulation.item_on_hold"})
    result = PadCirculation(pad, circulation).checkout("P1")
    (refused,) = result.refused
    assert (refused.item_id, refused.refusal) == ("B1", "circulation.item_on_hold")
    assert dict(refused.params) == {"barcode": "B1"}
    assert [o.item_id for o in result.done] == ["B2"]
    raw = pad.memory("E1")
    assert raw is not None
    assert raw.afi == AFI_SECURED


def test_failed_security_write_sends_the_patron_to_staff_and_is_logged(
    pad: SimItemPad, caplog: pytest.LogCaptureFixture
) -> None:
    pad.place(tag("E1", "B1"))
    pad.fail("write_fails")
    circulation = FakeCirculation()
    with caplog.at_level(logging.ERROR, logger="kiosk.itempad"):
        result = PadCirculation(pad, circulation).checkout("P1")
    assert circulation.checked_out == [("P1", "B1")]  # the loan stands
    assert result.see_staff
    assert result.outcomes[0].ok
    assert not result.outcomes[0].security_ok
    assert "item B1 tag E1" in caplog.text


def test_checkin_rearms_security(pad: SimItemPad) -> None:
    pad.place(ItemTag(uid="E1", item_id="B1", secured=False))
    circulation = FakeCirculation()
    result = PadCirculation(pad, circulation).checkin()
    assert circulation.checked_in == ["B1"]
    assert [r.barcode for r in result.returns] == ["B1"]
    assert not result.see_staff
    raw = pad.memory("E1")
    assert raw is not None
    assert raw.afi == AFI_SECURED


def test_tags_from_an_event_are_used_as_given(pad: SimItemPad) -> None:
    circulation = FakeCirculation()
    PadCirculation(pad, circulation).checkin([tag("X1", "B7")])
    assert circulation.checked_in == ["B7"]
