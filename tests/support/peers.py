"""A test's real peer that is missing: a skip on a developer's machine, a failure in CI.

CI sets ``CI=true``; ``KIOSK_REQUIRE_PEERS=1`` asks the same anywhere, so that a green
run can never hide a peer that was not there. Every test that needs a program
(pcscd, espeak-ng, mosquitto, socat, OctoPrint) or a Python package (pysip2, trustme,
python-escpos) asks here, and only here.
"""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest


def peers_required() -> bool:
    return (
        os.environ.get("CI", "").lower() == "true" or os.environ.get("KIOSK_REQUIRE_PEERS") == "1"
    )


def missing_peer(reason: str) -> NoReturn:
    """Skip the test, or fail it when peers are required."""
    if peers_required():
        pytest.fail(f"required peer missing: {reason} (./setup.sh test installs it)", pytrace=False)
    # Also at a module's top (a test file whose every test needs the peer).
    pytest.skip(reason, allow_module_level=True)


def check(reason: str | None) -> None:
    """:func:`missing_peer` when ``reason`` says why a peer cannot run (None: it can)."""
    if reason is not None:
        missing_peer(reason)


def program(name: str, package: str, *also: str) -> str:
    """The path of program ``name`` (looked up on PATH, then in ``also``), or
    :func:`missing_peer` naming the Debian ``package`` that installs it."""
    found = shutil.which(name) or next((p for p in also if Path(p).exists()), None)
    if found is None:
        missing_peer(f"{name} is not installed (Debian package {package})")
    return found


def module(name: str, install: str) -> ModuleType:
    """Python module ``name`` imported, or :func:`missing_peer` saying how to install it
    (pip: ``install``). Replaces ``pytest.importorskip``, which skips even in CI."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing_peer(f"{name} is not installed ({install})")
