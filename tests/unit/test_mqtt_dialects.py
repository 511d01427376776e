"""The plug dialects as data, the switch factory and the migration of old bookings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devices.mqtt.dialects import SHELLY, TASMOTA, Reading
from kiosk import bootstrap
from kiosk.credentials import Credentials
from kiosk.domain.errors import ConfigError
from kiosk.store import Store
from kiosk.store.migrations import MIGRATIONS
from tests.booking_support import make_config


def ids() -> int:
    return 7


def test_tasmota_topics_and_replies() -> None:
    messages, rid = TASMOTA.command("plug-1", 0, "kiosk", True, ids)
    assert messages == [("cmnd/plug-1/POWER", b"ON")]
    assert rid is None
    assert TASMOTA.query("plug-1", 0, "kiosk", ids)[0] == [("cmnd/plug-1/POWER", b"")]
    parse = TASMOTA.parse
    assert parse("plug-1", 0, "k", "stat/plug-1/POWER", b"OFF") == Reading(on=False)
    assert parse("plug-1", 0, "k", "stat/plug-1/RESULT", b'{"POWER":"ON"}') == Reading(on=True)
    assert parse("plug-1", 0, "k", "tele/plug-1/LWT", b"Offline") == Reading(online=False)
    assert parse("plug-1", 0, "k", "stat/plug-1/RESULT", b"garbage") is None
    assert parse("plug-1", 0, "k", "stat/plug-2/POWER", b"ON") is None


def test_shelly_rpc_and_replies() -> None:
    messages, rid = SHELLY.command("shelly-a", 0, "kiosk-1", False, iter([1, 2]).__next__)
    (set_topic, set_body), (get_topic, get_body) = messages
    assert set_topic == get_topic == "shelly-a/rpc"
    assert json.loads(set_body) == {
        "id": 1,
        "src": "kiosk-1",
        "method": "Switch.Set",
        "params": {"id": 0, "on": False},
    }
    assert json.loads(get_body)["method"] == "Switch.GetStatus"
    assert rid == 2  # the status reply confirms
    parse = SHELLY.parse
    reply = b'{"id":2,"src":"shelly-a","dst":"kiosk-1","result":{"id":0,"output":false}}'
    assert parse("shelly-a", 0, "kiosk-1", "kiosk-1/rpc", reply) == Reading(on=False, request_id=2)
    other = reply.replace(b'"src":"shelly-a"', b'"src":"shelly-b"')
    assert parse("shelly-a", 0, "kiosk-1", "kiosk-1/rpc", other) is None
    note = b'{"method":"NotifyStatus","params":{"switch:0":{"id":0,"output":true}}}'
    assert parse("shelly-a", 0, "kiosk-1", "shelly-a/events/rpc", note) == Reading(on=True)
    assert parse("shelly-a", 0, "kiosk-1", "shelly-a/online", b"false") == Reading(online=False)


def test_factory_shares_one_connection_with_credentials(tmp_path: Path) -> None:
    config = make_config(
        "tasmota://plug-a",
        "shelly://shelly-b",
        '\n[mqtt]\nurl = "mqtts://broker.example:8883"\nusername = "kiosk"\n',
    )
    kiosk = bootstrap.build(
        config, Credentials(tmp_path / "none.toml", env={"KIOSK_MQTT_PASSWORD": "s3cret"})
    )
    a, b = kiosk.switches["printer-1"], kiosk.switches["pc-1"]
    connection = a.connection  # type: ignore[attr-defined]
    assert connection is b.connection  # type: ignore[attr-defined]
    assert (connection.tls, connection.port, connection.client_id) == (True, 8883, "kiosk-maker-1")
    assert connection._password == "s3cret"


def test_plugs_need_a_broker() -> None:
    config = make_config("tasmota://plug-a")
    with pytest.raises(ConfigError, match="mqtt"):
        bootstrap.build(config, Credentials(None, env={}))


def test_migration_keeps_old_bookings(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Store(path, migrate=False)
    from kiosk.store.migrations import migrate

    migrate(old, MIGRATIONS[:1])
    old.conn.execute("INSERT INTO resources (id, kind, name) VALUES ('pc-1', 'computer', 'PC')")
    old.conn.execute(
        "INSERT INTO bookings (resource_id, starts_at, ends_at, created_at) VALUES "
        "('pc-1', '2026-12-07T01:00:00+00:00', '2026-12-07T02:00:00+00:00', 'x')"
    )
    old.close()
    new = Store(path)
    try:
        row = new.conn.execute("SELECT hold_until, status FROM bookings").fetchone()
        assert row == ("2026-12-07T02:00:00+00:00", "booked")
    finally:
        new.close()
