"""``kiosk report``: the usage report of a period, for staff.

It runs where the data is: on a kiosk's own database, or on the hub's once kiosks share
one (``--db``). The database is opened (and migrated) and then only read, in one read
transaction.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kiosk.cli import db_path, language, load_config, opened, print_json, store_of
from kiosk.domain.errors import DomainError
from kiosk.i18n import describe, translate
from kiosk.timeutil import utcnow


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    report = sub.add_parser(
        "report",
        parents=[common],
        help="usage report of a period: one HTML page, CSV tables, PNG and SVG charts",
    )
    report.add_argument("--from", dest="first", metavar="DATE", required=True, help="YYYY-MM-DD")
    report.add_argument(
        "--to", dest="last", metavar="DATE", required=True, help="YYYY-MM-DD (included)"
    )
    report.add_argument(
        "--out", metavar="DIR", required=True, help="folder for report.html, tables/, charts/"
    )
    report.add_argument(
        "--small-cell",
        type=int,
        metavar="N",
        help="counts below N are shown as '< N' (default: [report] small_cell)",
    )
    report.add_argument("--json", action="store_true", help="print the files written as JSON")
    report.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from kiosk.report.build import build, parse_period
    from kiosk.report.output import check_writable, write

    config = load_config(args)
    lang = language(args, config)
    try:
        period = parse_period(args.first, args.last)
        if args.small_cell is not None and args.small_cell < 0:
            raise DomainError("report.bad_small_cell", value=args.small_cell)
    except DomainError as exc:  # wrong words on the command line: exit 2
        print(f"kiosk report: {describe(exc, lang)}", file=sys.stderr)
        return 2
    path = db_path(args, config)
    if not path.exists():
        # A typo in --db must not quietly create an empty database to report on.
        raise DomainError("report.no_database", path=path)
    out = Path(args.out)
    check_writable(out)
    with opened(args, config) as kiosk:
        store = store_of(kiosk)
        with store.lock:
            # One read transaction: every section sees the same moment of the database,
            # while kiosks (or the hub) go on writing.
            store.conn.execute("BEGIN")
            try:
                report = build(store.conn, config, period, lang, utcnow(), args.small_cell)
            finally:
                store.conn.execute("ROLLBACK")
    files = write(report, out)
    if args.json:
        print_json({"report": str(files[0]), "files": [str(f) for f in files]})
    else:
        print(translate("cli.report.written", lang, path=files[0], count=len(files)))
    return 0
