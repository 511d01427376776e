"""Every MQTT topic the kiosk publishes or listens on, in one module.

The plug dialects (:mod:`devices.mqtt.dialects`), the switch adapter, the broker
connection, the PC session contract and the plug simulator build their topics here,
never from their own strings. Templates with ``{device}`` (a Tasmota topic or a Shelly
prefix) and ``{src}`` (the kiosk's reply address, its client id) are formatted by the
dialect tables; the functions build a finished topic.

- The kiosk itself: ``kiosk/<kiosk id>/status`` (retained ``online``, its Last Will
  ``offline``), ``kiosk/<kiosk id>/echo`` and ``.../echo/ask`` (a round trip through the
  broker), ``kiosk/pc/<resource>/session`` (``docs/pc-session-contract.md``).
- Tasmota: ``cmnd/<t>/POWERn`` (commands), ``stat/<t>/...`` (answers), ``tele/<t>/...``
  (news; ``tele/<t>/LWT`` its Last Will).
- Shelly Gen2: ``<prefix>/rpc`` (requests), ``<src>/rpc`` (replies),
  ``<prefix>/events/rpc`` and ``<prefix>/status/switch:<n>`` (news), ``<prefix>/online``
  (its Last Will).
"""

from __future__ import annotations


# -- the kiosk ----------------------------------------------------------------------------
def kiosk_status(kiosk_id: str) -> str:
    return f"kiosk/{kiosk_id}/status"


def kiosk_echo(kiosk_id: str) -> str:
    """Where the broker hands the kiosk's own round-trip tokens back."""
    return f"kiosk/{kiosk_id}/echo"


def kiosk_echo_ask(kiosk_id: str) -> str:
    """Where the kiosk sends a round-trip token (mirrored to :func:`kiosk_echo`)."""
    return f"{kiosk_echo(kiosk_id)}/ask"


def pc_session(resource: str) -> str:
    return f"kiosk/pc/{resource}/session"


# -- Tasmota ------------------------------------------------------------------------------
TASMOTA_SUBSCRIPTIONS = ("stat/{device}/+", "tele/{device}/+")
TASMOTA_LWT = "tele/{device}/LWT"
#: What a Tasmota device itself listens on (the simulator).
TASMOTA_LISTENS = ("cmnd/{device}/+",)


def tasmota_command(device: str, power: str) -> str:
    """``cmnd/<t>/POWERn``: a command or, with an empty payload, a question."""
    return f"cmnd/{device}/{power}"


def tasmota_stat(device: str, name: str = "") -> str:
    """``stat/<t>/<name>`` (``RESULT``, ``POWERn``); without a name, its prefix."""
    return f"stat/{device}/{name}" if name else f"stat/{device}"


def tasmota_tele(device: str) -> str:
    """The prefix of the device's news (``tele/<t>/STATE``, ``tele/<t>/LWT``)."""
    return f"tele/{device}"


# -- Shelly Gen2 -------------------------------------------------------------------------
SHELLY_SUBSCRIPTIONS = ("{device}/online", "{device}/events/rpc", "{device}/status/+", "{src}/rpc")
SHELLY_LWT = "{device}/online"
#: What a Shelly device itself listens on (the simulator).
SHELLY_LISTENS = ("{device}/rpc",)


def shelly_rpc(address: str) -> str:
    """``<prefix>/rpc`` (requests to a device) or ``<src>/rpc`` (replies to the kiosk)."""
    return f"{address}/rpc"


def shelly_online(device: str) -> str:
    return SHELLY_LWT.format(device=device)


def shelly_events(device: str) -> str:
    return f"{device}/events/rpc"


def shelly_event_source(device: str) -> str:
    """The ``dst`` a device's NotifyStatus names."""
    return f"{device}/events"


def shelly_switch_status(device: str, channel: int) -> str:
    return f"{device}/status/switch:{channel}"
