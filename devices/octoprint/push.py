"""OctoPrint's push updates over its SockJS raw websocket (``/sockjs/websocket``).

A session: ``POST /api/login {"passive": true}`` with the application key gives the
user's ``name`` and a ``session`` id; the socket is then told ``{"auth":
"name:session"}``. OctoPrint answers with ``connected``, a ``history`` message (the full
state), then ``current`` every half second while anything changes and an ``event`` per
event (``PrintDone``, ``PrintFailed``, ``PrintCancelled`` ...). Each message is one JSON
object with one key, the message type.
"""

from __future__ import annotations

import contextlib
import json
import ssl
from typing import Any

import websocket

from devices.octoprint.rest import OctoPrintRest


class PushClosedError(Exception):
    """The socket is gone (closed by OctoPrint, network lost, or :meth:`abort`)."""


class PushSocket:
    """One push session. :meth:`receive` runs on the host's watcher thread only;
    :meth:`abort` may be called from any thread to wake it."""

    def __init__(self, rest: OctoPrintRest, url: str, ca_file: str | None = None) -> None:
        self.rest = rest
        self.url = url
        self.ca_file = ca_file
        self._socket: websocket.WebSocket | None = None

    def open(self) -> None:
        """Log in passively and authenticate the socket. Raises DeviceError (REST) or
        PushClosedError (the socket cannot be opened)."""
        login = self.rest.json("POST", "api/login", json={"passive": True})
        name, session = login.get("name"), login.get("session")
        if not isinstance(name, str) or not isinstance(session, str):
            raise PushClosedError("no session in the passive login's answer")
        options: dict[str, Any] = {}
        if self.url.startswith("wss:"):
            options["sslopt"] = (
                {"ca_certs": self.ca_file} if self.ca_file else {"cert_reqs": ssl.CERT_REQUIRED}
            )
        try:
            self._socket = websocket.create_connection(
                self.url, timeout=self.rest.timeout, enable_multithread=True, **options
            )
            self._socket.send(json.dumps({"auth": f"{name}:{session}"}))
        except (websocket.WebSocketException, OSError) as exc:
            self.close()
            raise PushClosedError(f"{type(exc).__name__}: {exc}") from None

    def receive(self, wait: float) -> dict[str, Any] | None:
        """The next message, or None when none came within ``wait`` seconds."""
        sock = self._socket
        if sock is None:
            raise PushClosedError("not open")
        try:
            sock.settimeout(wait)
            text = sock.recv()
        except websocket.WebSocketTimeoutException:
            return None
        except (websocket.WebSocketException, OSError, AttributeError) as exc:
            # AttributeError: websocket-client's recv after abort() from another thread.
            raise PushClosedError(f"{type(exc).__name__}: {exc}") from None
        if not text:
            raise PushClosedError("closed by the host")
        try:
            message = json.loads(text)
        except ValueError:
            return {}
        return message if isinstance(message, dict) else {}

    def abort(self) -> None:
        """Wake a :meth:`receive` in progress and end the session (any thread)."""
        sock = self._socket
        if sock is not None:
            sock.abort()

    def close(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None:
            with contextlib.suppress(websocket.WebSocketException, OSError):
                sock.close(timeout=0.5)
            # close() does nothing on a socket it already takes for closed (after a
            # failed recv): the OS socket must still be released.
            sock.shutdown()
