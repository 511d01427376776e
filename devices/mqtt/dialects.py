"""The MQTT dialects of the supported smart plugs, described as data.

One module holds every topic. A :class:`Dialect` says which topics to subscribe to,
what to publish for ON, OFF and a state query, and how to read what comes back. The
switch adapter (:mod:`devices.mqtt.switch`) and the plug simulator
(:mod:`devices.mqtt.plugsim`) both work from these tables, never from their own
topic strings.

- Tasmota: ``cmnd/<t>/POWER ON|OFF`` (empty payload: query); the device answers on
  ``stat/<t>/RESULT {"POWER":"ON"}`` and ``stat/<t>/POWER ON``; ``tele/<t>/LWT``
  ``Online``/``Offline`` (retained, its Last Will).
- Shelly Gen2: JSON-RPC on ``<prefix>/rpc``; replies on ``<src>/rpc`` with the request
  id; ``NotifyStatus`` on ``<prefix>/events/rpc``; ``<prefix>/online`` ``true``/
  ``false``. ``Switch.Set`` answers only ``was_on``, so every Set is followed at once by
  a ``Switch.GetStatus`` on the same connection (the device handles them in order): its
  ``output`` is the confirmation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Reading:
    """What one incoming message says about a device.

    ``request_id`` is set for a correlated reply (Shelly); ``on`` None: not about the
    power state; ``online`` None: not about liveness.
    """

    on: bool | None = None
    online: bool | None = None
    request_id: int | None = None


#: (topic, payload) to publish.
Message = tuple[str, bytes]


@dataclass(frozen=True)
class Dialect:
    """A plug family. ``device`` is the Tasmota topic or the Shelly prefix; ``channel``
    the relay number (Shelly ``id``); ``src`` the kiosk's reply address (Shelly);
    ``ids`` hands out fresh request ids."""

    name: str
    #: Topic filters, formatted with device= and src=.
    subscriptions: tuple[str, ...]
    #: Messages for ON/OFF; the request id whose reply confirms (None: uncorrelated).
    command: Callable[[str, int, str, bool, Callable[[], int]], tuple[list[Message], int | None]]
    query: Callable[[str, int, str, Callable[[], int]], tuple[list[Message], int | None]]
    #: (device, channel, src, topic, payload) -> Reading, or None when not for us.
    parse: Callable[[str, int, str, str, bytes], Reading | None]
    #: The device's Last Will topic and its payloads (for the simulator).
    lwt_topic: str
    lwt_online: bytes
    lwt_offline: bytes
    #: Topics a device listens on (for the simulator).
    device_subscriptions: tuple[str, ...]


# -- Tasmota ------------------------------------------------------------------------
def _tasmota_command(
    device: str, channel: int, src: str, on: bool, ids: Callable[[], int]
) -> tuple[list[Message], int | None]:
    return [(f"cmnd/{device}/POWER", b"ON" if on else b"OFF")], None


def _tasmota_query(
    device: str, channel: int, src: str, ids: Callable[[], int]
) -> tuple[list[Message], int | None]:
    return [(f"cmnd/{device}/POWER", b"")], None


def _power(value: object) -> bool | None:
    if isinstance(value, str) and value.upper() in ("ON", "OFF"):
        return value.upper() == "ON"
    return None


def _tasmota_parse(
    device: str, channel: int, src: str, topic: str, payload: bytes
) -> Reading | None:
    text = payload.decode("utf-8", "replace").strip()
    if topic == f"stat/{device}/POWER":
        on = _power(text)
        return Reading(on=on) if on is not None else None
    if topic in (f"stat/{device}/RESULT", f"tele/{device}/STATE"):
        try:
            data = json.loads(text)
        except ValueError:
            return None
        on = _power(data.get("POWER")) if isinstance(data, dict) else None
        return Reading(on=on) if on is not None else None
    if topic == f"tele/{device}/LWT" and text in ("Online", "Offline"):
        return Reading(online=text == "Online")
    return None


TASMOTA = Dialect(
    name="tasmota",
    subscriptions=("stat/{device}/POWER", "stat/{device}/RESULT", "tele/{device}/+"),
    command=_tasmota_command,
    query=_tasmota_query,
    parse=_tasmota_parse,
    lwt_topic="tele/{device}/LWT",
    lwt_online=b"Online",
    lwt_offline=b"Offline",
    device_subscriptions=("cmnd/{device}/POWER",),
)


# -- Shelly Gen2 --------------------------------------------------------------------
def _rpc(device: str, src: str, rid: int, method: str, params: dict[str, object]) -> Message:
    body = {"id": rid, "src": src, "method": method, "params": params}
    return f"{device}/rpc", json.dumps(body, separators=(",", ":")).encode()


def _shelly_command(
    device: str, channel: int, src: str, on: bool, ids: Callable[[], int]
) -> tuple[list[Message], int | None]:
    set_id, status_id = ids(), ids()
    return [
        _rpc(device, src, set_id, "Switch.Set", {"id": channel, "on": on}),
        _rpc(device, src, status_id, "Switch.GetStatus", {"id": channel}),
    ], status_id


def _shelly_query(
    device: str, channel: int, src: str, ids: Callable[[], int]
) -> tuple[list[Message], int | None]:
    rid = ids()
    return [_rpc(device, src, rid, "Switch.GetStatus", {"id": channel})], rid


def _shelly_parse(
    device: str, channel: int, src: str, topic: str, payload: bytes
) -> Reading | None:
    if topic == f"{device}/online":
        text = payload.decode("utf-8", "replace").strip()
        return Reading(online=text == "true") if text in ("true", "false") else None
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if topic == f"{src}/rpc":
        if data.get("src") != device or not isinstance(data.get("id"), int):
            return None  # another plug's reply on the kiosk's shared reply topic
        result = data.get("result")
        on = result.get("output") if isinstance(result, dict) else None
        return Reading(on=on if isinstance(on, bool) else None, request_id=data["id"])
    if topic == f"{device}/events/rpc" and data.get("method") == "NotifyStatus":
        params = data.get("params")
        status = params.get(f"switch:{channel}") if isinstance(params, dict) else None
        on = status.get("output") if isinstance(status, dict) else None
        return Reading(on=on) if isinstance(on, bool) else None
    return None


SHELLY = Dialect(
    name="shelly",
    subscriptions=("{device}/online", "{device}/events/rpc", "{src}/rpc"),
    command=_shelly_command,
    query=_shelly_query,
    parse=_shelly_parse,
    lwt_topic="{device}/online",
    lwt_online=b"true",
    lwt_offline=b"false",
    device_subscriptions=("{device}/rpc",),
)

#: URL scheme -> dialect.
DIALECTS: dict[str, Dialect] = {"tasmota": TASMOTA, "shelly": SHELLY}
