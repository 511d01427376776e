"""``kiosk import patrons|items|biblio|cards FILE``: bring a library's data in.

The kiosk's own CSV or SLiMS 9 exports (``--format auto`` tells them apart by the
header row or the number of columns). All-or-nothing: when a row is rejected nothing
is written (exit 1) unless ``--skip-invalid``; ``--dry-run`` validates everything and
writes nothing. Only the columns the file has are written; the report says per field
how many records change (or would). The result goes to stdout; every rejected row,
by line and reason, and any failure go to stderr. Never creates a database.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from kiosk.domain.errors import DomainError
from kiosk.i18n import describe, translate
from kiosk.importer import KINDS, ImportReport, run_import
from kiosk.importer.core import shown


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "import", parents=[common], help="import patrons, items, bibliographic records, card keys"
    )
    p.add_argument("kind", choices=KINDS, help="what the file holds")
    p.add_argument("file", metavar="FILE", help="CSV file (the kiosk's own or a SLiMS export)")
    p.add_argument("--format", choices=("auto", "kiosk", "slims"), default="auto")
    p.add_argument("--delimiter", choices=(",", ";"), help="field separator (default: guessed)")
    p.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
    p.add_argument(
        "--skip-invalid", action="store_true", help="import the valid rows, report the others"
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=cmd_import)


def cmd_import(args: argparse.Namespace) -> int:
    from kiosk.cli import load_config, opened, store_of

    config = load_config(args)
    lang = getattr(args, "lang", None) or config.kiosk.language
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        print(
            translate("importer.cannot_read", lang, file=args.file, reason=reason), file=sys.stderr
        )
        return 1
    try:
        # Never creates a database, not even for --dry-run.
        with opened(args, config) as kiosk:
            report = run_import(
                store_of(kiosk),
                args.kind,
                data,
                fmt=args.format,
                delimiter=args.delimiter,
                dry_run=args.dry_run,
                skip_invalid=args.skip_invalid,
                member_types=config.import_.slims.member_types,
            )
    except DomainError as exc:
        if args.json:
            print(json.dumps({"refused": exc.key, "message": describe(exc, lang)}))
        else:
            print(describe(exc, lang), file=sys.stderr)
        return 1
    if args.json:
        data_out = asdict(report)
        for row in data_out["rejected"]:
            row["reason"] = translate(row["key"], lang, **row["params"])
        print(json.dumps(data_out, ensure_ascii=False, indent=2))
    else:
        print_report(report, args.file, lang)
    # Rejected rows that kept the file out (or would have) are a failure.
    return 1 if report.rejected and not (report.written or args.skip_invalid) else 0


def print_report(report: ImportReport, file: str, lang: str) -> None:
    """The result on stdout; rejected rows (and that nothing was written because of
    them) on stderr, so that ``kiosk import ... > report.txt`` still shows problems."""

    def t(key: str, **params: Any) -> str:
        return translate(key, lang, **params)

    print(
        t(
            "importer.report.head",
            kind=t(f"importer.kind.{report.kind}"),
            file=shown(file),
            format=t(f"importer.format.{report.format}"),
            delimiter=report.delimiter,
        )
    )
    print(
        t(
            "importer.report.counts",
            rows=report.rows,
            added=report.added,
            updated=report.updated,
            rejected=len(report.rejected),
        )
    )
    if report.changes:
        fields = ", ".join(f"{name}: {count}" for name, count in sorted(report.changes.items()))
        key = "importer.report.would_change" if report.dry_run else "importer.report.changed"
        print(t(key, fields=fields))
    if report.new_groups:
        print(t("importer.report.new_groups", groups=", ".join(report.new_groups)))
    if report.rejected:
        print(t("importer.report.rejected"), file=sys.stderr)
        for row in report.rejected:
            line = t("importer.report.line", line=row.line)
            print(f"  {line}: {t(row.key, **row.params)}", file=sys.stderr)
    if report.dry_run:
        print(t("importer.report.dry_run"))
    elif report.written:
        print(t("importer.report.written"))
    else:
        print(t("importer.report.nothing_written"), file=sys.stderr)
