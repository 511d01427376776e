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
        #: The patron signed in with the card itself (tapped or scanned), not a typed
        #: card number: that proves who they are, enough to set a first PIN.
        self.card_in_hand = False
        self.generation = 0

    @property
    def signed_in(self) -> bool:
        return self.patron is not None

    @property
    def ref(self) -> str:
        if self.patron is None:
            raise RuntimeError("no patron is signed in")
        return self.patron.ref

    def begin(self, patron: Patron, *, card_in_hand: bool = False) -> None:
        self.generation += 1
        self.patron = patron
        self.overview = None
        self.card_in_hand = card_in_hand

    def end(self) -> None:
        self.generation += 1
        self.patron = None
        self.overview = None
        self.card_in_hand = False
