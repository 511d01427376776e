"""Staff mode, opened by a staff card and its PIN: device status, equipment (as the
equipment controller knows it: ``Services.equipment``) with an override, and the only
way to leave the app."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty

from kiosk.booking.equipment_api import EquipmentStatus, SwitchOutcome
from kiosk.domain.errors import KioskError
from kiosk.domain.events import EquipmentChanged
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

    def on_kv_post(self, _base: Any) -> None:
        if self.app is not None:
            # The owner's record changed (a plug answered, went offline, ...).
            self.app.dispatcher.subscribe(EquipmentChanged, self._equipment_changed)

    def _equipment_changed(self, _event: EquipmentChanged) -> None:
        if self.app.current == self.name:
            self.render()

    @property
    def equipment(self) -> Any:
        services = self.app.services
        return None if services is None else services.equipment

    def on_pre_enter(self, *_args: Any) -> None:
        patron = self.app.session.patron
        if patron is None or not patron.is_staff:
            # Never show staff controls to anyone else.
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
        equipment = self.equipment
        if equipment is None:
            return
        resources = self.app.kiosk.config.resources
        name = next((r.name for r in resources if r.id == resource_id and r.name), resource_id)

        def done(outcome: SwitchOutcome) -> None:
            # The owner recorded the answer; this note is only what the command did.
            self.notes[resource_id] = outcome.key or "ui.staff.switch_done"
            self.render()
            said = f"{name}: {self.app.tr(self.notes[resource_id], resource=name)}"
            if outcome.confirmed:
                self.app.announce(said)
            else:
                self.app.alert(said)

        def failed(error: KioskError) -> None:
            self.notes[resource_id] = error.key
            self.render()
            self.app.alert(f"{name}: {self.app.describe(error)}")

        self.app.call(lambda: equipment.switch(resource_id, on), done, failed, device=True)

    def equipment_detail(self, status: EquipmentStatus, name: str) -> str:
        app = self.app
        if status.bookable:
            detail = app.tr("ui.staff.power_on" if status.on else "ui.staff.power_off")
            if status.on is None:
                detail = app.tr("ui.equipment.state_unknown")
        elif status.reason == "equipment.reason.offline":
            detail = app.tr("ui.equipment.state_offline")
        else:
            detail = app.tr(status.reason)
        if status.printer_busy:
            detail = f"{detail} · {app.tr('ui.staff.printer_busy')}"
        note = self.notes.get(status.resource_id)
        if note:
            detail = f"{detail} · {app.tr(note, resource=name)}"
        return detail

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
        box = self.ids.equipment
        box.clear_widgets()
        owner = self.equipment
        names = {r.id: r.name or r.id for r in app.kiosk.config.resources}
        for status in owner.all_states() if owner is not None else ():
            if not status.switch:
                continue
            rid = status.resource_id
            is_on = bool(status.on)
            box.add_widget(
                Factory.Row(
                    mark="ok" if status.bookable else "refused",
                    title=names.get(rid, rid),
                    detail=self.equipment_detail(status, names.get(rid, rid)),
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
