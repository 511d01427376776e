"""OctoPrint's REST API over ``requests``: one session per thread, errors as message keys.

Every call sends the application key in ``X-Api-Key``. The key is kept in a private
attribute and put into the sessions' headers only; no log line, error or ``repr``
carries it.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import quote

import requests

from kiosk.domain.errors import DeviceError


class OctoPrintRest:
    """Requests to one OctoPrint at ``base_url`` (``http(s)://host:port[/prefix]``).

    ``verify`` is requests' TLS setting (True, or a CA bundle path); ``timeout`` the
    seconds one request may take to connect and to answer. Safe to use from several
    threads: each gets its own keep-alive session.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        printer: str,
        timeout: float = 5.0,
        verify: bool | str = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.printer = printer
        self.timeout = timeout
        self.verify = verify
        self._key = api_key
        self._local = threading.local()
        self._lock = threading.Lock()
        self._sessions: list[requests.Session] = []

    def session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["X-Api-Key"] = self._key
            session.verify = self.verify
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        """Close every thread's session (a thread that calls again gets a new one)."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    @staticmethod
    def file_path(path: str) -> str:
        """A host file path quoted for a URL (folders keep their slashes)."""
        return quote(path, safe="/")

    def request(
        self,
        method: str,
        path: str,
        refusals: dict[int, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Send one request; return the response of a 2xx answer.

        Raises DeviceError: ``printer.unreachable`` (no answer, timeout),
        ``printer.wrong_key`` (401/403, or 400 "CSRF validation failed"), the key
        ``refusals`` gives for a status code, else ``printer.refused`` with the code.
        """
        try:
            response = self.session().request(
                method, self.url(path), timeout=timeout or self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise self.unreachable(exc) from None
        if response.ok:
            return response
        response.close()  # a refused streamed download must not keep its connection
        if response.status_code == 400 and "CSRF" in response.text:
            # A POST whose key OctoPrint does not know falls back to its browser checks
            # (cookies and a CSRF token, which the kiosk never has): a wrong key.
            raise self.refused(403)
        raise self.refused(response.status_code, refusals)

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """:meth:`request` and the answer's JSON (``device.garbage`` when it is not)."""
        response = self.request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise DeviceError("device.garbage", printer=self.printer, device=self.printer) from None

    def unreachable(self, exc: BaseException) -> DeviceError:
        reason = type(exc).__name__
        return DeviceError("printer.unreachable", printer=self.printer, reason=reason)

    def refused(self, code: int, refusals: dict[int, str] | None = None) -> DeviceError:
        if code in (401, 403):
            return DeviceError("printer.wrong_key", printer=self.printer)
        key = (refusals or {}).get(code, "printer.refused")
        return DeviceError(key, printer=self.printer, code=code)
