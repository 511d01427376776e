"""A real pseudo-terminal pair from socat: one end for the adapter, one for the test."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from tests.support import peers


class PtyPair:
    """``socat pty,link=A pty,link=B``: the adapter opens :attr:`device`, the test
    writes the reader's bytes to :attr:`peer`. :meth:`stop` makes both vanish, as an
    unplugged USB adapter does; :meth:`start` brings them back under the same names."""

    def __init__(self, folder: Path) -> None:
        peers.program("socat", "socat")
        self.device = folder / "reader"
        self.peer = folder / "peer"
        self._proc: subprocess.Popen[bytes] | None = None
        self._fd: int | None = None

    def start(self) -> None:
        self._proc = subprocess.Popen(
            [
                "socat",
                f"pty,raw,echo=0,link={self.device}",
                f"pty,raw,echo=0,link={self.peer}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 5
        while not (self.device.exists() and self.peer.exists()):
            if time.monotonic() > deadline:
                raise RuntimeError("socat did not create the pty pair")
            time.sleep(0.01)
        self._fd = os.open(self.peer, os.O_RDWR | os.O_NOCTTY)

    def write(self, data: bytes) -> None:
        assert self._fd is not None
        os.write(self._fd, data)

    def read(self, size: int = 256, timeout: float = 2.0) -> bytes:
        """What the adapter sent to the peer end (non-blocking poll up to ``timeout``)."""
        import select

        assert self._fd is not None
        ready, _, _ = select.select([self._fd], [], [], timeout)
        return os.read(self._fd, size) if ready else b""

    def stop(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(5)
            self._proc = None
        deadline = time.monotonic() + 5
        while self.device.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
