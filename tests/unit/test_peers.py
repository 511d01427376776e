"""A missing real peer skips a test on a developer's machine and fails it in CI."""

from __future__ import annotations

import pytest

from tests.support import peers
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


@pytest.mark.parametrize("required", [False, True])
def test_a_missing_program_or_module_is_a_missing_peer(
    monkeypatch: pytest.MonkeyPatch, required: bool
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("KIOSK_REQUIRE_PEERS", "1" if required else "0")
    outcome = pytest.fail.Exception if required else pytest.skip.Exception
    with pytest.raises(outcome, match=r"no-such-peer is not installed \(Debian package nope\)"):
        peers.program("no-such-peer", "nope")
    with pytest.raises(outcome, match="no_such_module is not installed"):
        peers.module("no_such_module", "pip install nothing")
    with pytest.raises(outcome, match="pcscd is busy"):
        peers.check("pcscd is busy")


def test_a_present_peer_is_returned() -> None:
    assert peers.program("sh", "dash").endswith("/sh")
    assert peers.module("json", "-").dumps([]) == "[]"
    peers.check(None)
