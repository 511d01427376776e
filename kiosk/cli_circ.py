"""``kiosk circ ...``: the staff desk's circulation commands, on the configured backend
(the local one or the library's ILS over SIP2) through the circulation interface.

CARD is a card number or a card key (``PLU-0001``, ``04A1B2C3D4E580``). Commands that
act for the patron (checkout, renew) sign in like the kiosk does, so a card with a PIN
needs it: ``--pin-stdin`` reads it from stdin (``--pin`` on the command line still
works but warns: other users see command lines). The staff views (patron, fines, pay)
need none. ``pin set`` asks for a new PIN twice on a terminal (never echoed), else
reads ``--pin-stdin``; nothing else ever prompts. A refusal
prints its translated message and exits 1; ``--json`` prints data as JSON (a refusal
as ``{"refused": key, "message": ...}``). What the ILS said (its screen messages, its
own due-date text) is printed with each result; an offline checkout or return says it
will be confirmed. ``outbox`` lists what the ILS refused when the offline entries were
sent, for staff to sort out, and ``outbox resolve`` marks one done.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from kiosk import cli_signin, formatting, money
from kiosk.circulation.api import Circulation, Fines, Patron
from kiosk.circulation.offline import cached_name
from kiosk.config import Config
from kiosk.domain.errors import DeviceError, DomainError, KioskError
from kiosk.i18n import describe, translate
from kiosk.outbox import Outbox, OutboxEntry, outbox_targets
from kiosk.pins import valid_pin
from kiosk.store import Store, StoreError
from kiosk.store.database import sqlite_failure


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    circ = sub.add_parser(
        "circ", parents=[common], help="circulation at the staff desk (checkout, return, ...)"
    )
    actions = circ.add_subparsers(dest="circ_command", metavar="ACTION", parser_class=type(circ))

    def action(name: str, helptext: str, handler: Callable[[argparse.Namespace], int]) -> Any:
        parser = actions.add_parser(name, parents=[common], help=helptext)
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.set_defaults(handler=handler)
        return parser

    p = action("patron", "show a patron: status, loans, holds, fines", cmd_patron)
    p.add_argument("card", metavar="CARD", help="card number or card key")
    p = action("checkout", "lend items to a patron", cmd_checkout)
    p.add_argument("card", metavar="CARD", help="card number or card key")
    p.add_argument("items", metavar="ITEM", nargs="+", help="item barcode(s)")
    _pin_options(p)
    p = action("checkin", "return items (no patron needed)", cmd_checkin)
    p.add_argument("items", metavar="ITEM", nargs="+", help="item barcode(s)")
    p = action("renew", "renew one loan, or all of them", cmd_renew)
    p.add_argument("card", metavar="CARD", help="card number or card key")
    p.add_argument("item", metavar="ITEM", nargs="?", help="item barcode (default: all loans)")
    _pin_options(p)
    p = action("fines", "show what a patron owes", cmd_fines)
    p.add_argument("card", metavar="CARD", help="card number or card key")
    p = action("pay", "record a payment taken at the desk", cmd_pay)
    p.add_argument("card", metavar="CARD", help="card number or card key")
    p.add_argument("amount", metavar="AMOUNT", help="whole rupiah: 25000, 25.000 or 25,000")
    p.add_argument("--taken-by", metavar="NAME", help="who took the money (default: your login)")
    pin = actions.add_parser(
        "pin", parents=[common], help="set or clear a patron's PIN (how staff get theirs)"
    )
    pins = pin.add_subparsers(dest="pin_command", metavar="ACTION", parser_class=type(circ))
    p = pins.add_parser(
        "set",
        parents=[common],
        help="set a new PIN: asked twice on a terminal, else one line with --pin-stdin",
    )
    p.add_argument("card", metavar="CARD", help="card number or card key")
    p.add_argument(
        "--pin-stdin", action="store_true", help="read the new PIN from the first line of stdin"
    )
    p.set_defaults(handler=cmd_pin_set)
    p = pins.add_parser("clear", parents=[common], help="remove a patron's PIN, lift a lock")
    p.add_argument("card", metavar="CARD", help="card number or card key")
    p.set_defaults(handler=cmd_pin_clear)
    pin.set_defaults(handler=lambda args: _usage(pin))
    box = action("outbox", "offline checkouts and returns the ILS refused, to sort out", cmd_outbox)
    boxes = box.add_subparsers(dest="outbox_command", metavar="ACTION", parser_class=type(circ))
    p = boxes.add_parser("resolve", parents=[common], help="mark a refused entry as sorted out")
    p.add_argument("id", metavar="ID", type=int, help="the entry's number (kiosk circ outbox)")
    p.add_argument("--by", metavar="NAME", help="who sorted it out (default: your login)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_outbox_resolve)
    circ.set_defaults(handler=lambda args: _usage(circ))


def _pin_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pin-stdin",
        action="store_true",
        help="the patron's PIN, when the card has one: the first line of stdin",
    )
    parser.add_argument(
        "--pin", help="the PIN as an argument (for tests: anyone can see it with ps; warns)"
    )


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


# -- shared ---------------------------------------------------------------------------
class _Desk:
    """What a command needs: config, language, the kiosk's database, the circulation."""

    def __init__(
        self, args: argparse.Namespace, config: Config, store: Store, circ: Circulation
    ) -> None:
        self.args = args
        self.config = config
        self.store = store
        self.circ = circ
        self.lang = getattr(args, "lang", None) or config.kiosk.language
        self.zone = ZoneInfo(config.kiosk.timezone)
        self.json = bool(getattr(args, "json", False))

    def t(self, key: str, **params: Any) -> str:
        return translate(key, self.lang, **params)

    def when(self, moment: datetime) -> str:
        return formatting.day_time(moment, self.lang, self.config.kiosk.timezone)

    def due(self, moment: datetime, text: str | None) -> str:
        """A due date, or the ILS's own text for it when it wrote one."""
        return text or self.when(moment)

    def money(self, amount: int) -> str:
        return money.rupiah(amount, self.lang)

    def day(self, value: date | None) -> str:
        return formatting.day(value, self.lang) if value else "-"

    def group_name(self, code: str) -> str:
        """A local patron group's name in the language; an ILS's profile as it is."""
        row = self.store.conn.execute(
            "SELECT name_id, name_en FROM patron_groups WHERE code = ?", [code]
        ).fetchone()
        if row is None:
            return code or "-"
        return str(row["name_id"] if self.lang == "id" else row["name_en"])

    def refusal(self, error: KioskError) -> int:
        message = describe(error, self.lang)
        if self.json:
            print(_dumps({"refused": error.key, "params": error.params, "message": message}))
        else:
            print(message, file=sys.stderr)
        return 1

    def item_refused(self, barcode: str, error: KioskError, report: list[dict[str, Any]]) -> None:
        """One item of several was refused: say why, and go on with the next."""
        message = describe(error, self.lang)
        if self.json:
            report.append({"barcode": barcode, "refused": error.key, "message": message})
        else:
            print(message, file=sys.stderr)

    def said(self, messages: tuple[str, ...], offline: bool = False) -> None:
        """What the ILS said with a result (its screen messages), and for an offline
        result that it will be confirmed; indented under the result's line."""
        for message in messages:
            if message.strip():
                print("  " + self.t("circulation.ils_says", message=message.strip()))
        if offline:
            print("  " + self.t("circulation.offline_recorded"))

    def sign_in(self, text: str) -> Patron:
        """Sign in like the kiosk (:func:`kiosk.cli_signin.sign_in`), with the PIN from
        ``--pin-stdin`` (or ``--pin``)."""
        return cli_signin.sign_in(self.store, self.circ, self.config, text, self.given_pin)

    def given_pin(self) -> str | None:
        return cli_signin.given_pin(self.args, self.lang)

    def damaged(self, exc: sqlite3.DatabaseError, current: str, done: list[str],
                left: list[str]) -> StoreError:  # fmt: skip
        """A database failure in the middle of several items: which were done."""
        error = sqlite_failure(exc, self.store.path)
        if error.key != "store.damaged":
            return error
        return StoreError(
            "store.damaged_during",
            path=self.store.path,
            reason=str(exc),
            current=current,
            done=", ".join(done) or "-",
            left=", ".join(left) or "-",
        )


@contextmanager
def _desk(args: argparse.Namespace) -> Iterator[_Desk]:
    from kiosk.cli import load_config, opened, services_of, store_of

    config = load_config(args)
    # A typo in --db never creates a library; closing ends a SIP2 backend's connection.
    with opened(args, config) as kiosk:
        yield _Desk(args, config, store_of(kiosk), services_of(kiosk).circulation)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _fines_lines(desk: _Desk, fines: Fines) -> list[str]:
    lines = [desk.t("cli.circ.fines_balance", balance=desk.money(fines.balance))]
    for line in fines.lines:
        reason = desk.t(f"cli.circ.fine_reason.{line.reason}")
        item = f" ({line.item_barcode})" if line.item_barcode else ""
        lines.append(
            f"  {desk.day(line.created_at.date())}  {desk.money(line.amount):>12}  {reason}{item}"
        )
    lines += [f"  {text}" for text in fines.descriptions]  # the ILS's own lines
    if fines.limit is not None:
        lines.append(desk.t("cli.circ.fines_limit", limit=desk.money(fines.limit)))
    return lines


# -- commands -------------------------------------------------------------------------
def cmd_patron(args: argparse.Namespace) -> int:
    with _desk(args) as desk:
        try:
            patron = desk.circ.find_patron(args.card)
            problems = desk.circ.problems(patron.ref)
            loans = desk.circ.loans(patron.ref)
            holds = desk.circ.holds(patron.ref)
            fines = desk.circ.fines(patron.ref)
        except (DomainError, DeviceError) as exc:
            return desk.refusal(exc)
        if desk.json:
            print(
                _dumps(
                    {
                        "patron": asdict(patron),
                        "problems": [
                            {"key": p.key, "message": describe(p, desk.lang)} for p in problems
                        ],
                        "loans": [asdict(loan) for loan in loans],
                        "holds": [asdict(hold) for hold in holds],
                        "fines": asdict(fines),
                    }
                )
            )
            return 0
        kind = desk.group_name(patron.patron_group)
        print(f"{patron.name} ({patron.card_number or '-'}) - {kind}")
        print(desk.t("cli.circ.valid_until", day=desk.day(patron.expires_on)))
        if problems:
            for problem in problems:
                print("! " + describe(problem, desk.lang))
        else:
            print(desk.t("cli.circ.good_standing"))
        print(desk.t("cli.circ.loans", count=len(loans)))
        for loan in loans:
            late = "  " + desk.t("cli.circ.overdue") if loan.overdue else ""
            due = desk.due(loan.due_at, loan.due_text)
            print(f"  {loan.barcode:<10} {loan.title[:40]:<40} {due}{late}")
        print(desk.t("cli.circ.holds", count=len(holds)))
        for hold in holds:
            if hold.ready:
                status = desk.t(
                    "cli.circ.hold_ready",
                    shelf=hold.shelf_location or "-",
                    day=desk.day(hold.expires_on),
                )
            else:
                status = desk.t("cli.circ.hold_waiting")
            print(f"  {hold.title[:40]:<40} {status}")
        for line in _fines_lines(desk, fines):
            print(line)
        return 0


def cmd_checkout(args: argparse.Namespace) -> int:
    with _desk(args) as desk:
        try:
            patron = desk.sign_in(args.card)
        except (DomainError, DeviceError) as exc:
            return desk.refusal(exc)
        done: list[dict[str, Any]] = []
        lent: list[str] = []
        failed = 0
        for index, barcode in enumerate(args.items):
            try:
                result = desk.circ.checkout(patron.ref, barcode)
                lent.append(barcode)
            except sqlite3.DatabaseError as exc:
                raise desk.damaged(exc, barcode, lent, args.items[index + 1 :]) from None
            except (DomainError, DeviceError) as exc:  # a refusal, or the ILS out of reach
                failed += 1
                desk.item_refused(barcode, exc, done)
                continue
            if desk.json:
                done.append(asdict(result))
            else:
                print(
                    desk.t(
                        "cli.circ.checked_out",
                        title=result.title,
                        barcode=result.barcode,
                        due=desk.due(result.due_at, result.due_text),
                    )
                )
                desk.said(result.messages, result.offline)
        if desk.json:
            print(_dumps({"patron": patron.ref, "checkouts": done}))
        return 1 if failed else 0


def cmd_checkin(args: argparse.Namespace) -> int:
    with _desk(args) as desk:
        done: list[dict[str, Any]] = []
        returned: list[str] = []
        failed = 0
        for index, barcode in enumerate(args.items):
            try:
                result = desk.circ.checkin(barcode)
                returned.append(barcode)
            except sqlite3.DatabaseError as exc:
                raise desk.damaged(exc, barcode, returned, args.items[index + 1 :]) from None
            except (DomainError, DeviceError) as exc:
                failed += 1
                desk.item_refused(barcode, exc, done)
                continue
            if desk.json:
                done.append(asdict(result))
                continue
            print(desk.t("cli.circ.returned", title=result.title, barcode=result.barcode))
            if result.to_hold_shelf:
                print("  " + desk.t("cli.circ.to_hold_shelf", shelf=result.hold_shelf_location))
            if result.fine:
                print("  " + desk.t("cli.circ.fine_created", amount=desk.money(result.fine)))
            desk.said(result.messages, result.offline)
        if desk.json:
            print(_dumps({"returns": done}))
        return 1 if failed else 0


def cmd_renew(args: argparse.Namespace) -> int:
    with _desk(args) as desk:
        try:
            patron = desk.sign_in(args.card)
            if args.item:
                results = [desk.circ.renew(patron.ref, args.item)]
            else:
                results = desk.circ.renew_all(patron.ref)
        except (DomainError, DeviceError) as exc:
            return desk.refusal(exc)
        if desk.json:
            print(_dumps({"patron": patron.ref, "renewals": [asdict(r) for r in results]}))
        elif not results:
            print(desk.t("cli.circ.no_loans"))
        for result in results:
            if desk.json:
                break
            if result.ok and result.due_at is not None:
                print(
                    desk.t(
                        "cli.circ.renewed",
                        title=result.title,
                        barcode=result.barcode,
                        due=desk.due(result.due_at, result.due_text),
                    )
                )
                desk.said(result.messages)
            else:
                reason = desk.t(result.refusal or "circulation.renew_limit")
                ils = " ".join(m.strip() for m in result.messages if m.strip())
                reason = f"{reason} ({ils})" if ils else reason
                print(f"{result.title} ({result.barcode}): {reason}", file=sys.stderr)
        return 0 if all(r.ok for r in results) else 1


def cmd_fines(args: argparse.Namespace) -> int:
    with _desk(args) as desk:
        try:
            patron = desk.circ.find_patron(args.card)
            fines = desk.circ.fines(patron.ref)
        except (DomainError, DeviceError) as exc:
            return desk.refusal(exc)
        if desk.json:
            print(_dumps({"patron": patron.ref, **asdict(fines)}))
            return 0
        print(f"{patron.name} ({patron.card_number or '-'})")
        for line in _fines_lines(desk, fines):
            print(line)
        return 0


def cmd_pay(args: argparse.Namespace) -> int:
    with _desk(args) as desk:
        try:
            patron = desk.circ.find_patron(args.card)
            amount = money.parse(args.amount)
            taken_by = args.taken_by or _login()
            fines = desk.circ.pay(patron.ref, amount, taken_by=taken_by)
        except (DomainError, DeviceError) as exc:
            return desk.refusal(exc)
        if desk.json:
            print(_dumps({"patron": patron.ref, "paid": amount, **asdict(fines)}))
            return 0
        print(desk.t("cli.circ.paid", amount=desk.money(amount), name=patron.name))
        for line in _fines_lines(desk, fines):
            print(line)
        return 0


def cmd_pin_set(args: argparse.Namespace) -> int:
    """A new PIN for the patron (the desk: no old PIN needed). Asked twice, unechoed,
    on a terminal; otherwise the first line of stdin with ``--pin-stdin``. Never from
    the command line, which other users of the machine can read."""
    with _desk(args) as desk:
        if not args.pin_stdin and not sys.stdin.isatty():
            print(desk.t("cli.pin.no_terminal"), file=sys.stderr)
            return 2
        try:
            patron = desk.circ.find_patron(args.card)
            if args.pin_stdin:
                pin = cli_signin.stdin_line()
            else:
                pin = getpass.getpass(desk.t("cli.pin.prompt", name=patron.name))
                if not valid_pin(pin):
                    raise DomainError("pin.invalid")
                if getpass.getpass(desk.t("cli.pin.again")) != pin:
                    raise DomainError("pin.mismatch")
            desk.circ.set_pin(patron.ref, pin, by_staff=True)
        except (DomainError, DeviceError) as exc:
            return desk.refusal(exc)
        except EOFError:
            print(desk.t("cli.pin.no_terminal"), file=sys.stderr)
            return 2
        if desk.json:
            print(_dumps({"patron": patron.ref, "pin": "set"}))
        else:
            print(desk.t("cli.pin.set", name=patron.name, card=patron.card_number or args.card))
        return 0


def cmd_pin_clear(args: argparse.Namespace) -> int:
    with _desk(args) as desk:
        try:
            patron = desk.circ.find_patron(args.card)
            desk.circ.clear_pin(patron.ref)
        except (DomainError, DeviceError) as exc:
            return desk.refusal(exc)
        if desk.json:
            print(_dumps({"patron": patron.ref, "pin": "cleared"}))
        else:
            card = patron.card_number or args.card
            print(desk.t("cli.pin.cleared", name=patron.name, card=card))
            if patron.is_staff:
                print(desk.t("cli.pin.staff_needs_one", card=card))
        return 0


def cmd_outbox(args: argparse.Namespace) -> int:
    """Refused offline entries (oldest first) with item, patron and the ILS's reason,
    and how many still wait to be sent."""
    with _desk(args) as desk:
        boxes = [Outbox(desk.store, target) for target in outbox_targets(desk.store)]
        refused = [entry for box in boxes for entry in box.refusals()]
        waiting = sum(len(box.open_entries()) for box in boxes)
        names = {ref: cached_name(desk.store, ref) for ref in {_patron_of(e) for e in refused}}
        if desk.json:
            rows = [
                {**entry.as_dict(), "patron_name": names.get(_patron_of(entry))}
                for entry in refused
            ]
            print(_dumps({"refused": rows, "waiting": waiting}))
            return 0
        print(desk.t("cli.outbox.refused", count=len(refused)))
        for entry in refused:
            ref = _patron_of(entry)
            who = f"{ref} ({names[ref]})" if names.get(ref) else ref or "-"
            kind = desk.t(f"cli.outbox.kind.{entry.kind}") if entry.kind in _KINDS else entry.kind
            print(
                f"  #{entry.id}  {desk.when(entry.created_at)}  {kind}  "
                + desk.t(
                    "cli.outbox.line",
                    item=entry.payload.get("barcode", "-"),
                    patron=who,
                    reason=entry.reason or "-",
                )
            )
        print(desk.t("cli.outbox.waiting", count=waiting))
        if refused:
            print(desk.t("cli.outbox.resolve_hint"))
        return 0


def cmd_outbox_resolve(args: argparse.Namespace) -> int:
    with _desk(args) as desk:
        by = args.by or _login()
        for target in outbox_targets(desk.store):
            box = Outbox(desk.store, target)
            if any(entry.id == args.id for entry in box.refusals()):
                entry = box.resolve(args.id, by)
                break
        else:
            return desk.refusal(KioskError("outbox.not_refused", entry=args.id))
        if desk.json:
            print(_dumps(entry.as_dict()))
        else:
            print(desk.t("cli.outbox.resolved", entry=entry.id, by=by or "-"))
        return 0


#: Outbox entry kinds with a translated name.
_KINDS = ("checkout", "checkin")


def _patron_of(entry: OutboxEntry) -> str:
    return str(entry.payload.get("patron", ""))


def _login() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None
