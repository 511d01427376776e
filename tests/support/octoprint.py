"""A real OctoPrint 1.11 with its virtual printer, for the integration tests and the bench.

``./setup.sh test`` installs OctoPrint from PyPI into its own virtual environment under
the user's cache directory (``$XDG_CACHE_HOME/palu-kiosk/octoprint-1.11``, kept between
runs); ``KIOSK_OCTOPRINT=/path/to/bin/octoprint`` points elsewhere. Each server gets a
temporary base folder: ``config.yaml`` with the first-run wizard, the online check and
the plugins that reach the internet off and the virtual printer on (its simulated
transmission errors off, so timing is steady), a user made with ``octoprint user
add``, and an application key in the appkeys plugin's ``keys.yaml``. It serves on a
free port of 127.0.0.1 and answers in about 2 s.

Fixtures (registered in tests/conftest.py): ``octoprint_server`` is ONE server for the
whole session, ``octoprint`` hands it to a test idle with the printer connected, and
``own_octoprint`` starts a private server for a test that stops it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port
from tests.support.peers import missing_peer

USER = "kiosk"
DISABLED_PLUGINS = (
    "discovery",
    "announcements",
    "tracking",
    "errortracking",
    "softwareupdate",
    "pluginmanager",
    "health_check",
)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "palu-kiosk" / "octoprint-1.11"


def executable() -> Path | None:
    """The ``octoprint`` command, or None when it is not installed."""
    given = os.environ.get("KIOSK_OCTOPRINT")
    path = Path(given) if given else cache_dir() / "bin" / "octoprint"
    return path if path.is_file() and os.access(path, os.X_OK) else None


CONFIG = """\
server:
  firstRun: false
  onlineCheck:
    enabled: false
  pluginBlacklist:
    enabled: false
plugins:
  _disabled: [{disabled}]
  virtual_printer:
    enabled: true
    simulated_errors: []
serial:
  port: VIRTUAL
  baudrate: 115200
  autoconnect: false
"""


class OctoPrintServer:
    """``octoprint serve`` on 127.0.0.1 with a fresh base folder; stop and start again on
    the same port and folder (a restart) as often as needed."""

    def __init__(self, exe: Path, port: int | None = None) -> None:
        self.exe = exe
        self.port = port or free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="octoprint-"))
        self.api_key = secrets.token_hex(16)
        self.process: subprocess.Popen[bytes] | None = None
        self._prepared = False

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, options: str = "") -> str:
        """The kiosk's device URL for this server (``options``: e.g. ``push=off``)."""
        return f"octoprint://127.0.0.1:{self.port}" + (f"?{options}" if options else "")

    def prepare(self) -> None:
        disabled = ", ".join(DISABLED_PLUGINS)
        (self.folder / "config.yaml").write_text(CONFIG.format(disabled=disabled))
        subprocess.run(
            [
                str(self.exe),
                "--basedir",
                str(self.folder),
                "user",
                "add",
                USER,
                "--password",
                secrets.token_hex(8),
                "--admin",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        keys = self.folder / "data" / "appkeys"
        keys.mkdir(parents=True, exist_ok=True)
        (keys / "keys.yaml").write_text(
            f"{USER}:\n- app_id: palu-kiosk-tests\n  api_key: {self.api_key}\n"
        )
        self._prepared = True

    def start(self, timeout: float = 60.0) -> None:
        if not self._prepared:
            self.prepare()
        log = (self.folder / "serve.log").open("ab")
        # OctoPrint keeps an aborted upload's temporary file: keep those in its folder.
        tmp = self.folder / "tmp"
        tmp.mkdir(exist_ok=True)
        self.process = subprocess.Popen(
            [
                str(self.exe),
                "serve",
                "--iknowwhatimdoing",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--basedir",
                str(self.folder),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.folder,
            env={**os.environ, "TMPDIR": str(tmp)},
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                raise RuntimeError(f"octoprint exited; see {self.folder / 'serve.log'}")
            try:
                answer = self.get("api/version", timeout=1.0)
                if answer.status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()  # never leave a server running behind a failed start
        raise RuntimeError(f"octoprint did not answer in {timeout} s")

    def stop(self) -> None:
        if self.process is not None:
            # OctoPrint shuts down cleanly on SIGTERM, in a few seconds when it is busy.
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- the test's own view of the server (not through the kiosk's adapter) -----------
    def get(self, path: str, timeout: float = 5.0) -> requests.Response:
        return requests.get(
            f"{self.base_url}/{path}", headers={"X-Api-Key": self.api_key}, timeout=timeout
        )

    def post(self, path: str, body: dict[str, object]) -> requests.Response:
        return requests.post(
            f"{self.base_url}/{path}", json=body, headers={"X-Api-Key": self.api_key}, timeout=5
        )

    def state(self) -> dict[str, object]:
        return dict(self.get("api/job").json())

    def make_ready(self, timeout: float = 30.0) -> None:
        """Printer connected, no job running, no files: ready for the next test."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = str(self.state().get("state", ""))
            if text.startswith("Operational"):
                break
            if text.startswith(("Printing", "Paused", "Pausing")):
                self.post("api/job", {"command": "cancel"})
            elif text.startswith(("Offline", "Closed", "Error")):
                self.post("api/connection", {"command": "connect"})
            time.sleep(0.2)
        else:
            raise RuntimeError(f"octoprint not ready: {self.state().get('state')}")
        for entry in self.get("api/files").json().get("files", []):
            requests.delete(
                f"{self.base_url}/api/files/local/{entry['path']}",
                headers={"X-Api-Key": self.api_key},
                timeout=5,
            )


def _server() -> OctoPrintServer:
    exe = executable()
    if exe is None:
        missing_peer(f"OctoPrint is not installed in {cache_dir()} (run ./setup.sh test)")
    return OctoPrintServer(exe)


@pytest.fixture(scope="session")
def octoprint_server() -> Iterator[OctoPrintServer]:
    """One OctoPrint for the whole session (startup costs seconds)."""
    server = _server()
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture
def octoprint(octoprint_server: OctoPrintServer) -> OctoPrintServer:
    """The session's OctoPrint, idle, printer connected, no files."""
    octoprint_server.make_ready()
    return octoprint_server


@pytest.fixture
def own_octoprint() -> Iterator[OctoPrintServer]:
    """A private OctoPrint for a test that stops or restarts it."""
    server = _server()
    try:
        server.start()
        server.make_ready()
        yield server
    finally:
        server.remove()
