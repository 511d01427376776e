"""Questions to the ILS that change nothing there: its status, a patron, a patron's
lists, an item. Each is one round trip (safe to repeat on a fresh connection).

Blocking (the network); thread-safe (the client keeps one request in flight). Every
call starts the client's monitor thread if it is not running yet.
"""

from __future__ import annotations

from kiosk.circulation.sip2.acs_replies import summary
from kiosk.circulation.sip2.client import AcsStatus, Sip2Client
from kiosk.circulation.sip2.codec import Message, value_problem
from kiosk.circulation.sip2.sc_messages import ScMessages
from kiosk.domain.errors import DomainError

NO_LISTS = " " * 10


class Lookup:
    def __init__(self, client: Sip2Client, messages: ScMessages) -> None:
        self.client = client
        self.messages = messages

    def status(self) -> AcsStatus:
        """The ACS's status, connecting first when there has been no 98 yet (what the
        ILS supports decides which message to send)."""
        self.client.start()
        status = self.client.status
        return status if status is not None else self.client.refresh_status()

    def must_support(self, name: str) -> None:
        """Raise ``circulation.ils_unsupported`` when the ACS's BX lacks ``name``."""
        if not self.status().supports(name):
            raise DomainError("circulation.ils_unsupported")

    def patron(self, patron: str, pin: str | None, lists: str = NO_LISTS) -> Message:
        """63 patron information (or 23 patron status when the ACS lacks 63 and no
        list is asked for)."""
        status = self.status()
        if not status.supports("patron_information"):
            if lists.strip() or not status.supports("patron_status"):
                raise DomainError("circulation.ils_unsupported")
            return self.patron_status(patron, pin)
        message = self.messages.patron_information(patron, pin, lists)
        return self.client.request(message, "64", repeatable=True)

    def patron_status(self, patron: str, pin: str | None) -> Message:
        """23 patron status (its AD is not optional: a blank one when none is known)."""
        self.client.start()
        message = self.messages.patron_status(patron, pin or "")
        return self.client.request(message, "24", repeatable=True)

    def patron_list(self, patron: str, pin: str | None, position: int, field_id: str) -> list[str]:
        """One of the 63's lists (``position`` in its summary, ``field_id`` its field)."""
        reply = self.patron(patron, pin, summary(position))
        return [value.strip() for value in reply.all(field_id) if value.strip()]

    def item(self, barcode: str) -> Message:
        """17 item information: an 18 comes back even for a barcode the ILS does not
        know (then without a title)."""
        self.client.start()
        return self.client.request(self.messages.item_information(barcode), "18", repeatable=True)

    def title_of(self, value: str) -> str:
        """The title of an item id from a list; lists may hold titles already."""
        if value_problem(value, self.client.settings.framing):
            return value
        return self.item(value).text("AJ") or value
