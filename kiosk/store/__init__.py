"""The SQLite store: one file, WAL mode, migrated at open.

Only services use the store; screens reach services through their interfaces. Times
are stored in UTC as ISO 8601 text (see :mod:`kiosk.timeutil`), so string order is time
order.
"""

from kiosk.store.database import Store, StoreError
from kiosk.store.migrations import MIGRATIONS, Migration, migrate

__all__ = ["MIGRATIONS", "Migration", "Store", "StoreError", "migrate"]
