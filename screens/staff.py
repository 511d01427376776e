"""Staff mode, opened by a staff card and its PIN: device status, equipment override,
and the only way to leave the app."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty

from kiosk.domain.errors import KioskError
from kiosk.domain.events import EquipmentState
from kiosk.i18n import catalogue
from screens.base import KioskScreen


class StaffScreen(KioskScreen):
    needs_patron = True
    confirm_exit = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: device config key -> (ok, reason) from the last check.
        self.checks: dict[str, tuple[bool, str]] = {}
        self.notes: dict[str, str] = {}

    def on_pre_enter(self, *_args: Any) -> None:
        patron = self.app.session.patron
        if patron is None or not patron.is_staff or not patron.pin_verified:
            # Never show staff controls to anyone else, nor to a staff card whose PIN
            # this sign-in did not check.
            self.app.go("home" if patron is not None else "attract")
            return
        self.refresh()

    def refresh(self) -> None:
        self.render()
        devices = list(self.app.kiosk.devices)

        def check_all() -> dict[str, tuple[bool, str]]:
            results: dict[str, tuple[bool, str]] = {}
            for key, device in devices:
                try:
                    results[key] = device.check()
                except Exception as exc:  # a broken adapter is itself the finding
                    results[key] = (False, str(exc))
            return results

        self.app.call(check_all, self._checked, device=True)

    def _checked(self, results: dict[str, tuple[bool, str]]) -> None:
        self.checks = results
        self.render()

    def switch(self, resource_id: str, on: bool) -> None:
        switch = self.app.kiosk.switches.get(resource_id)
        if switch is None:
            return
        resources = self.app.kiosk.config.resources
        name = next((r.name for r in resources if r.id == resource_id and r.name), resource_id)

        def done(confirmed: bool) -> None:
            self.notes[resource_id] = (
                "ui.staff.switch_done" if confirmed else "ui.staff.switch_failed"
            )
            if confirmed:
                self.app.equipment[resource_id] = EquipmentState(
                    resource=resource_id, on=on, online=True
                )
            self.render()
            said = f"{name}: {self.app.tr(self.notes[resource_id])}"
            if confirmed:
                self.app.announce(said)
            else:
                self.app.alert(said)

        def failed(error: KioskError) -> None:
            self.notes[resource_id] = error.key
            self.render()
            self.app.alert(f"{name}: {self.app.describe(error)}")

        self.app.call(lambda: switch.set(on), done, failed, device=True)

    def exit_app(self) -> None:
        if not self.confirm_exit:
            self.confirm_exit = True
            return
        self.app.quit()

    def render(self) -> None:
        app = self.app
        devices = self.ids.devices
        devices.clear_widgets()
        for key, device in app.kiosk.devices:
            if key.startswith("resources["):
                continue
            result = self.checks.get(key)
            status = app.device_status.get(device.name)
            if result is None and status is not None:
                result = (status.ok, app.tr(status.detail) if status.detail else "")
            if result is None:
                mark, detail = "pending", app.tr("ui.staff.checking")
            else:
                mark = "ok" if result[0] else "refused"
                word = app.tr("ui.staff.ok" if result[0] else "ui.staff.fault")
                detail = f"{word}: {result[1]}" if result[1] else word
            kind_name = str(getattr(device, "kind", "device"))
            kind_key = f"ui.staff.kind.{kind_name}"
            # A new adapter kind without a word yet shows its code, not a missing key.
            kind = app.tr(kind_key) if kind_key in catalogue(app.language) else kind_name
            devices.add_widget(
                Factory.Row(mark=mark, title=f"{kind}: {device.name}", detail=detail, ident=key)
            )
        equipment = self.ids.equipment
        equipment.clear_widgets()
        for resource in app.kiosk.config.resources:
            if resource.id not in app.kiosk.switches:
                continue
            state = app.equipment.get(resource.id)
            if state is None:
                detail = app.tr("ui.equipment.state_unknown")
            elif not state.online:
                detail = app.tr("ui.equipment.state_offline")
            else:
                detail = app.tr("ui.staff.power_on" if state.on else "ui.staff.power_off")
            note = self.notes.get(resource.id)
            if note:
                detail = f"{detail} · {app.tr(note)}"
            is_on = bool(state and state.on)
            rid = resource.id
            equipment.add_widget(
                Factory.Row(
                    title=resource.name or rid,
                    detail=detail,
                    ident=rid,
                    action_text=app.tr("ui.staff.turn_off" if is_on else "ui.staff.turn_on"),
                    action_role="danger" if is_on else "primary",
                    action=lambda r=rid, on=not is_on: self.switch(r, on),
                )
            )

    def reset(self) -> None:
        self.confirm_exit = False
        self.checks = {}
        self.notes = {}
