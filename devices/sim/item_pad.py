"""A simulated RFID item pad holding ISO 28560 tags."""

from __future__ import annotations

from devices.sim.base import SimDevice
from kiosk.domain.errors import DeviceError
from kiosk.domain.events import TagsRead
from kiosk.domain.tags import ItemTag


class SimItemPad(SimDevice):
    """Place and remove tags with :meth:`place`, :meth:`remove`, :meth:`clear`.

    Extra failure mode ``write_fails``: security writes do not stick (the AFI reads
    back unchanged), so the flows must send the patron to staff.
    """

    kind = "item_pad"
    extra_modes = frozenset({"write_fails"})

    def __init__(self, name: str = "sim", fail: str | None = None, delay: float = 0.0) -> None:
        super().__init__(name, fail, delay)
        self._tags: dict[str, ItemTag] = {}

    def tags(self) -> tuple[ItemTag, ...]:
        self._answer()
        with self._lock:
            return tuple(self._tags.values())

    def place(self, *tags: ItemTag) -> None:
        with self._lock:
            for tag in tags:
                self._tags[tag.uid] = tag
        self._changed()

    def remove(self, uid: str) -> None:
        with self._lock:
            self._tags.pop(uid, None)
        self._changed()

    def clear(self) -> None:
        with self._lock:
            self._tags.clear()
        self._changed()

    def set_security(self, tag_uid: str, secured: bool) -> None:
        self._answer()
        with self._lock:
            tag = self._tags.get(tag_uid)
            if tag is None:
                raise DeviceError("device.tag_gone", device=self.name, tag=tag_uid)
            if self.failure == "write_fails":
                raise DeviceError("device.security_write_failed", device=self.name, tag=tag_uid)
            self._tags[tag_uid] = ItemTag(
                uid=tag.uid,
                item_id=tag.item_id,
                part=tag.part,
                parts=tag.parts,
                country=tag.country,
                isil=tag.isil,
                secured=secured,
            )

    def _changed(self) -> None:
        if self.failure in ("offline", "timeout"):
            return
        with self._lock:
            tags = tuple(self._tags.values())
        self._publish(TagsRead(pad=self.name, tags=tags))
