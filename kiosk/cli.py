"""The ``kiosk`` command line.

Human output by default, ``--json`` where a command prints data. ``--config FILE``,
``--db PATH`` and ``--lang id|en`` are accepted by every command, before or after the
subcommand. Exit codes: 0 ok, 1 refused or failed, 2 configuration or usage error.
A configuration error is one line on stderr, never a traceback.

This is one of the two modules of ``kiosk`` allowed to import ``screens`` (inside the
``run`` and ``demo`` commands only).
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from kiosk import __version__, bootstrap
from kiosk.config import Config
from kiosk.domain.errors import ConfigError, KioskError
from kiosk.i18n import LANGUAGES, describe, translate

#: Modules that add subcommands: each has ``register(subparsers, common)``.
COMMAND_MODULES: list[str] = [
    "kiosk.cli_circ",
    "kiosk.cli_import",
    "kiosk.cli_devices",
    "kiosk.cli_booking",
    "kiosk.cli_printers",
]

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """Wrong words on the command line (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would print usage + exit 2
        raise UsageError(f"{self.prog}: {message}")


def _common() -> _Parser:
    """Options every command accepts, before or after the subcommand.

    SUPPRESS keeps a subcommand's unset option from overwriting one given before it.
    """
    common = _Parser(add_help=False)
    group = common.add_argument_group("common options")
    group.add_argument(
        "--config",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="config file (default: /etc/kiosk/kiosk.toml, else built-in)",
    )
    group.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="database file (overrides the configured one)",
    )
    group.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=argparse.SUPPRESS,
        help="language of messages (default: the configured one)",
    )
    group.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log what happens"
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = _Parser(
        prog="kiosk",
        description="Self-service library kiosk (Perpustakaan Kota Palu).",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    init = sub.add_parser("init", parents=[common], help="create or migrate the database")
    init.add_argument("--demo", action="store_true", help="load demo data")
    init.add_argument("--json", action="store_true", help="print JSON")
    init.set_defaults(handler=cmd_init)

    doctor = sub.add_parser("doctor", parents=[common], help="check config, database, devices")
    doctor.add_argument("--json", action="store_true", help="print JSON")
    doctor.set_defaults(handler=cmd_doctor)

    for name, helptext, handler in (
        ("run", "start the touchscreen app", cmd_run),
        ("demo", "start the app on a fresh demo database with simulated devices", cmd_demo),
    ):
        app = sub.add_parser(name, parents=[common], help=helptext)
        app.add_argument(
            "--exit-after", type=float, metavar="SECONDS", help="quit after this many seconds"
        )
        app.add_argument(
            "--screenshot",
            metavar="FILE.png",
            help="write a screenshot once the first screen is drawn",
        )
        app.set_defaults(handler=handler)

    shots = sub.add_parser(
        "screenshots",
        parents=[common],
        help="render every screen in both languages to PNG files (demo data, offscreen)",
    )
    shots.add_argument("--out", metavar="DIR", required=True, help="folder for the PNG files")
    shots.add_argument(
        "--languages",
        metavar="LIST",
        default=",".join(LANGUAGES),
        help="comma-separated languages (default: id,en)",
    )
    shots.add_argument(
        "--sets",
        metavar="LIST",
        default="standard,high-contrast-2.0",
        help="comma-separated sets: standard (DIR/<lang>/), high-contrast-2.0 "
        "(DIR/high-contrast-2.0/<lang>/: high contrast at text size 2.0); default both",
    )
    shots.add_argument("--json", action="store_true", help="print the files written as JSON")
    shots.set_defaults(handler=cmd_screenshots)

    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(sub, common)
    return parser


# -- shared helpers for commands ---------------------------------------------------
def load_config(args: argparse.Namespace) -> Config:
    config = bootstrap.load_config(getattr(args, "config", None))
    return config


def db_path(args: argparse.Namespace, config: Config) -> Path:
    given = getattr(args, "db", None)
    return Path(given) if given else config.database_path()


def language(args: argparse.Namespace, config: Config | None = None) -> str:
    lang = getattr(args, "lang", None)
    if lang:
        return str(lang)
    return config.kiosk.language if config else "id"


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# -- commands ----------------------------------------------------------------------
def cmd_init(args: argparse.Namespace) -> int:
    from kiosk import demo

    config = load_config(args)
    path = db_path(args, config)
    lang = language(args, config)
    store = bootstrap.open_store(config, path)
    try:
        loaded = demo.load(store, config) if args.demo else False
    finally:
        store.close()
    cards = demo.demo_cards() if args.demo else []
    if args.json:
        data: dict[str, Any] = {"database": str(path), "demo_loaded": loaded}
        if args.demo:
            data["demo_cards"] = [
                {k: v for k, v in asdict(c).items() if k != "name"} for c in cards
            ]
        print_json(data)
        return 0
    print(translate("cli.init.done", lang, path=path))
    if args.demo:
        print(translate("cli.init.demo_loaded" if loaded else "cli.init.demo_present", lang))
        print(translate("cli.init.demo_cards", lang))
        for c in cards:
            kind = translate(f"demo.kind.{c.kind}", lang)
            pin = f"  PIN {c.pin}" if c.pin else ""
            print(f"  {c.card_number:<9} {c.card_key:<15} {kind:<28} {c.name}{pin}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from kiosk.doctor import run_checks

    config = load_config(args)
    lang = language(args, config)
    kiosk = bootstrap.build(config)
    checks = list(run_checks(kiosk, db_path(args, config), lang))
    if args.json:
        print_json({"ok": all(c.ok for c in checks), "checks": [asdict(c) for c in checks]})
    else:
        for c in checks:
            status = "WARN" if c.warning else "ok  " if c.ok else "FAIL"
            print(f"{status} {c.name}: {c.reason}")
    return 0 if all(c.ok for c in checks) else 1


def cmd_run(args: argparse.Namespace) -> int:
    config = load_config(args)
    return _run_app(args, config, db_path(args, config))


def cmd_demo(args: argparse.Namespace) -> int:
    from kiosk import demo

    config = load_config(args)
    config = replace(config, kiosk=replace(config.kiosk, demo=True))
    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as folder:
        path = Path(folder) / "demo.db"
        store = bootstrap.open_store(config, path)
        try:
            demo.load(store, config)
        finally:
            store.close()
        return _run_app(args, config, path)


def cmd_screenshots(args: argparse.Namespace) -> int:
    """Every screen in each language, on fresh demo data and simulated devices, in a
    window of the configured panel size (no display needed: SDL's offscreen driver)."""
    from screens.app import run_screenshots

    config = load_config(args)
    languages = [x.strip() for x in args.languages.split(",") if x.strip()]
    unknown = [x for x in languages if x not in LANGUAGES]
    if unknown or not languages:
        print(f"kiosk screenshots: --languages takes {', '.join(LANGUAGES)}", file=sys.stderr)
        return 2
    sets = [x.strip() for x in args.sets.split(",") if x.strip()]
    known = ("standard", "high-contrast-2.0")
    if not sets or any(x not in known for x in sets):
        print(f"kiosk screenshots: --sets takes {', '.join(known)}", file=sys.stderr)
        return 2
    display = replace(config.display, fullscreen=False, borderless=False, hide_cursor=False)
    config = replace(config, display=display, kiosk=replace(config.kiosk, demo=False))
    kiosk = bootstrap.build(config)
    kiosk.start()
    try:
        written = run_screenshots(kiosk, Path(args.out), languages, sets)
    finally:
        kiosk.stop()
    if args.json:
        print_json({"screenshots": [str(p) for p in written]})
    else:
        for path in written:
            print(path)
    return 0


def _run_app(args: argparse.Namespace, config: Config, path: Path) -> int:
    from screens.app import run_app

    kiosk = bootstrap.build(config)
    kiosk.open_services(path)  # circulation, events, feedback, the makerspace's bookings
    if getattr(args, "lang", None):
        kiosk.config = replace(config, kiosk=replace(config.kiosk, language=args.lang))
    kiosk.start()
    try:
        return run_app(kiosk, exit_after=args.exit_after, screenshot=args.screenshot)
    finally:
        kiosk.stop()


# -- entry point -----------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return handler(args)
    except ConfigError as exc:
        print(f"kiosk: config error: {exc}", file=sys.stderr)
        return 2
    except KioskError as exc:
        lang = getattr(args, "lang", None) or "id"
        print(f"kiosk: {describe(exc, lang)}", file=sys.stderr)
        return 2 if exc.key.startswith("store.") else 1
    except KeyboardInterrupt:
        return 130
