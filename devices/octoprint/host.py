"""The OctoPrint adapter: a :class:`~kiosk.ports.PrinterHost` for ``octoprint://`` and
``octoprints://`` URLs.

Commands go over the REST API (:mod:`devices.octoprint.rest`). The host's own thread
follows the printer over the push socket (:mod:`devices.octoprint.push`) and falls
back to polling every ``poll_seconds`` while the socket cannot be had, trying it again
with a growing pause (1 s, doubling, at most 30 s). What it sees goes through a
:class:`~devices.print_watch.JobWatch` onto the bus.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from requests_toolbelt.multipart.encoder import MultipartEncoder

from devices.octoprint import parse
from devices.octoprint.push import PushClosedError, PushSocket
from devices.octoprint.rest import OctoPrintRest
from devices.print_watch import JobWatch
from kiosk.bus import EventBus
from kiosk.domain.errors import DeviceError
from kiosk.domain.events import Event
from kiosk.ports import DeviceUrl, JobOwner, PrinterStatus, PrintFile

log = logging.getLogger(__name__)

#: Longest pause between two tries of the push socket, in seconds.
SOCKET_RETRY_MAX_S = 30.0
#: With no push message for this long the REST API is asked whether the host lives.
QUIET_CHECK_S = 10.0
#: Bytes read from a source per chunk of an upload.
CHUNK = 64 * 1024
#: Push events after which the owners read from file metadata may be stale.
FILE_EVENTS = frozenset({"FileAdded", "FileRemoved", "UpdatedFiles", "Upload"})


class OctoPrintHost:
    """One printer's OctoPrint. See :class:`~kiosk.ports.PrinterHost` for the contract.

    ``push=False`` never opens the socket (polling only). ``mode`` says how the host is
    followed right now: ``push``, ``poll`` or ``stopped``.
    """

    kind = "printer"

    def __init__(
        self,
        name: str,
        resource: str,
        base_url: str,
        api_key: str,
        push: bool = True,
        ca_file: str | None = None,
        timeout: float = 5.0,
        poll_seconds: float = 2.0,
        max_upload_bytes: int | None = None,
        cooldown_c: float = 50.0,
    ) -> None:
        self.name = name
        self.resource = resource
        self.push = push
        self.ca_file = ca_file
        self.poll_seconds = poll_seconds
        self.max_upload_bytes = max_upload_bytes
        self.rest = OctoPrintRest(base_url, api_key, resource, timeout, ca_file or True)
        self.ws_url = "ws" + base_url.rstrip("/")[4:] + "/sockjs/websocket"
        self.watch = JobWatch(name, resource, self._publish, cooldown_c)
        self.mode = "stopped"
        self._bus: EventBus | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._socket: PushSocket | None = None
        self._owners: dict[tuple[str, object], JobOwner | None] = {}
        self._owners_lock = threading.Lock()
        self._temps = parse.temperatures(None)

    @classmethod
    def from_url(cls, url: DeviceUrl, resource: str, api_key: str, **options: Any) -> OctoPrintHost:
        """``octoprint://HOST:PORT[/PREFIX][?push=off]`` (HTTP) or
        ``octoprints://HOST:PORT[/PREFIX][?ca=FILE&push=off]`` (HTTPS); ``options`` are
        the keyword arguments of ``__init__`` from the kiosk's ``[printing]`` config
        (timeout, poll_seconds, max_upload_bytes, cooldown_c). Raises ValueError naming
        what was expected."""
        if url.scheme not in ("octoprint", "octoprints"):
            raise ValueError(f"an octoprint:// or octoprints:// URL, not {url.scheme}://")
        if not url.host:
            raise ValueError("octoprint://HOST:PORT (the printer's OctoPrint), with a host")
        unknown = set(url.params) - {"push", "ca"}
        if unknown:
            raise ValueError(f"only 'push' and 'ca' options, not {sorted(unknown)}")
        push = url.params.get("push", "on")
        if push not in ("on", "off"):
            raise ValueError(f"push=on or push=off, not {push!r}")
        ca = url.params.get("ca") or None
        if ca is not None and url.scheme != "octoprints":
            raise ValueError("ca= only with octoprints:// (HTTPS)")
        http = "https" if url.scheme == "octoprints" else "http"
        return cls(
            name=resource,
            resource=resource,
            base_url=f"{http}://{url.host}{url.path.rstrip('/')}",
            api_key=api_key,
            push=push == "on",
            ca_file=ca,
            **options,
        )

    # -- lifecycle ---------------------------------------------------------------------
    def start(self, bus: EventBus) -> None:
        self._bus = bus
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=f"octoprint-{self.name}")
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        sock = self._socket
        if sock is not None:
            sock.abort()
        if self._thread is not None:
            self._thread.join(timeout=self.rest.timeout + 2)
            if self._thread.is_alive():
                log.warning("%s: the watcher thread did not stop in time", self.name)
            self._thread = None
        self.rest.close()
        self.mode = "stopped"

    def check(self) -> tuple[bool, str]:
        """Reachable and the key valid, else DeviceError; whether a printer is connected
        is said, not failed (a printer is switched off outside its bookings)."""
        version = self.rest.json("GET", "api/version")
        connection = self.rest.json("GET", "api/connection")
        state = (connection.get("current") or {}).get("state") or "unknown"
        server = version.get("text") or f"OctoPrint {version.get('server', '?')}"
        mode = "push socket" if self.push else "polling"
        return True, f"{server} at {self.rest.base_url}, key accepted, {mode}; printer: {state}"

    # -- the port ----------------------------------------------------------------------
    def status(self) -> PrinterStatus:
        try:
            return self._fetch_status()
        except DeviceError as exc:
            problem = exc.key if exc.key == "printer.wrong_key" else "printer.unreachable"
            return PrinterStatus(
                online=False, problem=problem, last_seen_busy=self.watch.last_seen_busy
            )

    def connect(self) -> None:
        self.rest.request("POST", "api/connection", json={"command": "connect"})

    def files(self) -> tuple[PrintFile, ...]:
        return parse.print_files(self.rest.json("GET", "api/files", params={"recursive": "true"}))

    def read_file(self, path: str, limit: int) -> bytes:
        response = self.rest.request(
            "GET",
            f"downloads/files/local/{self.rest.file_path(path)}",
            refusals={404: "printer.file_not_found"},
            headers={"Range": f"bytes=0-{max(0, limit - 1)}"},
            stream=True,
        )
        try:
            chunks: list[bytes] = []
            got = 0
            for chunk in response.iter_content(CHUNK):
                chunks.append(chunk)
                got += len(chunk)
                if got >= limit:
                    break
            return b"".join(chunks)[:limit]
        except OSError as exc:
            raise self.rest.unreachable(exc) from None
        finally:
            response.close()

    def upload(
        self,
        name: str,
        source: Path | bytes,
        owner: JobOwner,
        progress: Callable[[int, int], None] | None = None,
    ) -> PrintFile:
        reader = _Source(source, name, self.resource, progress)
        if self.max_upload_bytes is not None and reader.size > self.max_upload_bytes:
            reader.close()
            raise DeviceError(
                "printer.file_too_large",
                printer=self.resource,
                file=name,
                size_mb=f"{reader.size / 1_000_000:.1f}",
                limit_mb=f"{self.max_upload_bytes / 1_000_000:.1f}",
            )
        form = MultipartEncoder(
            fields={
                "file": (name, reader, "application/octet-stream"),
                "select": "false",
                "print": "false",
                "userdata": parse.userdata(owner),
            }
        )
        started = time.time()
        try:
            response = self.rest.request(
                "POST",
                "api/files/local",
                refusals={
                    400: "printer.upload_wrong_type",
                    409: "printer.upload_in_use",
                    415: "printer.upload_wrong_type",
                },
                data=form,
                headers={"Content-Type": form.content_type},
            )
        except DeviceError as exc:
            if reader.failed:
                self._remove_partial(name, reader.size, started)
                raise DeviceError("printer.source_gone", printer=self.resource, file=name) from None
            if exc.key in ("printer.upload_in_use", "printer.upload_wrong_type"):
                raise DeviceError(exc.key, printer=self.resource, file=name) from None
            raise
        finally:
            reader.close()
        with self._owners_lock:
            self._owners.clear()
        try:
            stored = response.json()["files"]["local"]
            path = str(stored["path"])
        except (ValueError, KeyError, TypeError):
            raise DeviceError("device.garbage", printer=self.resource, device=self.name) from None
        return PrintFile(
            path=path,
            name=str(stored.get("name") or path),
            size_bytes=reader.size,
            uploaded_at=datetime.now(UTC),
            owner=owner,
        )

    def select(self, path: str) -> None:
        self._file_command(path, {"command": "select", "print": False})

    def start_print(self, path: str) -> None:
        """One request (select with print); never sent again. After a lost answer the
        host is watched for up to the request timeout to learn whether it started."""
        try:
            self._file_command(path, {"command": "select", "print": True})
        except DeviceError as exc:
            if exc.key != "printer.unreachable":
                raise
            deadline = time.monotonic() + self.rest.timeout
            while time.monotonic() < deadline:
                now = self.status()
                if now.online and now.printing and now.job is not None and now.job.path == path:
                    return
                time.sleep(0.25)
            raise DeviceError("printer.start_unknown", printer=self.resource, file=path) from None

    def cancel(self) -> None:
        try:
            self.rest.request("POST", "api/job", json={"command": "cancel"})
        except DeviceError as exc:
            if exc.key != "printer.refused":
                raise
            now = self._fetch_status()
            if now.printing or now.paused:
                raise DeviceError("printer.not_operational", printer=self.resource) from None
            # 409 with nothing running: there is nothing left to cancel.

    def cool_down(self) -> None:
        not_operational = {409: "printer.not_operational"}
        self.rest.request(
            "POST",
            "api/printer/tool",
            refusals=not_operational,
            json={"command": "target", "targets": {"tool0": 0}},
        )
        try:
            self.rest.request(
                "POST",
                "api/printer/bed",
                refusals=not_operational,
                json={"command": "target", "target": 0},
            )
        except DeviceError as exc:
            if exc.key != "printer.not_operational":
                raise
            # 409 here after the tool answered: the printer has no heated bed.

    # -- inside: REST ------------------------------------------------------------------
    def _file_command(self, path: str, body: dict[str, Any]) -> None:
        try:
            self.rest.request(
                "POST",
                f"api/files/local/{self.rest.file_path(path)}",
                refusals={404: "printer.file_not_found", 415: "printer.upload_wrong_type"},
                json=body,
            )
        except DeviceError as exc:
            if exc.key == "printer.refused" and exc.params.get("code") == 409:
                busy = self._fetch_status()
                key = "printer.busy" if busy.printing or busy.paused else "printer.not_operational"
                raise DeviceError(key, printer=self.resource, device=self.name) from None
            if exc.key in ("printer.file_not_found", "printer.upload_wrong_type"):
                raise DeviceError(exc.key, printer=self.resource, file=path) from None
            raise

    def _fetch_status(self) -> PrinterStatus:
        """The state asked over REST. Raises DeviceError when the host does not answer."""
        try:
            printer = self.rest.json("GET", "api/printer", refusals={409: "printer.disconnected"})
        except DeviceError as exc:
            if exc.key != "printer.disconnected":
                raise
            connection = self.rest.json("GET", "api/connection")
            text = str((connection.get("current") or {}).get("state") or "")
            flags = {"error": "rror" in text, "operational": False}
            printer = {"state": {"text": text, "flags": flags}, "temperature": {}}
        job = self.rest.json("GET", "api/job")
        owner = self._owner(job.get("job"))
        return parse.status_of(
            printer.get("state"),
            parse.temperatures(printer.get("temperature")),
            parse.job_of(job.get("job"), job.get("progress"), owner),
        )

    def _owner(self, job: dict[str, Any] | None) -> JobOwner | None:
        """The owner kept with the job's file, read once per upload of that file."""
        key = parse.job_file_key(job)
        if key is None:
            return None
        with self._owners_lock:
            if key in self._owners:
                return self._owners[key]
        try:
            entry = self.rest.json(
                "GET",
                f"api/files/local/{self.rest.file_path(key[0])}",
                refusals={404: "printer.file_not_found"},
            )
        except DeviceError as exc:
            if exc.key != "printer.file_not_found":
                return None  # not known now; asked again next time
            entry = {}
        owner = parse.owner_of(entry)
        with self._owners_lock:
            self._owners[key] = owner
        return owner

    def _remove_partial(self, name: str, size: int, since: float) -> None:
        """After a failed upload: remove what the host may have kept of it (it keeps
        nothing of a cut-off request, but a file of the wrong size must never print)."""
        try:
            entry = self.rest.json("GET", f"api/files/local/{self.rest.file_path(name)}")
        except DeviceError:
            return
        if entry.get("size") != size and (entry.get("date") or 0) >= int(since):
            try:
                self.rest.request("DELETE", f"api/files/local/{self.rest.file_path(name)}")
            except DeviceError:
                log.warning("%s: could not remove the partial upload %s", self.name, name)

    # -- inside: the watcher thread ----------------------------------------------------
    def _publish(self, event: Event) -> None:
        if self._bus is not None:
            self._bus.publish(event)

    def _run(self) -> None:
        pause, next_socket = 1.0, 0.0
        while not self._stopping.is_set():
            if self.push and time.monotonic() >= next_socket:
                began = time.monotonic()
                try:
                    self._push_session()
                except (DeviceError, PushClosedError) as exc:
                    log.info("%s: push socket unavailable (%s); polling", self.name, exc)
                except Exception:  # a bug must not stop the printer being watched
                    log.exception("%s: push session failed; polling", self.name)
                if self._stopping.is_set():
                    break
                lasted = time.monotonic() - began
                pause = 1.0 if lasted > SOCKET_RETRY_MAX_S else min(pause * 2, SOCKET_RETRY_MAX_S)
                next_socket = time.monotonic() + pause
            self.mode = "poll"
            self.watch.observe(self.status())
            self._stopping.wait(self.poll_seconds)

    def _push_session(self) -> None:
        sock = PushSocket(self.rest, self.ws_url, self.ca_file)
        self._socket = sock
        try:
            sock.open()
            if self._stopping.is_set():
                return
            self.mode = "push"
            heard = time.monotonic()
            while not self._stopping.is_set():
                message = sock.receive(1.0)
                if message is None:
                    if time.monotonic() - heard > QUIET_CHECK_S:
                        self.watch.observe(self._fetch_status(), infer_end=False)
                        heard = time.monotonic()
                    continue
                heard = time.monotonic()
                self._on_message(message)
        finally:
            self._socket = None
            sock.close()

    def _on_message(self, message: dict[str, Any]) -> None:
        for kind, payload in message.items():
            if kind in ("history", "current") and isinstance(payload, dict):
                # A history message is the whole state after (re)connecting: a job that
                # ended while the socket was away is seen ending there.
                self.watch.observe(self._pushed_status(payload), infer_end=kind == "history")
            elif kind == "event" and isinstance(payload, dict):
                self._on_event(str(payload.get("type")), payload.get("payload") or {})
            elif kind == "reauthRequired":
                raise PushClosedError("OctoPrint asks to log in again")

    def _pushed_status(self, payload: dict[str, Any]) -> PrinterStatus:
        temps = payload.get("temps") or []
        if temps and isinstance(temps[-1], dict):
            self._temps = parse.temperatures(temps[-1])
        job = payload.get("job")
        return parse.status_of(
            payload.get("state"),
            self._temps,
            parse.job_of(job, payload.get("progress"), self._owner(job)),
        )

    def _on_event(self, kind: str, payload: dict[str, Any]) -> None:
        if kind in FILE_EVENTS:
            with self._owners_lock:
                self._owners.clear()
            return
        path = payload.get("path")
        if not isinstance(path, str):
            return
        seconds = payload.get("time")
        seconds = round(seconds) if isinstance(seconds, int | float) else None

        def owner() -> JobOwner | None:
            return self._owner({"file": {"path": path}})

        if kind == "PrintDone":
            self.watch.ended("done", path, seconds, owner=owner)
        elif kind == "PrintCancelled":
            progress = payload.get("progress")  # percent of the file sent
            done = min(100.0, float(progress)) if isinstance(progress, int | float) else None
            self.watch.ended("cancelled", path, seconds, completion=done, owner=owner)
        elif kind == "PrintFailed" and payload.get("reason") != "cancelled":
            # OctoPrint follows every PrintCancelled with a PrintFailed(reason=cancelled).
            self.watch.ended("failed", path, seconds, reason="printer.failed_error", owner=owner)


class _Source:
    """A file-like view of an upload's bytes for the multipart encoder.

    ``len()`` is what is left to send (what the encoder expects). A source that fails or
    ends early (a USB stick pulled out, a file cut short) raises OSError, which aborts
    the request, and sets :attr:`failed`: the host must not keep a short file.
    """

    def __init__(
        self,
        source: Path | bytes,
        name: str,
        printer: str,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.failed = False
        self.sent = 0
        self._progress = progress
        self._data: bytes | None = None
        self._file: Any = None
        if isinstance(source, bytes):
            self._data = source
            self.size = len(source)
        else:
            try:
                self._file = source.open("rb")
                self.size = source.stat().st_size
            except OSError:
                raise DeviceError("printer.source_gone", printer=printer, file=name) from None

    def __len__(self) -> int:
        return self.size - self.sent

    def read(self, amount: int = -1) -> bytes:
        left = self.size - self.sent
        amount = left if amount is None or amount < 0 else min(amount, left, CHUNK)
        if amount <= 0:
            return b""
        if self._data is not None:
            chunk = self._data[self.sent : self.sent + amount]
        else:
            try:
                chunk = self._file.read(amount)
            except OSError:
                self.failed = True
                raise
            if len(chunk) < amount:
                self.failed = True
                raise OSError("the file ended before its size: it changed or vanished")
        self.sent += len(chunk)
        if self._progress is not None:
            self._progress(self.sent, self.size)
        return chunk

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
