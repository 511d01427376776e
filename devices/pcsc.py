"""PC/SC readers through pcscd (pyscard): library cards and the RFID item pad.

URLs:
- card reader: ``pcsc://`` (the first reader) or ``pcsc://?reader=NAME`` (the first
  reader whose name contains NAME).
- item pad: ``pcsc://?reader=NAME&model=generic&security=afi|off`` (see
  :class:`PcscItemPad`).

Each adapter owns one monitor thread that waits on ``SCardGetStatusChange`` (0.5 s
slices, so ``stop`` returns quickly). On insertion it reads the UID with
``FF CA 00 00 00``, retrying while the card is "unpowered" or not answering yet; the
same card held on the reader is one tap, removal re-arms. When the reader is unplugged
or pcscd restarts, the thread drops its context, reports ``device.offline`` and
establishes a new context with backoff, then reports the reader ok again: no restart
of the app is needed.

pyscard is imported lazily (``pip install .[pcsc]``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from devices.base import DeviceLostError, ReaderThread
from devices.iso28560 import AFI_ON_LOAN, AFI_SECURED, BASIC_BLOCK, BLOCK_SIZE, tag_from_memory
from kiosk.domain.errors import DeviceError
from kiosk.domain.events import CardTapped, TagsRead
from kiosk.domain.tags import ItemTag
from kiosk.ports import DeviceUrl

log = logging.getLogger(__name__)

GET_UID = [0xFF, 0xCA, 0x00, 0x00, 0x00]
#: How often to retry a card that is not ready right after insertion, and how long
#: to wait between tries (seconds).
UID_TRIES = 8
UID_RETRY_DELAY = 0.05
#: One GetStatusChange wait, in milliseconds: the longest ``stop`` waits for it.
WAIT_MS = 500


class PcscLostError(DeviceLostError):
    """The reader or pcscd went away; the monitor starts over with a new context."""


Transmit = Callable[[list[int]], tuple[bytes, int]]


def _scard() -> Any:
    from smartcard import scard

    return scard


def _error(rc: int) -> str:
    scard = _scard()
    return str(scard.SCardGetErrorMessage(rc)).strip()


class PcscdUnreachableError(OSError):
    """pcscd does not answer (not running, or its socket is not ours to use)."""


def list_readers() -> list[str]:
    """The reader names pcscd knows now. Blocking, fast. Raises
    PcscdUnreachableError when pcscd is not running."""
    scard = _scard()
    rc, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if rc != scard.SCARD_S_SUCCESS:
        raise PcscdUnreachableError(f"pcscd is not running ({_error(rc)})")
    try:
        rc, readers = scard.SCardListReaders(ctx, [])
        return list(readers) if rc == scard.SCARD_S_SUCCESS else []
    finally:
        scard.SCardReleaseContext(ctx)


class _CardSession:
    """A connection to the card on one reader, on the calling thread."""

    def __init__(self, ctx: Any, reader: str) -> None:
        scard = _scard()
        self._scard = scard
        last = 0
        for _ in range(UID_TRIES):
            rc, handle, protocol = scard.SCardConnect(
                ctx,
                reader,
                scard.SCARD_SHARE_SHARED,
                scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
            )
            if rc == scard.SCARD_S_SUCCESS:
                self.handle, self.protocol = handle, protocol
                return
            last = rc
            if rc not in (
                scard.SCARD_W_UNPOWERED_CARD,
                scard.SCARD_W_UNRESPONSIVE_CARD,
                scard.SCARD_W_RESET_CARD,
                scard.SCARD_E_SHARING_VIOLATION,
            ):
                break
            time.sleep(UID_RETRY_DELAY)
        raise OSError(f"cannot connect to the card: {_error(last)}")

    def transmit(self, apdu: list[int]) -> tuple[bytes, int]:
        """Send one APDU; returns (data, status word)."""
        rc, response = self._scard.SCardTransmit(self.handle, self.protocol, apdu)
        if rc != self._scard.SCARD_S_SUCCESS:
            raise OSError(f"transmit failed: {_error(rc)}")
        if len(response) < 2:
            raise OSError("short response from the reader")
        return bytes(response[:-2]), (response[-2] << 8) | response[-1]

    def close(self) -> None:
        self._scard.SCardDisconnect(self.handle, self._scard.SCARD_LEAVE_CARD)


def read_uid(session: _CardSession) -> str | None:
    """The card key (uppercase hex UID), retrying while the card is not ready."""
    for _ in range(UID_TRIES):
        data, sw = session.transmit(GET_UID)
        if sw == 0x9000 and data:
            return data.hex().upper()
        time.sleep(UID_RETRY_DELAY)
    return None


class PcscMonitor(ReaderThread):
    """The monitor thread shared by the card reader and the item pad."""

    def __init__(self, name: str, reader: str = "") -> None:
        super().__init__(name)
        self.reader_filter = reader
        self.reader: str | None = None
        self.backoff.maximum = 2.0
        self._ctx: Any = None
        self._ctx_lock = threading.Lock()

    # -- subclass hooks (monitor thread) ----------------------------------------
    def _card_inserted(self, session: _CardSession, atr: bytes) -> None:
        raise NotImplementedError

    def _card_removed(self) -> None:
        """The card left the reader (or the reader went away)."""

    # -- monitor ---------------------------------------------------------------
    def _match(self, readers: list[str]) -> str | None:
        for name in readers:
            if self.reader_filter.lower() in name.lower():
                return str(name)
        return None

    def _wake(self) -> None:
        with self._ctx_lock:
            if self._ctx is not None:
                _scard().SCardCancel(self._ctx)

    def _session(self) -> None:
        scard = _scard()
        rc, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if rc != scard.SCARD_S_SUCCESS:
            raise PcscLostError(f"pcscd: {_error(rc)}")
        with self._ctx_lock:
            self._ctx = ctx
        try:
            reader = self._wait_for_reader(ctx)
            if reader is None:
                return
            self.reader = reader
            self.backoff.reset()
            self._set_status(True)
            self._watch(ctx, reader)
        finally:
            with self._ctx_lock:
                self._ctx = None
            scard.SCardReleaseContext(ctx)

    def _wait_for_reader(self, ctx: Any) -> str | None:
        scard = _scard()
        while not self.stopping:
            rc, readers = scard.SCardListReaders(ctx, [])
            if rc == scard.SCARD_S_SUCCESS:
                reader = self._match(readers)
                if reader is not None:
                    return reader
            elif rc != scard.SCARD_E_NO_READERS_AVAILABLE:
                raise PcscLostError(f"listing readers: {_error(rc)}")
            self.last_error = f"no reader matching {self.reader_filter!r}"
            self._set_status(False, "device.offline")
            # Readers come and go with USB hotplug; pcscd's PnP notification would
            # wake us sooner, but not every driver raises it: poll once a second.
            if not self._wait(1.0):
                return None
        return None

    def _watch(self, ctx: Any, reader: str) -> None:
        scard = _scard()
        state = scard.SCARD_STATE_UNAWARE
        present = False
        # pcsc-lite counts card insertions and removals in the upper 16 bits of the
        # event state: a card swapped between two waits shows as a new count while
        # PRESENT never dropped. The same card held keeps its count: one tap.
        seen_count = -1
        try:
            while not self.stopping:
                rc, states = scard.SCardGetStatusChange(ctx, WAIT_MS, [(reader, state)])
                if rc in (scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED):
                    continue
                if rc != scard.SCARD_S_SUCCESS:
                    raise PcscLostError(f"waiting for a card: {_error(rc)}")
                _, event, atr = states[0]
                state = event & ~scard.SCARD_STATE_CHANGED
                count = (event >> 16) & 0xFFFF
                if event & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
                    raise PcscLostError(f"reader {reader!r} went away")
                if event & scard.SCARD_STATE_PRESENT and not event & scard.SCARD_STATE_MUTE:
                    if not present or count != seen_count:
                        if present:
                            self._card_removed()
                        present, seen_count = True, count
                        self._read_card(ctx, reader, bytes(atr))
                elif event & scard.SCARD_STATE_EMPTY and present:
                    present = False
                    self._card_removed()
        finally:
            if present:
                self._card_removed()

    def _read_card(self, ctx: Any, reader: str, atr: bytes) -> None:
        try:
            session = _CardSession(ctx, reader)
        except OSError as exc:
            self.dropped += 1
            log.warning("%s: %s", self.name, exc)
            return
        try:
            self._card_inserted(session, atr)
        except OSError as exc:  # the card left mid-read: wait for the next one
            self.dropped += 1
            log.warning("%s: %s", self.name, exc)
        finally:
            session.close()

    def _probe(self) -> tuple[bool, str]:
        try:
            readers = list_readers()
        except ImportError:
            return False, "pyscard is not installed (pip install .[pcsc])"
        except PcscdUnreachableError as exc:
            return False, f"{exc}; start it: systemctl start pcscd"
        reader = self._match(readers)
        if reader is None:
            shown = ", ".join(readers) or "none"
            return False, f"no PC/SC reader matching {self.reader_filter!r} (pcscd lists: {shown})"
        return True, f"PC/SC reader {reader!r}"

    def _describe(self, ok: bool) -> str:
        if ok:
            return f"PC/SC reader {self.reader!r}: {self.reads} reads, {self.dropped} failed"
        return f"{self.last_error or 'pcscd not reachable'}; retrying"


class PcscCardReader(PcscMonitor):
    """Library cards on a PC/SC contactless reader: publishes CardTapped(uid=...)."""

    kind = "card_reader"

    @classmethod
    def from_url(cls, url: DeviceUrl) -> PcscCardReader:
        unknown = set(url.params) - {"reader", "name"}
        if unknown:
            raise ValueError(f"pcsc options reader=, name=; not {sorted(unknown)}")
        reader = url.params.get("reader", url.host)
        return cls(url.params.get("name") or reader or "pcsc", reader)

    def _card_inserted(self, session: _CardSession, atr: bytes) -> None:
        uid = read_uid(session)
        if uid is None:
            self.dropped += 1
            log.warning("%s: the card did not give its UID", self.name)
            return
        self.reads += 1
        self._publish(CardTapped(reader=self.name, uid=uid))


class VendorCommands(Protocol):
    """Reader-model commands beyond PC/SC 2.01: AFI writes (and, later, inventory of
    several tags at once). One implementation per supported reader model, registered
    in :data:`VENDOR_MODELS` under the name used in ``model=``.

    ``transmit`` sends one APDU to the tag's reader and returns (data, status word).
    """

    def write_afi(self, transmit: Transmit, uid: str, afi: int) -> None: ...

    def read_afi(self, transmit: Transmit, uid: str) -> int: ...


#: Reader model name -> its vendor commands. "generic" has none: plain PC/SC 2.01
#: reads tag memory but cannot write the AFI. Add models here (e.g. a class speaking
#: the reader's escape commands) when the library buys such a pad.
VENDOR_MODELS: dict[str, Callable[[], VendorCommands] | None] = {"generic": None}


class PcscItemPad(PcscMonitor):
    """An ISO 15693 pad on a PC/SC reader, one tag at a time.

    On each tag it reads the UID and the ISO 28560-3 basic block with read-binary
    (``FF B0 00 <block> 04``, blocks 0-7) and publishes TagsRead; removal publishes
    an empty TagsRead. ``security=afi`` (default) needs a reader ``model=`` with vendor
    commands (see :data:`VENDOR_MODELS`); without one every security write fails and
    the patron is sent to staff. ``security=off`` is for libraries without security
    gates on AFI: writes are skipped.
    """

    kind = "item_pad"

    def __init__(
        self,
        name: str,
        reader: str = "",
        model: str = "generic",
        security: str = "afi",
    ) -> None:
        super().__init__(name, reader)
        self.model = model
        self.security = security
        factory = VENDOR_MODELS.get(model)
        self.vendor: VendorCommands | None = factory() if factory is not None else None
        self._tags: tuple[ItemTag, ...] = ()
        self._tags_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: DeviceUrl) -> PcscItemPad:
        unknown = set(url.params) - {"reader", "name", "model", "security"}
        if unknown:
            raise ValueError(
                f"pcsc pad options reader=, name=, model=, security=; not {sorted(unknown)}"
            )
        model = url.params.get("model", "generic")
        if model not in VENDOR_MODELS:
            raise ValueError(f"model= one of {', '.join(sorted(VENDOR_MODELS))}, not {model!r}")
        security = url.params.get("security", "afi")
        if security not in ("afi", "off"):
            raise ValueError(f"security= afi or off, not {security!r}")
        reader = url.params.get("reader", url.host)
        return cls(url.params.get("name") or "item-pad", reader, model, security)

    def tags(self) -> tuple[ItemTag, ...]:
        with self._tags_lock:
            return self._tags

    def _card_inserted(self, session: _CardSession, atr: bytes) -> None:
        uid = read_uid(session)
        if uid is None:
            self.dropped += 1
            return
        memory = bytearray()
        for block in range(BASIC_BLOCK // BLOCK_SIZE):
            data, sw = session.transmit([0xFF, 0xB0, 0x00, block, BLOCK_SIZE])
            if sw != 0x9000 or len(data) != BLOCK_SIZE:
                break  # not an ISO 15693 tag, or the reader cannot read its memory
            memory += data
        afi = AFI_SECURED
        if self.vendor is not None:
            afi = self.vendor.read_afi(session.transmit, uid)
        tag = tag_from_memory(uid, bytes(memory), afi)
        self.reads += 1
        self._set_tags((tag,))

    def _card_removed(self) -> None:
        self._set_tags(())

    def _set_tags(self, tags: tuple[ItemTag, ...]) -> None:
        with self._tags_lock:
            self._tags = tags
        self._publish(TagsRead(pad=self.name, tags=tags))

    def set_security(self, tag_uid: str, secured: bool) -> None:
        """Blocking (on the caller's thread, with its own PC/SC context): write the
        AFI through the model's vendor commands and read it back."""
        if self.security == "off":
            return
        if self.vendor is None or self.reader is None:
            raise DeviceError("device.security_write_failed", device=self.name, tag=tag_uid)
        scard = _scard()
        rc, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if rc != scard.SCARD_S_SUCCESS:
            raise DeviceError("device.offline", device=self.name)
        try:
            session = _CardSession(ctx, self.reader)
        except OSError:
            scard.SCardReleaseContext(ctx)
            raise DeviceError("device.tag_gone", device=self.name, tag=tag_uid) from None
        wanted = AFI_SECURED if secured else AFI_ON_LOAN
        try:
            if read_uid(session) != tag_uid:
                raise DeviceError("device.tag_gone", device=self.name, tag=tag_uid)
            self.vendor.write_afi(session.transmit, tag_uid, wanted)
            if self.vendor.read_afi(session.transmit, tag_uid) != wanted:
                raise DeviceError("device.security_write_failed", device=self.name, tag=tag_uid)
        except OSError:
            raise DeviceError(
                "device.security_write_failed", device=self.name, tag=tag_uid
            ) from None
        finally:
            session.close()
            scard.SCardReleaseContext(ctx)
