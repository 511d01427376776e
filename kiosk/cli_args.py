"""Checks every command line shares: the words themselves and the numbers and dates in
them. One home, so that a command added later is covered too.

- :func:`check_argv`: an argument that is not valid UTF-8, or holds control characters
  (an ANSI escape, a NUL), is refused before any command sees it.
- :func:`harden`: every option or argument a parser declares with ``type=float`` or
  ``type=int`` is given :func:`number` or :func:`whole` instead (finite, in a sane
  range), whichever module added it.
- :func:`day` and :func:`moment`: ISO dates and local times within years
  :data:`FIRST_YEAR`..:data:`LAST_YEAR`, so no date arithmetic can overflow.

Each refusal raises ``argparse.ArgumentTypeError`` (one line, exit 2 through the
parser) or :class:`ArgumentError` for :func:`check_argv`.
"""

from __future__ import annotations

import argparse
import math
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime

#: Dates a library's data can sensibly hold.
FIRST_YEAR, LAST_YEAR = 1900, 2200
#: The largest number of seconds any option means (a week).
MAX_SECONDS = 7 * 24 * 3600.0
#: The largest whole number any option means (ids, minutes, counts).
MAX_WHOLE = 10**9


class ArgumentError(Exception):
    """A word on the command line no command can take (exit 2)."""


def check_argv(argv: Sequence[str]) -> None:
    """Refuse arguments that are not UTF-8 (Python keeps such bytes as lone
    surrogates) or hold control characters, naming the argument by position."""
    for position, arg in enumerate(argv, 1):
        if any("\udc80" <= c <= "\udcff" for c in arg):
            raise ArgumentError(f"argument {position} is not valid UTF-8 text")
        if any(unicodedata.category(c) == "Cc" for c in arg):
            raise ArgumentError(
                f"argument {position} holds control characters (such as escape or NUL)"
            )


def number(text: str) -> float:
    """A finite number greater than 0 and at most :data:`MAX_SECONDS` (seconds)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, not {text!r}") from None
    if not math.isfinite(value) or not 0 < value <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(
            f"expected a number above 0 and at most {MAX_SECONDS:g}, not {text!r}"
        )
    return value


def whole(text: str) -> int:
    """A whole number from 0 to :data:`MAX_WHOLE`."""
    try:
        value = int(text.strip(), 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if not 0 <= value <= MAX_WHOLE:
        raise argparse.ArgumentTypeError(
            f"expected a whole number from 0 to {MAX_WHOLE}, not {text!r}"
        )
    return value


def _in_range(year: int, text: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise argparse.ArgumentTypeError(
            f"expected a year from {FIRST_YEAR} to {LAST_YEAR}, not {text!r}"
        )


def day(text: str) -> date:
    """``YYYY-MM-DD`` within the sane years."""
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, not {text!r}") from None
    _in_range(value.year, text)
    return value


def moment(text: str) -> datetime:
    """An ISO 8601 date and time (``2026-12-01T10:00``) within the sane years; naive
    means the library's local time (the command adds its zone)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date and time such as 2026-12-01T10:00, not {text!r}"
        ) from None
    _in_range(value.year, text)
    return value


def harden(parser: argparse.ArgumentParser) -> None:
    """Give every ``float`` and ``int`` argument of ``parser`` and all its subcommands
    the checked versions above (commands added by any module are covered)."""
    seen: set[int] = set()

    def walk(p: argparse.ArgumentParser) -> None:
        if id(p) in seen:
            return
        seen.add(id(p))
        for action in p._actions:
            if action.type is float:
                action.type = number
            elif action.type is int:
                action.type = whole
            if isinstance(action, argparse._SubParsersAction):
                for child in action.choices.values():
                    walk(child)

    walk(parser)
