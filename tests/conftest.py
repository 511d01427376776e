"""Shared fixtures. Kivy is configured for offscreen use before anything imports it."""

from __future__ import annotations

import os
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Kivy reads these at import: a private home (no user config), no argv parsing, and no
# window needed for the unit tier (UI tests create theirs through SDL's offscreen driver).
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")

from kiosk import config as config_module
from kiosk.config import Config
from kiosk.store import Store
from tests.support.kiosks import close_all, open_test_kiosk, store_of

REPO = Path(__file__).resolve().parent.parent

#: Fixtures of real peers shared across test folders.
pytest_plugins = ["tests.support.octoprint"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--hardware", action="store_true", help="run tests that need hardware")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--hardware"):
        return
    skip = pytest.mark.skip(reason="needs real hardware: run with --hardware")
    for item in items:
        if "hardware" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def sip2_server() -> Iterator[Any]:
    """A real SIP2 server (pysip2's ACS serving tests/support/sip2_library.py's
    library) on 127.0.0.1, one per test module; each module fills its library."""
    from tests.support.sip2_library import Library, Sip2TestServer

    with Sip2TestServer(Library()) as running:
        yield running


@pytest.fixture
def default_config() -> Config:
    """The built-in default config (simulated devices, 3 printers, 6 computers)."""
    return config_module.parse(config_module.default_config_text(), "<test default>")


@pytest.fixture(autouse=True)
def _close_test_kiosks() -> Iterator[None]:
    """Every kiosk a test opened (tests/support/kiosks.py) is closed after it."""
    yield
    close_all()


@pytest.fixture
def store(tmp_path: Path, default_config: Config) -> Store:
    """A fresh, migrated, empty database file (a kiosk's, without devices)."""
    return store_of(open_test_kiosk(default_config, tmp_path / "kiosk.db"))


@pytest.fixture
def demo_store(tmp_path: Path, default_config: Config) -> Store:
    """A fresh database filled with the demo data."""
    from kiosk import demo

    store = store_of(open_test_kiosk(default_config, tmp_path / "demo.db"))
    demo.load(store, default_config)
    return store


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, peer: str, timeout: float = 5.0) -> None:
    """Until the peer a test started listens on 127.0.0.1:``port``; RuntimeError
    naming ``peer`` when it does not within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"{peer} did not start: nothing listens on {port}")
