"""The signed-in patron's session: who it is.

Plain Python (no Kivy). (How long it may stay idle is
:class:`accessibility.timeouts.SessionTimer`'s business.) The app owns one
:class:`PatronSession`; ending it bumps :attr:`generation` so that a result
that comes back from a worker after sign-out is dropped instead of shown to the next
person at the kiosk.
"""

from __future__ import annotations

from kiosk.circulation.api import Patron, PatronOverview


class PatronSession:
    """Who is signed in. Everything a screen knows about the patron hangs off this or
    is cleared by the screen's ``reset`` when the session ends."""

    def __init__(self) -> None:
        self.patron: Patron | None = None
        self.overview: PatronOverview | None = None
        self.generation = 0

    @property
    def signed_in(self) -> bool:
        return self.patron is not None

    @property
    def ref(self) -> str:
        if self.patron is None:
            raise RuntimeError("no patron is signed in")
        return self.patron.ref

    def begin(self, patron: Patron) -> None:
        self.generation += 1
        self.patron = patron
        self.overview = None

    def end(self) -> None:
        self.generation += 1
        self.patron = None
        self.overview = None
