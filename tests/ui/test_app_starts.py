"""The app starts on a machine without a display and draws its first screen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.png import colours, read_png

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.ui
def test_demo_starts_offscreen_and_writes_a_non_blank_screenshot(tmp_path: Path) -> None:
    shot = tmp_path / "attract.png"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["KIVY_HOME"] = str(tmp_path / "kivy-home")
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "demo", "--exit-after", "3", "--screenshot", str(shot)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.exists(), result.stderr[-2000:]
    width, height, _, _ = read_png(shot)
    assert (width, height) == (800, 480)  # the configured panel
    found = colours(shot)
    # Text, buttons and background: many colours, not a black or single-colour frame.
    assert len(found) > 20
    assert (0, 0, 0) not in found or len(found) > 50
    assert (255, 255, 255) in found  # the default theme's background
