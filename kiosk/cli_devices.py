"""``kiosk readers`` and ``kiosk receipt``: for staff installing and testing hardware.

- ``kiosk readers`` lists the configured readers (with their health check) and the
  reader hardware detected on this machine; ``--json`` prints the same as data. Exit 1
  when a configured reader fails its check.
- ``kiosk readers --watch`` starts the configured readers and prints one line per read
  (``card <card key>``, ``card-number <number>``, ``item <barcode or tag id>``; with
  ``--json`` one JSON object per line) until Ctrl-C or ``--exit-after SECONDS``;
  device status changes go to stderr, once per change (``status desk ok``,
  ``status desk offline: <why>``), and each reader's counts when it stops
  (``counts desk: 12 reads, 1 dropped``).
- ``kiosk receipt --test`` prints a test receipt on the configured receipt printer.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from typing import Any

from kiosk import bootstrap
from kiosk.domain.errors import DomainError
from kiosk.domain.events import CardTapped, DeviceStatus, Event, ItemScanned, TagsRead
from kiosk.i18n import translate
from kiosk.receipts import ReceiptBuilder
from kiosk.timeutil import utcnow


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    readers = sub.add_parser(
        "readers", parents=[common], help="list configured and detected card and item readers"
    )
    readers.add_argument(
        "--watch", action="store_true", help="print one line per card or item read"
    )
    readers.add_argument(
        "--exit-after", type=float, metavar="SECONDS", help="with --watch: stop after this long"
    )
    readers.add_argument(
        "--json", action="store_true", help="print JSON (with --watch: one object per line)"
    )
    readers.set_defaults(handler=cmd_readers)

    receipt = sub.add_parser("receipt", parents=[common], help="print on the receipt printer")
    receipt.add_argument("--test", action="store_true", help="print a test receipt")
    receipt.set_defaults(handler=cmd_receipt)


def _cli() -> Any:
    from kiosk import cli  # the CLI's helpers; imported late to avoid an import cycle

    return cli


def read_line(event: Event) -> str | None:
    """The ``--watch`` line for a read event (None for other events)."""
    if isinstance(event, CardTapped):
        return f"card {event.uid}" if event.uid is not None else f"card-number {event.number}"
    if isinstance(event, ItemScanned):
        return f"item {event.barcode}"
    return None


def cmd_readers(args: argparse.Namespace) -> int:
    cli = _cli()
    config = cli.load_config(args)
    lang = cli.language(args, config)
    kiosk = bootstrap.open_kiosk(config, store=False)
    readers = [
        (key, device)
        for key, device in kiosk.devices
        if getattr(device, "kind", "") in bootstrap.READER_KINDS
    ]
    if args.watch:
        return _watch(kiosk, readers, lang, args.exit_after, args.json)
    configured = []
    for key, device in readers:
        try:
            ok, reason = device.check()
        except Exception as exc:  # one broken adapter must not hide the others
            ok, reason = False, f"{type(exc).__name__}: {exc}"
        configured.append(
            {
                "key": key,
                "name": device.name,
                "kind": getattr(device, "kind", "?"),
                "ok": ok,
                "reason": reason,
            }
        )
    detected = bootstrap.detect_readers()
    code = 0 if all(entry["ok"] for entry in configured) else 1
    if args.json:
        cli.print_json({"configured": configured, "detected": detected})
        return code
    print(translate("cli.readers.configured", lang))
    for entry in configured:
        status = "ok  " if entry["ok"] else "FAIL"
        print(f"  {status} {entry['key']} ({entry['name']}, {entry['kind']}): {entry['reason']}")
    if not configured:
        print("  " + translate("cli.readers.none", lang))
    print(translate("cli.readers.detected", lang))
    for source, found in detected.items():
        if isinstance(found, str):
            print(f"  {source}: " + translate("cli.readers.unavailable", lang, reason=found))
        elif not found:
            print(f"  {source}: " + translate("cli.readers.none", lang))
        else:
            for line in found:
                print(f"  {source}: {line}")
    return code


def read_record(event: Event) -> list[dict[str, Any]]:
    """The ``--watch --json`` objects for an event (one per read, [] for others)."""
    if isinstance(event, CardTapped):
        if event.uid is not None:
            return [{"read": "card", "reader": event.reader, "card_key": event.uid}]
        return [{"read": "card-number", "reader": event.reader, "number": event.number}]
    if isinstance(event, ItemScanned):
        return [{"read": "item", "reader": event.scanner, "barcode": event.barcode}]
    if isinstance(event, TagsRead):
        return [
            {
                "read": "item",
                "reader": event.pad,
                "tag": tag.uid,
                "item_id": tag.item_id,
                "part": tag.part,
                "parts": tag.parts,
            }
            for tag in event.tags
        ]
    return []


def _watch(
    kiosk: Any, readers: list[tuple[str, Any]], lang: str, exit_after: float | None, as_json: bool
) -> int:
    lock = threading.Lock()
    done = threading.Event()

    def on_event(event: Event) -> None:
        # Runs on the reader's own thread: print whole lines only, one at a time.
        lines: list[str] = []
        out = sys.stdout
        if isinstance(event, DeviceStatus):
            out = sys.stderr
            lines = [status_line(event)]
        elif as_json:
            lines = [json.dumps(r, ensure_ascii=False) for r in read_record(event)]
        elif isinstance(event, TagsRead):
            lines = [f"item {tag.item_id or tag.uid}" for tag in event.tags]
        else:
            line = read_line(event)
            lines = [line] if line else []
        with lock:
            for line in lines:
                print(line, file=out, flush=True)

    for kind in (CardTapped, ItemScanned, TagsRead, DeviceStatus):
        kiosk.bus.subscribe(kind, on_event)
    print(translate("cli.readers.watching", lang), file=sys.stderr, flush=True)
    for key, device in readers:
        try:
            device.start(kiosk.bus)
        except Exception as exc:
            print(f"status {key} {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
    try:
        done.wait(exit_after)
    except KeyboardInterrupt:
        pass
    finally:
        for _, device in reversed(readers):
            device.stop()
        for _, device in readers:
            if hasattr(device, "reads") and hasattr(device, "dropped"):
                # The counts live in this process only (``kiosk doctor`` runs in its own).
                print(
                    f"counts {device.name}: {device.reads} reads, {device.dropped} dropped",
                    file=sys.stderr,
                    flush=True,
                )
    return 0


def status_line(event: DeviceStatus) -> str:
    """``status desk ok`` or ``status desk offline: <why>`` (``device.busy`` -> busy)."""
    if event.ok:
        return f"status {event.device} ok"
    word = event.detail.rpartition(".")[2] or "failed"
    return (
        f"status {event.device} {word}: {event.reason}"
        if event.reason
        else (f"status {event.device} {word}")
    )


def cmd_receipt(args: argparse.Namespace) -> int:
    cli = _cli()
    config = cli.load_config(args)
    lang = cli.language(args, config)
    if not args.test:
        print(translate("cli.receipt.which", lang), file=sys.stderr)
        return 2
    kiosk = bootstrap.open_kiosk(config, store=False)
    printer = kiosk.receipt_printer
    if printer is None:
        raise DomainError("cli.receipt.none")
    builder = ReceiptBuilder(config.kiosk.library_name, config.kiosk.timezone, lang)
    receipt = builder.test_page(utcnow(), config.kiosk.id)
    printer.start(kiosk.bus)
    try:
        printer.print_receipt(receipt)  # DeviceError: the CLI prints it, exit 1
    finally:
        printer.stop()
    for line in receipt.lines:
        print(f"  {line.text}")
    print(translate("cli.receipt.printed", lang, printer=printer.name))
    return 0
