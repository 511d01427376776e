"""Borrowing and returning with the RFID item pad: the logic the screens call.

Tags on the pad are grouped into items: a multi-part set (ISO 28560 "part n of m",
e.g. a book with its CD) is one item and may only be borrowed or returned whole. A set
with a missing part refuses the whole batch before anything is checked out, with
``pad.set_incomplete``, so the patron can add the missing part and try again.

Each complete item goes through the circulation (``checkout`` / ``checkin``). Then the
security bits are written on every tag of the item: "on loan" (AFI 0xC2) after a
checkout the ILS says to desensitize, "secured" (AFI 0x07) after a return. When a
write does not stick, the loan or return still stands, but the result tells the patron
to see staff (``pad.see_staff``) and the failure is logged for staff.

Synchronous and blocking (the pad's ``set_security`` talks to the reader; a SIP2
circulation talks to the ILS): call it from a worker, not the UI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from kiosk.circulation.api import CheckoutResult, Circulation, ReturnResult
from kiosk.domain.errors import DeviceError, DomainError
from kiosk.domain.tags import ItemTag
from kiosk.ports import ItemPad

log = logging.getLogger(__name__)

#: The message key the screens show (and speak) when :attr:`PadResult.see_staff`.
SEE_STAFF = "pad.see_staff"


@dataclass(frozen=True)
class TagSet:
    """The tags of one item on the pad: ``parts`` tags for a complete set."""

    item_id: str
    parts: int
    tags: tuple[ItemTag, ...]

    @property
    def missing(self) -> tuple[int, ...]:
        present = {t.part for t in self.tags}
        return tuple(n for n in range(1, self.parts + 1) if n not in present)

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class PadOutcome:
    """What happened to one item.

    ``result`` is the circulation's answer (None when it refused: then ``refusal`` is
    its message key and ``params`` its parameters). ``security_ok`` is False when a
    security write failed: the patron must see staff.
    """

    item_id: str
    tag_uids: tuple[str, ...]
    result: CheckoutResult | ReturnResult | None = None
    refusal: str | None = None
    params: tuple[tuple[str, object], ...] = ()
    security_ok: bool = True

    @property
    def ok(self) -> bool:
        return self.result is not None


@dataclass(frozen=True)
class PadResult:
    """Every item on the pad, in the order the tags were read."""

    outcomes: tuple[PadOutcome, ...]

    @property
    def see_staff(self) -> bool:
        """True when any security write failed (show :data:`SEE_STAFF`)."""
        return any(not o.security_ok for o in self.outcomes)

    @property
    def checkouts(self) -> tuple[CheckoutResult, ...]:
        """The loans made, for the receipt (:meth:`kiosk.receipts.ReceiptBuilder.checkout`)."""
        return tuple(o.result for o in self.outcomes if isinstance(o.result, CheckoutResult))

    @property
    def returns(self) -> tuple[ReturnResult, ...]:
        """The returns made, for the receipt (:meth:`kiosk.receipts.ReceiptBuilder.checkin`)."""
        return tuple(o.result for o in self.outcomes if isinstance(o.result, ReturnResult))

    @property
    def done(self) -> tuple[PadOutcome, ...]:
        return tuple(o for o in self.outcomes if o.ok)

    @property
    def refused(self) -> tuple[PadOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.ok)


def group(tags: Iterable[ItemTag]) -> tuple[list[TagSet], list[ItemTag]]:
    """Tags -> item sets (in reading order) and unreadable tags (no item id).

    Tags of one set share the primary item id; a tag that says a different number of
    parts than its siblings makes the set count the largest (so a mismatch reads as
    a missing part, never as complete).
    """
    sets: dict[str, list[ItemTag]] = {}
    unreadable: list[ItemTag] = []
    for tag in tags:
        if not tag.item_id:
            unreadable.append(tag)
            continue
        same = sets.setdefault(tag.item_id, [])
        if all(t.uid != tag.uid for t in same):
            same.append(tag)
    result = [
        TagSet(item_id=item, parts=max(t.parts for t in ts), tags=tuple(ts))
        for item, ts in sets.items()
    ]
    return result, unreadable


class PadCirculation:
    """Checks out and returns what lies on the pad. One per kiosk; stateless."""

    def __init__(self, pad: ItemPad, circulation: Circulation) -> None:
        self.pad = pad
        self.circulation = circulation

    def _sets(self, tags: Iterable[ItemTag] | None) -> list[TagSet]:
        tags = tuple(self.pad.tags() if tags is None else tags)
        sets, unreadable = group(tags)
        if unreadable:
            raise DomainError("pad.tag_unreadable", count=len(unreadable))
        if not sets:
            raise DomainError("pad.empty")
        for tag_set in sets:
            if not tag_set.complete:
                raise DomainError(
                    "pad.set_incomplete",
                    item=tag_set.item_id,
                    parts=tag_set.parts,
                    missing=", ".join(str(n) for n in tag_set.missing),
                )
        return sets

    def checkout(self, patron: str, tags: Iterable[ItemTag] | None = None) -> PadResult:
        """Borrow every item on the pad (or ``tags``, as a TagsRead event gave them).

        Raises DomainError ``pad.empty``, ``pad.tag_unreadable`` or
        ``pad.set_incomplete`` (``item``, ``parts``, ``missing``) before anything is
        borrowed. A refusal of one item by the circulation is in its outcome.
        """
        outcomes = []
        for tag_set in self._sets(tags):
            try:
                result = self.circulation.checkout(patron, tag_set.item_id)
            except DomainError as exc:
                outcomes.append(_refused(tag_set, exc))
                continue
            secured_ok = True
            if result.desensitize:
                secured_ok = self._secure(tag_set, secured=False, action="checkout")
            outcomes.append(_done(tag_set, result, secured_ok))
        return PadResult(tuple(outcomes))

    def checkin(self, tags: Iterable[ItemTag] | None = None) -> PadResult:
        """Return every item on the pad; no patron needed. Same refusals as
        :meth:`checkout`."""
        outcomes = []
        for tag_set in self._sets(tags):
            try:
                result = self.circulation.checkin(tag_set.item_id)
            except DomainError as exc:
                outcomes.append(_refused(tag_set, exc))
                continue
            secured_ok = True
            if result.resensitize:
                secured_ok = self._secure(tag_set, secured=True, action="return")
            outcomes.append(_done(tag_set, result, secured_ok))
        return PadResult(tuple(outcomes))

    def _secure(self, tag_set: TagSet, *, secured: bool, action: str) -> bool:
        ok = True
        for tag in tag_set.tags:
            try:
                self.pad.set_security(tag.uid, secured)
            except DeviceError as exc:
                ok = False
                # Staff find this in the log: which item, which tag, what went wrong.
                log.error(
                    "security write failed after %s: item %s tag %s (%s): patron sent to staff",
                    action,
                    tag_set.item_id,
                    tag.uid,
                    exc,
                )
        return ok


def _refused(tag_set: TagSet, exc: DomainError) -> PadOutcome:
    return PadOutcome(
        item_id=tag_set.item_id,
        tag_uids=tuple(t.uid for t in tag_set.tags),
        refusal=exc.key,
        params=tuple(sorted(exc.params.items())),
    )


def _done(tag_set: TagSet, result: CheckoutResult | ReturnResult, security_ok: bool) -> PadOutcome:
    return PadOutcome(
        item_id=tag_set.item_id,
        tag_uids=tuple(t.uid for t in tag_set.tags),
        result=result,
        security_ok=security_ok,
    )
