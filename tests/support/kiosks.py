"""Kiosks for tests, built by the one composition root (:func:`kiosk.bootstrap.open_kiosk`)
with a test's clock, and closed after the test (``tests/conftest.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kiosk import bootstrap
from kiosk.bootstrap import Kiosk
from kiosk.config import Config
from kiosk.services import Services
from kiosk.store import Store
from kiosk.timeutil import Clock, utcnow

#: Kiosks opened by the running test, closed when it ends.
OPENED: list[Kiosk] = []


def open_test_kiosk(
    config: Config,
    database: str | Path | None = None,
    *,
    clock: Clock = utcnow,
    devices: bool = False,
    **options: Any,
) -> Kiosk:
    """``open_kiosk`` without devices unless asked, closed after the test."""
    kiosk = bootstrap.open_kiosk(config, database, devices=devices, clock=clock, **options)
    OPENED.append(kiosk)
    return kiosk


def services_on(store: Store, config: Config, clock: Clock = utcnow) -> Services:
    """The services of ``config`` at ``clock`` on the database of ``store`` (a second
    connection to the same file, as a second kiosk process would have)."""
    services = open_test_kiosk(config, store.path, clock=clock).services
    assert services is not None
    return services


def store_of(kiosk: Kiosk) -> Store:
    assert kiosk.store is not None
    return kiosk.store


def close_all() -> None:
    while OPENED:
        bootstrap.close_kiosk(OPENED.pop())
