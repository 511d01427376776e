"""The screen registry: name -> module and class. Each module has a ``.kv`` file of
the same name beside it, loaded before the screen is made."""

from __future__ import annotations

import importlib
from pathlib import Path

from kivy.lang import Builder

from kiosk.i18n import DEFAULT_LANGUAGE, catalogue
from screens.base import KioskScreen

HERE = Path(__file__).parent

#: (screen name, module, class). The first is where the app starts and returns to.
SCREENS: tuple[tuple[str, str, str], ...] = (
    ("attract", "attract", "AttractScreen"),
    ("signin", "signin", "SignInScreen"),
    ("home", "home", "HomeScreen"),
    ("borrow", "borrow", "BorrowScreen"),
    ("receipt", "receipt", "ReceiptScreen"),
    ("returns", "returns", "ReturnScreen"),
    ("loans", "loans", "LoansScreen"),
    ("holds", "holds", "HoldsScreen"),
    ("equipment", "equipment", "EquipmentScreen"),
    ("print", "print", "PrintScreen"),
    ("events", "events", "EventsScreen"),
    ("feedback", "feedback", "FeedbackScreen"),
    ("access", "access", "AccessScreen"),
    ("pin_change", "pin_change", "PinChangeScreen"),
    ("staff", "staff", "StaffScreen"),
)

_loaded: set[str] = set()


def load_kv(module: str) -> None:
    """Load ``screens/<module>.kv`` once per process (Kivy rules are global)."""
    if module not in _loaded:
        Builder.load_file(str(HERE / f"{module}.kv"))
        _loaded.add(module)


NAMES: tuple[str, ...] = tuple(name for name, _module, _cls in SCREENS)


def make_screen(name: str) -> KioskScreen:
    """Make screen ``name`` (its module imported and its rules loaded first)."""
    for screen_name, module, class_name in SCREENS:
        if screen_name == name:
            # Import first: the module's widget classes must be known before its rules load.
            cls = getattr(importlib.import_module(f"screens.{module}"), class_name)
            load_kv(module)
            return cls(name=name)
    raise KeyError(f"no screen {name!r}")


def title_keys() -> list[str]:
    """The message keys of the screens' titles (``ui.<screen>.title``): each is spoken as
    its screen opens, so the app pre-renders them into the speech cache at start."""
    return [k for k in catalogue(DEFAULT_LANGUAGE) if k.startswith("ui.") and k.endswith(".title")]
