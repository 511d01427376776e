"""Start the app (or a script that starts it) in a process of its own, as on a machine
without a display: no DISPLAY or WAYLAND_DISPLAY (SDL falls back to its offscreen
driver) and a Kivy home of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_offscreen(
    args: list[str], tmp_path: Path, timeout: float
) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` from the repository, its output captured as text."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["KIVY_HOME"] = str(tmp_path / "kivy-home")
    env["KIVY_NO_ARGS"] = "1"  # what screens/app.py sets too: argv is the kiosk's
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=timeout,
    )
