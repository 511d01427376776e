"""A raw-socket SIP2 peer that misbehaves on purpose, on 127.0.0.1.

The test gives a ``script``: called with each frame the kiosk sent (bytes, without
the CR), the connection's number (0, 1, ... in accept order) and the frame's number on
that connection; it returns what to do as a list of steps:

- ``bytes``: send them as they are (a whole frame, half a frame, garbage ...);
- ``("sleep", seconds)``: wait (stall past the kiosk's timeout);
- ``"close"``: close the connection at once (drop mid-message, close after login).

Frames for replies are built by :func:`frame`, a checksum written here independently
of the kiosk's codec.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

Step = bytes | tuple[str, float] | str
Script = Callable[[bytes, int, int], list[Step]]

#: A 98 that supports every message.
ACS_STATUS = "98YYYYNN60000320250522    1549132.00AOPALU|AMTest|BXYYYYYYYYYYYYYYYY|"


def checksum(prefix: bytes) -> bytes:
    return f"{(-sum(prefix)) & 0xFFFF:04X}".encode()


def frame(text: str, seq: int | None = None, *, bad_checksum: bool = False) -> bytes:
    """``text`` + AY/AZ trailer (``seq`` None: no trailer) + CR."""
    body = text.encode("cp850")
    if seq is not None:
        body += b"AY%dAZ" % seq
        value = checksum(body)
        if bad_checksum:
            value = f"{(int(value, 16) + 1) & 0xFFFF:04X}".encode()
        body += value
    return body + b"\r"


def seq_of(request: bytes) -> int | None:
    """The AY of a frame the kiosk sent."""
    at = request.rfind(b"AY")
    return request[at + 2] - 0x30 if at >= 0 and request[-6:-4] == b"AZ" else None


def normal(request: bytes) -> list[Step]:
    """The well-behaved answers to login and status; None for anything else."""
    seq = seq_of(request)
    if request.startswith(b"93"):
        return [frame("941", seq)]
    if request.startswith(b"99"):
        return [frame(ACS_STATUS, seq)]
    return []


class RawPeer:
    def __init__(self, script: Script) -> None:
        self.script = script
        self.received: list[tuple[int, bytes]] = []
        #: Times at which each frame arrived and each answer was fully sent.
        self.events: list[tuple[str, int, float]] = []
        self.connections = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.1)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    def url(self, **params: Any) -> str:
        query = {"institution": "PALU", "timeout": "0.5", "retry": "0.1", "keepalive": "30"}
        query.update({k: str(v) for k, v in params.items()})
        return f"sip2://kiosk@127.0.0.1:{self.port}?" + "&".join(
            f"{k}={v}" for k, v in query.items()
        )

    def frames(self, code: bytes) -> list[bytes]:
        with self._lock:
            return [f for _, f in self.received if f.startswith(code)]

    def close(self) -> None:
        self._stop.set()
        self._accept.join(5)
        for thread in self._threads:
            thread.join(5)
        self._server.close()

    def __enter__(self) -> RawPeer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            number = self.connections
            self.connections += 1
            thread = threading.Thread(target=self._talk, args=(conn, number), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _talk(self, conn: socket.socket, number: int) -> None:
        conn.settimeout(0.1)
        buffer = b""
        count = 0
        with conn:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(4096)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                buffer += chunk
                while b"\r" in buffer:
                    request, buffer = buffer.split(b"\r", 1)
                    request = request.lstrip(b"\n")
                    with self._lock:
                        self.received.append((number, request))
                        self.events.append(("in", number, time.monotonic()))
                    steps = self.script(request, number, count)
                    last = max((i for i, s in enumerate(steps) if isinstance(s, bytes)), default=-1)
                    for index, step in enumerate(steps):
                        if step == "close":
                            return
                        if isinstance(step, tuple):
                            self._stop.wait(step[1])
                        elif isinstance(step, bytes):
                            if index == last:  # noted before the kiosk can have it
                                with self._lock:
                                    self.events.append(("out", number, time.monotonic()))
                            try:
                                conn.sendall(step)
                            except OSError:
                                return
                    count += 1
