"""Secrets (ILS password, MQTT password, OctoPrint keys): never in the config file.

A secret comes from an environment variable ``KIOSK_<NAME>`` or from the secrets file
(TOML, default ``/etc/kiosk/secrets.toml``, readable by the kiosk user only). The
:class:`Secret` wrapper prints as ``***`` so that a log line or a traceback never
shows it; call :meth:`Secret.reveal` at the one place that sends it.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path

from kiosk.domain.errors import ConfigError


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def env_name(*parts: str) -> str:
    """``("octoprint_keys", "printer-1")`` -> ``KIOSK_OCTOPRINT_KEYS_PRINTER_1``."""
    return "KIOSK_" + "_".join(re.sub(r"[^A-Za-z0-9]", "_", p).upper() for p in parts)


class Credentials:
    """Looks secrets up: environment first, then the secrets file (read once)."""

    def __init__(self, file: str | Path | None, env: Mapping[str, str] | None = None) -> None:
        self.file = Path(file) if file else None
        self._env = os.environ if env is None else env
        self._data: dict[str, object] | None = None

    def _load(self) -> dict[str, object]:
        if self._data is None:
            self._data = {}
            if self.file is not None and self.file.exists():
                try:
                    self._data = tomllib.loads(self.file.read_text(encoding="utf-8"))
                except PermissionError:
                    raise ConfigError(str(self.file), "", "cannot read the secrets file") from None
                except IsADirectoryError:
                    raise ConfigError(
                        str(self.file), "", "expected the secrets file, found a folder"
                    ) from None
                except OSError as exc:
                    raise ConfigError(
                        str(self.file), "", f"cannot read the secrets file ({exc.strerror})"
                    ) from None
                except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                    # The parser's message may quote the secret itself: do not pass it on.
                    raise ConfigError(str(self.file), "", "not valid TOML") from None
        return self._data

    def get(self, *path: str) -> Secret | None:
        """The secret at ``path`` (e.g. ``"mqtt_password"`` or
        ``"octoprint_keys", "printer-1"``), or None when it is not set anywhere."""
        from_env = self._env.get(env_name(*path))
        if from_env:
            return Secret(from_env)
        node: object = self._load()
        for part in path:
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        if not isinstance(node, str):
            where = ".".join(path)
            raise ConfigError(str(self.file), where, "expected a text string")
        return Secret(node)

    def file_warning(self) -> str | None:
        """A reason when the secrets file is readable by other users (for ``doctor``)."""
        if self.file is None or not self.file.exists():
            return None
        if not self.file.is_file():
            return f"{self.file} is not a file (the secrets file must be a TOML file)"
        mode = self.file.stat().st_mode
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            return f"{self.file} is readable by other users (chmod 600)"
        return None
