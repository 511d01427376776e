"""The public-computer session messages, with a recording stand-in for the broker."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from devices.mqtt import topics
from devices.mqtt.pcsession import PcSessions
from kiosk.bus import EventBus
from kiosk.domain.events import (
    BookingCancelled,
    BookingEnded,
    BookingEnding,
    BookingExtended,
    BookingStarted,
)


class RecordingConnection:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, object]]] = []
        self.users = 0

    def acquire(self, bus: EventBus | None = None) -> None:
        self.users += 1

    def release(self) -> None:
        self.users -= 1

    def publish_retained(self, topic: str, payload: bytes) -> bool:
        self.sent.append((topic, json.loads(payload)))
        return True


END = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
LATER = datetime(2026, 12, 7, 2, 30, tzinfo=UTC)


def test_session_states_follow_the_booking() -> None:
    bus = EventBus()
    connection = RecordingConnection()
    sessions = PcSessions(connection, ["pc-1"], "maker-1", "Asia/Makassar")  # type: ignore[arg-type]
    sessions.start(bus)
    bus.publish(BookingStarted(booking_id=5, resource="pc-1", ends_at=END, display_name="Ani L."))
    bus.publish(BookingStarted(booking_id=6, resource="printer-1", ends_at=END))  # not a PC
    bus.publish(BookingExtended(booking_id=5, resource="pc-1", ends_at=LATER))
    bus.publish(BookingEnding(booking_id=5, resource="pc-1", ends_at=LATER, minutes_left=2))
    bus.publish(BookingCancelled(booking_id=4, resource="pc-1", ends_at=END))  # an older one
    bus.publish(BookingEnded(booking_id=5, resource="pc-1", ends_at=LATER))
    states = [
        (p["state"], p["booking_id"], p["name"], p["minutes_left"]) for _, p in connection.sent
    ]
    assert states == [
        ("unlocked", 5, "Ani L.", None),
        ("unlocked", 5, "Ani L.", None),
        ("warning", 5, "Ani L.", 2),
        ("locked", 5, "", None),
    ]
    assert {t for t, _ in connection.sent} == {topics.pc_session("pc-1")}
    assert connection.sent[1][1]["ends_at"] == "2026-12-07T10:30:00+08:00"
    sessions.stop()
    sessions.stop()  # twice is harmless
    assert connection.users == 0
