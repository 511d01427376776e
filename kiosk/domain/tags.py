"""What an RFID item pad reports about one library tag."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ItemTag:
    """One ISO 28560 library tag on the pad.

    ``uid`` is the tag's own UID (uppercase hex), ``item_id`` the primary item id
    (the barcode the circulation knows). A multi-part set ("part 2 of 3") carries
    ``part`` and ``parts``; a single item has ``1`` and ``1``. ``secured`` mirrors the
    AFI: True when the tag is armed for the security gates.
    """

    uid: str
    item_id: str
    part: int = 1
    parts: int = 1
    country: str = ""
    isil: str = ""
    secured: bool = True
