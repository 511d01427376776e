"""``kiosk printers ...``: the makerspace's 3D printers, for staff.

- ``kiosk printers status [--json]`` asks every configured printer's host for its state
  (job, progress, time left, temperatures); an unreachable host is a line saying so.
- ``kiosk printers preview FILE OUT.png`` writes the picture a patron sees for a G-code
  file: the slicer's embedded thumbnail, else the outline drawn from its moves.
- ``kiosk printers files RESOURCE [--json]`` lists the G-code files on that printer's
  host with their estimates and the booking that uploaded them;
  ``kiosk printers files --usb`` lists the files on this kiosk's USB sticks instead,
  with the slicer's estimate and whether a thumbnail is embedded.

- ``kiosk printers print RESOURCE FILE --card CARD [--pin-stdin]`` prints for the
  patron of CARD exactly as the kiosk's print pane does (:mod:`kiosk.printing.service`):
  signed in like a card tap (the PIN from stdin), during their running booking of that
  printer, extended when the print needs it and the rules allow; FILE is a G-code file
  on one of the kiosk's USB sticks, or the name of a file already on the printer.
- ``kiosk printers cancel RESOURCE (--card CARD | --staff CARD) [--pin-stdin]`` cancels
  the printer's job: the patron who started it, or a member of staff.

Both write the kiosk's database like the running kiosk (the print job records); the
running kiosk sees the job's end on its own connection to the printer and closes the
record.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kiosk import bootstrap, cli_signin
from kiosk.circulation.api import Patron
from kiosk.cli import db_path, language, load_config, print_json
from kiosk.config import Config, PrintingSection
from kiosk.domain.errors import DeviceError, DomainError
from kiosk.formatting import Duration
from kiosk.i18n import translate
from kiosk.ports import PrinterHost, PrinterStatus, PrintFile
from kiosk.printing.api import HOST, USB, PrintChoice, Printing
from kiosk.printing.estimate import Estimate, estimate
from kiosk.printing.gcode import outline_png, read_info
from kiosk.printing.usb import UsbFile, list_gcode
from kiosk.services import Services
from kiosk.store import Store


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    printers = sub.add_parser("printers", parents=[common], help="3D printers (OctoPrint)")
    pr = printers.add_subparsers(dest="printers_command", metavar="ACTION", required=True)
    status = pr.add_parser("status", parents=[common], help="every printer's state and job")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=cmd_status)
    files = pr.add_parser("files", parents=[common], help="G-code files on a printer or USB")
    files.add_argument("resource", nargs="?", help="the printer's resource id")
    files.add_argument("--usb", action="store_true", help="the files on this kiosk's USB sticks")
    files.add_argument("--json", action="store_true", help="print JSON")
    files.set_defaults(handler=cmd_files)
    preview = pr.add_parser(
        "preview", parents=[common], help="write the picture a patron sees for a G-code file"
    )
    preview.add_argument("file", help="a G-code file")
    preview.add_argument("out", help="the PNG file to write")
    preview.add_argument("--size", type=int, default=240, help="outline size in pixels")
    preview.set_defaults(handler=cmd_preview)
    start = pr.add_parser(
        "print", parents=[common], help="print a G-code file in the patron's running booking"
    )
    start.add_argument("resource", help="the printer's resource id")
    start.add_argument("file", help="a G-code file on a USB stick, or one on the printer")
    start.add_argument("--card", required=True, metavar="CARD", help="the patron's card")
    _pin_option(start)
    start.add_argument("--json", action="store_true", help="print JSON")
    start.set_defaults(handler=cmd_print)
    cancel = pr.add_parser("cancel", parents=[common], help="cancel the job on a printer")
    cancel.add_argument("resource", help="the printer's resource id")
    who = cancel.add_mutually_exclusive_group(required=True)
    who.add_argument("--card", metavar="CARD", help="the card of the patron who started it")
    who.add_argument("--staff", metavar="CARD", help="a staff card: cancel anyone's print")
    _pin_option(cancel)
    cancel.add_argument("--json", action="store_true", help="print JSON")
    cancel.set_defaults(handler=cmd_cancel)


def _pin_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pin-stdin", action="store_true", help="the card's PIN, if it has one: stdin's 1st line"
    )


# -- status ---------------------------------------------------------------------------
def cmd_status(args: argparse.Namespace) -> int:
    config = load_config(args)
    lang = language(args, config)
    kiosk = bootstrap.open_kiosk(config, store=False)
    names = {r.id: r.name or r.id for r in config.resources}
    rows = []
    for resource, host in kiosk.printers.items():
        rows.append((resource, host, host.status()))
    if args.json:
        print_json(
            {
                "printers": [
                    {"resource": r, "name": names[r], "url": _url(config, r), **_status_data(s)}
                    for r, _, s in rows
                ]
            }
        )
        return 0
    if not rows:
        print(translate("cli.printers.none", lang))
    for resource, _, status in rows:
        print(f"{resource} ({names[resource]}): {_status_line(resource, status, lang)}")
    return 0


def _url(config: Config, resource: str) -> str:
    return next(r.printer for r in config.resources if r.id == resource)


def _status_data(status: PrinterStatus) -> dict[str, Any]:
    data = asdict(status)
    data["printing"], data["paused"], data["busy"] = status.printing, status.paused, status.busy
    return data


def _status_line(resource: str, status: PrinterStatus, lang: str) -> str:
    state = translate(f"printing.state.{status.state}", lang)
    if not status.online:
        problem = status.problem or "printer.unreachable"
        return f"{state}: {translate(problem, lang, printer=resource)}"
    parts = [state]
    job = status.job
    if job is not None and (status.printing or status.paused):
        if job.completion is not None:
            parts.append(f"{job.completion:.1f} %")
        if job.time_left is not None:
            parts.append(translate("cli.printers.time_left", lang, time=_duration(job.time_left)))
        parts.append(job.name)
        if job.owner is not None:
            parts.append(translate("cli.printers.booking", lang, booking=job.owner.booking_id))
    for key, actual, target in (
        ("cli.printers.hotend", status.hotend_c, status.hotend_target_c),
        ("cli.printers.bed", status.bed_c, status.bed_target_c),
    ):
        if actual is not None:
            shown = f"{actual:.0f}" + (f"/{target:.0f}" if target else "")
            parts.append(translate(key, lang, temperature=shown))
    return ", ".join(parts)


def _duration(seconds: int) -> str:
    hours, rest = divmod(max(0, seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


# -- files ----------------------------------------------------------------------------
def cmd_files(args: argparse.Namespace) -> int:
    config = load_config(args)
    lang = language(args, config)
    if args.usb:
        return _usb_files(config, lang, args.json)
    if not args.resource:
        print(translate("cli.printers.which", lang), file=sys.stderr)
        return 2
    kiosk = bootstrap.open_kiosk(config, store=False)
    host = kiosk.printers.get(args.resource)
    if host is None:
        raise DomainError("printing.unknown_printer", resource=args.resource)
    return _host_files(config, host, lang, args.json)


def _host_files(config: Config, host: PrinterHost, lang: str, as_json: bool) -> int:
    files = host.files()
    zone = ZoneInfo(config.kiosk.timezone)
    if as_json:
        print_json(
            {
                "resource": host.resource,
                "files": [
                    {**asdict(f), **_estimate_data(estimate(None, f), config.printing)}
                    for f in files
                ],
            }
        )
        return 0
    if not files:
        print(translate("cli.printers.no_files", lang))
    for f in files:
        print(_host_file_line(f, config.printing, zone, lang))
    return 0


def _host_file_line(f: PrintFile, printing: PrintingSection, zone: ZoneInfo, lang: str) -> str:
    parts = [f.path, _size(f.size_bytes), _when(f.uploaded_at, zone)]
    parts.append(_estimate_text(estimate(None, f), printing, lang))
    if f.owner is not None:
        parts.append(translate("cli.printers.booking", lang, booking=f.owner.booking_id))
    return "  ".join(p for p in parts if p)


def _usb_files(config: Config, lang: str, as_json: bool) -> int:
    files = list_gcode(config.printing.usb_mounts)
    zone = ZoneInfo(config.kiosk.timezone)
    rows: list[tuple[UsbFile, Estimate | None, bool]] = []
    for f in files:
        try:
            info = read_info(f.path)
        except OSError:  # pulled out meanwhile
            rows.append((f, None, False))
            continue
        rows.append((f, estimate(info), info.thumbnail() is not None))
    if as_json:
        print_json(
            {
                "mounts": config.printing.usb_mounts,
                "files": [
                    {
                        **asdict(f),
                        **(_estimate_data(e, config.printing) if e else {}),
                        "thumbnail": thumb,
                    }
                    for f, e, thumb in rows
                ],
            }
        )
        return 0
    if not rows:
        mounts = ", ".join(config.printing.usb_mounts)
        print(translate("cli.printers.no_usb_files", lang, mounts=mounts))
    for f, e, thumb in rows:
        parts = [str(f.path), _size(f.size_bytes), _when(f.modified_at, zone)]
        if e is not None:
            parts.append(_estimate_text(e, config.printing, lang))
        if thumb:
            parts.append(translate("cli.printers.thumbnail", lang))
        print("  ".join(p for p in parts if p))
    return 0


# -- preview --------------------------------------------------------------------------
def cmd_preview(args: argparse.Namespace) -> int:
    config = load_config(args)
    lang = language(args, config)
    source = Path(args.file)
    try:
        thumbnail = read_info(source).thumbnail()
        picture = thumbnail.png() if thumbnail is not None else outline_png(source, args.size)
    except (OSError, ValueError) as exc:
        print(
            translate("cli.printers.unreadable", lang, file=source.name, reason=exc),
            file=sys.stderr,
        )
        return 1
    if picture is None:
        print(translate("cli.printers.no_picture", lang, file=source.name), file=sys.stderr)
        return 1
    Path(args.out).write_bytes(picture)
    kind = "cli.printers.wrote_thumbnail" if thumbnail is not None else "cli.printers.wrote_outline"
    print(translate(kind, lang, out=args.out))
    return 0


def _estimate_data(e: Estimate, printing: PrintingSection) -> dict[str, Any]:
    return {
        "estimate_seconds": e.seconds,
        "estimate_filament_mm": e.filament_mm,
        "estimate_filament_g": e.filament_g(printing),
        "estimate_source": e.source,
    }


def _estimate_text(e: Estimate, printing: PrintingSection, lang: str) -> str:
    if e.seconds is None and e.filament_mm is None:
        return ""
    grams = e.filament_g(printing)
    return translate(
        "cli.printers.estimate",
        lang,
        time=_duration(e.seconds) if e.seconds is not None else "?",
        grams=f"{grams:.0f}" if grams is not None else "?",
    )


def _size(size: int | None) -> str:
    return "" if size is None else f"{size / 1_000_000:.1f} MB"


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return "" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


# -- print and cancel -----------------------------------------------------------------
@dataclass
class _Desk:
    """What print and cancel need: the config, the language, the kiosk's database and
    its services (bookings and printing included), built by the composition root as
    for the screens; nothing is started."""

    args: argparse.Namespace
    config: Config
    lang: str
    store: Store
    services: Services

    def printing(self) -> Printing:
        if self.services.printing is None:
            raise DomainError("printing.unknown_printer", resource=self.args.resource)
        return self.services.printing

    def sign_in(self, card: str) -> Patron:
        """The card's patron, signed in like a tap at the kiosk (``--pin-stdin``)."""
        return cli_signin.sign_in(
            self.store,
            self.services.circulation,
            self.config,
            card,
            lambda: cli_signin.given_pin(self.args, self.lang),
        )


@contextmanager
def _desk(args: argparse.Namespace) -> Iterator[_Desk]:
    config = load_config(args)
    # With the printers built (not started: a command asks them itself); closing ends a
    # SIP2 backend's connection. A typo in --db never creates a library.
    kiosk = bootstrap.open_kiosk(config, db_path(args, config), create=False)
    try:
        assert kiosk.store is not None and kiosk.services is not None
        yield _Desk(args, config, language(args, config), kiosk.store, kiosk.services)
    finally:
        bootstrap.close_kiosk(kiosk)


def cmd_print(args: argparse.Namespace) -> int:
    with _desk(args) as desk:
        config, lang, printing = desk.config, desk.lang, desk.printing()
        patron = desk.sign_in(args.card)
        choice = _choice(printing, patron.ref, args.resource, args.file)
        started = printing.start(patron.ref, args.resource, choice)
    if args.json:
        print_json(asdict(started))
        return 0
    zone = ZoneInfo(config.kiosk.timezone)
    seconds = started.estimated_seconds
    estimate_text: object = Duration(seconds) if seconds is not None else "?"
    print(
        translate(
            "cli.printers.started",
            lang,
            file=started.file_name,
            printer=args.resource,
            booking=started.booking_id,
            time=estimate_text,
        )
    )
    if started.extended:
        ends = started.booking_ends_at.astimezone(zone).strftime("%H:%M")
        print(translate("cli.printers.extended", lang, booking=started.booking_id, ends=ends))
    return 0


def _choice(printing: Printing, patron: str, resource: str, given: str) -> PrintChoice:
    """FILE as the pane would offer it: a file on a stick (by its path), else one on the
    printer (by its name or path there)."""
    choices = printing.choices(patron, resource)
    local = Path(given)
    if local.exists():
        wanted = local.resolve()
        for choice in choices:
            if choice.source == USB and Path(choice.ref).resolve() == wanted:
                return choice
        raise DomainError("printing.not_on_usb", file=local.name)
    for choice in choices:
        if choice.source == HOST and given in (choice.ref, choice.name):
            return choice
    raise DeviceError("printer.file_not_found", printer=resource, file=given)


def cmd_cancel(args: argparse.Namespace) -> int:
    with _desk(args) as desk:
        lang, printing = desk.lang, desk.printing()
        patron = desk.sign_in(args.staff or args.card)
        if args.staff and not patron.is_staff:
            raise DomainError("cli.printers.not_staff", card=args.staff)
        view = printing.cancel(None if args.staff else patron.ref, args.resource)
    if args.json:
        print_json(asdict(view))
        return 0
    file = view.file_name or "?"
    print(translate("cli.printers.cancelled", lang, printer=args.resource, file=file))
    return 0
