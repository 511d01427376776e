"""A simulated RFID item pad holding ISO 28560 tags with real encoded tag memory."""

from __future__ import annotations

from dataclasses import dataclass

from devices.iso28560 import AFI_ON_LOAN, AFI_SECURED, TagData, encode, tag_from_memory
from devices.sim.base import SimDevice
from kiosk.domain.errors import DeviceError
from kiosk.domain.events import TagsRead
from kiosk.domain.tags import ItemTag


@dataclass
class SimTag:
    """One tag on the simulated pad: its UID, user memory and AFI byte."""

    uid: str
    memory: bytes
    afi: int = AFI_SECURED


class SimItemPad(SimDevice):
    """Place and remove tags with :meth:`place`, :meth:`place_memory`, :meth:`remove`,
    :meth:`clear`. Each tag's ISO 28560-3 memory is encoded on placing and decoded on
    every read, as a real pad does.

    Extra failure mode ``write_fails``: security writes do not stick (the AFI reads
    back unchanged), so the flows must send the patron to staff.
    """

    kind = "item_pad"
    extra_modes = frozenset({"write_fails"})

    def __init__(self, name: str = "sim", fail: str | None = None, delay: float = 0.0) -> None:
        super().__init__(name, fail, delay)
        self._tags: dict[str, SimTag] = {}

    def tags(self) -> tuple[ItemTag, ...]:
        self._answer()
        return self._snapshot()

    def _snapshot(self) -> tuple[ItemTag, ...]:
        with self._lock:
            return tuple(tag_from_memory(t.uid, t.memory, t.afi) for t in self._tags.values())

    def memory(self, uid: str) -> SimTag | None:
        """The raw tag (memory and AFI) for tests."""
        with self._lock:
            return self._tags.get(uid)

    def place(self, *tags: ItemTag) -> None:
        """Put tags on the pad; their fields are encoded into tag memory."""
        with self._lock:
            for tag in tags:
                data = TagData(
                    item_id=tag.item_id,
                    part=tag.part,
                    parts=tag.parts,
                    country=tag.country,
                    isil=tag.isil,
                )
                afi = AFI_SECURED if tag.secured else AFI_ON_LOAN
                self._tags[tag.uid] = SimTag(tag.uid, encode(data), afi)
        self._changed()

    def place_memory(self, uid: str, memory: bytes, afi: int = AFI_SECURED) -> None:
        """Put a tag with raw memory on the pad (e.g. a damaged or foreign tag)."""
        with self._lock:
            self._tags[uid] = SimTag(uid, bytes(memory), afi)
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
        """Write the AFI and read it back; DeviceError when it did not stick."""
        self._answer()
        with self._lock:
            tag = self._tags.get(tag_uid)
            if tag is None:
                raise DeviceError("device.tag_gone", device=self.name, tag=tag_uid)
            if self.failure != "write_fails":
                tag.afi = AFI_SECURED if secured else AFI_ON_LOAN
            wanted = AFI_SECURED if secured else AFI_ON_LOAN
            if tag.afi != wanted:
                raise DeviceError("device.security_write_failed", device=self.name, tag=tag_uid)

    def _changed(self) -> None:
        if self.failure in ("offline", "timeout"):
            return
        self._publish(TagsRead(pad=self.name, tags=self._snapshot()))
