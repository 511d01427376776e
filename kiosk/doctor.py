"""``kiosk doctor``: one line per check, ok or fail with a reason.

Each check is blocking but bounded (device checks have their own timeouts); the CLI
runs them in order and exits 0 only when every check passes.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kiosk.bootstrap import Kiosk
from kiosk.domain.errors import KioskError
from kiosk.i18n import describe
from kiosk.store import Store
from kiosk.store.migrations import MIGRATIONS, applied


@dataclass(frozen=True)
class Check:
    """One line of the report. ``warning``: the check failed but the kiosk still serves
    patrons (e.g. no audio device for speech); it is shown as a warning and does not
    fail ``kiosk doctor``, so ``ok`` stays True."""

    name: str
    ok: bool
    reason: str
    warning: bool = False


#: Extra checks later modules register: each yields Checks for a built kiosk.
EXTRA_CHECKS: list[Callable[[Kiosk, str], Iterator[Check]]] = []


def run_checks(kiosk: Kiosk, db_path: Path, language: str) -> Iterator[Check]:
    config = kiosk.config
    yield Check("config", True, config.source)
    warning = kiosk.credentials.file_warning()
    if warning:
        yield Check("secrets", False, warning)
    yield _database(db_path, language)
    for key, device in kiosk.devices:
        try:
            ok, reason = device.check()
        except KioskError as exc:
            ok, reason = False, describe(exc, language)
        except Exception as exc:  # a broken adapter must not stop the report
            ok, reason = False, f"{type(exc).__name__}: {exc}"
        name = f"{key} ({getattr(device, 'name', '?')})"
        if not ok and getattr(device, "failure_is_warning", False):
            # Devices that degrade gracefully (speech) say so with this class attribute.
            yield Check(name, True, reason, warning=True)
        else:
            yield Check(name, ok, reason)
    if config.mqtt.url:
        yield _broker(config.mqtt.url)
    for extra in EXTRA_CHECKS:
        yield from extra(kiosk, language)


def _database(path: Path, language: str) -> Check:
    if str(path) != ":memory:" and not path.exists():
        return Check("database", False, f"{path} does not exist (run: kiosk init --db {path})")
    try:
        store = Store(path, migrate=False)
    except KioskError as exc:
        return Check("database", False, describe(exc, language))
    try:
        done = applied(store)
        known = [m.name for m in MIGRATIONS]
        unknown = [n for n in done if n not in known]
        if unknown:
            return Check("database", False, f"{path} was written by a newer kiosk version")
        missing = [n for n in known if n not in done]
        if missing:
            return Check(
                "database",
                False,
                f"{path} needs migrations: {', '.join(missing)} (run: kiosk init --db {path})",
            )
        patrons = store.conn.execute("SELECT count(*) FROM patrons").fetchone()[0]
        items = store.conn.execute("SELECT count(*) FROM items").fetchone()[0]
        return Check("database", True, f"{path} ({patrons} patrons, {items} items)")
    except Exception as exc:
        return Check("database", False, f"{path}: {exc}")
    finally:
        store.close()


def _broker(url: str) -> Check:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (8883 if parts.scheme == "mqtts" else 1883)
    try:
        with socket.create_connection((host, port), timeout=2.0):
            return Check("mqtt broker", True, f"{host}:{port} accepts connections")
    except OSError as exc:
        return Check("mqtt broker", False, f"{host}:{port}: {exc.strerror or exc}")
