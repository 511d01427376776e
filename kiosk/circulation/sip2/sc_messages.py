"""The messages the kiosk (the SC) sends, built from plain values. No I/O.

One method per SIP2 request, with its fixed fields and its variable fields in the
order the 3M spec lists them. Values are assumed already checked for the wire
(:func:`~.codec.value_problem`); the PIN goes out as AD only when one is given (a blank
one is ``""``, which is not the same as none: see :mod:`.backend`).
"""

from __future__ import annotations

from kiosk.circulation.sip2.codec import BLANK_DATE, Message, timestamp
from kiosk.circulation.sip2.settings import Sip2Settings
from kiosk.timeutil import Clock


class ScMessages:
    """The SC's requests for one site: its institution (AO), location and currency,
    the library's time zone for every SIP2 date, and the kiosk's language."""

    def __init__(
        self, settings: Sip2Settings, zone: str, clock: Clock, *, english: bool, kiosk_id: str
    ) -> None:
        self.settings = settings
        self.zone = zone
        self.clock = clock
        #: SIP2 language code: 001 English, 000 unknown (Bahasa Indonesia has none).
        self.language = "001" if english else "000"
        self.kiosk_id = kiosk_id

    def now(self) -> str:
        return timestamp(self.clock(), self.zone)

    def _patron(self, patron: str, pin: str | None) -> tuple[tuple[str, str], ...]:
        return (("AO", self.settings.institution), ("AA", patron), ("AC", ""), *pin_field(pin))

    # -- questions (change nothing at the ACS) ----------------------------------------
    def patron_information(self, patron: str, pin: str | None, summary: str) -> Message:
        """63; a ``summary`` with a Y asks for that list (all of it: BP 1, BQ 999)."""
        fields = self._patron(patron, pin)
        if summary.strip():
            fields += (("BP", "1"), ("BQ", "999"))
        return Message(
            "63",
            {"language": self.language, "transaction_date": self.now(), "summary": summary},
            fields,
        )

    def patron_status(self, patron: str, pin: str) -> Message:
        """23: AD is not optional here."""
        fixed = {"language": self.language, "transaction_date": self.now()}
        return Message("23", fixed, (*self._patron(patron, None), ("AD", pin)))

    def item_information(self, barcode: str) -> Message:
        fields = (("AO", self.settings.institution), ("AB", barcode), ("AC", ""))
        return Message("17", {"transaction_date": self.now()}, fields)

    # -- circulation ------------------------------------------------------------------
    def checkout(
        self, patron: str, barcode: str, pin: str | None, *, at: str | None = None,
        due: str = BLANK_DATE,
    ) -> Message:  # fmt: skip
        """11. ``at`` given: a replay of an offline checkout, sent with no block Y and
        the nb due date the patron was told (``due``)."""
        fixed = {
            "sc_renewal_policy": "N",
            "no_block": "N" if at is None else "Y",
            "transaction_date": at or self.now(),
            "nb_due_date": due,
        }
        fields = (("AO", self.settings.institution), ("AA", patron), ("AB", barcode), ("AC", ""))
        return Message("11", fixed, (*fields, *pin_field(pin)))

    def checkin(self, barcode: str, *, at: str | None = None) -> Message:
        """09. ``at`` given: a replay of an offline return (no block Y, returned then)."""
        stamp = at or self.now()
        fixed = {
            "no_block": "N" if at is None else "Y",
            "transaction_date": stamp,
            "return_date": stamp,
        }
        fields = (
            ("AP", self.settings.location),
            ("AO", self.settings.institution),
            ("AB", barcode),
            ("AC", ""),
        )
        return Message("09", fixed, fields)

    def renew(self, patron: str, barcode: str, pin: str | None) -> Message:
        fixed = {
            "third_party_allowed": "N",
            "no_block": "N",
            "transaction_date": self.now(),
            "nb_due_date": BLANK_DATE,
        }
        fields = (
            ("AO", self.settings.institution),
            ("AA", patron),
            *pin_field(pin),
            ("AB", barcode),
            ("AC", ""),
        )
        return Message("29", fixed, fields)

    def renew_all(self, patron: str, pin: str | None) -> Message:
        fields = (("AO", self.settings.institution), ("AA", patron), *pin_field(pin), ("AC", ""))
        return Message("65", {"transaction_date": self.now()}, fields)

    def hold(
        self, mode: str, patron: str, pin: str | None, *, barcode: str | None,
        title: str | None, pickup: str | None,
    ) -> Message:  # fmt: skip
        """15 with ``mode`` ``+`` (place) or ``-`` (cancel), on a copy or a title."""
        fields: list[tuple[str, str]] = [("AO", self.settings.institution), ("AA", patron)]
        if pickup:
            fields.append(("BS", pickup))
        fields.append(("BY", "3" if barcode else "2"))
        fields += pin_field(pin)
        if barcode:
            fields.append(("AB", barcode))
        if title:
            fields.append(("AJ", title))
        fields.append(("AC", ""))
        return Message("15", {"hold_mode": mode, "transaction_date": self.now()}, tuple(fields))

    def fee_paid(self, patron: str, pin: str | None, amount: int) -> Message:
        """37: cash (payment type 00) against any fee (01); BK names the transaction."""
        stamp = self.now()
        fixed = {
            "transaction_date": stamp,
            "fee_type": "01",
            "payment_type": "00",
            "currency_type": self.settings.currency,
        }
        fields = (
            ("BV", str(amount)),
            ("AO", self.settings.institution),
            ("AA", patron),
            ("AC", ""),
            *pin_field(pin),
            ("BK", f"{self.kiosk_id}-{stamp.replace(' ', '')}"),
        )
        return Message("37", fixed, fields)

    def end_session(self, patron: str, pin: str | None) -> Message:
        return Message("35", {"transaction_date": self.now()}, self._patron(patron, pin))


def pin_field(pin: str | None) -> tuple[tuple[str, str], ...]:
    return (("AD", pin),) if pin is not None else ()
