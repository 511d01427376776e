"""The bus across threads and the dispatcher into one loop thread."""

from __future__ import annotations

import logging
import threading

import pytest

from kiosk.bus import Dispatcher, EventBus, QueueLoop
from kiosk.domain.events import CardTapped, DeviceStatus, Event, ItemScanned


def test_subscribers_get_their_type_and_base_types() -> None:
    bus = EventBus()
    cards: list[CardTapped] = []
    everything: list[Event] = []
    bus.subscribe(CardTapped, cards.append)
    bus.subscribe(Event, everything.append)
    tap = CardTapped(reader="r", uid="04A1")
    scan = ItemScanned(scanner="s", barcode="B1")
    bus.publish(tap)
    bus.publish(scan)
    assert cards == [tap]
    assert everything == [tap, scan]


def test_unsubscribe_is_idempotent() -> None:
    bus = EventBus()
    seen: list[Event] = []
    off = bus.subscribe(ItemScanned, seen.append)
    off()
    off()
    bus.publish(ItemScanned(scanner="s", barcode="B1"))
    assert seen == []


def test_a_failing_handler_does_not_silence_the_others(caplog: pytest.LogCaptureFixture) -> None:
    bus = EventBus()
    seen: list[Event] = []

    def broken(event: Event) -> None:
        raise ValueError("broken screen")

    bus.subscribe(ItemScanned, broken)
    bus.subscribe(ItemScanned, seen.append)
    with caplog.at_level(logging.ERROR):
        bus.publish(ItemScanned(scanner="s", barcode="B1"))
    assert len(seen) == 1
    assert "broken screen" in caplog.text


def test_dispatcher_runs_handlers_on_the_loop_thread_in_order() -> None:
    bus = EventBus()
    loop = QueueLoop()
    dispatcher = Dispatcher(bus, loop.schedule)
    received: list[tuple[str, int]] = []
    dispatcher.subscribe(ItemScanned, lambda e: received.append((e.barcode, threading.get_ident())))

    def publisher(prefix: str) -> None:
        for i in range(200):
            bus.publish(ItemScanned(scanner=prefix, barcode=f"{prefix}{i}"))

    threads = [threading.Thread(target=publisher, args=(p,)) for p in "ABCD"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert received == []  # nothing runs until the loop thread runs it
    assert loop.run_until(lambda: len(received) == 800, timeout=5)
    assert {tid for _, tid in received} == {threading.get_ident()}
    for prefix in "ABCD":
        mine = [b for b, _ in received if b.startswith(prefix)]
        assert mine == [f"{prefix}{i}" for i in range(200)]


def test_dispatcher_close_drops_subscriptions() -> None:
    bus = EventBus()
    loop = QueueLoop()
    dispatcher = Dispatcher(bus, loop.schedule)
    seen: list[Event] = []
    dispatcher.subscribe(DeviceStatus, seen.append)
    dispatcher.close()
    bus.publish(DeviceStatus(device="d", kind="card_reader", ok=False))
    assert loop.run_pending() == 0
    assert seen == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"uid": "04A1", "number": "P1"},
        {"uid": "04a1"},
        {"uid": "XYZ1"},
        {"uid": "ABC"},
        {"number": ""},
    ],
)
def test_card_tapped_carries_exactly_one_valid_identifier(kwargs: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=r"(?i)card"):
        CardTapped(reader="r", **kwargs)


def test_events_are_frozen() -> None:
    tap = CardTapped(reader="r", number="PLU-0001")
    with pytest.raises(AttributeError):
        tap.number = "other"  # type: ignore[misc]
