"""The few exception types that cross boundaries.

They carry a **message key** (e.g. ``circulation.item_not_found``) and parameters,
never free text for the patron: screens translate the key, accessibility speaks it.
"""

from __future__ import annotations

from typing import Any


class KioskError(Exception):
    """Base class: a message key plus format parameters for the translation."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r}, **{self.params!r})"

    def __str__(self) -> str:
        if not self.params:
            return self.key
        args = ", ".join(f"{k}={v!r}" for k, v in sorted(self.params.items()))
        return f"{self.key} ({args})"


class DomainError(KioskError):
    """A rule of the library refused an action (card expired, item on hold, ...)."""


class DeviceError(KioskError):
    """A device or peer failed (timeout, offline, garbage on the wire)."""


class ConfigError(Exception):
    """The configuration is wrong. ``str()`` is one line naming file, key and expectation.

    Not a :class:`KioskError`: it is for staff installing the kiosk, printed by the CLI
    as it is, and never shown to a patron.
    """

    def __init__(self, source: str, key: str, expected: str) -> None:
        self.source = source
        self.key = key
        self.expected = expected
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {expected}")
