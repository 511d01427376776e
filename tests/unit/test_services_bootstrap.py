"""The composition root builds the services the screens call."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kiosk import bootstrap
from kiosk.circulation.local import LocalCirculation
from kiosk.config import BackendSection, Config
from kiosk.domain.errors import ConfigError
from tests.unit.circ_helpers import FakeClock


def test_kiosk_exposes_services_after_open_store(tmp_path: Path, default_config: Config) -> None:
    kiosk = bootstrap.build(default_config)
    assert kiosk.services is None
    kiosk.open_store(tmp_path / "k.db")
    assert isinstance(kiosk.services.circulation, LocalCirculation)  # type: ignore[union-attr]
    clock = FakeClock()
    services = kiosk.open_services(clock=clock)
    assert services.circulation.clock is clock  # type: ignore[attr-defined]
    assert services.events.upcoming() == []
    kiosk.stop()
    assert kiosk.services is None


def test_build_services_refuses_sip2_without_a_url(tmp_path: Path, default_config: Config) -> None:
    config = replace(default_config, backend=BackendSection(kind="sip2"))
    store = bootstrap.open_store(config, tmp_path / "k.db")
    try:
        with pytest.raises(ConfigError) as info:
            bootstrap.build_services(config, store)
        assert info.value.key == "backend.url"
    finally:
        store.close()
