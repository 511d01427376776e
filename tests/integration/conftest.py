"""Fixtures the integration tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.mqtt_support import Mosquitto


@pytest.fixture(scope="module")
def broker() -> Iterator[Mosquitto]:
    """A real Mosquitto on 127.0.0.1, one per test module."""
    b = Mosquitto()
    b.start()
    yield b
    b.close()
