"""The MQTT dialects of the supported smart plugs, described as data.

A :class:`Dialect` says which topics to subscribe to, what to publish for ON, OFF and a
state query, and how to read what comes back; the topics themselves come from
:mod:`devices.mqtt.topics` (one module for every topic). The switch adapter
(:mod:`devices.mqtt.switch`) and the plug simulator (:mod:`devices.mqtt.plugsim`) both
work from these tables, never from their own topic strings.

- Tasmota: ``cmnd/<t>/POWER ON|OFF`` (empty payload: query); relay n of a strip is
  ``POWERn`` (``?channel=n``; ``POWER`` is relay 1). The device answers every command
  once in JSON on ``stat/<t>/RESULT`` (``{"POWER":"ON"}``; ``{"POWER2":"ON"}`` on a
  multi-relay device; ``{"Command":"Unknown"}`` for a relay it does not have) and,
  unless SetOption90 is set, again as plain text on ``stat/<t>/POWERn``. Answers carry
  no request id: the JSON answer settles the oldest open request (the device answers
  in order); the plain text and ``tele/<t>/STATE`` are news only. ``tele/<t>/LWT``
  ``Online``/``Offline`` (retained, its Last Will).
- Shelly Gen2: JSON-RPC on ``<prefix>/rpc``; replies on ``<src>/rpc`` (``src`` is the
  kiosk's client id, shared by every plug) carry the request id, and in their own
  ``src`` the device's id, which need not equal the prefix: replies are matched on the
  request id only. ``params.id`` is the switch id (``?channel=n``); a switch the device
  does not have is refused with error -105. ``NotifyStatus`` on
  ``<prefix>/events/rpc`` and ``<prefix>/status/switch:<n>`` are news;
  ``<prefix>/online`` ``true``/``false``. ``Switch.Set`` answers only ``was_on``, so
  every Set is followed at once by a ``Switch.GetStatus`` (the device handles them in
  order): its ``output`` is the confirmation, in the same round trip.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from devices.mqtt import topics

#: The device has no relay with the configured number (``?channel=``).
NO_CHANNEL = "equipment.no_channel"
#: The device refused the request for another reason (the log has its words).
REFUSED = "equipment.refused"


@dataclass(frozen=True)
class Reading:
    """What one incoming message says about a device.

    ``on`` None: not about the power state; ``online`` None: not about liveness.
    ``request_id`` is set for a correlated reply (Shelly). ``answer`` is True for a
    direct answer to a command or question (Tasmota's JSON answer settles the oldest
    open request); news the device sends by itself is not an answer. ``device`` is who
    said it; ``problem`` a message key when the device refused.
    """

    on: bool | None = None
    online: bool | None = None
    request_id: int | None = None
    answer: bool = False
    device: str = ""
    problem: str = ""


#: (topic, payload) to publish.
Message = tuple[str, bytes]
#: Messages to publish, and the request ids whose replies belong to them (empty when
#: the dialect does not correlate); the last id is the reply that carries the state.
Request = tuple[list[Message], tuple[int, ...]]


@dataclass(frozen=True)
class Dialect:
    """A plug family. ``device`` is the Tasmota topic or the Shelly prefix; ``channel``
    the relay number (Tasmota: 0 = plain ``POWER``, n = ``POWERn``; Shelly: switch id);
    ``src`` the kiosk's reply address (Shelly); ``ids`` hands out fresh request ids."""

    name: str
    #: Topic filters, formatted with device= and src=.
    subscriptions: tuple[str, ...]
    #: Replies carry the request id (True) or settle requests in order (False).
    correlated: bool
    command: Callable[[str, int, str, bool, Callable[[], int]], Request]
    query: Callable[[str, int, str, Callable[[], int]], Request]
    #: (device, channel, src, topic, payload) -> Reading, or None when not for us.
    parse: Callable[[str, int, str, str, bytes], Reading | None]
    #: The device's Last Will topic and its payloads (for the simulator).
    lwt_topic: str
    lwt_online: bytes
    lwt_offline: bytes
    #: Topics a device listens on (for the simulator).
    device_subscriptions: tuple[str, ...]


# -- Tasmota ------------------------------------------------------------------------
def _power_name(channel: int) -> str:
    return f"POWER{channel}" if channel else "POWER"


def _power_keys(channel: int) -> tuple[str, ...]:
    # A single-relay device answers POWER1 as POWER; a strip answers POWER as POWER1.
    return ("POWER", "POWER1") if channel in (0, 1) else (f"POWER{channel}",)


def _tasmota_command(
    device: str, channel: int, src: str, on: bool, ids: Callable[[], int]
) -> Request:
    return [(topics.tasmota_command(device, _power_name(channel)), b"ON" if on else b"OFF")], ()


def _tasmota_query(device: str, channel: int, src: str, ids: Callable[[], int]) -> Request:
    return [(topics.tasmota_command(device, _power_name(channel)), b"")], ()


def _power(value: object) -> bool | None:
    """Tasmota's state text: ON/OFF by default, 1/0 with ``StateText`` changed."""
    if isinstance(value, str) and value.upper() in ("ON", "OFF", "1", "0"):
        return value.upper() in ("ON", "1")
    return None


def _tasmota_json(data: dict[str, object], channel: int) -> bool | None:
    for key in _power_keys(channel):
        if key in data:
            return _power(data[key])
    return None


def _tasmota_parse(
    device: str, channel: int, src: str, topic: str, payload: bytes
) -> Reading | None:
    prefix, _, name = topic.rpartition("/")
    text = payload.decode("utf-8", "replace").strip()
    if prefix == topics.tasmota_tele(device):
        if name == "LWT" and text in ("Online", "Offline"):
            return Reading(online=text == "Online", device=device)
        if name == "STATE":
            data = _json_object(text)
            on = _tasmota_json(data, channel) if data is not None else None
            return Reading(on=on, online=True, device=device) if on is not None else None
        return None
    if prefix != topics.tasmota_stat(device):
        return None
    data = _json_object(text)
    if data is None:
        # The plain-text copy of an answer (stat/<t>/POWERn ON): news, not the answer.
        if name not in _power_keys(channel):
            return None
        on = _power(text)
        return Reading(on=on, online=True, device=device) if on is not None else None
    if name == "RESULT" and data.get("Command") == "Unknown":
        return Reading(online=True, answer=True, device=device, problem=NO_CHANNEL)
    on = _tasmota_json(data, channel)
    if on is None:
        return None  # another relay's answer, or not about power
    # {"POWER2":"ON"} answers a command; a status dump with other keys is news.
    answer = all(key.upper().startswith("POWER") for key in data)
    return Reading(on=on, online=True, answer=answer, device=device)


def _json_object(text: str) -> dict[str, object] | None:
    if not text.startswith("{"):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


TASMOTA = Dialect(
    name="tasmota",
    subscriptions=topics.TASMOTA_SUBSCRIPTIONS,
    correlated=False,
    command=_tasmota_command,
    query=_tasmota_query,
    parse=_tasmota_parse,
    lwt_topic=topics.TASMOTA_LWT,
    lwt_online=b"Online",
    lwt_offline=b"Offline",
    device_subscriptions=topics.TASMOTA_LISTENS,
)


# -- Shelly Gen2 --------------------------------------------------------------------
def _rpc(device: str, src: str, rid: int, method: str, params: dict[str, object]) -> Message:
    body = {"id": rid, "src": src, "method": method, "params": params}
    return topics.shelly_rpc(device), json.dumps(body, separators=(",", ":")).encode()


def _shelly_command(
    device: str, channel: int, src: str, on: bool, ids: Callable[[], int]
) -> Request:
    set_id, status_id = ids(), ids()
    return [
        _rpc(device, src, set_id, "Switch.Set", {"id": channel, "on": on}),
        _rpc(device, src, status_id, "Switch.GetStatus", {"id": channel}),
    ], (set_id, status_id)


def _shelly_query(device: str, channel: int, src: str, ids: Callable[[], int]) -> Request:
    rid = ids()
    return [_rpc(device, src, rid, "Switch.GetStatus", {"id": channel})], (rid,)


def _output(status: object) -> bool | None:
    on = status.get("output") if isinstance(status, dict) else None
    return on if isinstance(on, bool) else None


def _shelly_parse(
    device: str, channel: int, src: str, topic: str, payload: bytes
) -> Reading | None:
    if topic == topics.shelly_online(device):
        text = payload.decode("utf-8", "replace").strip()
        return Reading(online=text == "true", device=device) if text in ("true", "false") else None
    data = _json_object(payload.decode("utf-8", "replace").strip())
    if data is None:
        return None
    who = data.get("src")
    speaker = who if isinstance(who, str) and who else device
    if topic == topics.shelly_rpc(src):
        rid = data.get("id")
        if not isinstance(rid, int) or isinstance(rid, bool):
            return None
        error = data.get("error")
        if isinstance(error, dict):
            # -105: "Argument 'id', value 2 not found!" (no such switch on the device).
            problem = NO_CHANNEL if error.get("code") == -105 else REFUSED
            return Reading(
                online=True, request_id=rid, answer=True, device=speaker, problem=problem
            )
        return Reading(
            on=_output(data.get("result")),
            online=True,
            request_id=rid,
            answer=True,
            device=speaker,
        )
    if topic == topics.shelly_events(device) and data.get("method") == "NotifyStatus":
        params = data.get("params")
        on = _output(params.get(f"switch:{channel}") if isinstance(params, dict) else None)
        return Reading(on=on, online=True, device=speaker) if on is not None else None
    if topic == topics.shelly_switch_status(device, channel):
        on = _output(data)
        return Reading(on=on, online=True, device=device) if on is not None else None
    return None


SHELLY = Dialect(
    name="shelly",
    subscriptions=topics.SHELLY_SUBSCRIPTIONS,
    correlated=True,
    command=_shelly_command,
    query=_shelly_query,
    parse=_shelly_parse,
    lwt_topic=topics.SHELLY_LWT,
    lwt_online=b"true",
    lwt_offline=b"false",
    device_subscriptions=topics.SHELLY_LISTENS,
)

#: URL scheme -> dialect.
DIALECTS: dict[str, Dialect] = {"tasmota": TASMOTA, "shelly": SHELLY}
