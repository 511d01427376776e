"""A virtual contactless card for pcscd's vpcd reader driver (vsmartcard-vpcd).

vpcd listens on a TCP port; a card is "inserted" by connecting to it and "removed" by
closing the connection. Every message in both directions is a 2-byte big-endian length
and a payload. A 1-byte payload from vpcd is a control message: 0 power off, 1 power on,
2 reset, 4 get ATR (answered with the ATR). Anything longer is an APDU, answered with
the response APDU.

The card answers the PC/SC 2.01 pseudo-APDUs of a contactless reader:
``FF CA 00 00 00`` (get UID), and for ISO 15693 tags ``FF B0 00 <block> <len>`` (read
binary, 4-byte blocks) and ``FF D6 00 <block> <len> <data>`` (update binary).

AFI writes are vendor commands on real readers; this card answers a made-up escape
(``FF FE 27 00 01 <afi>`` write AFI, ``FF FE 2B 00 00`` read AFI, after the ISO 15693
command codes) so that the item pad's vendor extension point can be tested end to end.

Run as a program for manual tests: ``python -m tests.support.vcard --port 35963 --uid 04A1B2C3``.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import struct
import threading
import time

# PC/SC part 3 ATRs of contactless storage cards: standard byte 0x03 = ISO 14443 A
# part 3 (MIFARE class), 0x0B = ISO 15693 part 3.
ATR_ISO14443A = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")
ATR_ISO15693 = bytes.fromhex("3B8F8001804F0CA0000003060B00140000000077")

SW_OK = b"\x90\x00"
SW_WRONG_P1P2 = b"\x6b\x00"
SW_NOT_SUPPORTED = b"\x6a\x81"
SW_INS_UNKNOWN = b"\x6d\x00"


class VirtualCard:
    """One card; :meth:`insert` and :meth:`remove` move it onto and off the reader.

    ``memory`` (for ISO 15693 tags) is user memory in 4-byte blocks. ``apdus`` records
    every APDU received; ``insert_times`` the monotonic time of each insertion (the
    latency benchmark starts its clock there). Thread: one per inserted card.
    """

    BLOCK = 4

    def __init__(
        self,
        port: int,
        uid: str = "04A1B2C3D4E580",
        memory: bytes | None = None,
        host: str = "127.0.0.1",
        unpowered_first: int = 0,
        afi: int = 0x07,
    ) -> None:
        self.port = port
        self.host = host
        self.uid = bytes.fromhex(uid)
        self.memory = bytearray(memory) if memory is not None else None
        self.atr = ATR_ISO15693 if memory is not None else ATR_ISO14443A
        self.apdus: list[bytes] = []
        self.insert_times: list[float] = []
        #: Answer the first N get-UID APDUs with 69 86 (not powered yet) to exercise
        #: the adapter's retry, as some readers do right after insertion.
        self.unpowered_first = unpowered_first
        self.afi = afi
        #: When True, AFI writes are acknowledged but do not stick (a locked AFI).
        self.afi_locked = False
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._powered = False

    # -- insertion ---------------------------------------------------------------
    def insert(self, timeout: float = 10.0) -> None:
        """Connect to vpcd (retrying while pcscd starts up)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1.0)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self.insert_times.append(time.monotonic())
        self._thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
        self._thread.start()

    def remove(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None

    @property
    def inserted(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- the socket protocol -----------------------------------------------------
    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                header = _recv_exact(sock, 2)
                if header is None:
                    return
                (length,) = struct.unpack(">H", header)
                payload = _recv_exact(sock, length)
                if payload is None:
                    return
                answer = self._control(payload[0]) if length == 1 else self.answer(payload)
                if answer is not None:
                    sock.sendall(struct.pack(">H", len(answer)) + answer)
        except OSError:
            return

    def _control(self, code: int) -> bytes | None:
        if code == 0:
            self._powered = False
        elif code in (1, 2):
            self._powered = True
        elif code == 4:
            return self.atr
        return None

    def answer(self, apdu: bytes) -> bytes:
        """The response to one command APDU (pure apart from ``memory`` writes)."""
        self.apdus.append(bytes(apdu))
        if len(apdu) < 4 or apdu[0] != 0xFF:
            return SW_INS_UNKNOWN
        ins, p1, p2 = apdu[1], apdu[2], apdu[3]
        if ins == 0xCA:
            if p1 != 0x00:
                return SW_WRONG_P1P2
            if self.unpowered_first > 0:
                self.unpowered_first -= 1
                return b"\x69\x86"
            return self.uid + SW_OK
        if ins == 0xFE and self.memory is not None:
            if p1 == 0x27 and len(apdu) >= 6:
                if not self.afi_locked:
                    self.afi = apdu[5]
                return SW_OK
            if p1 == 0x2B:
                return bytes([self.afi]) + SW_OK
            return SW_WRONG_P1P2
        if ins in (0xB0, 0xD6):
            if self.memory is None:
                return SW_NOT_SUPPORTED
            block = (p1 << 8) | p2
            start = block * self.BLOCK
            if ins == 0xB0:
                length = apdu[4] if len(apdu) > 4 else 0
                length = length or self.BLOCK
                if start + length > len(self.memory):
                    return SW_WRONG_P1P2
                return bytes(self.memory[start : start + length]) + SW_OK
            length = apdu[4] if len(apdu) > 4 else 0
            data = apdu[5 : 5 + length]
            if len(data) != length or start + length > len(self.memory):
                return SW_WRONG_P1P2
            self.memory[start : start + length] = data
            return SW_OK
        return SW_INS_UNKNOWN


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        # vpcd writes the length and the payload in two sends without TCP_NODELAY:
        # a delayed ACK from here would hold the payload back ~40 ms (Nagle).
        if hasattr(socket, "TCP_QUICKACK"):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        data += chunk
    return bytes(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=35963)
    parser.add_argument("--uid", default="04A1B2C3D4E580")
    args = parser.parse_args()
    card = VirtualCard(args.port, args.uid)
    card.insert()
    print(f"card {args.uid} inserted into vpcd on port {args.port}; Ctrl-C removes it")
    try:
        while card.inserted:
            time.sleep(0.5)
    except KeyboardInterrupt:
        card.remove()


if __name__ == "__main__":
    main()
