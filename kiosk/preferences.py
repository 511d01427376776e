"""Patron accessibility preferences: opt-in, stored in ``patrons.preferences`` (JSON).

A patron who chooses "remember my settings" gets their language, theme, text size,
speech mode and longer timeouts back at the next sign-in on any kiosk sharing the
database. Nothing is stored without that choice; :meth:`PreferencesService.forget`
removes it again. Plain data in and out: the screens apply a :class:`Preferences` at
sign-in and reset the kiosk to its defaults at sign-out (``accessibility.session``).

Unknown or invalid stored values are dropped, not fatal: a row written by a newer kiosk
version must never keep a patron from signing in.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from kiosk.config import TEXT_SCALES, THEME_NAMES
from kiosk.domain.errors import DomainError
from kiosk.i18n import LANGUAGES
from kiosk.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Preferences:
    """None for each setting the patron did not choose (the kiosk default applies)."""

    language: str | None = None
    theme: str | None = None
    text_scale: float | None = None
    speech: bool | None = None
    long_timeouts: bool | None = None

    @property
    def empty(self) -> bool:
        return all(v is None for v in asdict(self).values())

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None}, sort_keys=True)

    @classmethod
    def from_data(cls, data: Any) -> Preferences:
        """Tolerant: keeps only known keys with valid values."""
        if not isinstance(data, dict):
            return cls()
        values: dict[str, Any] = {}
        if data.get("language") in LANGUAGES:
            values["language"] = data["language"]
        if data.get("theme") in THEME_NAMES:
            values["theme"] = data["theme"]
        scale = data.get("text_scale")
        if isinstance(scale, int | float) and not isinstance(scale, bool) and scale in TEXT_SCALES:
            values["text_scale"] = float(scale)
        for flag in ("speech", "long_timeouts"):
            if isinstance(data.get(flag), bool):
                values[flag] = data[flag]
        return cls(**values)

    @classmethod
    def from_json(cls, text: str | None) -> Preferences:
        if not text:
            return cls()
        try:
            return cls.from_data(json.loads(text))
        except ValueError:
            log.warning("unreadable patron preferences ignored")
            return cls()


class PatronPreferences(Protocol):
    """A patron's remembered accessibility settings (opt-in). Blocking, milliseconds;
    any thread. ``patron`` is a patron ref."""

    def load(self, patron: str) -> Preferences:
        """The stored preferences; empty when the patron never opted in (or is unknown)."""
        ...

    def save(self, patron: str, preferences: Preferences) -> None:
        """Store them (the patron opted in); empty preferences are :meth:`forget`."""
        ...

    def forget(self, patron: str) -> None:
        """The patron opted out: nothing of theirs stays stored."""
        ...


class PreferencesService:
    """:class:`PatronPreferences` in the kiosk's database (``patrons.preferences``)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # The ref goes to SQLite as it is: the id column's integer affinity matches "12"
    # with 12, and a ref that is no local patron (an ILS barcode) matches no row.
    def load(self, patron: int | str) -> Preferences:
        """The stored preferences; empty when the patron never opted in (or is unknown).
        ``patron``: the local patron id or a patron ref (its text form)."""
        with self.store.lock:
            row = self.store.conn.execute(
                "SELECT preferences FROM patrons WHERE id = ?", [str(patron).strip()]
            ).fetchone()
        return Preferences.from_json(row["preferences"] if row else None)

    def save(self, patron: int | str, preferences: Preferences) -> None:
        """Store (the patron opted in). Saving empty preferences is :meth:`forget`."""
        value = None if preferences.empty else preferences.to_json()
        self._write(patron, value)

    def forget(self, patron: int | str) -> None:
        """The patron opted out: nothing of theirs stays stored."""
        self._write(patron, None)

    def _write(self, patron: int | str, value: str | None) -> None:
        with self.store.transaction() as db:
            changed = db.execute(
                "UPDATE patrons SET preferences = ? WHERE id = ?", [value, str(patron).strip()]
            ).rowcount
        if not changed:
            raise DomainError("circulation.patron_unknown")
