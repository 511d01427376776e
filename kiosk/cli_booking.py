"""``kiosk equipment ...`` and ``kiosk bookings ...``: staff commands for the makerspace.

Equipment commands connect to the configured broker themselves (a few seconds at most)
and say what the device confirmed. Booking commands write the same database as the
running kiosk; a running kiosk's scheduler picks the change up on its next tick and its
equipment reconcile puts the plugs right.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kiosk import bootstrap, cli_args
from kiosk.booking.api import Booking
from kiosk.booking.service import BookingService
from kiosk.bootstrap import Kiosk
from kiosk.bus import EventBus
from kiosk.cards import find_card
from kiosk.cli import language, load_config, open_database, print_json
from kiosk.config import Config
from kiosk.doctor import EXTRA_CHECKS, Check
from kiosk.domain.errors import ConfigError, DomainError
from kiosk.i18n import translate
from kiosk.ports import EquipmentSwitch
from kiosk.timeutil import utcnow


def _doctor_rules(kiosk: Kiosk, lang: str) -> Iterator[Check]:
    """``kiosk doctor``: the booking rules of every resource are consistent."""
    try:
        bootstrap.check_booking_rules(kiosk.config)
    except ConfigError as exc:
        yield Check("booking rules", False, str(exc))
        return
    count = len(kiosk.config.resources)
    yield Check("booking rules", True, f"{count} bookable resources, rules consistent")


if _doctor_rules not in EXTRA_CHECKS:
    EXTRA_CHECKS.append(_doctor_rules)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    equipment = sub.add_parser("equipment", parents=[common], help="makerspace equipment")
    eq = equipment.add_subparsers(dest="equipment_command", metavar="ACTION", required=True)
    listing = eq.add_parser("list", parents=[common], help="configured resources and plugs")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=cmd_equipment_list)
    status = eq.add_parser("status", parents=[common], help="ask a plug for its state")
    status.add_argument("resource")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=cmd_equipment_status)
    for action in ("on", "off"):
        switch = eq.add_parser(
            action, parents=[common], help=f"switch a resource {action} (waits for the echo)"
        )
        switch.add_argument("resource")
        switch.add_argument(
            "--timeout", type=float, default=None, metavar="SECONDS", help="wait for the echo"
        )
        switch.set_defaults(handler=cmd_equipment_switch, on=action == "on")

    bookings = sub.add_parser("bookings", parents=[common], help="makerspace bookings")
    bk = bookings.add_subparsers(dest="bookings_command", metavar="ACTION", required=True)
    blist = bk.add_parser("list", parents=[common], help="bookings of a day")
    blist.add_argument(
        "--day", metavar="DATE", type=cli_args.day, help="YYYY-MM-DD (default: today)"
    )
    blist.add_argument("--json", action="store_true", help="print JSON")
    blist.set_defaults(handler=cmd_bookings_list)
    create = bk.add_parser("create", parents=[common], help="book a resource for a patron")
    create.add_argument("resource")
    create.add_argument("card", help="card key or card number")
    create.add_argument(
        "start", type=cli_args.moment, help="ISO 8601 local time, e.g. 2026-12-01T10:00"
    )
    create.add_argument("duration", type=int, help="minutes")
    create.add_argument(
        "--staff", metavar="CARD", help="a staff card: book past the rules (never overlaps)"
    )
    create.add_argument("--json", action="store_true", help="print JSON")
    create.set_defaults(handler=cmd_bookings_create)
    cancel = bk.add_parser("cancel", parents=[common], help="cancel a booking")
    cancel.add_argument("id", type=int)
    cancel.set_defaults(handler=cmd_bookings_cancel)


# -- equipment ------------------------------------------------------------------------
def _resource(config: Config, resource_id: str, lang: str) -> Any:
    for r in config.resources:
        if r.id == resource_id:
            return r
    raise DomainError("booking.unknown_resource", resource=resource_id)


def cmd_equipment_list(args: argparse.Namespace) -> int:
    config = load_config(args)
    rows = [
        {
            "id": r.id,
            "kind": r.kind,
            "name": r.name or r.id,
            "switch": r.switch,
            "printer": r.printer,
        }
        for r in config.resources
    ]
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        print(f"{row['id']:<14} {row['kind']:<11} {row['switch'] or '-':<36} {row['name']}")
    return 0


def _switch(args: argparse.Namespace) -> tuple[Config, str, EquipmentSwitch, str]:
    config = load_config(args)
    lang = language(args, config)
    resource = _resource(config, args.resource, lang)
    if not resource.switch:
        raise DomainError("equipment.no_switch", resource=resource.id)
    kiosk = bootstrap.build(config)
    switch = kiosk.switches[resource.id]
    switch.start(EventBus())
    return config, lang, switch, resource.id


def _wait_connected(switch: EquipmentSwitch, timeout: float) -> None:
    connection = getattr(switch, "connection", None)
    if connection is not None:
        connection.wait_connected(timeout)
        getattr(switch, "query", lambda: None)()
        # The retained Last Will and the state answer arrive within milliseconds.
        deadline = utcnow().timestamp() + min(timeout, 1.0)
        while switch.state().on is None and utcnow().timestamp() < deadline:
            connection.connected.wait(0.02)


def cmd_equipment_status(args: argparse.Namespace) -> int:
    _, lang, switch, rid = _switch(args)
    try:
        _wait_connected(switch, 3.0)
        state = switch.state()
    finally:
        switch.stop()
    power = {True: "on", False: "off", None: "unknown"}[state.on]
    if args.json:
        print_json({"resource": rid, "on": state.on, "online": state.online})
    else:
        key = "cli.equipment.status" if state.online else "cli.equipment.offline"
        print(translate(key, lang, resource=rid, state=translate(f"equipment.{power}", lang)))
    return 0 if state.online else 1


def cmd_equipment_switch(args: argparse.Namespace) -> int:
    config, lang, switch, rid = _switch(args)
    timeout = args.timeout or config.bookings.switch_timeout_seconds
    try:
        _wait_connected(switch, 3.0)
        confirmed = switch.set(args.on, timeout=timeout)
        state = switch.state()
    finally:
        switch.stop()
    wanted = translate("equipment.on" if args.on else "equipment.off", lang)
    if confirmed:
        print(translate("cli.equipment.confirmed", lang, resource=rid, state=wanted))
        return 0
    key = "cli.equipment.not_confirmed" if state.online else "cli.equipment.offline"
    print(translate(key, lang, resource=rid, state=wanted))
    return 1


# -- bookings -------------------------------------------------------------------------
def _service(args: argparse.Namespace) -> tuple[Config, str, BookingService]:
    config = load_config(args)
    bootstrap.check_booking_rules(config)
    store = open_database(args, config)
    return config, language(args, config), BookingService(store, config)


def _row(b: Booking) -> dict[str, Any]:
    data = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(b).items()}
    data["minutes"] = b.minutes
    return data


def _line(b: Booking, lang: str) -> str:
    status = translate(f"booking.status.{b.status}", lang)
    when = f"{b.starts_at:%Y-%m-%d %H:%M}-{b.ends_at:%H:%M}"
    return f"#{b.id:<6} {when}  {b.resource_id:<14} {status:<16} {b.patron_ref or '-'}"


def cmd_bookings_list(args: argparse.Namespace) -> int:
    config, lang, service = _service(args)
    try:
        zone = ZoneInfo(config.kiosk.timezone)
        day = args.day or utcnow().astimezone(zone).date()
        rows = service.bookings_on(day)
    finally:
        service.store.close()
    if args.json:
        print_json([_row(b) for b in rows])
        return 0
    if not rows:
        print(translate("cli.bookings.none", lang, day=day.isoformat()))
    for b in rows:
        print(_line(b, lang))
    return 0


def _patron_ref(service: BookingService, card: str) -> str:
    record = find_card(service.store, text=card)
    if record is None or record.status != "active":
        raise DomainError("cli.bookings.unknown_card", card=card)
    return str(record.patron_id)


def cmd_bookings_create(args: argparse.Namespace) -> int:
    config, lang, service = _service(args)
    try:
        start = args.start  # checked by cli_args.moment: ISO, a sane year
        if start.tzinfo is None:
            start = start.replace(tzinfo=ZoneInfo(config.kiosk.timezone))
        patron = _patron_ref(service, args.card)
        staff = _patron_ref(service, args.staff) if args.staff else None
        booking = service.book(patron, args.resource, start, args.duration, staff=staff)
    finally:
        service.store.close()
    if args.json:
        print_json(_row(booking))
    else:
        print(translate("cli.bookings.created", lang, id=booking.id))
        print(_line(booking, lang))
    return 0


def cmd_bookings_cancel(args: argparse.Namespace) -> int:
    _, lang, service = _service(args)
    try:
        booking = service.cancel(None, args.id)
    finally:
        service.store.close()
    print(translate("cli.bookings.cancelled", lang, id=booking.id))
    return 0
