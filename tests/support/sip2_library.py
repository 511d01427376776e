"""A real SIP2 server for the tests: pysip2's ACS, serving a small in-test library.

:class:`Library` holds patrons (with and without PINs, blocked, lost, invalid), items
(on hold for someone, with fines), loans and holds, and records every request that
arrived. :class:`Sip2TestServer` runs pysip2's AnyIO server on its own thread on
127.0.0.1; :meth:`~Sip2TestServer.stop` drops every connection as a crashed ILS
would, :meth:`~Sip2TestServer.start` brings it back on the same port.
:func:`populate` fills a library with the tests' patrons and items; :func:`make` is
the kiosk's SIP2 backend pointed at a server; :func:`refused` checks a refusal.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import anyio
import pytest
from anyio.abc import SocketAttribute
from pysip2 import (
    CHECKIN,
    CHECKOUT,
    END_PATRON_SESSION,
    FEE_PAID,
    HOLD,
    ITEM_INFORMATION,
    LOGIN,
    PATRON_INFORMATION,
    PATRON_STATUS,
    RENEW,
    RENEW_ALL,
    SC_STATUS,
    ACSStatusResponse,
    CheckinResponse,
    CheckoutResponse,
    EndSessionResponse,
    FeePaidResponse,
    HoldResponse,
    ItemInformationResponse,
    LoginResponse,
    PatronInformationResponse,
    PatronStatusResponse,
    RenewAllResponse,
    RenewResponse,
    SIP2Server,
    calculate_checksum,
)

from kiosk.circulation.sip2.backend import Sip2Circulation
from kiosk.circulation.sip2.codec import parse_timestamp, timestamp
from kiosk.config import Config
from kiosk.domain.errors import DomainError
from tests.support.kiosks import open_test_kiosk, store_of

ZONE = "Asia/Makassar"
INSTITUTION = "PALU"
USER, PASSWORD = "kiosk", "s3cret"
ALL_ROUTES = (
    "23", "11", "09", "93", "63", "35", "37", "17", "15", "29", "65",
)  # fmt: skip


@dataclass
class LibPatron:
    id: str
    name: str
    pin: str | None = None
    valid: bool = True
    blocked: bool = False
    lost: bool = False
    fines: int = 0
    language: str = "000"
    ready_holds: list[str] = field(default_factory=list)
    waiting_holds: list[str] = field(default_factory=list)


@dataclass
class LibItem:
    barcode: str
    title: str
    media: str = "001"
    #: A patron id: the item waits for them (others cannot borrow it).
    hold_for: str | None = None
    #: AH written this way instead of as a SIP2 date ("iso": YYYY-MM-DD, "us": MM/DD/YYYY).
    due_format: str = "sip2"
    renewable: bool = True


class Library:
    """Thread-safe; the server's handlers run on worker threads."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.patrons: dict[str, LibPatron] = {}
        self.items: dict[str, LibItem] = {}
        #: barcode -> (patron id, due time UTC)
        self.loans: dict[str, tuple[str, datetime]] = {}
        #: Every request: (command code, the request model).
        self.requests: list[tuple[str, Any]] = []
        #: Successful checkouts per item (an item must never be lent twice by replay).
        self.checkouts: Counter[str] = Counter()
        #: Seconds a checkout of this item takes (to kill the kiosk while it waits).
        self.slow: dict[str, float] = {}
        self.arrived = threading.Event()

    def patron(self, pid: str, name: str, **kw: Any) -> LibPatron:
        with self.lock:
            self.patrons[pid] = LibPatron(pid, name, **kw)
            return self.patrons[pid]

    def item(self, barcode: str, title: str, **kw: Any) -> LibItem:
        with self.lock:
            self.items[barcode] = LibItem(barcode, title, **kw)
            return self.items[barcode]

    def lend(self, barcode: str, pid: str, due: datetime) -> None:
        with self.lock:
            self.loans[barcode] = (pid, due)

    def codes(self) -> list[str]:
        with self.lock:
            return [code for code, _ in self.requests]

    def record(self, code: str, request: Any) -> None:
        with self.lock:
            self.requests.append((code, request))


def _now18() -> str:
    return timestamp(datetime.now(UTC), ZONE)


def _due_text(item: LibItem, due: datetime) -> str:
    local = due.astimezone(ZoneInfo(ZONE))
    if item.due_format == "iso":
        return local.date().isoformat()
    if item.due_format == "us":
        return local.strftime("%m/%d/%Y")
    return timestamp(due, ZONE)


class LenientServer(SIP2Server):
    """pysip2 0.1.0 refuses (and closes the connection on) the blank nb due date that
    the 3M spec's own checkout example sends when no block is N. Koha and Evergreen
    ignore the field then; this peer fills it with the transaction date before
    pysip2 decodes the frame, checksum redone, and changes nothing else."""

    async def _process_frame(self, stream: Any, state: Any, frame: bytes) -> None:
        if frame[:2] in (b"11", b"29") and frame[22:40] == b" " * 18:
            body = frame.rstrip(b"\r")
            if body[-6:-4] == b"AZ":
                body = body[:-4]
                body = body[:22] + body[4:22] + body[40:]
                body += calculate_checksum(body).encode("ascii")
            else:
                body = body[:22] + body[4:22] + body[40:]
            frame = body + b"\r"
        await super()._process_frame(stream, state, frame)


def build_app(library: Library, routes: tuple[str, ...] = ALL_ROUTES, **server: Any) -> SIP2Server:
    """pysip2's server with handlers for ``routes`` (the others answer with pysip2's
    protocol-valid refusals, and BX says they are not supported)."""
    app = LenientServer(
        institution_id=INSTITUTION,
        library_name="Perpustakaan Kota Palu (test)",
        login_required="93" in routes,
        **server,
    )

    def route(r: Any) -> Any:
        def register(fn: Any) -> Any:
            if r.command_id in routes:
                app.route(r)(fn)
            return fn

        return register

    @app.route(SC_STATUS)
    def sc_status(req: Any, ctx: Any) -> ACSStatusResponse:
        library.record("99", req)
        status: ACSStatusResponse = ctx.server.build_acs_status(req)
        return status

    @route(LOGIN)
    def login(req: Any, ctx: Any) -> LoginResponse:
        library.record("93", req)
        ok = req.login_user_id == USER and req.login_password == PASSWORD
        return LoginResponse(ok="1" if ok else "0")

    def status_of(p: LibPatron | None) -> str:
        flags = [" "] * 14
        if p is not None:
            flags[0] = "Y" if p.blocked else " "
            flags[4] = "Y" if p.lost else " "
            flags[10] = "Y" if p.fines > 50_000 else " "
        return "".join(flags)

    def cq(p: LibPatron | None, given: str | None) -> str | None:
        if p is None or p.pin is None or given is None:
            return None
        return "Y" if given == p.pin else "N"

    @route(PATRON_INFORMATION)
    def patron_information(req: Any, ctx: Any) -> PatronInformationResponse:
        library.record("63", req)
        with library.lock:
            p = library.patrons.get(req.patron_identifier)
            if p is None or not p.valid:
                return ctx.decline("Patron not found or not valid")
            charged = [b for b, (who, _) in library.loans.items() if who == p.id]
            now = datetime.now(UTC)
            overdue = [b for b in charged if library.loans[b][1] < now]
            want = req.summary
            return PatronInformationResponse(
                patron_status=status_of(p),
                language=p.language,
                transaction_date=_now18(),
                hold_items_count=f"{len(p.ready_holds):04d}",
                overdue_items_count=f"{len(overdue):04d}",
                charged_items_count=f"{len(charged):04d}",
                fine_items_count=f"{1 if p.fines else 0:04d}",
                recall_items_count="0000",
                unavailable_holds_count=f"{len(p.waiting_holds):04d}",
                institution_id=INSTITUTION,
                patron_identifier=p.id,
                personal_name=p.name,
                valid_patron="Y",
                valid_patron_password=cq(p, req.patron_password),
                currency_type="IDR",
                fee_amount=f"{p.fines}.00",
                fee_limit="50000.00",
                hold_items=tuple(p.ready_holds) if want[0] == "Y" else (),
                overdue_items=tuple(overdue) if want[1] == "Y" else (),
                charged_items=tuple(charged) if want[2] == "Y" else (),
                fine_items=(f"Denda keterlambatan Rp {p.fines}",)
                if want[3] == "Y" and p.fines
                else (),
                unavailable_hold_items=tuple(p.waiting_holds) if want[5] == "Y" else (),
                screen_message=("Selamat datang",) if p.fines else (),
            )

    @route(PATRON_STATUS)
    def patron_status(req: Any, ctx: Any) -> PatronStatusResponse:
        library.record("23", req)
        with library.lock:
            p = library.patrons.get(req.patron_identifier)
            return PatronStatusResponse(
                patron_status=status_of(p),
                language="000",
                transaction_date=_now18(),
                institution_id=INSTITUTION,
                patron_identifier=req.patron_identifier,
                personal_name=p.name if p else "",
                valid_patron="Y" if p and p.valid else "N",
                valid_patron_password=cq(p, req.patron_password),
                currency_type="IDR",
                fee_amount=f"{p.fines if p else 0}.00",
            )

    def checkout_refused(req: Any, message: str, title: str = "") -> CheckoutResponse:
        return CheckoutResponse(
            ok="0",
            renewal_ok="N",
            magnetic_media="N",
            desensitize="N",
            transaction_date=_now18(),
            institution_id=INSTITUTION,
            patron_identifier=req.patron_identifier,
            item_identifier=req.item_identifier,
            title_identifier=title,
            due_date="",
            screen_message=(message,),
        )

    @route(CHECKOUT)
    def checkout(req: Any, ctx: Any) -> CheckoutResponse:
        library.record("11", req)
        library.arrived.set()
        delay = library.slow.get(req.item_identifier, 0.0)
        if delay:
            time.sleep(delay)
        with library.lock:
            p = library.patrons.get(req.patron_identifier)
            item = library.items.get(req.item_identifier)
            forced = req.no_block == "Y"
            if p is None or not p.valid:
                return checkout_refused(req, "Invalid patron")
            if item is None:
                return checkout_refused(req, "Item not found")
            if p.blocked and not forced:
                return checkout_refused(req, "Patron blocked", item.title)
            holder = library.loans.get(item.barcode)
            if holder is not None:
                text = (
                    "Item already checked out to you" if holder[0] == p.id else "Item checked out"
                )
                return checkout_refused(req, text, item.title)
            if item.hold_for not in (None, p.id) and not forced:
                return checkout_refused(req, "Item on hold for another patron", item.title)
            nb_due = parse_timestamp(req.nb_due_date, ZONE) if forced else None
            due = nb_due or datetime.now(UTC) + timedelta(days=14)
            library.loans[item.barcode] = (p.id, due)
            library.checkouts[item.barcode] += 1
            if item.hold_for == p.id:
                item.hold_for = None
                if item.barcode in p.ready_holds:
                    p.ready_holds.remove(item.barcode)
            return CheckoutResponse(
                ok="1",
                renewal_ok="N",
                magnetic_media="N",
                desensitize="Y",
                transaction_date=_now18(),
                institution_id=INSTITUTION,
                patron_identifier=p.id,
                item_identifier=item.barcode,
                title_identifier=item.title,
                due_date=_due_text(item, due),
                screen_message=("Selamat membaca",),
                print_line=("Perpustakaan Kota Palu", f"Kembali: {_due_text(item, due)}"),
            )

    @route(CHECKIN)
    def checkin(req: Any, ctx: Any) -> CheckinResponse:
        library.record("09", req)
        with library.lock:
            item = library.items.get(req.item_identifier)
            if item is None or item.barcode not in library.loans:
                return ctx.decline("Item not checked out")
            del library.loans[item.barcode]
            waiting = item.hold_for is not None
            return CheckinResponse(
                ok="1",
                resensitize="Y",
                magnetic_media="N",
                alert="Y" if waiting else "N",
                transaction_date=_now18(),
                institution_id=INSTITUTION,
                item_identifier=item.barcode,
                permanent_location="Lantai 1",
                title_identifier=item.title,
                sort_bin="RAK PESANAN" if waiting else None,
                screen_message=("Terima kasih",),
            )

    @route(ITEM_INFORMATION)
    def item_information(req: Any, ctx: Any) -> ItemInformationResponse:
        library.record("17", req)
        with library.lock:
            item = library.items.get(req.item_identifier)
            if item is None:
                return ctx.decline("Item not found")
            loan = library.loans.get(item.barcode)
            if loan is not None:
                status = "04"
            elif item.hold_for is not None:
                status = "08"
            else:
                status = "03"
            return ItemInformationResponse(
                circulation_status=status,
                security_marker="02",
                fee_type="01",
                transaction_date=_now18(),
                due_date=_due_text(item, loan[1]) if loan else None,
                hold_pickup_date=timestamp(datetime.now(UTC) + timedelta(days=7), ZONE)
                if status == "08"
                else None,
                item_identifier=item.barcode,
                title_identifier=item.title,
                media_type=item.media,
                permanent_location="Lantai 1",
                current_location="Rak Pesanan" if status == "08" else "Lantai 1",
            )

    def renew_one(p: LibPatron, barcode: str) -> tuple[bool, str, datetime | None]:
        item = library.items.get(barcode)
        loan = library.loans.get(barcode)
        if item is None or loan is None or loan[0] != p.id:
            return False, "Item not checked out to you", None
        if not item.renewable or item.hold_for not in (None, p.id):
            return False, "Item on hold for another patron", None
        due = loan[1] + timedelta(days=14)
        library.loans[barcode] = (p.id, due)
        return True, "", due

    @route(RENEW)
    def renew(req: Any, ctx: Any) -> RenewResponse:
        library.record("29", req)
        with library.lock:
            p = library.patrons.get(req.patron_identifier)
            item = library.items.get(req.item_identifier or "")
            ok, text, due = renew_one(p, req.item_identifier or "") if p else (False, "?", None)
            return RenewResponse(
                ok="1" if ok else "0",
                renewal_ok="Y" if ok else "N",
                magnetic_media="N",
                desensitize="Y" if ok else "N",
                transaction_date=_now18(),
                institution_id=INSTITUTION,
                patron_identifier=req.patron_identifier,
                item_identifier=req.item_identifier or "",
                title_identifier=item.title if item else "",
                due_date=_due_text(item, due) if item and due else "",
                screen_message=(text,) if text else (),
            )

    @route(RENEW_ALL)
    def renew_all(req: Any, ctx: Any) -> RenewAllResponse:
        library.record("65", req)
        with library.lock:
            p = library.patrons[req.patron_identifier]
            done, not_done = [], []
            for barcode, (who, _) in list(library.loans.items()):
                if who == p.id:
                    (done if renew_one(p, barcode)[0] else not_done).append(barcode)
            return RenewAllResponse(
                ok="1",
                renewed_count=f"{len(done):04d}",
                unrenewed_count=f"{len(not_done):04d}",
                transaction_date=_now18(),
                institution_id=INSTITUTION,
                renewed_items=tuple(done),
                unrenewed_items=tuple(not_done),
            )

    @route(HOLD)
    def hold(req: Any, ctx: Any) -> HoldResponse:
        library.record("15", req)
        with library.lock:
            p = library.patrons[req.patron_identifier]
            what = req.item_identifier or req.title_identifier or ""
            item = library.items.get(what)
            if req.hold_mode == "+":
                if item is None and not req.title_identifier:
                    return ctx.decline("Item not found")
                p.waiting_holds.append(item.title if item else what)
                ok = True
            else:
                name = item.title if item else what
                ok = name in p.waiting_holds
                if ok:
                    p.waiting_holds.remove(name)
            return HoldResponse(
                ok="1" if ok else "0",
                available="N",
                transaction_date=_now18(),
                pickup_location=req.pickup_location,
                institution_id=INSTITUTION,
                patron_identifier=p.id,
                item_identifier=req.item_identifier,
                title_identifier=item.title if item else req.title_identifier,
                screen_message=() if ok else ("No such hold",),
            )

    @route(FEE_PAID)
    def fee_paid(req: Any, ctx: Any) -> FeePaidResponse:
        library.record("37", req)
        with library.lock:
            p = library.patrons[req.patron_identifier]
            amount = int(req.fee_amount)
            ok = 0 < amount <= p.fines
            if ok:
                p.fines -= amount
            return FeePaidResponse(
                payment_accepted="Y" if ok else "N",
                transaction_date=_now18(),
                institution_id=INSTITUTION,
                patron_identifier=p.id,
                transaction_id=req.transaction_id,
                screen_message=() if ok else ("Amount is more than the fines",),
            )

    @route(END_PATRON_SESSION)
    def end_session(req: Any, ctx: Any) -> EndSessionResponse:
        library.record("35", req)
        return EndSessionResponse(
            end_session="Y",
            transaction_date=_now18(),
            institution_id=INSTITUTION,
            patron_identifier=req.patron_identifier,
        )

    return app


class Sip2TestServer:
    """pysip2's server on 127.0.0.1 in a thread of its own. Use as a context manager
    or call :meth:`start` / :meth:`stop` (stop closes every connection)."""

    def __init__(self, library: Library, routes: tuple[str, ...] = ALL_ROUTES, **server: Any):
        self.library = library
        self.routes = routes
        self.server_args = server
        self.port = 0
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def url(self, scheme: str = "sip2", **params: str) -> str:
        query = {"institution": INSTITUTION, "location": "KIOSK-1", "timeout": "2",
                 "retry": "0.2", "keepalive": "30", **params}  # fmt: skip
        text = "&".join(f"{k}={v}" for k, v in query.items())
        return f"{scheme}://{USER}@127.0.0.1:{self.port}?{text}"

    def start(self) -> Sip2TestServer:
        self._stop.clear()
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, name="sip2-test-acs", daemon=True)
        self._thread.start()
        if not self._ready.wait(10) or self._error is not None:
            raise RuntimeError(f"the pysip2 server did not start: {self._error!r}")
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def __enter__(self) -> Sip2TestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            anyio.run(self._serve)
        except BaseException as exc:  # reported by start()
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        app = build_app(self.library, self.routes, **self.server_args)
        # pysip2's own start() never closes its listening socket (a ResourceWarning,
        # an error under filterwarnings): the same, with the listener closed.
        listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=self.port)
        async with listener, anyio.create_task_group() as group:
            self.port = listener.extra(SocketAttribute.local_port)
            group.start_soon(listener.serve, app._handle_connection)
            self._ready.set()
            while not self._stop.is_set():
                await anyio.sleep(0.02)
            group.cancel_scope.cancel()


def populate(lib: Library) -> Library:
    """``lib`` emptied and filled with the tests' patrons and items."""
    with lib.lock:
        for table in (lib.patrons, lib.items, lib.loans, lib.slow):
            table.clear()
        lib.requests.clear()
        lib.checkouts.clear()
    lib.patron("P1", "Siti Aminah", pin="1234", language="001")
    lib.patron("P2", "Budi Santoso")
    lib.patron("P3", "Dewi Lestari", blocked=True)
    lib.patron("P4", "Rahmat", lost=True)
    lib.patron("P5", "Hantu", valid=False)
    lib.patron("04A1B2C3", "Kartu RFID")
    lib.patron("P6", "Andi", fines=75_000, ready_holds=["I-7"], waiting_holds=["Sejarah Sulawesi"])
    for n in range(1, 11):
        lib.item(f"I-{n}", f"Buku {n}")
    lib.items["I-7"].hold_for = "P6"
    lib.items["I-8"].due_format = "us"
    lib.items["I-9"].due_format = "iso"
    return lib


def make(tmp_path: Path, config: Config, url: str, **backend: object) -> Sip2Circulation:
    """The kiosk's SIP2 backend on ``url`` (a :meth:`Sip2TestServer.url`)."""
    # The kiosk's database (the composition root's, on the local backend) for the
    # backend under test, built by hand with the password.
    store = store_of(open_test_kiosk(config, tmp_path / f"kiosk-{time.monotonic_ns()}.db"))
    section = replace(config.backend, **{"kind": "sip2", "url": url, **backend})
    return Sip2Circulation(store, replace(config, backend=section), PASSWORD)


def refused(key: str, call: object, *args: object, **kwargs: object) -> DomainError:
    """``call(*args, **kwargs)`` raises the refusal ``key``; its error."""
    with pytest.raises(DomainError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    assert info.value.key == key, info.value
    return info.value
