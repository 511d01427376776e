"""A test's real peer that is missing: a skip on a developer's machine, a failure in CI.

CI sets ``CI=true``; ``KIOSK_REQUIRE_PEERS=1`` asks the same anywhere, so that a green
run can never hide a peer that was not there.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def peers_required() -> bool:
    return (
        os.environ.get("CI", "").lower() == "true" or os.environ.get("KIOSK_REQUIRE_PEERS") == "1"
    )


def missing_peer(reason: str) -> NoReturn:
    """Skip the test, or fail it when peers are required."""
    if peers_required():
        pytest.fail(f"required peer missing: {reason}", pytrace=False)
    pytest.skip(reason)
