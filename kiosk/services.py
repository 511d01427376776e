"""The services one kiosk offers its screens, gathered in one container.

Screens reach the library only through these interfaces, never through the store, so
that a networked implementation (a hub serving several kiosks) can stand in later.
The composition root fills the container (see :func:`kiosk.bootstrap.build_services`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.booking.equipment_api import EquipmentControl
from kiosk.circulation.api import Circulation, Events, Feedback, Usage
from kiosk.preferences import PreferencesService
from kiosk.printing.api import Printing
from kiosk.report.figures import Figures
from kiosk.surveys.api import Surveys


@dataclass
class Services:
    circulation: Circulation
    events: Events
    feedback: Feedback
    usage: Usage
    #: The makerspace booking service, once configured (see the booking engine).
    bookings: Any | None = None
    #: Printing on the makerspace's 3D printers (:class:`kiosk.printing.api.Printing`),
    #: with the bookings when the kiosk has printers.
    printing: Printing | None = None
    #: Patron accessibility preferences (opt-in), kept in the kiosk's own database.
    preferences: PreferencesService | None = None
    #: Short anonymous surveys offered at sign-out.
    surveys: Surveys | None = None
    #: Key figures of a period (the staff screen's week).
    figures: Figures | None = None
    #: The equipment state and the staff's direct switching
    #: (:class:`kiosk.booking.equipment_api.EquipmentControl`), when built from a kiosk.
    equipment: EquipmentControl | None = None
    #: True when the services answer from the kiosk's own SQLite database in well under
    #: a millisecond (the local backend): the screens may then call the quick ones
    #: directly on the UI thread (DESIGN.md: "fast, sync") instead of through a worker,
    #: which saves a whole frame between a card tap and the patron's name. A networked
    #: backend (SIP2, a hub) leaves this False and every call goes through the worker.
    local: bool = False
