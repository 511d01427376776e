"""One TCP (or TLS) connection to the ACS, moving whole frames.

Blocking, on the caller's thread; not thread-safe on its own (the client's lock makes
sure one request is in flight). Every wait has the socket timeout, so a stalled ACS
costs at most ``timeout`` seconds, never a hung kiosk.
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl

from kiosk.circulation.sip2.codec import MAX_FRAME, Sip2ProtocolError
from kiosk.circulation.sip2.settings import Sip2Settings


class ConnectionLostError(Exception):
    """The connection failed (refused, reset, closed, timed out). Internal to the
    client, which turns it into a reconnect or :class:`~.client.Sip2UnreachableError`."""


class Transport:
    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self._sock = sock
        self._timeout = timeout
        self._buffer = bytearray()

    @classmethod
    def connect(cls, settings: Sip2Settings) -> Transport:
        """Connect (and shake hands for ``sip2s://``); raises ConnectionLostError."""
        try:
            sock = socket.create_connection((settings.host, settings.port), settings.timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if settings.tls:
                context = ssl.create_default_context(cafile=settings.ca_file or None)
                sock = context.wrap_socket(sock, server_hostname=settings.host)
            sock.settimeout(settings.timeout)
        except (OSError, ssl.SSLError) as exc:
            raise ConnectionLostError(
                f"cannot connect to {settings.host}:{settings.port}: {exc}"
            ) from None
        return cls(sock, settings.timeout)

    def send(self, frame: bytes) -> None:
        try:
            self._sock.sendall(frame)
        except OSError as exc:
            raise ConnectionLostError(f"send failed: {exc}") from None

    def read_frame(self) -> bytes:
        """The next frame up to its CR (a LF after it is dropped with the next frame).
        Raises ConnectionLostError on timeout or close, Sip2ProtocolError when the peer sends
        more than :data:`MAX_FRAME` bytes without a CR."""
        while True:
            end = self._buffer.find(b"\r")
            if end >= 0:
                frame = bytes(self._buffer[:end]).lstrip(b"\n")
                del self._buffer[: end + 1]
                if frame:
                    return frame
                continue  # an empty line between frames
            if len(self._buffer) > MAX_FRAME:
                raise Sip2ProtocolError("a frame without end")
            try:
                chunk = self._sock.recv(65536)
            except TimeoutError:
                raise ConnectionLostError("no answer within the timeout") from None
            except OSError as exc:
                raise ConnectionLostError(f"receive failed: {exc}") from None
            if not chunk:
                raise ConnectionLostError("the ACS closed the connection")
            self._buffer += chunk

    def stale(self) -> bool:
        """True when the idle connection has something to read: the peer closed it, or
        sent what nobody asked for. Either way it is not fit for the next request."""
        try:
            readable, _, _ = select.select([self._sock], [], [], 0)
            if readable or (isinstance(self._sock, ssl.SSLSocket) and self._sock.pending()):
                self._sock.settimeout(0)
                try:
                    chunk = self._sock.recv(65536)
                except (ssl.SSLWantReadError, BlockingIOError):
                    chunk = None  # TLS housekeeping (a session ticket), no data
                finally:
                    self._sock.settimeout(self._timeout)
                if chunk == b"":
                    return True  # closed by the peer
                if chunk:
                    self._buffer += chunk
        except (OSError, ValueError):
            return True
        # The LF of a CRLF that came after its frame is fine; anything else is not.
        if self._buffer.strip(b"\r\n"):
            return True
        self._buffer.clear()
        return False

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.close()
