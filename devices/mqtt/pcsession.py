"""The public-computer session contract on MQTT (see ``docs/pc-session-contract.md``).

For each computer resource the kiosk keeps one retained JSON message on
``kiosk/pc/<resource>/session`` saying whether the PC is ``unlocked`` (with booking id,
end time and a shortened name), in its ``warning`` minutes, or ``locked``. A small
agent on each PC subscribes to it and follows. Retained, so a PC that boots or
reconnects learns the current state at once; republished after a broker restart.

Threads: bus handlers run on the publisher's thread (the scheduler) and only publish.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

from devices.mqtt import topics
from devices.mqtt.connection import MqttConnection
from kiosk.bus import EventBus, Unsubscribe
from kiosk.domain.events import (
    BookingCancelled,
    BookingEnded,
    BookingEnding,
    BookingEvent,
    BookingExtended,
    BookingNoShow,
    BookingStarted,
)

CONTRACT_VERSION = 1


class PcSessions:
    """Publishes the session state of ``computers`` (resource ids)."""

    name = "pc-sessions"

    def __init__(
        self, connection: MqttConnection, computers: list[str], kiosk_id: str, timezone: str
    ) -> None:
        self.connection = connection
        self.computers = set(computers)
        self.kiosk_id = kiosk_id
        self.zone = ZoneInfo(timezone)
        self._lock = threading.Lock()
        self._last: dict[str, dict[str, object]] = {}
        self._unsubscribes: list[Unsubscribe] = []

    def start(self, bus: EventBus) -> None:
        """Subscribe to booking events and share the kiosk's connection (returns at once)."""
        if self._unsubscribes:
            return
        self._unsubscribes = [bus.subscribe(BookingEvent, self._on_booking)]
        self.connection.acquire(bus)

    def stop(self) -> None:
        if not self._unsubscribes:
            return
        for unsubscribe in self._unsubscribes:
            unsubscribe()
        self._unsubscribes.clear()
        self.connection.release()

    def check(self) -> tuple[bool, str]:
        return self.connection.check()

    def payload(self, resource: str) -> dict[str, object] | None:
        """The last session state published for ``resource`` (None: none yet)."""
        with self._lock:
            last = self._last.get(resource)
            return dict(last) if last is not None else None

    def _on_booking(self, event: BookingEvent) -> None:
        if event.resource not in self.computers:
            return
        with self._lock:
            last = self._last.get(event.resource, {})
            same = last.get("booking_id") == event.booking_id
            state: dict[str, object] = {
                "v": CONTRACT_VERSION,
                "booking_id": event.booking_id,
                "ends_at": event.ends_at.astimezone(self.zone).isoformat(),
                "name": last.get("name", "") if same else "",
                "minutes_left": None,
                "kiosk": self.kiosk_id,
                "at": datetime.now(self.zone).isoformat(timespec="seconds"),
            }
            if isinstance(event, BookingStarted):
                state.update(state="unlocked", name=event.display_name)
            elif isinstance(event, BookingEnding) and same:
                state.update(state="warning", minutes_left=event.minutes_left)
            elif isinstance(event, BookingExtended) and same and last.get("state") != "locked":
                state.update(state="unlocked")
            elif isinstance(event, BookingEnded | BookingCancelled | BookingNoShow):
                if last and not same:
                    return  # an older booking's end must not lock the current session
                state.update(state="locked", name="")
            else:
                return
            self._last[event.resource] = state
        body = json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode()
        self.connection.publish_retained(topics.pc_session(event.resource), body)
