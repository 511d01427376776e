"""Domain types shared by the core, the devices and the screens.

Everything here is plain data (frozen dataclasses) or a small exception carrying a
message key, so it can cross threads and, later, a network boundary.
"""

from kiosk.domain.errors import ConfigError, DeviceError, DomainError, KioskError
from kiosk.domain.events import (
    CardTapped,
    DeviceStatus,
    EquipmentFault,
    EquipmentState,
    Event,
    ItemScanned,
    PrintProgress,
    TagsRead,
)
from kiosk.domain.tags import ItemTag

__all__ = [
    "CardTapped",
    "ConfigError",
    "DeviceError",
    "DeviceStatus",
    "DomainError",
    "EquipmentFault",
    "EquipmentState",
    "Event",
    "ItemScanned",
    "ItemTag",
    "KioskError",
    "PrintProgress",
    "TagsRead",
]
