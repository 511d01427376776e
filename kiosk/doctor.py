"""``kiosk doctor``: one line per check, ok or fail with a reason.

Each check is blocking but bounded (device checks have their own timeouts); the CLI
runs them in order and exits 0 only when every check passes.
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kiosk import formatting
from kiosk.booking.equipment_api import status_words
from kiosk.bootstrap import Kiosk
from kiosk.config import Config
from kiosk.credentials import Credentials
from kiosk.domain.errors import ConfigError, KioskError
from kiosk.i18n import describe, translate
from kiosk.ports import Broker
from kiosk.store import Store
from kiosk.store.database import exists as store_exists
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


def diagnose(config: Config, db_path: Path, language: str) -> Iterator[Check]:
    """Every check for ``kiosk doctor``, from a config that parsed. A section that
    parsed but cannot be used (a plug without a broker, the secrets file a folder)
    is reported as a failed check, and the checks that do not need it still run."""
    from kiosk import bootstrap

    try:
        kiosk = bootstrap.open_kiosk(config, store=False)
    except ConfigError as exc:
        # No devices: the checks that need none still run.
        kiosk = bootstrap.open_kiosk(
            config, store=False, devices=False, credentials=Credentials(None)
        )
        yield Check("config", False, one_line(str(exc)))
        yield from run_checks(kiosk, db_path, language, config_line=False)
        return
    yield from run_checks(kiosk, db_path, language)


def run_checks(
    kiosk: Kiosk, db_path: Path, language: str, *, config_line: bool = True
) -> Iterator[Check]:
    config = kiosk.config
    if config_line:
        yield Check("config", True, config.source)
    yield _database(db_path, language)
    yield from _alerts(db_path, config, language)
    yield from _backend(config, kiosk.credentials, db_path)
    try:
        warning = kiosk.credentials.file_warning()
    except ConfigError as exc:
        warning = one_line(str(exc))
    if warning:
        yield Check("secrets", False, warning)
    for key, device in kiosk.devices:
        if getattr(device, "kind", "") == "switch":
            continue  # plugs are asked below, through the one owner of equipment state
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
    yield from _equipment(kiosk, language)
    for extra in EXTRA_CHECKS:
        try:
            yield from extra(kiosk, language)
        except Exception as exc:  # one broken check must not hide the others
            yield Check(getattr(extra, "__name__", "check"), False, f"{type(exc).__name__}: {exc}")


def _backend(config: Config, credentials: Credentials, db_path: Path) -> Iterator[Check]:
    """The configured circulation backend can be built by this version and, for an
    ILS, answers (:func:`_sip2`)."""
    from kiosk import bootstrap

    kind = config.backend.kind
    if kind not in bootstrap.BACKENDS:
        yield Check(
            "backend",
            False,
            f"{kind} is configured but not available in this kiosk version "
            f"(available: {', '.join(bootstrap.BACKENDS)})",
        )
    elif kind != "sip2":
        yield Check("backend", True, kind)
    else:
        yield from _sip2(config, credentials)
        yield _outbox(db_path)


def _sip2(config: Config, credentials: Credentials) -> Iterator[Check]:
    """A SIP2 login (93) and status (99) with the configured credentials, then one
    round trip as patrons' requests make them: item information (17) for a barcode
    that need not exist still gets an 18, timed. Each waits at most the URL's
    ``timeout``."""
    from kiosk.circulation.sip2.client import Sip2Client
    from kiosk.circulation.sip2.sc_messages import ScMessages
    from kiosk.circulation.sip2.settings import Sip2Settings
    from kiosk.timeutil import utcnow

    try:
        settings = Sip2Settings.from_url(config.backend.url)
    except ValueError as exc:
        yield Check("backend", False, f"sip2: backend.url: expected {exc}")
        return
    where = f"sip2 {settings.host}:{settings.port}"
    secret = credentials.get("sip2_password")
    client = Sip2Client(settings, secret.reveal() if secret is not None else None)
    try:
        try:
            status = client.refresh_status()
        except KioskError as exc:
            yield Check("backend", False, f"{where}: {one_line(str(exc))}")
            return
        yield Check(
            "backend",
            status.online,
            f"{where}: logged in, the ILS is " + ("on line" if status.online else "off line"),
        )
        messages = ScMessages(
            settings,
            config.kiosk.timezone,
            utcnow,
            english=config.kiosk.language == "en",
            kiosk_id=config.kiosk.id,
        )
        started = time.perf_counter()
        try:
            client.request(messages.item_information(DOCTOR_ITEM), "18", repeatable=True)
        except KioskError as exc:
            yield Check("ils round trip", False, f"{where}: item information (17): {exc}")
            return
        took = (time.perf_counter() - started) * 1000
        yield Check(
            "ils round trip", True, f"{where}: item information (17 -> 18) in {took:.1f} ms"
        )
    finally:
        client.close()


#: The barcode of doctor's item information request (no library has it; the ACS answers
#: an 18 all the same).
DOCTOR_ITEM = "KIOSK-DOCTOR-PING"


def _outbox(path: Path) -> Check:
    """What the outbox holds: entries waiting for the ILS, and refused ones staff have
    not sorted out yet (a warning: the kiosk still serves patrons). Reads only."""
    if not store_exists(path):
        return Check("outbox", False, f"{path} does not exist")
    try:
        store = Store(path, migrate=False, create=False)
    except KioskError as exc:
        return Check("outbox", False, one_line(str(exc)))
    try:
        rows = dict(
            store.conn.execute(
                """SELECT state, count(*) FROM outbox
                   WHERE state IN ('pending', 'sending', 'refused') GROUP BY state"""
            ).fetchall()
        )
    except sqlite3.DatabaseError as exc:
        return Check("outbox", False, f"{path}: {exc}")
    finally:
        store.close()
    waiting = int(rows.get("pending", 0)) + int(rows.get("sending", 0))
    refused = int(rows.get("refused", 0))
    reason = f"{waiting} waiting to be sent, {refused} refused by the ILS"
    if refused:
        return Check("outbox", True, reason + " (see: kiosk circ outbox)", warning=True)
    return Check("outbox", True, reason)


def _database(path: Path, language: str) -> Check:
    """The database is the kiosk's, up to date and its pages sound (``PRAGMA
    quick_check``). Opened without migrating or creating: doctor writes nothing, and
    a database of some other program is left exactly as it was."""
    if not store_exists(path):
        return Check("database", False, f"{path} does not exist (run: kiosk init --db {path})")
    try:
        store = Store(path, migrate=False, create=False)
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
        problems = [r["quick_check"] for r in store.conn.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            shown = "; ".join(problems[:3]) + ("; ..." if len(problems) > 3 else "")
            return Check("database", False, f"{path}: quick_check found damage: {shown}")
        counts = store.conn.execute(
            """SELECT (SELECT count(*) FROM patrons) AS patrons,
                      (SELECT count(*) FROM items) AS items"""
        ).fetchone()
        patrons, items = counts["patrons"], counts["items"]
        return Check("database", True, f"{path} ({patrons} patrons, {items} items; quick_check ok)")
    except sqlite3.DatabaseError as exc:
        return Check("database", False, f"{path}: quick_check found damage: {exc}")
    except Exception as exc:
        return Check("database", False, f"{path}: {exc}")
    finally:
        store.close()


#: How many open alerts doctor names (the staff screen lists them all).
ALERTS_NAMED = 3


def _alerts(path: Path, config: Config, language: str) -> Iterator[Check]:
    """The open staff alerts (:mod:`kiosk.alerts`): a warning naming the newest, since
    the kiosk still serves patrons. Reads only; nothing when the database cannot say."""
    from kiosk.alerts import LocalStaffAlerts, StaffAlert

    if not store_exists(path):
        return
    try:
        store = Store(path, migrate=False, create=False)
    except KioskError:
        return  # the database line says why
    try:
        if "0010_staff_alerts" not in applied(store):
            return
        alerts = LocalStaffAlerts(store).open_alerts()
    except sqlite3.DatabaseError:
        return
    finally:
        store.close()
    if not alerts:
        yield Check("staff alerts", True, translate("doctor.alerts.none", language))
        return
    names = {r.id: r.name or r.id for r in config.resources}

    def said(alert: StaffAlert) -> str:
        when = formatting.day_time(alert.last_at, language, config.kiosk.timezone)
        what = names.get(alert.resource, alert.resource) or config.kiosk.id
        text = translate(alert.key, language, resource=what, **alert.params)
        return f"{when} {what}: {text}"

    newest = "; ".join(said(a) for a in alerts[:ALERTS_NAMED])
    more = " ..." if len(alerts) > ALERTS_NAMED else ""
    reason = translate("doctor.alerts.open", language, count=len(alerts), newest=newest + more)
    yield Check("staff alerts", True, one_line(reason), warning=True)


def one_line(text: str) -> str:
    return " ".join(text.split())


#: Messages timed kiosk -> broker -> kiosk, and the median above which doctor warns (ms).
ROUND_TRIPS = 20
SLOW_BROKER_MS = 20.0


def _equipment(kiosk: Kiosk, language: str) -> Iterator[Check]:
    """The broker's own round trip, then every plug asked once, all at the same time
    (the equipment owner records the answers; each line is read from it)."""
    owner, broker = kiosk.equipment, kiosk.broker
    switched = list(_switch_keys(kiosk))
    if broker is None and not switched:
        return
    if owner is not None:
        owner.watch()  # before the plugs start: their retained Last Wills count
    if broker is not None:
        broker.start(kiosk.bus)
    for _, rid in switched:
        kiosk.switches[rid].start(kiosk.bus)
    try:
        if broker is not None and broker.wait_connected(2.0):
            yield _round_trip(broker, language)  # (not connected: the line above says why)
        if owner is None or not switched:
            return
        with ThreadPoolExecutor(max_workers=min(16, len(switched))) as pool:
            statuses = list(pool.map(lambda pair: owner.probe(pair[1]), switched))
        for (key, rid), status in zip(switched, statuses, strict=True):
            name = f"{key} ({kiosk.switches[rid].name})"
            yield Check(name, status.bookable, status_words(status, language))
    finally:
        for _, rid in switched:
            kiosk.switches[rid].stop()
        if broker is not None:
            broker.stop()
        if owner is not None:
            owner.stop()


def _switch_keys(kiosk: Kiosk) -> Iterator[tuple[str, str]]:
    """(config key, resource id) of every plug, in config order."""
    for index, resource in enumerate(kiosk.config.resources):
        if resource.id in kiosk.switches:
            yield f"resources[{index}].switch", resource.id


def _round_trip(broker: Broker, language: str) -> Check:
    """kiosk -> broker -> kiosk alone: what the broker adds to every plug's answer."""
    times = [broker.round_trip(1.0) for _ in range(ROUND_TRIPS)]
    seen = sorted(t * 1000 for t in times if t is not None)
    if not seen:
        return Check("mqtt round trip", False, translate("doctor.mqtt.no_echo", language))
    p50 = statistics.median(seen)
    reason = translate(
        "doctor.mqtt.round_trip",
        language,
        p50=f"{p50:.1f}",
        max=f"{seen[-1]:.1f}",
        count=len(seen),
    )
    if p50 > SLOW_BROKER_MS:
        slow = translate("doctor.mqtt.slow", language, limit=f"{SLOW_BROKER_MS:.0f}")
        return Check("mqtt round trip", True, f"{reason}; {slow}", warning=True)
    return Check("mqtt round trip", True, reason)
