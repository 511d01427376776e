"""A simulated smart plug (an equipment switch)."""

from __future__ import annotations

import time

from devices.sim.base import SimResourceDevice
from kiosk.domain.events import EquipmentState
from kiosk.ports import SwitchState


class SimSwitch(SimResourceDevice):
    """An in-memory plug for ``resource``.

    Extra failure modes: ``drop_ack`` (switches but the echo never comes),
    ``ignore_off`` (ignores OFF and echoes ON). ``offline`` and ``timeout`` make
    :meth:`set` return False after the timeout, as an unanswered MQTT command does.
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
        self._on = False
        self.commands: list[bool] = []

    def set(self, on: bool, timeout: float = 2.0) -> bool:
        self.commands.append(on)
        mode = self.failure
        if mode in ("offline", "timeout", "garbage"):
            time.sleep(min(timeout, 0.05))
            return False
        if self.delay:
            if self.delay >= timeout:
                time.sleep(timeout)
                return False
            time.sleep(self.delay)
        if mode == "ignore_off" and not on:
            self._on = True
            self._report()
            return False
        self._on = on
        if mode == "drop_ack":
            return False
        self._report()
        return True

    def state(self) -> SwitchState:
        online = self.failure != "offline"
        return SwitchState(on=self._on if online else None, online=online)

    def _report(self) -> None:
        state = self.state()
        self._publish(EquipmentState(resource=self.resource, on=state.on, online=state.online))
