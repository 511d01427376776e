"""A private pcscd with the vpcd virtual reader, for integration tests and benchmarks.

pcscd always serves ``/run/pcscd/pcscd.comm``, so only one can run on the machine at a
time: tests that use it run one after another (never in parallel), and refuse to
start when another pcscd is running. The reader config goes into a private
``reader.conf.d`` (``pcscd -c``) so vpcd listens on a free port of 127.0.0.1.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
SOCKET = Path("/run/pcscd/pcscd.comm")


def free_port_pair() -> int:
    """A port on 127.0.0.1 such that it and the next one are free (vpcd listens on
    both: one per virtual reader slot)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = int(first.getsockname()[1])
            if port >= 65535:
                continue
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
                return port
    raise RuntimeError("no two free consecutive ports")


def available() -> str | None:
    """None when a private pcscd can be started here, else the reason why not."""
    if shutil.which("pcscd") is None:
        return "pcscd is not installed (Debian package pcscd)"
    if not VPCD_DRIVER.exists():
        return "the vpcd driver is not installed (Debian package vsmartcard-vpcd)"
    try:
        import smartcard  # noqa: F401
    except ImportError:
        return "pyscard is not installed (pip install .[pcsc])"
    if subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True).returncode == 0:
        return "another pcscd is running (stop it: systemctl stop pcscd.socket pcscd)"
    return None


class Pcscd:
    """``pcscd -f -c DIR`` with one vpcd reader whose card port is :attr:`port`.

    vpcd makes two readers ("Virtual PCD 00 00" on ``port``, "... 00 01" on
    ``port + 1``); :attr:`reader_name` is the first.
    """

    reader_name = "Virtual PCD 00 00"

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        self._proc: subprocess.Popen[bytes] | None = None
        self.log = folder / "pcscd.log"
        conf = folder / "reader.conf.d"
        conf.mkdir(parents=True, exist_ok=True)
        (conf / "vpcd").write_text(
            'FRIENDLYNAME "Virtual PCD"\n'
            f"DEVICENAME   /dev/null:0x{port:04X}\n"
            f"LIBPATH      {VPCD_DRIVER}\n"
            f"CHANNELID    0x{port:04X}\n",
            encoding="ascii",
        )
        self.conf = conf

    def start(self, timeout: float = 10.0) -> None:
        with self.log.open("ab") as log:
            self._proc = subprocess.Popen(
                ["pcscd", "-f", "-c", str(self.conf)], stdout=log, stderr=subprocess.STDOUT
            )
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()  # never leave a pcscd behind: it would block every later one
            raise

    def _wait_ready(self, timeout: float) -> None:
        """Until pcscd lists the virtual reader (it answers about 0.1-1 s after start)."""
        from smartcard import scard

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise RuntimeError(f"pcscd exited: {self.log.read_text(errors='replace')}")
            rc, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if rc == scard.SCARD_S_SUCCESS:
                rc, readers = scard.SCardListReaders(ctx, [])
                scard.SCardReleaseContext(ctx)
                if rc == scard.SCARD_S_SUCCESS and self.reader_name in readers:
                    return
            time.sleep(0.05)
        raise RuntimeError("pcscd did not list the vpcd reader in time")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def restart(self) -> None:
        self.stop()
        self.start()
