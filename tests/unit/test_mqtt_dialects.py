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
    assert rid == ()
    assert TASMOTA.query("plug-1", 0, "kiosk", ids)[0] == [("cmnd/plug-1/POWER", b"")]
    assert TASMOTA.command("strip", 2, "k", False, ids)[0] == [("cmnd/strip/POWER2", b"OFF")]
    parse = TASMOTA.parse
    news = Reading(on=False, online=True, device="plug-1")
    assert parse("plug-1", 0, "k", "stat/plug-1/POWER", b"OFF") == news
    answer = Reading(on=True, online=True, answer=True, device="plug-1")
    assert parse("plug-1", 0, "k", "stat/plug-1/RESULT", b'{"POWER":"ON"}') == answer
    # A single-relay plug answers POWER1 as POWER; a strip answers POWER as POWER1.
    assert parse("plug-1", 1, "k", "stat/plug-1/RESULT", b'{"POWER":"ON"}') == answer
    assert parse("plug-1", 0, "k", "stat/plug-1/RESULT", b'{"POWER1":"ON"}') == answer
    assert parse("plug-1", 0, "k", "stat/plug-1/RESULT", b'{"POWER2":"ON"}') is None
    assert parse("plug-1", 2, "k", "stat/plug-1/RESULT", b'{"POWER2":"1"}') == answer
    unknown = parse("plug-1", 3, "k", "stat/plug-1/RESULT", b'{"Command":"Unknown"}')
    assert unknown is not None and unknown.problem == "equipment.no_channel" and unknown.answer
    state = b'{"Time":"2026-12-07T09:00:00","POWER1":"ON","POWER2":"OFF"}'
    assert parse("plug-1", 2, "k", "tele/plug-1/STATE", state) == Reading(
        on=False, online=True, device="plug-1"
    )
    lwt = parse("plug-1", 0, "k", "tele/plug-1/LWT", b"Offline")
    assert lwt == Reading(online=False, device="plug-1")
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
    assert rid == (1, 2)  # the status reply (the last) confirms
    parse = SHELLY.parse
    reply = b'{"id":2,"src":"shelly-a","dst":"kiosk-1","result":{"id":0,"output":false}}'
    assert parse("shelly-a", 0, "kiosk-1", "kiosk-1/rpc", reply) == Reading(
        on=False, online=True, request_id=2, answer=True, device="shelly-a"
    )
    # Matched on the request id: a device whose id differs from the prefix still counts.
    own_id = reply.replace(b'"src":"shelly-a"', b'"src":"shellyplugsg3-b1"')
    other = parse("shelly-a", 0, "kiosk-1", "kiosk-1/rpc", own_id)
    assert other is not None and other.device == "shellyplugsg3-b1" and other.request_id == 2
    error = (
        b'{"id":3,"src":"s","error":{"code":-105,"message":"Argument \'id\', value 2 not found!"}}'
    )
    refused = parse("shelly-a", 2, "kiosk-1", "kiosk-1/rpc", error)
    assert refused is not None and refused.problem == "equipment.no_channel"
    note = b'{"src":"s","method":"NotifyStatus","params":{"switch:1":{"id":1,"output":true}}}'
    assert parse("shelly-a", 1, "kiosk-1", "shelly-a/events/rpc", note) == Reading(
        on=True, online=True, device="s"
    )
    assert parse("shelly-a", 0, "kiosk-1", "shelly-a/events/rpc", note) is None
    assert parse("shelly-a", 0, "kiosk-1", "shelly-a/online", b"false") == Reading(
        online=False, device="shelly-a"
    )


def test_factory_shares_one_connection_with_credentials(tmp_path: Path) -> None:
    config = make_config(
        "tasmota://plug-a",
        "shelly://shelly-b",
        '\n[mqtt]\nurl = "mqtts://broker.example:8883"\nusername = "kiosk"\n',
    )
    kiosk = bootstrap.open_kiosk(
        config,
        store=False,
        credentials=Credentials(tmp_path / "none.toml", env={"KIOSK_MQTT_PASSWORD": "s3cret"}),
    )
    a, b = kiosk.switches["printer-1"], kiosk.switches["pc-1"]
    connection = a.connection  # type: ignore[attr-defined]
    assert connection is b.connection  # type: ignore[attr-defined]
    assert (connection.tls, connection.port, connection.client_id) == (True, 8883, "kiosk-maker-1")
    assert connection._password == "s3cret"


def test_plugs_need_a_broker() -> None:
    config = make_config("tasmota://plug-a")
    with pytest.raises(ConfigError, match="mqtt"):
        bootstrap.open_kiosk(config, store=False, credentials=Credentials(None, env={}))


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
        assert tuple(row) == ("2026-12-07T02:00:00+00:00", "booked")
    finally:
        new.close()
