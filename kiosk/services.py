"""The services one kiosk offers its screens and its CLI, gathered in one container.

Screens reach the library only through these interfaces (typed :class:`typing.Protocol`
classes that take and return plain frozen data), never through the store, so that a
networked implementation (a hub serving several kiosks) can stand in later. The
composition root fills the container (:func:`kiosk.bootstrap.open_kiosk`).
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.alerts import StaffAlerts
from kiosk.booking.api import Bookings
from kiosk.booking.equipment_api import EquipmentControl
from kiosk.circulation.api import Circulation, Events, Feedback, Usage
from kiosk.preferences import PatronPreferences
from kiosk.printing.api import Printing
from kiosk.report.figures import Figures
from kiosk.surveys.api import Surveys


@dataclass(frozen=True)
class Services:
    circulation: Circulation
    events: Events
    feedback: Feedback
    usage: Usage
    #: Patron accessibility preferences (opt-in), kept in the kiosk's own database.
    preferences: PatronPreferences
    #: Short anonymous surveys offered at sign-out.
    surveys: Surveys
    #: Key figures of a period (the staff screen's week).
    figures: Figures
    #: The equipment state (its one owner, the equipment controller) and the staff's
    #: direct switching.
    equipment: EquipmentControl
    #: What staff must know about (equipment faults, refused offline loans ...).
    alerts: StaffAlerts
    #: The makerspace's bookings; None on a kiosk without bookable resources.
    bookings: Bookings | None = None
    #: Printing on the makerspace's 3D printers, with the bookings when the kiosk has
    #: printers (None otherwise).
    printing: Printing | None = None
    #: True when the services answer from the kiosk's own SQLite database in well under
    #: a millisecond (the local backend): the screens may then call the quick ones
    #: directly on the UI thread (DESIGN.md: "fast, sync") instead of through a worker,
    #: which saves a whole frame between a card tap and the patron's name. A networked
    #: backend (SIP2, a hub) leaves this False and every call goes through the worker.
    local: bool = False
