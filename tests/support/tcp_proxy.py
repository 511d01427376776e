"""A TCP proxy on 127.0.0.1 that can lose a peer's answers on purpose.

Between the kiosk and a real peer: every byte is passed on, except that for a while
(:meth:`TcpProxy.drop_answers`) what the peer sends back is thrown away, as when a
network drops the answer to a request the peer did carry out. It also counts what
the client sent, so a test can tell how often a request went out.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

from tests.conftest import free_port


class TcpProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.sent = bytearray()
        self._drop_until = 0.0
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._server.settimeout(0.2)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    def drop_answers(self, seconds: float) -> None:
        """Throw away what the peer sends for the next ``seconds``."""
        self._drop_until = time.monotonic() + seconds

    def count(self, needle: bytes) -> int:
        with self._lock:
            return bytes(self.sent).count(needle)

    def close(self) -> None:
        self._stopping.set()
        self._accept.join(timeout=2)
        self._server.close()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.close()
        for thread in self._threads:
            thread.join(timeout=2)

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                continue
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            self._sockets += [client, upstream]
            for source, target, outward in ((client, upstream, True), (upstream, client, False)):
                thread = threading.Thread(
                    target=self._pump, args=(source, target, outward), daemon=True
                )
                self._threads.append(thread)
                thread.start()

    def _pump(self, source: socket.socket, target: socket.socket, outward: bool) -> None:
        source.settimeout(0.2)
        while not self._stopping.is_set():
            try:
                data = source.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            if outward:
                with self._lock:
                    self.sent += data
            elif time.monotonic() < self._drop_until:
                continue
            try:
                target.sendall(data)
            except OSError:
                break
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
