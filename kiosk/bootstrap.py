"""The composition root: a config in, a kiosk out (:func:`open_kiosk`), and closed
again (:func:`close_kiosk`).

One function builds everything one kiosk process runs: the event bus, the device
adapters (by URL scheme, :data:`FACTORIES`), the equipment controller (the one owner of
equipment state), the store (opened, migrated, its resources synced from the config),
the services the screens and the CLI call, the makerspace (booking service and
scheduler) and the staff alerts recorder. :meth:`Kiosk.start` starts their threads.
The CLI commands, the app, the screenshot renderer, the benchmarks and the tests all
build their kiosk here; tests pass a clock, or run one kiosk's simulators under several
databases (``share=``).

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
    from kiosk.alerts import AlertRecorder
    from kiosk.booking.engine import Makerspace
    from kiosk.booking.equipment import EquipmentController
    from kiosk.circulation.sip2.backend import Sip2Circulation
    from kiosk.printing.api import Printing
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
    """Everything one kiosk process runs: built by :func:`open_kiosk`, started by
    :meth:`start`, closed by :func:`close_kiosk`."""

    config: Config
    credentials: Credentials
    bus: EventBus
    #: The one owner of equipment state (:mod:`kiosk.booking.equipment`): it watches
    #: the plugs from :meth:`start` on, and switches them once the makerspace runs.
    equipment: EquipmentController
    #: The clock the services and the scheduler read (tests drive it).
    clock: Clock = utcnow
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
    #: The database (None: a kiosk opened without one, e.g. ``kiosk readers``).
    store: Store | None = None
    #: The services the screens and the CLI call (None without a store).
    services: Services | None = None
    #: The booking service and its scheduler (None without a store or resources).
    makerspace: Makerspace | None = None
    #: Records what staff must know about from the bus (None without a store).
    alerts: AlertRecorder | None = None
    #: The print job records, kept from the printers' end events.
    print_jobs: PrintJobRecords | None = None
    #: The bus, the adapters and the equipment owner are another running kiosk's
    #: (``open_kiosk(share=...)``): this one neither starts nor stops them.
    borrowed: bool = False
    started: bool = False
    #: Threads of the services (a SIP2 backend's monitor): (start, stop).
    _threads: list[tuple[Callable[[], None], Callable[[], None]]] = field(
        default_factory=list, repr=False
    )
    #: Bus subscriptions to drop before the store closes.
    _unsubscribes: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def start(self) -> None:
        """Start every thread: the alerts recorder, the equipment owner's watch, the
        devices, the makerspace, the backend's monitor. Returns at once."""
        if self.started:
            return
        if self.alerts is not None:
            self.alerts.start()  # first: a device failing to start is an alert
        if not self.borrowed:
            self.equipment.watch()  # before the plugs: their retained Last Wills come first
            for key, device in self.devices:
                try:
                    device.start(self.bus)
                except Exception:
                    # One broken reader must not keep the kiosk from serving patrons.
                    log.exception("device %s failed to start", key)
        if self.makerspace is not None:
            self.makerspace.start()
        for start, _ in self._threads:
            try:
                start()
            except Exception:
                log.exception("a service thread failed to start")
        self.started = True


def open_kiosk(
    config: Config,
    database: str | Path | None = None,
    *,
    store: bool = True,
    devices: bool = True,
    create: bool = True,
    clock: Clock = utcnow,
    credentials: Credentials | None = None,
    share: Kiosk | None = None,
) -> Kiosk:
    """Build the kiosk ``config`` describes (nothing is started: :meth:`Kiosk.start`).

    ``database``: the SQLite file or ``file:`` URI (default: the configured one);
    ``store`` False: no database and so no services (``kiosk readers``, ``kiosk
    equipment``, doctor's device checks); ``devices`` False: no adapters (the CLI's
    data commands); ``create`` False: refuse a database that is not there
    (``store.missing``); ``clock``: what the services and scheduler read as now;
    ``share``: a running kiosk opened with ``store=False`` whose bus, adapters and
    equipment owner this one uses (tests that run one set of simulators over a fresh
    database each). Raises ConfigError (and StoreError); on failure nothing stays open.
    """
    credentials = credentials or (
        share.credentials if share is not None else Credentials(config.secrets.file)
    )
    if store:
        check_booking_rules(config)
    if share is not None:
        if share.store is not None:
            raise ValueError("share a kiosk opened with store=False")
        kiosk = Kiosk(config, credentials, share.bus, share.equipment, clock=clock, borrowed=True)
        for name in _DEVICE_FIELDS:
            setattr(kiosk, name, getattr(share, name))
    else:
        kiosk = _with_devices(config, credentials, clock, devices)
    if not store:
        return kiosk
    kiosk.store = Store(database or config.database_path(), create=create)
    try:
        kiosk.store.sync_resources(config.resources)
        _open_services(kiosk, kiosk.store)
    except BaseException:
        close_kiosk(kiosk)
        raise
    return kiosk


#: The fields of :class:`Kiosk` that hold device adapters.
_DEVICE_FIELDS = (
    "card_readers",
    "item_scanners",
    "item_pad",
    "receipt_printer",
    "speaker",
    "switches",
    "printers",
    "broker",
    "devices",
)


def close_kiosk(kiosk: Kiosk) -> None:
    """Stop every thread :meth:`Kiosk.start` started and close the database, in reverse.
    Blocks at most a few seconds (a running switch command, a SIP2 goodbye)."""
    if kiosk.makerspace is not None and kiosk.started:
        kiosk.makerspace.stop()  # the scheduler, then the equipment owner
    elif kiosk.started and not kiosk.borrowed:
        kiosk.equipment.stop()
    if kiosk.borrowed:
        # The owner's equipment controller goes back to watching only (unless another
        # kiosk over the same devices has given it its store since).
        if kiosk.store is not None and kiosk.equipment.store is kiosk.store:
            kiosk.equipment.store = None
        if kiosk.started:
            kiosk.equipment.watch()
    elif kiosk.started:
        for key, device in reversed(kiosk.devices):
            try:
                device.stop()
            except Exception:
                log.exception("device %s failed to stop", key)
    for _, stop in reversed(kiosk._threads):
        try:
            stop()
        except Exception:
            log.exception("a service thread failed to stop")
    kiosk._threads.clear()
    if kiosk.alerts is not None:
        kiosk.alerts.stop()
    while kiosk._unsubscribes:
        kiosk._unsubscribes.pop()()
    kiosk.print_jobs = None
    kiosk.started = False
    if kiosk.store is not None:
        kiosk.store.close()
        kiosk.store = None
        kiosk.services = None
        kiosk.makerspace = None
        kiosk.alerts = None


def _with_devices(config: Config, credentials: Credentials, clock: Clock, build: bool) -> Kiosk:
    """A kiosk with a new bus, the configured adapters (none unless ``build``) and its
    equipment owner over them."""
    from kiosk.booking.engine import build_equipment

    if build:
        check_schemes(config)
    found: dict[str, Any] = {
        "card_readers": [],
        "item_scanners": [],
        "switches": {},
        "printers": {},
        "devices": [],
    }
    shared: dict[str, Any] = {}
    for kind, key, raw, resource in device_urls(config) if build else ():
        url = DeviceUrl.parse(raw)
        context = BuildContext(config, credentials, key, resource, shared)
        try:
            device = FACTORIES[kind][url.scheme](url, context)
        except ValueError as exc:
            raise ConfigError(config.source, key, f"expected {exc}") from None
        found["devices"].append((key, device))
        if kind in ("card_reader", "item_scanner"):
            found[f"{kind}s"].append(device)
        elif kind in ("switch", "printer"):
            assert resource is not None
            found[f"{kind}es" if kind == "switch" else f"{kind}s"][resource.id] = device
        else:
            found[kind] = device
    if build and config.mqtt.url:
        # First among the devices: the plugs share it, and staff and doctor see it.
        found["broker"] = _mqtt_connection(config, credentials, shared)
        found["devices"].insert(0, ("mqtt", found["broker"]))
    bus = EventBus()
    equipment = build_equipment(config, bus, found["switches"], found["printers"])
    return Kiosk(config, credentials, bus, equipment, clock=clock, **found)


#: Circulation backends this version can build (``[backend] kind``).
BACKENDS = ("local", "sip2")

#: The patron actions of each service whose refusals are counted (usage ``refusal``).
REFUSALS_COUNTED: dict[str, tuple[str, ...]] = {
    "circulation": ("sign_in", "checkout", "checkin", "renew", "renew_all", "pay"),
    "events": ("register", "unregister", "check_in"),
    "feedback": ("submit",),
    "bookings": ("book", "cancel", "check_in", "extend"),
    "printing": ("start", "cancel"),
}


def _open_services(kiosk: Kiosk, store: Store) -> None:
    """The services of the configured backend on ``store``, the makerspace over the
    kiosk's equipment owner, the staff alerts recorder and the print job records.
    Raises ConfigError for a backend this version cannot build."""
    from kiosk.alerts import AlertRecorder, LocalStaffAlerts
    from kiosk.booking.engine import build_makerspace
    from kiosk.circulation.api import Circulation
    from kiosk.circulation.events import LocalEvents
    from kiosk.circulation.local import LocalCirculation
    from kiosk.circulation.usage import LocalFeedback, LocalUsage, count_refusals
    from kiosk.preferences import PreferencesService
    from kiosk.report.figures import LocalFigures
    from kiosk.surveys.service import LocalSurveys

    config, clock = kiosk.config, kiosk.clock
    circulation: Circulation
    if config.backend.kind == "sip2":
        sip2 = _sip2(config, kiosk.credentials, store, clock)
        kiosk._threads.append((sip2.start, sip2.close))
        circulation = sip2
    else:
        circulation = LocalCirculation(store, config, clock)
    # Events, feedback, usage, surveys and preferences stay in the kiosk's own database.
    usage = LocalUsage(store, config, clock)
    if config.resources:
        kiosk.makerspace = build_makerspace(store, config, kiosk.bus, kiosk.equipment, clock)
        if not kiosk.borrowed:
            _add_pc_sessions(kiosk)
    kiosk.alerts = AlertRecorder(store, kiosk.bus, config.kiosk.id, clock)
    if kiosk.printers:
        kiosk.print_jobs = _print_job_records(kiosk, store)
    bookings = kiosk.makerspace.service if kiosk.makerspace is not None else None
    printing: Printing | None = None
    if bookings is not None and kiosk.printers and kiosk.print_jobs is not None:
        from kiosk.printing.service import PrintService

        printing = count_refusals(
            PrintService(config, kiosk.printers, bookings, kiosk.print_jobs, clock),
            REFUSALS_COUNTED["printing"],
            usage,
        )
    kiosk.services = Services(
        circulation=count_refusals(circulation, REFUSALS_COUNTED["circulation"], usage),
        events=count_refusals(LocalEvents(store, config, clock), REFUSALS_COUNTED["events"], usage),
        feedback=count_refusals(
            LocalFeedback(store, config, clock), REFUSALS_COUNTED["feedback"], usage
        ),
        usage=usage,
        preferences=PreferencesService(store),
        surveys=LocalSurveys(store, config, clock),
        figures=LocalFigures(store, config, clock),
        equipment=kiosk.equipment,
        alerts=LocalStaffAlerts(store, clock),
        bookings=(
            count_refusals(bookings, REFUSALS_COUNTED["bookings"], usage)
            if bookings is not None
            else None
        ),
        printing=printing,
        local=config.backend.kind == "local",
    )


def _sip2(config: Config, credentials: Credentials, store: Store, clock: Clock) -> Sip2Circulation:
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


def _print_job_records(kiosk: Kiosk, store: Store) -> PrintJobRecords:
    """Records on ``store`` that close each job's row from the printers' end events."""
    from kiosk.printing.records import PrintJobRecords

    records = PrintJobRecords(store, kiosk.config.printing, kiosk.config.kiosk.id)
    kiosk._unsubscribes.append(records.listen(kiosk.bus))
    return records


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
