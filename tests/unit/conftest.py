"""Fixtures the unit tests of the services share: the test clock (Monday 23 November
2026, 08:00 in Palu; a module with another moment defines its own ``clock``) and the
services over the test store."""

from __future__ import annotations

import pytest

from kiosk.config import Config
from kiosk.services import Services
from kiosk.store import Store
from tests.unit.circ_helpers import FakeClock, services


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def svc(store: Store, default_config: Config, clock: FakeClock) -> Services:
    return services(store, default_config, clock)
