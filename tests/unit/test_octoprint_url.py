"""``octoprint://`` and ``octoprints://`` URLs: what they mean and what they refuse."""

from __future__ import annotations

import pytest

from devices.octoprint import OctoPrintHost
from devices.octoprint.parse import owner_of, state_of, userdata
from kiosk.bootstrap import FACTORIES
from kiosk.ports import DeviceUrl, JobOwner


def host(url: str) -> OctoPrintHost:
    return OctoPrintHost.from_url(DeviceUrl.parse(url), "printer-1", "k")


def test_http_https_prefix_and_options() -> None:
    plain = host("octoprint://10.0.5.21:80")
    assert (plain.rest.base_url, plain.ws_url) == (
        "http://10.0.5.21:80",
        "ws://10.0.5.21:80/sockjs/websocket",
    )
    assert plain.push and plain.rest.verify is True and plain.poll_seconds == 2.0
    secure = host("octoprints://pi.local:443/octoprint/?ca=/etc/kiosk/ca.pem&push=off")
    assert secure.rest.base_url == "https://pi.local:443/octoprint"
    assert secure.ws_url == "wss://pi.local:443/octoprint/sockjs/websocket"
    assert secure.rest.verify == "/etc/kiosk/ca.pem" and not secure.push
    assert {"octoprint", "octoprints"} <= set(FACTORIES["printer"])


def test_built_from_config_with_the_printing_options(monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk import bootstrap
    from kiosk import config as config_module

    monkeypatch.setenv("KIOSK_OCTOPRINT_KEYS_PRINTER_1", "the-key")
    config = config_module.parse(
        "[printing]\nmax_upload_mb = 50\npoll_seconds = 3\ncooldown_c = 45\n"
        '[[resources]]\nid = "printer-1"\nkind = "3d_printer"\n'
        'printer = "octoprint://127.0.0.1:5000"\n'
    )
    built = bootstrap.open_kiosk(config, store=False).printers["printer-1"]
    assert isinstance(built, OctoPrintHost)
    assert (built.max_upload_bytes, built.poll_seconds, built.watch.cooldown_c) == (
        50_000_000,
        3.0,
        45.0,
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("octoprint://", "with a host"),
        ("octoprint://h:80?key=abc", "only 'push' and 'ca' options"),
        ("octoprint://h:80?push=maybe", "push=on or push=off"),
        ("octoprint://h:80?ca=/x.pem", "only with octoprints://"),
    ],
)
def test_mistakes_are_named(url: str, expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        host(url)


def test_owner_round_trip_and_foreign_userdata() -> None:
    import json

    owner = JobOwner(booking_id=12, kiosk_id="makerspace-1")
    assert owner_of({"userdata": json.loads(userdata(owner))}) == owner
    assert owner_of({"userdata": {"someone_else": {"booking": 1}}}) is None
    assert owner_of({"userdata": {"palu_kiosk": {"booking": "12", "kiosk": "k"}}}) is None
    assert owner_of({}) is None


@pytest.mark.parametrize(
    ("flags", "state"),
    [
        ({"operational": False, "closedOrError": True}, "disconnected"),
        ({"operational": False, "error": True}, "error"),
        ({"operational": True, "ready": True}, "idle"),
        ({"operational": True, "printing": True}, "printing"),
        ({"operational": True, "printing": True, "cancelling": True}, "cancelling"),
        ({"operational": True, "pausing": True, "printing": True}, "paused"),
        ({"operational": True, "paused": True}, "paused"),
        ({"operational": True, "finishing": True}, "printing"),
    ],
)
def test_octoprint_flags_map_onto_the_ports_states(flags: dict[str, bool], state: str) -> None:
    assert state_of({"text": "x", "flags": flags}) == state
