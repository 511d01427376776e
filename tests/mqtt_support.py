"""A real Mosquitto broker for the integration tests, on a free loopback port."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.conftest import free_port, wait_port
from tests.support import peers


class Mosquitto:
    """``mosquitto -c FILE`` with ``listener PORT 127.0.0.1``; can be stopped and started
    again on the same port (a broker restart).

    ``nodelay``: ``set_tcp_nodelay true`` (what docs/makerspace.md asks installers for);
    False is Mosquitto's default. ``users``: name -> password; then only they may
    connect (``password_file``, no anonymous clients).
    """

    def __init__(self, nodelay: bool = True, users: dict[str, str] | None = None) -> None:
        self.exe = peers.program("mosquitto", "mosquitto", "/usr/sbin/mosquitto")
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="mosquitto-"))
        self.conf = self.folder / "mosquitto.conf"
        lines = [f"listener {self.port} 127.0.0.1", "persistence false", "log_dest none"]
        if nodelay:
            lines.append("set_tcp_nodelay true")
        if users:
            # Readable by the "mosquitto" user the broker becomes when started as root.
            self.folder.chmod(0o755)
            passwords = self.folder / "passwords"
            passwords.touch(mode=0o644)
            for name, password in users.items():
                subprocess.run(
                    ["mosquitto_passwd", "-b", str(passwords), name, password],
                    check=True,
                    capture_output=True,
                )
            passwords.chmod(0o644)
            lines += ["allow_anonymous false", f"password_file {passwords}"]
        else:
            lines.append("allow_anonymous true")
        self.conf.write_text("\n".join(lines) + "\n")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.exe, "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port, "mosquitto")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def wait_for(condition: object, timeout: float = 3.0) -> bool:
    """Poll ``condition()`` every 5 ms until true or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.005)
    return bool(condition())  # type: ignore[operator]
