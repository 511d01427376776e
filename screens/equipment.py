"""Book equipment: the makerspace's resources by kind, with their current state.

Until the booking service lands (``Services.bookings``), this screen shows the
configured resources and what their switches report; booking itself is done at the
makerspace desk.
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory

from kiosk.domain.events import EquipmentState
from kiosk.ports import SwitchState
from screens.base import KioskScreen

KIND_ORDER = ("3d_printer", "computer", "tool")


class EquipmentScreen(KioskScreen):
    needs_patron = True

    def refresh(self) -> None:
        self.render()
        switches = dict(self.app.kiosk.switches)
        if not switches:
            return

        def poll() -> dict[str, SwitchState]:
            return {rid: switch.state() for rid, switch in switches.items()}

        self.app.call(poll, self._polled, device=True)

    def _polled(self, states: dict[str, SwitchState]) -> None:
        for rid, state in states.items():
            if rid not in self.app.equipment:
                self.app.equipment[rid] = EquipmentState(
                    resource=rid, on=state.on, online=state.online
                )
        self.render()

    def state_key(self, resource_id: str) -> tuple[str, str]:
        """(mark, message key) for a resource's last known state."""
        state = self.app.equipment.get(resource_id)
        if state is None:
            return "pending", "ui.equipment.state_unknown"
        if not state.online:
            return "refused", "ui.equipment.state_offline"
        if state.on:
            return "warning", "ui.equipment.state_in_use"
        return "ok", "ui.equipment.state_free"

    def render(self) -> None:
        box = self.ids.rows
        box.clear_widgets()
        app = self.app
        resources = app.kiosk.config.resources
        for kind in KIND_ORDER:
            group = [r for r in resources if r.kind == kind]
            if not group:
                continue
            box.add_widget(Factory.KHeading(text=app.tr(f"ui.equipment.kind.{kind}")))
            for resource in group:
                mark, key = self.state_key(resource.id)
                box.add_widget(
                    Factory.Row(
                        mark=mark,
                        title=resource.name or resource.id,
                        detail=app.tr(key),
                        ident=resource.id,
                    )
                )
        if not resources:
            box.add_widget(Factory.KSmall(text=app.tr("ui.equipment.none")))

    def reset(self) -> None:
        pass

    def on_leave(self, *_args: Any) -> None:
        self.ids.rows.clear_widgets()
