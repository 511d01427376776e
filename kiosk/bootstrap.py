"""The composition root: config in, concrete adapters and services out.

Nothing connects at import time. Device adapter modules are imported lazily, inside
the factory for their URL scheme, so that the core and the tests run without hardware
libraries (pyscard, evdev, python-escpos). This is one of the two modules of ``kiosk``
allowed to import ``devices`` (see the import contract in ``pyproject.toml``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk import config as config_module
from kiosk.bus import EventBus
from kiosk.config import Config, ResourceConfig
from kiosk.credentials import Credentials, env_name
from kiosk.domain.errors import ConfigError
from kiosk.ports import (
    Broker,
    CardReader,
    Device,
    DeviceUrl,
    EquipmentSwitch,
    ItemPad,
    ItemScanner,
    PrinterHost,
    ReceiptPrinter,
    Speaker,
)
from kiosk.services import Services
from kiosk.store import Store
from kiosk.timeutil import Clock, utcnow

if TYPE_CHECKING:
    from kiosk.booking.api import Bookings
    from kiosk.booking.engine import Makerspace
    from kiosk.booking.equipment import EquipmentController
    from kiosk.circulation.api import Circulation
    from kiosk.circulation.sip2.backend import Sip2Circulation
    from kiosk.printing.records import PrintJobRecords

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildContext:
    """What a factory may need besides its URL."""

    config: Config
    credentials: Credentials
    key: str
    resource: ResourceConfig | None = None
    shared: dict[str, Any] = field(default_factory=dict)


Factory = Callable[[DeviceUrl, BuildContext], Any]


def _sim(class_name: str) -> Factory:
    def make(url: DeviceUrl, ctx: BuildContext) -> Any:
        from devices import sim

        cls = getattr(sim, class_name)
        if ctx.resource is not None:
            return cls.for_resource(url, ctx.resource.id)
        return cls.from_url(url)

    return make


def _espeak(url: DeviceUrl, ctx: BuildContext) -> Any:
    from devices.espeak import EspeakSpeaker

    speaker = EspeakSpeaker.from_url(url)
    a11y = ctx.config.accessibility
    if "rate" not in url.params:
        speaker.rate = a11y.speech_rate
    if "volume" not in url.params:
        speaker.set_volume(a11y.speech_volume)
    return speaker


def _serial(kind: str) -> Factory:
    def make(url: DeviceUrl, ctx: BuildContext) -> Any:
        from devices.serial_reader import SerialReader

        return SerialReader.from_url(url, kind)

    return make


def _hid(kind: str) -> Factory:
    def make(url: DeviceUrl, ctx: BuildContext) -> Any:
        from devices.hid import HidReader

        return HidReader.from_url(url, kind)

    return make


def _pcsc_card_reader(url: DeviceUrl, ctx: BuildContext) -> Any:
    from devices.pcsc import PcscCardReader

    return PcscCardReader.from_url(url)


def _pcsc_item_pad(url: DeviceUrl, ctx: BuildContext) -> Any:
    from devices.pcsc import PcscItemPad

    return PcscItemPad.from_url(url)


def _escpos(url: DeviceUrl, ctx: BuildContext) -> Any:
    from devices.escpos_printer import EscposPrinter

    return EscposPrinter.from_url(url)


def _mqtt_connection(config: Config, credentials: Credentials, shared: dict[str, Any]) -> Any:
    """The kiosk's one MQTT connection (:class:`kiosk.ports.Broker`), made once."""
    from devices.mqtt.connection import MqttConnection

    connection = shared.get("mqtt")
    if connection is None:
        mqtt = config.mqtt
        password = credentials.get("mqtt_password")
        connection = MqttConnection(
            mqtt.url,
            mqtt.client_id or f"kiosk-{config.kiosk.id}",
            kiosk_id=config.kiosk.id,
            username=mqtt.username,
            password=password.reveal() if password is not None else None,
            ca_file=mqtt.ca_file,
        )
        shared["mqtt"] = connection
    return connection


def _mqtt_switch(url: DeviceUrl, ctx: BuildContext) -> Any:
    """A Tasmota or Shelly plug on the kiosk's one shared MQTT connection."""
    from devices.mqtt.switch import MqttSwitch

    if not ctx.config.mqtt.url:
        raise ValueError("an [mqtt] url: tasmota:// and shelly:// plugs need a broker")
    assert ctx.resource is not None
    connection = _mqtt_connection(ctx.config, ctx.credentials, ctx.shared)
    return MqttSwitch.from_url(url, ctx.resource.id, connection)


def _octoprint(url: DeviceUrl, ctx: BuildContext) -> Any:
    """A printer's OctoPrint; its API key is the secret ``octoprint_keys.<resource>``."""
    from devices.octoprint import OctoPrintHost

    assert ctx.resource is not None
    key = ctx.credentials.get("octoprint_keys", ctx.resource.id)
    if key is None:
        raise ValueError(
            f"an API key for {ctx.resource.id}: [octoprint_keys] {ctx.resource.id} in the "
            f"secrets file or the environment variable "
            f"{env_name('octoprint_keys', ctx.resource.id)}"
        )
    printing = ctx.config.printing
    return OctoPrintHost.from_url(
        url,
        ctx.resource.id,
        key.reveal(),
        timeout=printing.timeout_seconds,
        poll_seconds=printing.poll_seconds,
        max_upload_bytes=printing.max_upload_bytes,
        cooldown_c=printing.cooldown_c,
    )


#: Device kind -> URL scheme -> factory. Later adapters add their schemes here.
FACTORIES: dict[str, dict[str, Factory]] = {
    "card_reader": {
        "sim": _sim("SimCardReader"),
        "pcsc": _pcsc_card_reader,
        "serial": _serial("card_reader"),
        "hid": _hid("card_reader"),
    },
    "item_scanner": {
        "sim": _sim("SimItemScanner"),
        "serial": _serial("item_scanner"),
        "hid": _hid("item_scanner"),
    },
    "item_pad": {"sim": _sim("SimItemPad"), "pcsc": _pcsc_item_pad},
    "receipt_printer": {
        "sim": _sim("SimReceiptPrinter"),
        "escpos+serial": _escpos,
        "escpos+usb": _escpos,
        "escpos+tcp": _escpos,
    },
    "speaker": {"sim": _sim("SimSpeaker"), "espeak": _espeak},
    "switch": {"sim": _sim("SimSwitch"), "tasmota": _mqtt_switch, "shelly": _mqtt_switch},
    "printer": {"sim": _sim("SimPrinterHost"), "octoprint": _octoprint, "octoprints": _octoprint},
}


#: Device kinds that read cards and items (``kiosk readers`` lists and watches these).
READER_KINDS = ("card_reader", "item_scanner", "item_pad")


def detect_readers() -> dict[str, list[str] | str]:
    """Reader hardware on this machine: source -> devices found, or why it cannot
    be asked (see :mod:`devices.detect`). Blocking, fast."""
    from devices.detect import detect

    return detect()


def device_urls(config: Config) -> Iterator[tuple[str, str, str, ResourceConfig | None]]:
    """Every configured device as (kind, config key, url, resource)."""
    devices = config.devices
    for i, url in enumerate(devices.card_readers):
        yield "card_reader", f"devices.card_readers[{i}]", url, None
    for i, url in enumerate(devices.item_scanners):
        yield "item_scanner", f"devices.item_scanners[{i}]", url, None
    for kind in ("item_pad", "receipt_printer", "speaker"):
        url = getattr(devices, kind)
        if url:
            yield kind, f"devices.{kind}", url, None
    for i, resource in enumerate(config.resources):
        if resource.switch:
            yield "switch", f"resources[{i}].switch", resource.switch, resource
        if resource.printer:
            yield "printer", f"resources[{i}].printer", resource.printer, resource


def check_schemes(config: Config) -> None:
    """Refuse a device URL whose scheme no adapter handles (a config error)."""
    for kind, key, raw, _ in device_urls(config):
        scheme = DeviceUrl.parse(raw).scheme
        known = FACTORIES[kind]
        if scheme not in known:
            schemes = ", ".join(f"{s}://" for s in sorted(known))
            raise ConfigError(
                config.source,
                key,
                f"a {kind.replace('_', ' ')} URL scheme ({schemes}), not {scheme}://",
            )


def check_booking_rules(config: Config) -> None:
    """Refuse contradictory booking rules (a ConfigError naming the resource)."""
    from kiosk.booking.rules import check_rules

    try:
        check_rules(config)
    except ValueError as exc:
        raise ConfigError(config.source, "bookings", f"consistent rules ({exc})") from None


def load_config(path: str | Path | None = None) -> Config:
    """Load, validate and check device schemes. Raises ConfigError."""
    config = config_module.load(path)
    check_schemes(config)
    check_booking_rules(config)
    return config


@dataclass
class Kiosk:
    """Everything one kiosk process runs: built by :func:`build`, started by the app."""

    config: Config
    credentials: Credentials
    bus: EventBus
    card_readers: list[CardReader] = field(default_factory=list)
    item_scanners: list[ItemScanner] = field(default_factory=list)
    item_pad: ItemPad | None = None
    receipt_printer: ReceiptPrinter | None = None
    speaker: Speaker | None = None
    switches: dict[str, EquipmentSwitch] = field(default_factory=dict)
    printers: dict[str, PrinterHost] = field(default_factory=dict)
    #: The MQTT broker connection when ``[mqtt] url`` is set (also in :attr:`devices`).
    broker: Broker | None = None
    #: Every device with the config key it came from, in config order.
    devices: list[tuple[str, Device]] = field(default_factory=list)
    #: The one owner of equipment state (:mod:`kiosk.booking.equipment`): it watches
    #: from :meth:`start` on, and switches once the makerspace gives it the store.
    equipment: EquipmentController | None = None
    store: Store | None = None
    #: The services the screens call; set by :meth:`open_store` / :meth:`open_services`.
    services: Services | None = None
    #: The booking engine once built (:func:`build_bookings`); started with the kiosk.
    makerspace: Makerspace | None = None
    #: The print job records, kept from the printers' end events once the store is open.
    print_jobs: PrintJobRecords | None = None
    started: bool = False
    #: Bus subscriptions to drop before the store closes.
    _unsubscribes: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def open_store(self, path: str | Path | None = None) -> Store:
        """Open (and migrate) the database; registers the configured resources and
        builds :attr:`services` on it (bookings: :meth:`open_services`)."""
        if self.store is None:
            self.store = open_store(self.config, path)
        if self.print_jobs is None and self.printers:
            self.print_jobs = _print_job_records(self, self.store)
        if self.services is None:
            self.services = build_services(self, self.store)
        return self.store

    def open_services(self, path: str | Path | None = None, clock: Clock = utcnow) -> Services:
        """Open the store if needed and return every service the screens use, the
        makerspace's bookings included (built with ``clock``)."""
        store = self.open_store(path)
        if clock is not utcnow:
            self.services = build_services(self, store, clock)
        assert self.services is not None
        if self.services.bookings is None:
            attach_bookings(self.services, self, clock)
        return self.services

    def start(self) -> None:
        if self.equipment is not None:
            self.equipment.watch()  # before the plugs: their retained Last Wills come first
        for key, device in self.devices:
            try:
                device.start(self.bus)
            except Exception:
                # One broken reader must not keep the kiosk from serving patrons.
                log.exception("device %s failed to start", key)
        if self.makerspace is not None:
            self.makerspace.start()
        if self.services is not None:
            _background(self.services, "start")
        self.started = True

    def stop(self) -> None:
        if self.makerspace is not None:
            self.makerspace.stop()
        if self.equipment is not None:
            self.equipment.stop()
        for key, device in reversed(self.devices):
            try:
                device.stop()
            except Exception:
                log.exception("device %s failed to stop", key)
        self.started = False
        if self.services is not None:
            _background(self.services, "close")
        self._stop_records()
        if self.store is not None:
            self.store.close()
            self.store = None
            self.services = None

    def _stop_records(self) -> None:
        while self._unsubscribes:
            self._unsubscribes.pop()()
        self.print_jobs = None


def _print_job_records(kiosk: Kiosk, store: Store) -> PrintJobRecords:
    """Records on ``store`` that close each job's row from the printers' end events."""
    from kiosk.printing.records import PrintJobRecords

    records = PrintJobRecords(store, kiosk.config.printing, kiosk.config.kiosk.id)
    kiosk._unsubscribes.append(records.listen(kiosk.bus))
    return records


def _background(services: Services, action: str) -> None:
    """Start or stop a backend's own thread (SIP2: keep-alive, reconnect, outbox
    replay). The local backend has none."""
    method = getattr(services.circulation, action, None)
    if callable(method):
        try:
            method()
        except Exception:
            log.exception("circulation backend failed to %s", action)


def build(config: Config, credentials: Credentials | None = None) -> Kiosk:
    """Build every configured adapter (none is started). Raises ConfigError."""
    check_schemes(config)
    credentials = credentials or Credentials(config.secrets.file)
    kiosk = Kiosk(config=config, credentials=credentials, bus=EventBus())
    shared: dict[str, Any] = {}
    for kind, key, raw, resource in device_urls(config):
        url = DeviceUrl.parse(raw)
        context = BuildContext(config, credentials, key, resource, shared)
        try:
            device = FACTORIES[kind][url.scheme](url, context)
        except ValueError as exc:
            raise ConfigError(config.source, key, f"expected {exc}") from None
        kiosk.devices.append((key, device))
        if kind == "card_reader":
            kiosk.card_readers.append(device)
        elif kind == "item_scanner":
            kiosk.item_scanners.append(device)
        elif kind == "switch":
            assert resource is not None
            kiosk.switches[resource.id] = device
        elif kind == "printer":
            assert resource is not None
            kiosk.printers[resource.id] = device
        else:
            setattr(kiosk, kind, device)
    if config.mqtt.url:
        # First among the devices: the plugs share it, and staff and doctor see it.
        kiosk.broker = _mqtt_connection(config, credentials, shared)
        kiosk.devices.insert(0, ("mqtt", kiosk.broker))
    from kiosk.booking.engine import build_equipment

    kiosk.equipment = build_equipment(config, kiosk.bus, kiosk.switches, kiosk.printers)
    return kiosk


#: Circulation backends this version can build (``[backend] kind``).
BACKENDS = ("local", "sip2")


def build_services(
    kiosk_or_config: Kiosk | Config, store: Store, clock: Clock = utcnow
) -> Services:
    """The services of the configured backend on ``store``. Raises ConfigError for a
    backend this version cannot build."""
    from kiosk.circulation.events import LocalEvents
    from kiosk.circulation.local import LocalCirculation
    from kiosk.circulation.usage import LocalFeedback, LocalUsage, count_refusals
    from kiosk.preferences import PreferencesService
    from kiosk.report.figures import LocalFigures
    from kiosk.surveys.service import LocalSurveys

    if isinstance(kiosk_or_config, Kiosk):
        config, credentials = kiosk_or_config.config, kiosk_or_config.credentials
    else:
        config, credentials = kiosk_or_config, Credentials(kiosk_or_config.secrets.file)
    circulation: Circulation
    if config.backend.kind == "sip2":
        circulation = build_sip2(config, credentials, store, clock)
    else:
        circulation = LocalCirculation(store, config, clock)
    # Events, feedback, usage, surveys and preferences stay in the kiosk's own database.
    usage = LocalUsage(store, config, clock)
    equipment = kiosk_or_config.equipment if isinstance(kiosk_or_config, Kiosk) else None
    return Services(
        circulation=count_refusals(circulation, REFUSALS_COUNTED["circulation"], usage),
        events=count_refusals(LocalEvents(store, config, clock), REFUSALS_COUNTED["events"], usage),
        feedback=count_refusals(
            LocalFeedback(store, config, clock), REFUSALS_COUNTED["feedback"], usage
        ),
        usage=usage,
        preferences=PreferencesService(store),
        surveys=LocalSurveys(store, config, clock),
        figures=LocalFigures(store, config, clock),
        equipment=equipment,
        local=config.backend.kind == "local",
    )


def build_sip2(
    config: Config, credentials: Credentials, store: Store, clock: Clock = utcnow
) -> Sip2Circulation:
    """The SIP2 backend from ``[backend] url`` and the ``sip2_password`` secret.
    Raises ConfigError (one line) for a URL or password that cannot be used."""
    from kiosk.circulation.sip2.backend import Sip2Circulation
    from kiosk.circulation.sip2.settings import Sip2Settings

    if not config.backend.url:
        raise ConfigError(config.source, "backend.url", "the ILS's sip2:// address")
    try:
        settings = Sip2Settings.from_url(config.backend.url)
    except ValueError as exc:
        raise ConfigError(config.source, "backend.url", f"expected {exc}") from None
    secret = credentials.get("sip2_password")
    if settings.user and secret is None:
        raise ConfigError(
            config.source,
            "backend.url",
            f"a password for SIP2 user {settings.user!r}: sip2_password in the secrets "
            "file or KIOSK_SIP2_PASSWORD",
        )
    return Sip2Circulation(store, config, secret.reveal() if secret else None, clock)


#: The patron actions of each service whose refusals are counted (usage ``refusal``).
REFUSALS_COUNTED: dict[str, tuple[str, ...]] = {
    "circulation": ("sign_in", "checkout", "checkin", "renew", "renew_all", "pay"),
    "events": ("register", "unregister", "check_in"),
    "feedback": ("submit",),
    "bookings": ("book", "cancel", "check_in", "extend"),
    "printing": ("start", "cancel"),
}


def build_bookings(kiosk: Kiosk, clock: Clock = utcnow) -> Makerspace:
    """The booking service, scheduler and equipment controller over the kiosk's store
    (opened if needed) and its switches and printers; kept in ``kiosk.makerspace`` and
    started by :meth:`Kiosk.start`. ``Services.bookings`` is ``makerspace.service``."""
    from kiosk.booking.engine import build_makerspace

    if kiosk.makerspace is None:
        check_booking_rules(kiosk.config)
        store = kiosk.open_store()
        assert kiosk.equipment is not None
        kiosk.makerspace = build_makerspace(store, kiosk.config, kiosk.bus, kiosk.equipment, clock)
        _add_pc_sessions(kiosk)
    return kiosk.makerspace


def _add_pc_sessions(kiosk: Kiosk) -> None:
    """Public computers on an MQTT plug also get the session contract
    (``docs/pc-session-contract.md``) over the same broker connection."""
    computers = [r.id for r in kiosk.config.resources if r.kind == "computer"]
    connection = next(
        (
            getattr(kiosk.switches[rid], "connection", None)
            for rid in computers
            if rid in kiosk.switches and getattr(kiosk.switches[rid], "connection", None)
        ),
        None,
    )
    if connection is None:
        return
    from devices.mqtt.pcsession import PcSessions

    sessions = PcSessions(connection, computers, kiosk.config.kiosk.id, kiosk.config.kiosk.timezone)
    kiosk.devices.append(("pc-sessions", sessions))


def attach_bookings(services: Services, kiosk: Kiosk, clock: Clock = utcnow) -> Services:
    """Fill ``services.bookings`` from :func:`build_bookings` (the composition root's
    one place for it), and ``services.printing`` when the kiosk has 3D printers."""
    from kiosk.circulation.usage import count_refusals

    bookings: Bookings = build_bookings(kiosk, clock).service
    services.bookings = count_refusals(bookings, REFUSALS_COUNTED["bookings"], services.usage)
    if kiosk.printers and kiosk.print_jobs is not None:
        from kiosk.printing.service import PrintService

        printing = PrintService(kiosk.config, kiosk.printers, bookings, kiosk.print_jobs, clock)
        services.printing = count_refusals(printing, REFUSALS_COUNTED["printing"], services.usage)
    return services


def open_store(config: Config, path: str | Path | None = None, *, create: bool = True) -> Store:
    """Open the configured (or given) database, migrate it, sync resources from config.

    ``create`` False: refuse (``store.missing``) a database that is not there."""
    store = Store(path or config.database_path(), create=create)
    try:
        sync_resources(store, config)
    except BaseException:
        store.close()
        raise
    return store


def sync_resources(store: Store, config: Config) -> None:
    """Resources are config: upsert each, and retire those no longer configured
    (kept in the table so that past bookings still name them). Writes only when the
    table differs from the config, so opening an up-to-date database writes nothing
    (and a read-only one can be opened at all)."""
    wanted = {
        (r.id, r.kind, r.name or r.id, r.switch or None, r.printer or None, 1)
        for r in config.resources
    }
    ids = {r.id for r in config.resources}
    with store.lock:
        rows = store.conn.execute(
            "SELECT id, kind, name, switch_url, printer_url, active FROM resources"
        ).fetchall()
    have = {tuple(row) for row in rows if row[0] in ids}
    stale = [row for row in rows if row[0] not in ids and row[5]]
    if (have == wanted and not stale) or store.read_only:
        return
    with store.transaction() as db:
        ids_list = [r.id for r in config.resources]
        for r in config.resources:
            db.execute(
                """INSERT INTO resources (id, kind, name, switch_url, printer_url, active)
                   VALUES (?, ?, ?, ?, ?, 1)
                   ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, name = excluded.name,
                     switch_url = excluded.switch_url, printer_url = excluded.printer_url,
                     active = 1""",
                [r.id, r.kind, r.name or r.id, r.switch or None, r.printer or None],
            )
        marks = ",".join("?" * len(ids_list))
        db.execute(
            f"UPDATE resources SET active = 0 WHERE id NOT IN ({marks})"
            if ids_list
            else "UPDATE resources SET active = 0",
            ids_list,
        )
