"""``kiosk equipment ...`` and ``kiosk bookings ...``: staff commands for the makerspace.

Equipment commands connect to the configured broker themselves (a few seconds at most)
and say what the device confirmed. Booking commands write the same database as the
running kiosk; a running kiosk's scheduler picks the change up on its next tick and its
equipment reconcile puts the plugs right.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kiosk import bootstrap, cli_args, formatting
from kiosk.booking.api import Booking, Bookings
from kiosk.booking.equipment_api import EquipmentStatus, status_words
from kiosk.bootstrap import Kiosk
from kiosk.cli import language, load_config, opened, print_json, services_of
from kiosk.config import Config
from kiosk.doctor import EXTRA_CHECKS, Check
from kiosk.domain.errors import ConfigError, DomainError
from kiosk.i18n import translate
from kiosk.patrons import find_card
from kiosk.timeutil import utcnow

#: How long an equipment command waits for the broker connection (s).
CONNECT_TIMEOUT_S = 3.0


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
    status = eq.add_parser(
        "status",
        parents=[common],
        help="ask plugs for their state; exit 1 unless every one is confirmed online",
    )
    status.add_argument("resource", nargs="*", help="resource ids (default: every plug)")
    status.add_argument(
        "--timeout", type=float, default=None, metavar="SECONDS", help="wait for the answers"
    )
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=cmd_equipment_status)
    for action in ("on", "off"):
        switch = eq.add_parser(
            action,
            parents=[common],
            help=f"switch a resource {action}: one command and its echo (-v: the round trip)",
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
    create.add_argument(
        "--auto",
        action="store_true",
        help="with --staff: start at the start time by itself (no check-in, never a no-show)",
    )
    create.add_argument("--json", action="store_true", help="print JSON")
    create.set_defaults(handler=cmd_bookings_create)
    checkin = bk.add_parser(
        "checkin", parents=[common], help="check a booking in for its patron (staff)"
    )
    checkin.add_argument("id", type=int)
    checkin.set_defaults(handler=cmd_bookings_checkin)
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


def _equipment(args: argparse.Namespace, config: Config, resource_ids: list[str]) -> Kiosk:
    """A kiosk whose equipment owner watches the plugs of ``resource_ids``, connected
    (at most ``CONNECT_TIMEOUT_S``); close it with :func:`_close_equipment`."""
    lang = language(args, config)
    for rid in resource_ids:
        if not _resource(config, rid, lang).switch:
            raise DomainError("equipment.no_switch", resource=rid)
    kiosk = bootstrap.open_kiosk(config, store=False)
    kiosk.equipment.watch()  # before the plugs start: their retained Last Wills count
    if kiosk.broker is not None:
        kiosk.broker.start(kiosk.bus)
    for rid in resource_ids:
        kiosk.switches[rid].start(kiosk.bus)
    if kiosk.broker is not None:
        kiosk.broker.wait_connected(CONNECT_TIMEOUT_S)
    return kiosk


def _close_equipment(kiosk: Kiosk, resource_ids: list[str]) -> None:
    for rid in resource_ids:
        kiosk.switches[rid].stop()
    if kiosk.broker is not None:
        kiosk.broker.stop()
    kiosk.equipment.stop()


def _row_of(status: EquipmentStatus) -> dict[str, Any]:
    data = asdict(status)
    data["heard_at"] = status.heard_at.isoformat() if status.heard_at else None
    data["reason"] = status.reason
    data["ok"] = status.bookable
    return data


def cmd_equipment_status(args: argparse.Namespace) -> int:
    config = load_config(args)
    lang = language(args, config)
    ids = args.resource or [r.id for r in config.resources if r.switch]
    kiosk = _equipment(args, config, ids)
    owner = kiosk.equipment
    try:
        # Every plug is asked at once: the slowest answer (or timeout) is the wait.
        with ThreadPoolExecutor(max_workers=max(1, min(16, len(ids)))) as pool:
            statuses = list(pool.map(lambda rid: owner.probe(rid, args.timeout), ids))
    finally:
        _close_equipment(kiosk, ids)
    if args.json:
        print_json([_row_of(s) for s in statuses])
    else:
        for status in statuses:
            print(f"{status.resource_id}: {status_words(status, lang)}")
    return 0 if all(s.bookable for s in statuses) else 1


def cmd_equipment_switch(args: argparse.Namespace) -> int:
    rid = args.resource
    config = load_config(args)
    lang = language(args, config)
    kiosk = _equipment(args, config, [rid])
    owner = kiosk.equipment
    timeout = args.timeout or config.bookings.switch_timeout_seconds
    try:
        outcome = owner.switch(rid, args.on, timeout)  # one command and its echo
    finally:
        _close_equipment(kiosk, [rid])
    wanted = translate("equipment.on" if args.on else "equipment.off", lang)
    if outcome.confirmed:
        print(translate("cli.equipment.confirmed", lang, resource=rid, state=wanted))
    else:
        key = _SWITCH_MESSAGES.get(outcome.key, "cli.equipment.not_confirmed")
        said = {True: "equipment.on", False: "equipment.off", None: "equipment.unknown"}
        answered = translate(said[outcome.answered], lang)
        print(translate(key, lang, resource=rid, state=wanted, answered=answered))
    if getattr(args, "verbose", False) and outcome.round_trip_ms is not None:
        print(
            translate(
                "cli.equipment.round_trip",
                lang,
                ms=f"{outcome.round_trip_ms:.1f}",
                device=outcome.device,
            )
        )
    return 0 if outcome.confirmed else 1


#: What went wrong with a staff command -> its CLI message.
_SWITCH_MESSAGES = {
    "equipment.offline": "cli.equipment.offline",
    "equipment.broker_lost": "cli.equipment.offline",
    "equipment.answered_on": "cli.equipment.answered",
    "equipment.answered_off": "cli.equipment.answered",
    "equipment.no_channel": "cli.equipment.no_channel",
    "equipment.refused": "cli.equipment.refused",
}


# -- bookings -------------------------------------------------------------------------
@contextmanager
def _bookings(args: argparse.Namespace) -> Iterator[tuple[Config, str, Kiosk, Bookings]]:
    """The database's bookings (the same service the screens use), closed after."""
    config = load_config(args)
    with opened(args, config) as kiosk:
        bookings = services_of(kiosk).bookings
        if bookings is None:
            raise DomainError("booking.unknown_resource", resource="-")
        yield config, language(args, config), kiosk, bookings


def _row(b: Booking) -> dict[str, Any]:
    data = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(b).items()}
    data["minutes"] = b.minutes
    return data


def _line(b: Booking, lang: str) -> str:
    status = translate(f"booking.status.{b.status}", lang)
    # The booking's own (local) times, written as everywhere else (kiosk.formatting).
    when = f"{formatting.day_time(b.starts_at, lang)}-{formatting.time_of_day(b.ends_at, lang)}"
    return f"#{b.id:<6} {when}  {b.resource_id:<14} {status:<16} {b.patron_ref or '-'}"


def cmd_bookings_list(args: argparse.Namespace) -> int:
    with _bookings(args) as (config, lang, _, service):
        zone = ZoneInfo(config.kiosk.timezone)
        day = args.day or utcnow().astimezone(zone).date()
        rows = service.bookings_on(day)
    if args.json:
        print_json([_row(b) for b in rows])
        return 0
    if not rows:
        print(translate("cli.bookings.none", lang, day=day.isoformat()))
    for b in rows:
        print(_line(b, lang))
    return 0


def _patron_ref(kiosk: Kiosk, card: str) -> str:
    assert kiosk.store is not None
    record = find_card(kiosk.store, text=card)
    if record is None or record.status != "active":
        raise DomainError("cli.bookings.unknown_card", card=card)
    return str(record.patron_id)


def cmd_bookings_create(args: argparse.Namespace) -> int:
    with _bookings(args) as (config, lang, kiosk, service):
        start = args.start  # checked by cli_args.moment: ISO, a sane year
        if start.tzinfo is None:
            start = start.replace(tzinfo=ZoneInfo(config.kiosk.timezone))
        patron = _patron_ref(kiosk, args.card)
        staff = _patron_ref(kiosk, args.staff) if args.staff else None
        booking = service.book(
            patron, args.resource, start, args.duration, staff=staff, auto=args.auto
        )
    if args.json:
        print_json(_row(booking))
    else:
        print(translate("cli.bookings.created", lang, id=booking.id))
        print(_line(booking, lang))
    return 0


def cmd_bookings_checkin(args: argparse.Namespace) -> int:
    with _bookings(args) as (_, lang, _, service):
        booking = service.check_in(None, args.id)  # staff: any booking not yet ended
    print(translate("cli.bookings.checked_in", lang, id=booking.id))
    print(_line(booking, lang))
    return 0


def cmd_bookings_cancel(args: argparse.Namespace) -> int:
    with _bookings(args) as (_, lang, _, service):
        booking = service.cancel(None, args.id)
    print(translate("cli.bookings.cancelled", lang, id=booking.id))
    return 0
