"""The SC side of one SIP2 connection: one request in flight, retries done right.

What the client takes care of, so that the backend only says "send this, expect that":

- strictly one request in flight per connection (a lock: two screens, the item pad and
  the keep-alive share one connection, and several ACSs mix up answers otherwise);
- AY sequence numbers (0-9, one per request) and AZ checksums; an answer whose AY is
  not the request's is out of step: the connection is dropped;
- the ACS's 96 (resend) -> the same frame again; a bad checksum from the ACS -> 97
  (the ACS repeats its answer); each at most ``retries`` times (from the 98);
- connect, 93 login and 99 status on every new connection; an idle connection the ACS
  closed (or that has unasked-for bytes on it) is replaced before the next request;
- a socket timeout on every wait; after a failure the ACS counts as unreachable for
  ``retry`` seconds (calls fail at once instead of each waiting for the timeout) while
  the monitor thread tries again and sends a 99 every ``keepalive`` seconds, which
  keeps the connection alive and the ACS's status (BX) current.

A request that may have reached the ACS before the connection broke is repeated on a
fresh connection only when it is safe to repeat (status, patron or item information);
otherwise :class:`Sip2UnreachableError` says ``maybe_done`` and the caller decides.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kiosk.circulation.sip2.codec import (
    ChecksumError,
    Message,
    Sip2ProtocolError,
    decode,
    encode,
)
from kiosk.circulation.sip2.settings import Sip2Settings
from kiosk.circulation.sip2.transport import ConnectionLostError, Transport
from kiosk.domain.errors import DeviceError

log = logging.getLogger(__name__)

#: The 16 positions of BX (supported messages), SIP2 2.00 order.
BX_NAMES = (
    "patron_status",
    "checkout",
    "checkin",
    "block_patron",
    "sc_status",
    "resend",
    "login",
    "patron_information",
    "end_session",
    "fee_paid",
    "item_information",
    "item_status_update",
    "patron_enable",
    "hold",
    "renew",
    "renew_all",
)
#: What the SC reports in its 99: status 0 (fine), receipt width, protocol version.
SC_STATUS = Message(
    "99", {"status_code": "0", "max_print_width": "040", "protocol_version": "2.00"}
)
DEFAULT_RETRIES = 3


class Sip2UnreachableError(DeviceError):
    """The ACS cannot be reached now (refused, timed out, closed, refused the login).

    ``maybe_done``: the request had been sent when the connection broke, so the ACS
    may have carried it out."""

    def __init__(self, reason: str, *, maybe_done: bool = False, key: str = "sip2.unreachable"):
        super().__init__(key, reason=reason)
        self.reason = reason
        self.maybe_done = maybe_done


class Sip2LoginRefusedError(Sip2UnreachableError):
    """The ACS answered the login (93) with ok=0: user, password or location is wrong."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, key="sip2.login_refused")


@dataclass(frozen=True)
class AcsStatus:
    """What the ACS said in its last 98."""

    online: bool
    checkin: bool
    checkout: bool
    renewal: bool
    status_update: bool
    offline_ok: bool
    #: How long the ACS says an SC should wait, in tenths of a second (None: unknown).
    timeout_tenths: int | None
    retries: int | None
    protocol_version: str
    institution: str
    library_name: str
    #: BX by message name; None when the ACS sent no BX (SIP 1.0): nothing is known.
    supported: Mapping[str, bool] | None
    screen_messages: tuple[str, ...] = ()

    def supports(self, name: str) -> bool:
        """Whether the ACS lists the message in BX. Without a BX, everything is
        assumed supported (the ACS then refuses what it cannot do)."""
        if name not in BX_NAMES:
            raise ValueError(f"no BX position named {name!r}")
        return True if self.supported is None else self.supported.get(name, False)

    @classmethod
    def from_message(cls, reply: Message) -> AcsStatus:
        f = reply.fixed
        bx = reply.get("BX")
        # Loosely: a shorter BX (older ACS) leaves the rest unsupported, a longer one
        # (newer protocol versions) has positions this kiosk does not use.
        supported = (
            None if bx is None else {n: bx[i : i + 1] == "Y" for i, n in enumerate(BX_NAMES)}
        )
        return cls(
            online=f["online_status"] == "Y",
            checkin=f["checkin_ok"] == "Y",
            checkout=f["checkout_ok"] == "Y",
            renewal=f["acs_renewal_policy"] == "Y",
            status_update=f["status_update_ok"] == "Y",
            offline_ok=f["offline_ok"] == "Y",
            timeout_tenths=_number(f["timeout_period"], unknown="000"),
            retries=_number(f["retries_allowed"], unknown="999"),
            protocol_version=f["protocol_version"].strip(),
            institution=reply.text("AO"),
            library_name=reply.text("AM"),
            supported=supported,
            screen_messages=reply.all("AF"),
        )


def _number(text: str, unknown: str) -> int | None:
    return int(text) if text.isdigit() and text != unknown else None


class Sip2Client:
    """The kiosk's connection to one ACS. Thread-safe; every call blocks for at most
    about ``timeout`` seconds per attempt (two attempts for a repeatable request).

    ``on_online`` (optional) is called on the monitor thread each time a status
    request succeeded: the backend replays its outbox there.
    """

    def __init__(
        self,
        settings: Sip2Settings,
        password: str | None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._password = password or ""
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._transport: Transport | None = None
        self._seq = -1
        self._sent = False
        self._down_until = 0.0
        self._down = False
        self._last_status_at = -math.inf
        self.status: AcsStatus | None = None
        self.last_error: str | None = None
        self.on_online: Callable[[], None] | None = None
        self._stop = threading.Event()
        self._starting = threading.Lock()
        self._thread: threading.Thread | None = None

    # -- public ----------------------------------------------------------------------
    @property
    def online(self) -> bool:
        """Reachable as far as the client knows, and the ACS says it is on line.
        Never waits: read without the request lock (which a request holds for up to
        ``timeout``), so the screens may ask on the UI thread; a bool and a reference
        are read atomically."""
        status = self.status
        return not self._down and (status is None or status.online)

    def request(self, message: Message, expect: str, *, repeatable: bool) -> Message:
        """Send ``message``, return the ACS's answer of code ``expect``.

        ``repeatable``: the request changes nothing at the ACS, so it may be sent again
        on a new connection when the first one broke. Raises :class:`Sip2UnreachableError`
        or :class:`~.codec.Sip2ProtocolError`."""
        with self._lock:
            return self._request(message, expect, repeatable)

    def refresh_status(self) -> AcsStatus:
        """A 99 now (or the one a new connection just sent); the ACS's status."""
        with self._lock:
            if self._monotonic() < self._down_until:
                raise Sip2UnreachableError(self.last_error or "unreachable")
            if self._transport is None or self._transport.stale():
                self._drop()
                try:
                    self._ready()  # connects, logs in and sends the 99 itself
                except ConnectionLostError as exc:
                    self._drop()
                    raise self._went_down(str(exc)) from None
            else:
                self._apply_status(self._request(SC_STATUS, "98", True))
            assert self.status is not None
            return self.status

    def start(self) -> None:
        """Start the monitor thread (keep-alive, status, reconnect). Idempotent, and
        safe from several threads at once (the first call of each starts it)."""
        with self._starting:
            if self._thread is None:
                self._stop.clear()
                self._thread = threading.Thread(
                    target=self._monitor, name="sip2-monitor", daemon=True
                )
                self._thread.start()

    def close(self) -> None:
        """Stop the monitor and close the connection (blocks up to ``timeout``)."""
        self._stop.set()
        with self._starting:
            if self._thread is not None:
                self._thread.join(self.settings.timeout + 1)
                self._thread = None
        with self._lock:
            self._drop()

    # -- one request -----------------------------------------------------------------
    def _request(self, message: Message, expect: str, repeatable: bool) -> Message:
        if self._monotonic() < self._down_until:
            raise Sip2UnreachableError(self.last_error or "unreachable")
        for attempt in (1, 2):
            self._sent = False
            try:
                transport = self._ready()
                return self._exchange(transport, message, expect)
            except ConnectionLostError as exc:
                self._drop()
                if attempt == 1 and self._sent and repeatable:
                    continue  # a connection that broke under us: once more, fresh
                raise self._went_down(str(exc), maybe_done=self._sent) from None
            except Sip2ProtocolError:
                self._drop()
                if attempt == 1 and repeatable:
                    continue
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _ready(self) -> Transport:
        """The connection, made (connect, login, status) when there is none."""
        transport = self._transport
        if transport is not None and transport.stale():
            self._drop()
            transport = None
        if transport is None:
            try:
                transport = Transport.connect(self.settings)
            except ConnectionLostError as exc:
                raise self._went_down(str(exc), maybe_done=False) from None
            self._transport = transport
            try:
                if self.settings.user:
                    reply = self._exchange(transport, self._login(), "94")
                    if reply.fixed["ok"] != "1":
                        raise self._went_down(
                            f"the ACS refused the login of {self.settings.user!r}",
                            refused=True,
                        )
                self._apply_status(self._exchange(transport, SC_STATUS, "98"))
            except BaseException:
                self._drop()
                raise
            finally:
                self._sent = False  # nothing of the caller's request went out yet
            self._down = False
            self.last_error = None
        return transport

    def _login(self) -> Message:
        fields = [("CN", self.settings.user), ("CO", self._password)]
        if self.settings.location:
            fields.append(("CP", self.settings.location))
        return Message("93", {"uid_algorithm": "0", "pwd_algorithm": "0"}, tuple(fields))

    def _exchange(self, transport: Transport, message: Message, expect: str) -> Message:
        framing = self.settings.framing
        self._seq = (self._seq + 1) % 10
        sequence = self._seq
        frame = encode(message, framing, sequence)
        transport.send(frame)
        self._sent = True
        retries = self._retries()
        tries = 0
        while True:
            raw = transport.read_frame()
            try:
                decoded = decode(raw, framing)
            except ChecksumError:
                tries += 1
                if tries > retries:
                    raise Sip2ProtocolError(f"{tries} answers with a bad checksum") from None
                transport.send(encode(Message("97"), framing))
                continue
            reply = decoded.message
            if reply.code == "96":
                tries += 1
                if tries > retries:
                    raise Sip2ProtocolError(f"the ACS asked {tries} times for a resend")
                transport.send(frame)
                continue
            if reply.code != expect:
                raise Sip2ProtocolError(f"a {reply.code} in answer to a {message.code}")
            if framing.checksums and decoded.sequence not in (None, sequence):
                raise Sip2ProtocolError(f"AY{decoded.sequence} in answer to AY{sequence}")
            return reply

    def _retries(self) -> int:
        known = self.status.retries if self.status is not None else None
        return DEFAULT_RETRIES if known is None else max(1, min(known, 10))

    def _apply_status(self, reply: Message) -> None:
        self.status = AcsStatus.from_message(reply)
        self._last_status_at = self._monotonic()

    def _went_down(
        self, reason: str, *, maybe_done: bool = False, refused: bool = False
    ) -> Sip2UnreachableError:
        self._down = True
        self._down_until = self._monotonic() + self.settings.retry
        self.last_error = reason
        log.warning("SIP2 ACS %s:%s: %s", self.settings.host, self.settings.port, reason)
        if refused:
            return Sip2LoginRefusedError(reason)
        return Sip2UnreachableError(reason, maybe_done=maybe_done)

    def _drop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    # -- the monitor thread ----------------------------------------------------------
    def _monitor(self) -> None:
        tick = min(1.0, self.settings.retry / 2, self.settings.keepalive / 2)
        while not self._stop.wait(tick):
            now = self._monotonic()
            if now < self._down_until:
                continue
            if not self._down and now - self._last_status_at < self.settings.keepalive:
                continue
            try:
                self.refresh_status()
            except DeviceError:
                continue
            except Exception:  # a bug must not end the keep-alive for good
                log.exception("SIP2: the status request failed")
                continue
            callback = self.on_online
            if callback is not None:
                try:
                    callback()
                except Exception:
                    log.exception("SIP2: the on-line callback failed")
