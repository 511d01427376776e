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
import errno
import importlib
import json
import logging
import os
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from kiosk import __version__, bootstrap
from kiosk.cli_args import ArgumentError, check_argv, harden
from kiosk.config import Config
from kiosk.domain.errors import ConfigError, DomainError, KioskError
from kiosk.i18n import LANGUAGES, describe, translate
from kiosk.services import Services
from kiosk.store import Store, StoreError
from kiosk.store.database import database_file, sqlite_failure
from kiosk.store.database import exists as store_exists

#: Modules that add subcommands: each has ``register(subparsers, common)``.
COMMAND_MODULES: list[str] = [
    "kiosk.cli_circ",
    "kiosk.cli_import",
    "kiosk.cli_devices",
    "kiosk.cli_booking",
    "kiosk.cli_report",
    "kiosk.cli_survey",
    "kiosk.cli_events",
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
    init.add_argument(
        "--history",
        type=int,
        metavar="DAYS",
        help="with --demo: also fill DAYS days of past usage for kiosk report",
    )
    init.add_argument("--json", action="store_true", help="print JSON")
    init.set_defaults(handler=cmd_init)

    doctor = sub.add_parser("doctor", parents=[common], help="check config, database, devices")
    doctor.add_argument("--json", action="store_true", help="print JSON")
    doctor.set_defaults(handler=cmd_doctor)

    for name, helptext, handler in (
        ("run", "start the touchscreen app", cmd_run),
        (
            "demo",
            "start the app with simulated devices on a demo database (--db FILE: made "
            "with demo data if missing, reopened if a demo one; a library's is refused)",
            cmd_demo,
        ),
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
    harden(parser)  # every number any module declared: finite and in range
    return parser


# -- shared helpers for commands ---------------------------------------------------
def load_config(args: argparse.Namespace) -> Config:
    config = bootstrap.load_config(getattr(args, "config", None))
    return config


def db_path(args: argparse.Namespace, config: Config) -> Path:
    """``--db`` (a path, or an SQLite ``file:`` URI such as ``file:PATH?mode=ro``),
    else the configured database."""
    given = getattr(args, "db", None)
    return Path(given) if given else config.database_path()


@contextmanager
def opened(
    args: argparse.Namespace, config: Config, *, create: bool = False
) -> Iterator[bootstrap.Kiosk]:
    """The kiosk of the CLI's data commands: the database of ``--db`` or the config and
    its services, without devices; closed when the block ends. The database is
    migrated if a migration is due (and only then written); one that is not there is
    refused (``store.missing``) unless ``create``."""
    kiosk = bootstrap.open_kiosk(config, db_path(args, config), devices=False, create=create)
    try:
        yield kiosk
    finally:
        bootstrap.close_kiosk(kiosk)


def services_of(kiosk: bootstrap.Kiosk) -> Services:
    """The services of a kiosk opened with its database."""
    assert kiosk.services is not None
    return kiosk.services


def store_of(kiosk: bootstrap.Kiosk) -> Store:
    """The database of a kiosk opened with one."""
    assert kiosk.store is not None
    return kiosk.store


def language(args: argparse.Namespace, config: Config | None = None) -> str:
    lang = getattr(args, "lang", None)
    if lang:
        return str(lang)
    return config.kiosk.language if config else "id"


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# -- commands ----------------------------------------------------------------------
def cmd_init(args: argparse.Namespace) -> int:
    from kiosk import demo, demo_history

    config = load_config(args)
    path = db_path(args, config)
    lang = language(args, config)
    if args.history is not None and (not args.demo or not 1 <= args.history <= 3660):
        print(f"kiosk init: {translate('cli.init.history_usage', lang)}", file=sys.stderr)
        return 2
    with opened(args, config, create=True) as kiosk:
        store = store_of(kiosk)
        loaded = demo.load(store, config) if args.demo else False
        history = args.history and demo_history.fill(store, config, args.history)
    cards = demo.demo_cards() if args.demo else []
    if args.json:
        data: dict[str, Any] = {"database": str(path), "demo_loaded": loaded}
        if args.history:
            data["history_loaded"] = bool(history)
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
    if args.history:
        key = "cli.init.history_loaded" if history else "cli.init.history_present"
        print(translate(key, lang, days=args.history))
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from kiosk import config as config_module
    from kiosk.doctor import diagnose

    # Only parsed: a section that parses but cannot be used is one of the findings.
    config = config_module.load(getattr(args, "config", None))
    lang = language(args, config)
    checks = list(diagnose(config, db_path(args, config), lang))
    if args.json:
        print_json({"ok": all(c.ok for c in checks), "checks": [asdict(c) for c in checks]})
    else:
        for c in checks:
            status = "WARN" if c.warning else "ok  " if c.ok else "FAIL"
            print(f"{status} {c.name}: {c.reason}")
    return 0 if all(c.ok for c in checks) else 1


def cmd_run(args: argparse.Namespace) -> int:
    config = load_config(args)
    kiosk = bootstrap.open_kiosk(_language(args, config), db_path(args, config))
    return _run_app(args, kiosk)


def cmd_demo(args: argparse.Namespace) -> int:
    """The app on simulated devices and a demo database: ``--db FILE`` is made with demo
    data when it is not there and opened as it is when it is a demo database; a
    library's own database is refused before anything is written to it (that is
    ``kiosk run --db``). Without ``--db``: a fresh one in a temporary folder."""
    from kiosk import demo

    config = load_config(args)
    config = demo.with_survey(replace(config, kiosk=replace(config.kiosk, demo=True)))
    given = getattr(args, "db", None)
    if given:
        return _demo_on(args, config, given)
    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as folder:
        return _demo_on(args, config, Path(folder) / "demo.db")


def _demo_on(args: argparse.Namespace, config: Config, path: str | Path) -> int:
    from kiosk import demo

    if store_exists(path):
        store = Store(path, migrate=False, create=False)
        try:
            if not demo.is_demo(store):
                raise DomainError("demo.not_demo", path=str(path))
        finally:
            store.close()
    kiosk = bootstrap.open_kiosk(_language(args, config), path)
    try:
        demo.load(store_of(kiosk), config)  # (nothing when it holds its data already)
    except BaseException:
        bootstrap.close_kiosk(kiosk)
        raise
    return _run_app(args, kiosk)


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
    # The simulators run once; each language gets a fresh demo database over them.
    kiosk = bootstrap.open_kiosk(config, store=False)
    kiosk.start()
    try:
        written = run_screenshots(kiosk, Path(args.out), languages, sets)
    finally:
        bootstrap.close_kiosk(kiosk)
    if args.json:
        print_json({"screenshots": [str(p) for p in written]})
    else:
        for path in written:
            print(path)
    return 0


def _language(args: argparse.Namespace, config: Config) -> Config:
    """The config with ``--lang`` as the kiosk's language, when given."""
    if getattr(args, "lang", None):
        return replace(config, kiosk=replace(config.kiosk, language=args.lang))
    return config


def _run_app(args: argparse.Namespace, kiosk: bootstrap.Kiosk) -> int:
    """Start ``kiosk`` and run the app on it until it is closed; then close the kiosk."""
    from screens.app import run_app

    try:
        kiosk.start()
        return run_app(kiosk, exit_after=args.exit_after, screenshot=args.screenshot)
    finally:
        bootstrap.close_kiosk(kiosk)


# -- entry point -----------------------------------------------------------------
#: Commands that make their database when it is not there (every other one refuses).
CREATING_COMMANDS = ("init", "run", "demo")
#: Commands that report a missing database themselves (and create nothing).
REPORTING_COMMANDS = ("doctor",)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Every failure is one line on stderr and exit 1 (refused or
    failed) or 2 (configuration or usage); output cut short by a closed pipe
    (``kiosk ... | head``) ends quietly."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, not at exit: a closed pipe is handled below
        return code
    except BrokenPipeError:
        _silence_stdout()
        return 1
    except OSError as exc:  # the output itself failed (a full disk behind a redirect)
        _silence_stdout()
        print(f"kiosk: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
        return 1


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        check_argv(argv)
        parser = build_parser()
        args = parser.parse_args(argv)
    except (UsageError, ArgumentError) as exc:
        print(f"kiosk: {exc}" if isinstance(exc, ArgumentError) else exc, file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    lang = getattr(args, "lang", None) or "id"
    try:
        given = getattr(args, "db", None)
        exempt = (*CREATING_COMMANDS, *REPORTING_COMMANDS)
        if given and args.command not in exempt and not store_exists(given):
            # A typo in --db must never quietly become a new, empty library.
            raise StoreError("store.missing", path=str(database_file(given)))
        return handler(args)
    except ConfigError as exc:
        print(f"kiosk: config error: {exc}", file=sys.stderr)
        return 2
    except KioskError as exc:
        print(f"kiosk: {one_line(describe(exc, lang))}", file=sys.stderr)
        return _exit_code(exc)
    except sqlite3.Error as exc:
        error = sqlite_failure(exc, str(getattr(args, "db", "") or "?"))
        print(f"kiosk: {one_line(describe(error, lang))}", file=sys.stderr)
        return _exit_code(error)
    except KeyboardInterrupt:
        return 130
    except (BrokenPipeError, OSError) as exc:
        if isinstance(exc, BrokenPipeError) or exc.errno in (errno.EPIPE, errno.ENOSPC):
            raise  # the output failed: main() says so (or stays quiet for a pipe)
        print(f"kiosk: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: still one line; -v shows where it came from
        logging.getLogger("kiosk").debug("unexpected error", exc_info=True)
        print(
            f"kiosk: unexpected error: {type(exc).__name__}: {one_line(str(exc))}", file=sys.stderr
        )
        return 1


#: Store refusals that mean "wrong database or setup" (exit 2) rather than "failed".
_SETUP_KEYS = (
    "store.missing",
    "store.foreign",
    "store.newer_version",
    "store.needs_migration",
    "store.cannot_open",
)


def _exit_code(error: KioskError) -> int:
    return 2 if error.key in _SETUP_KEYS else 1


def one_line(text: str) -> str:
    """Text as one printable line: line breaks become spaces, other control
    characters (an escape sequence in a name) are shown as ``?``."""
    flat = " ".join(text.split("\n"))
    return "".join(c if c.isprintable() else "?" for c in flat).strip()
