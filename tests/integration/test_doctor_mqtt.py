"""``kiosk doctor`` and the broker, for real: CONNECT/CONNACK with the configured
credentials, and the kiosk -> broker -> kiosk round trip with and without
``set_tcp_nodelay``."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli import main
from tests.mqtt_support import Mosquitto

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


def doctor(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, url: str, username: str = ""
) -> dict[str, dict[str, Any]]:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[mqtt]\nurl = "{url}"\nusername = "{username}"\nclient_id = "doctor-test"\n'
        f'[database]\npath = "{tmp_path / "k.db"}"\n',
        encoding="utf-8",
    )
    main(["doctor", "--json", "--lang", "en", "--config", str(config)])
    return {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}


@pytest.fixture(scope="module")
def secured() -> Iterator[Mosquitto]:
    b = Mosquitto(users={"kiosk-maker-1": "right-password"})
    b.start()
    yield b
    b.close()


def test_the_configured_credentials_are_tried_for_real(
    secured: Mosquitto,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KIOSK_MQTT_PASSWORD", "wrong-password")
    checks = doctor(capsys, tmp_path, secured.url, "kiosk-maker-1")
    broker = checks[f"mqtt ({secured.url})"]
    assert not broker["ok"]
    assert "refused the connection" in broker["reason"]
    assert "'kiosk-maker-1'" in broker["reason"]
    monkeypatch.setenv("KIOSK_MQTT_PASSWORD", "right-password")
    checks = doctor(capsys, tmp_path, secured.url, "kiosk-maker-1")
    assert checks[f"mqtt ({secured.url})"]["ok"]
    assert checks["mqtt round trip"]["ok"]


def test_a_listening_socket_that_is_no_broker_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Something listens on the port (a web server, an SSH daemon...) but speaks no MQTT.
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        checks = doctor(capsys, tmp_path, f"mqtt://127.0.0.1:{port}")
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()
    broker = checks[f"mqtt (mqtt://127.0.0.1:{port})"]
    assert not broker["ok"]
    assert accepted  # it did connect: TCP alone is not enough
    assert "no CONNACK" in broker["reason"] or "refused" in broker["reason"]


@pytest.mark.parametrize("nodelay", [True, False])
def test_the_broker_round_trip_is_timed_and_a_slow_one_warned(
    nodelay: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broker = Mosquitto(nodelay=nodelay)
    broker.start()
    try:
        checks = doctor(capsys, tmp_path, broker.url)
    finally:
        broker.close()
    check = checks["mqtt round trip"]
    assert check["ok"]
    assert "kiosk -> broker -> kiosk: p50" in check["reason"]
    if nodelay:
        assert not check["warning"]
    else:
        # Mosquitto's default: Nagle's algorithm meets delayed ACKs (~40 ms).
        assert check["warning"]
        assert "set_tcp_nodelay true" in check["reason"]
