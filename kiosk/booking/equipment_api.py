"""What the kiosk knows about each resource's equipment, as plain frozen data.

The equipment controller (:class:`kiosk.booking.equipment.EquipmentController`) is the
one owner of this state: per resource the plug's last answer, when, from which device,
whether it is online, offline or not known, the last fault, and whether its 3D printer
is busy. The CLI (``kiosk equipment status``), ``kiosk doctor``, the booking and staff
screens read it through :class:`EquipmentStates`; nothing else keeps a copy. A later
networked implementation (the hub) serves the same interface.

Liveness is ``online`` only after the plug answered or announced itself (its Last Will
topic), ``offline`` when its Last Will says so, ``unknown`` before that, after the
broker connection was lost, and after a question it left unanswered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kiosk.i18n import translate

#: Liveness of a resource's plug.
ONLINE, OFFLINE, UNKNOWN = "online", "offline", "unknown"
#: The liveness of a resource without a plug (nothing to confirm: always bookable).
NO_SWITCH = "none"

#: Problems that make a plug unusable although it is there.
_PROBLEM_REASONS = {
    "equipment.no_channel": "equipment.reason.no_channel",
    "equipment.refused": "equipment.reason.refused",
}


@dataclass(frozen=True)
class EquipmentStatus:
    """One resource's equipment as its owner knows it now.

    ``switch`` is the plug's name (e.g. ``tasmota://strip-1?channel=2``, "" without a
    plug); ``on`` its last reported power (None: not known); ``heard_at`` (aware UTC)
    and ``heard_from`` when and as whom the device last spoke; ``round_trip_ms`` the
    last command's or question's round trip; ``problem`` a message key that stands in
    the way now (``equipment.no_channel``, ``equipment.broker_lost``,
    ``equipment.no_echo``); ``fault`` the key of the last failed command ("" after a
    success); ``printer_busy`` True while a busy 3D printer keeps its plug on (printing,
    paused, still hot, or not answering since it was seen busy); ``printer_foreign``
    True while its printer runs a job started outside the kiosk (on OctoPrint itself):
    "in use (not booked here)", which also keeps it on. ``bookings_on``: what the
    bookings alone say its power should be (None: not decided yet, or a kiosk that only
    watches); ``override_on``: staff switched it so against the bookings (None: no
    override), held until ``override_until`` (aware UTC; None: until staff switch back).
    """

    resource_id: str
    switch: str
    liveness: str
    on: bool | None = None
    heard_at: datetime | None = None
    heard_from: str = ""
    round_trip_ms: float | None = None
    problem: str = ""
    fault: str = ""
    printer_busy: bool = False
    printer_foreign: bool = False
    bookings_on: bool | None = None
    override_on: bool | None = None
    override_until: datetime | None = None

    @property
    def reason(self) -> str:
        """Why it cannot be booked right now, as a message key ("" when it can)."""
        if self.liveness == NO_SWITCH:
            return ""
        if self.liveness == OFFLINE:
            return "equipment.reason.offline"
        if self.problem in _PROBLEM_REASONS:
            return _PROBLEM_REASONS[self.problem]
        if self.liveness == UNKNOWN:
            if self.problem == "equipment.broker_lost":
                return "equipment.reason.broker_lost"
            return "equipment.reason.not_answered"
        return ""

    @property
    def bookable(self) -> bool:
        """True when nothing is known to stand in the way of powering it."""
        return not self.reason


def status_words(status: EquipmentStatus, language: str) -> str:
    """A plug's status in one line for staff (``kiosk equipment status``, doctor)."""
    if status.bookable:
        power = {True: "equipment.on", False: "equipment.off", None: "equipment.unknown"}
        rtt = status.round_trip_ms
        return translate(
            "cli.equipment.state_online",
            language,
            power=translate(power[status.on], language),
            device=status.heard_from or "?",
            ms=f"{rtt:.1f}" if rtt is not None else "?",
        )
    return translate(
        "cli.equipment.state_not_ready",
        language,
        state=translate(f"equipment.state.{status.liveness}", language),
        reason=translate(status.reason, language),
    )


@dataclass(frozen=True)
class SwitchOutcome:
    """What one staff command did (``kiosk equipment on|off``, the staff screen).

    ``answered`` is the power state the device answered (None: no answer);
    ``round_trip_ms`` from sending to that answer; ``device`` who answered.
    """

    resource_id: str
    want: bool
    answered: bool | None
    round_trip_ms: float | None = None
    device: str = ""
    problem: str = ""

    @property
    def confirmed(self) -> bool:
        return self.answered is self.want

    @property
    def key(self) -> str:
        """The message key for what went wrong ("" when confirmed): the device's own
        opposite answer (``equipment.answered_off``), or the problem."""
        if self.confirmed:
            return ""
        if self.answered is not None:
            return f"equipment.answered_{'on' if self.answered else 'off'}"
        return self.problem or "equipment.no_echo"


class EquipmentStates(Protocol):
    """Reading the equipment state: quick, non-blocking, any thread."""

    def equipment_state(self, resource_id: str) -> EquipmentStatus:
        """The resource's status; raises DomainError ``booking.unknown_resource``."""
        ...

    def all_states(self) -> tuple[EquipmentStatus, ...]:
        """Every configured resource's status, in config order."""
        ...


class EquipmentControl(EquipmentStates, Protocol):
    """Reading plus the staff's direct commands. Both methods block for at most
    ``timeout`` seconds (default: the configured switch timeout); call them off the UI
    thread."""

    def switch(self, resource_id: str, on: bool, timeout: float | None = None) -> SwitchOutcome:
        """One ON or OFF and the device's answer, no retry (raises DomainError
        ``equipment.no_switch`` for a resource without a plug). Against the bookings it
        is a staff override, kept until switched back or the next booking boundary."""
        ...

    def probe(self, resource_id: str, timeout: float | None = None) -> EquipmentStatus:
        """Ask the plug for its state now; returns the status after its answer (or
        after the timeout)."""
        ...
