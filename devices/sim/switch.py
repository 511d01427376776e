"""A simulated smart plug (an equipment switch)."""

from __future__ import annotations

import time

from devices.sim.base import SimResourceDevice
from kiosk.domain.events import EquipmentState
from kiosk.ports import SwitchReply


class SimSwitch(SimResourceDevice):
    """An in-memory plug for ``resource``; :attr:`on` is its relay.

    Extra failure modes: ``drop_ack`` (switches but the answer never comes),
    ``ignore_off`` (ignores OFF and answers ON: the opposite answer). ``offline`` answers
    at once that its Last Will says offline; ``timeout`` and ``garbage`` never answer
    (after the timeout), as an unanswered MQTT command does. It announces itself online
    when started, as a plug's Last Will topic does.
    """

    kind = "switch"
    extra_modes = frozenset({"drop_ack", "ignore_off"})

    def __init__(
        self,
        name: str = "sim",
        fail: str | None = None,
        delay: float = 0.0,
        resource: str = "",
    ) -> None:
        super().__init__(name, fail, delay, resource)
        self.on = False
        self.commands: list[bool] = []

    def start(self, bus: object) -> None:
        super().start(bus)  # type: ignore[arg-type]
        self._report(None)

    def fail(self, mode: str | None) -> None:
        was_offline = self.failure == "offline"
        super().fail(mode)
        if self.started and was_offline != (mode == "offline"):
            self._report(None)

    def set(self, on: bool, timeout: float = 2.0) -> SwitchReply:
        self.commands.append(on)
        return self._answer_with(on, timeout)

    def ask(self, timeout: float = 2.0) -> SwitchReply:
        return self._answer_with(None, timeout)

    def _answer_with(self, want: bool | None, timeout: float) -> SwitchReply:
        mode = self.failure
        if mode == "offline":
            return SwitchReply(None, problem="equipment.offline")
        if mode in ("timeout", "garbage"):
            time.sleep(min(timeout, 0.05))
            return SwitchReply(None, problem="equipment.no_echo")
        started = time.perf_counter()
        if self.delay:
            if self.delay >= timeout:
                time.sleep(timeout)
                return SwitchReply(None, problem="equipment.no_echo")
            time.sleep(self.delay)
        if want is not None:
            self.on = True if (mode == "ignore_off" and not want) else want
            if mode == "drop_ack":
                return SwitchReply(None, problem="equipment.no_echo")
        self._report(self.on)
        return SwitchReply(self.on, time.perf_counter() - started, self.name)

    def _report(self, on: bool | None) -> None:
        online = self.failure != "offline"
        self._publish(
            EquipmentState(
                resource=self.resource,
                on=on if online else None,
                online=online,
                device=self.name,
            )
        )
