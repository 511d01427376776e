"""``kiosk events list|checkin``: staff record who came to an event.

Check-in works for registered patrons and for walk-ins (checked in without having
registered); the report counts registrations, attendance and walk-ins per event."""

from __future__ import annotations

import argparse
from typing import Any
from zoneinfo import ZoneInfo

from kiosk import cli_args, formatting
from kiosk.circulation.api import LibraryEvent
from kiosk.cli import language, load_config, opened, print_json, services_of, store_of
from kiosk.domain.errors import DomainError
from kiosk.i18n import translate
from kiosk.patrons import find_card
from kiosk.timeutil import utcnow


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    events = sub.add_parser("events", parents=[common], help="library events and attendance")
    actions = events.add_subparsers(dest="events_command", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list", parents=[common], help="the events of a day with registrations and check-ins"
    )
    listing.add_argument(
        "--day", type=cli_args.day, metavar="DATE", help="YYYY-MM-DD (default: today)"
    )
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=cmd_events_list)
    checkin = actions.add_parser(
        "checkin", parents=[common], help="check a patron in at an event (registered or not)"
    )
    checkin.add_argument("event", type=int, help="the event's number (kiosk events list)")
    checkin.add_argument("card", help="card number or card key")
    checkin.add_argument("--json", action="store_true", help="print JSON")
    checkin.set_defaults(handler=cmd_events_checkin)


def _row(e: LibraryEvent, lang: str) -> dict[str, Any]:
    return {
        "id": e.id,
        "title": e.title(lang),
        "starts_at": e.starts_at.isoformat(),
        "capacity": e.capacity,
        "registrations": e.registrations,
        "attended": e.attended,
    }


def _line(e: LibraryEvent, lang: str, zone: ZoneInfo) -> str:
    when = formatting.day_time(e.starts_at, lang, zone.key)
    capacity = "-" if e.capacity is None else str(e.capacity)
    counts = translate(
        "cli.events.counts",
        lang,
        registrations=e.registrations,
        capacity=capacity,
        attended=e.attended,
    )
    return f"#{e.id:<5} {when}  {counts}  {e.title(lang)}"


def cmd_events_list(args: argparse.Namespace) -> int:
    config = load_config(args)
    lang = language(args, config)
    zone = ZoneInfo(config.kiosk.timezone)
    day = args.day or utcnow().astimezone(zone).date()
    with opened(args, config) as kiosk:
        events = services_of(kiosk).events.on_day(day)
    if args.json:
        print_json([_row(e, lang) for e in events])
        return 0
    if not events:
        print(translate("cli.events.none", lang, day=day.isoformat()))
    for e in events:
        print(_line(e, lang, zone))
    return 0


def cmd_events_checkin(args: argparse.Namespace) -> int:
    config = load_config(args)
    lang = language(args, config)
    with opened(args, config) as kiosk:
        card = find_card(store_of(kiosk), text=args.card)
        if card is None or card.status != "active":
            raise DomainError("cli.bookings.unknown_card", card=args.card)
        result = services_of(kiosk).events.check_in(str(card.patron_id), args.event)
    if args.json:
        print_json({**_row(result.event, lang), "walk_in": result.walk_in})
        return 0
    key = "cli.events.checked_in_walk_in" if result.walk_in else "cli.events.checked_in"
    print(translate(key, lang, attended=result.event.attended, title=result.event.title(lang)))
    return 0
