""" "Remember my settings": a signed-in patron's accessibility choices kept for their
card (opt-in; issue #7).

Nothing is stored without the patron's choice. At sign-in :meth:`RememberedSettings.load`
reads what they stored; :meth:`RememberedSettings.set` stores the current settings (and
:meth:`changed` keeps them up to date on every later change while they are signed in)
or forgets every stored choice. ``app.remembered``, which kv binds to, says which.
Reads and writes go through the app's background calls (``quick``: a local SQLite
row). UI thread only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.domain.errors import KioskError
from kiosk.preferences import PatronPreferences, Preferences

if TYPE_CHECKING:
    from screens.kiosk_app import KioskApp

log = logging.getLogger(__name__)


class RememberedSettings:
    def __init__(self, app: KioskApp) -> None:
        self.app = app

    def _store(self) -> PatronPreferences | None:
        services = self.app.services
        return services.preferences if services is not None else None

    def load(self, then: Callable[[Preferences], None]) -> None:
        """Sign-in: hand the signed-in patron's stored choices (empty when none) to
        ``then`` on the UI thread; ``app.remembered`` then says whether there were any."""
        store = self._store()
        if store is None:
            then(Preferences())
            return
        ref = self.app.session.ref

        def loaded(stored: Preferences) -> None:
            then(stored)
            self.app.remembered = not stored.empty  # after: applying them stores nothing

        def unreadable(error: KioskError) -> None:
            log.warning("stored preferences of %s unreadable: %r", ref, error)
            then(Preferences())

        self.app.call(lambda: store.load(ref), loaded, unreadable, quick=True)

    def set(self, on: bool) -> None:
        """The patron's "remember my settings" choice: store the settings now, or
        forget every stored choice."""
        store = self._store()
        if store is None or not self.app.session.signed_in:
            return
        ref, wanted = self.app.session.ref, self.app.settings.current()
        self.app.remembered = on
        self.app.call(
            (lambda: store.save(ref, wanted)) if on else (lambda: store.forget(ref)),
            lambda _r: None,
            self._failed,
            quick=True,
        )

    def changed(self) -> None:
        """A setting changed: a patron who asked to be remembered gets it stored."""
        if self.app.remembered:
            self.set(True)

    def _failed(self, error: KioskError) -> None:
        self.app.remembered = False
        self.app.alert(self.app.describe(error))
