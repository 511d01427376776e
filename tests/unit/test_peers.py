"""A missing real peer skips a test on a developer's machine and fails it in CI."""

from __future__ import annotations

import pytest

from tests.support.peers import missing_peer


@pytest.mark.parametrize(
    ("env", "outcome"),
    [
        ({}, pytest.skip.Exception),
        ({"CI": "true"}, pytest.fail.Exception),
        ({"KIOSK_REQUIRE_PEERS": "1"}, pytest.fail.Exception),
    ],
)
def test_missing_peer(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], outcome: type[BaseException]
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("KIOSK_REQUIRE_PEERS", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(outcome, match="OctoPrint is not installed"):
        missing_peer("OctoPrint is not installed")
