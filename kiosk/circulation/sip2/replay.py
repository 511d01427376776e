"""Sending the outbox to the ILS: the offline checkouts and returns, in the order they
happened, when the ILS answers again.

A checkout goes out as an 11 with no block Y and the nb due date the patron was told;
a return as a 09 with no block Y and the time it happened. An entry *in doubt* (it was
being sent when the connection or the kiosk died) is first checked with the ILS (is
the item already on the patron's account, or already back?) so that nothing arrives
twice. The ILS's refusal (its AF screen message) is kept for staff.

Blocking (the network); called by :meth:`kiosk.outbox.Outbox.replay`, which keeps one
replay at a time.
"""

from __future__ import annotations

from kiosk.circulation.sip2.acs_replies import CHARGED, CHARGED_ITEMS, screen_text
from kiosk.circulation.sip2.client import Sip2UnreachableError
from kiosk.circulation.sip2.codec import Sip2ProtocolError, timestamp
from kiosk.circulation.sip2.lookup import Lookup
from kiosk.outbox import OutboxEntry
from kiosk.timeutil import from_db


class Delivery:
    """The outbox deliverer of the SIP2 backend (a :data:`kiosk.outbox.Deliver`)."""

    def __init__(self, lookup: Lookup, zone: str) -> None:
        self.lookup = lookup
        self.client = lookup.client
        self.messages = lookup.messages
        self.zone = zone

    def __call__(self, entry: OutboxEntry) -> str | None:
        """None when the entry arrived (or had arrived), the ILS's reason when it was
        refused; raises :class:`Sip2UnreachableError` to stop the replay."""
        payload = entry.payload
        barcode = str(payload.get("barcode", ""))
        at = timestamp(from_db(str(payload["at"])), self.zone)
        try:
            if entry.kind == "checkout":
                patron = str(payload["patron"])
                if entry.in_doubt and barcode in self.lookup.patron_list(
                    patron, None, CHARGED_ITEMS, "AU"
                ):
                    return None  # it arrived before the connection (or the kiosk) died
                due = timestamp(from_db(str(payload["due"])), self.zone)
                message = self.messages.checkout(patron, barcode, None, at=at, due=due)
                reply = self.client.request(message, "12", repeatable=False)
            elif entry.kind == "checkin":
                if (
                    entry.in_doubt
                    and self.lookup.item(barcode).fixed["circulation_status"] not in CHARGED
                ):
                    return None
                message = self.messages.checkin(barcode, at=at)
                reply = self.client.request(message, "10", repeatable=False)
            else:
                return f"unknown outbox entry kind {entry.kind!r}"
        except Sip2ProtocolError as exc:
            # Garbled after sending: it may have been carried out; check next time.
            raise Sip2UnreachableError(exc.reason, maybe_done=True) from None
        if reply.fixed["ok"] == "1":
            return None
        return screen_text(reply) or "refused (no reason given)"
