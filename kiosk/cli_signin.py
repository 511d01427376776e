"""Signing a patron in from the command line, as the kiosk does at a card tap: by
whichever identifier was typed (a card of the kiosk's own database, else the number
the ILS knows), with the PIN from ``--pin-stdin`` (or ``--pin``, which warns: other
users of the machine see command lines). The desk (``kiosk circ``) and the printers
(``kiosk printers print|cancel``) use it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from kiosk.circulation.api import Circulation, Patron
from kiosk.config import Config
from kiosk.domain.errors import DomainError
from kiosk.i18n import translate
from kiosk.patrons import find_card, normalise_key
from kiosk.store import Store


def sign_in(
    store: Store,
    circ: Circulation,
    config: Config,
    text: str,
    pin: Callable[[], str | None],
) -> Patron:
    """The patron of ``text`` signed in through ``circ`` (refusals as it raises them).
    ``text`` is taken as the kiosk takes a typed card number (:func:`find_card`: case,
    spaces and hyphens forgiven when one card fits). ``pin()`` is asked only once the
    card is known to be worth asking for."""
    with store.lock:
        card = find_card(store, text=text)
    if card is None and config.backend.kind == "local":
        raise DomainError("circulation.card_unknown")  # before any PIN is read
    given = pin()
    if card is None:
        return circ.sign_in(number=text.strip(), pin=given)
    if card.card_key is not None and normalise_key(text) == card.card_key:
        return circ.sign_in(uid=card.card_key, pin=given)
    # Found by its number (maybe typed loosely): sign in with the number as printed.
    return circ.sign_in(number=card.card_number, pin=given)


def given_pin(args: argparse.Namespace, language: str) -> str | None:
    """The PIN of ``--pin-stdin`` (the first line of stdin) or ``--pin``; None without."""
    if getattr(args, "pin_stdin", False):
        return stdin_line()
    pin = getattr(args, "pin", None)
    if pin is not None:
        # Any user of the machine sees command lines (ps, /proc): say so.
        print(translate("cli.pin.argv_warning", language), file=sys.stderr)
    return str(pin) if pin is not None else None


def stdin_line() -> str:
    """The first line of stdin, without its line break (a PIN piped in)."""
    return sys.stdin.readline().rstrip("\r\n")
