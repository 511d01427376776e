"""Starting the Kivy app from the CLI: window settings first, then Kivy, then the app.

Kivy reads its config when first imported, so everything about the window is set here
before any ``kivy`` import. The app itself lives in :mod:`screens.kiosk_app`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.bootstrap import Kiosk
    from kiosk.config import Config


#: How often the GIL passes between the UI thread and the workers, in seconds.
GIL_SWITCH_INTERVAL_S = 0.0002


def configure_kivy(config: Config) -> None:
    """Window and input settings from the ``[display]`` config. Must run before the
    first ``kivy.core.window`` import (Kivy reads them when the window is made)."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    # The UI thread spends most of a frame in the GL driver; with Python's default 5 ms
    # GIL switch interval a service call on the worker thread then waits a frame for
    # every SQLite statement it runs (measured: a 0.1 ms sign-in took 20-160 ms, card
    # tap to name p95 ~200 ms). Handing the GIL over every 0.2 ms lets it finish within
    # the frame it started in.
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    from kivy.config import Config as KivyConfig

    display = config.display
    KivyConfig.set("graphics", "width", str(display.width_px))
    KivyConfig.set("graphics", "height", str(display.height_px))
    KivyConfig.set("graphics", "fullscreen", "auto" if display.fullscreen else "0")
    KivyConfig.set("graphics", "borderless", "1" if display.borderless else "0")
    KivyConfig.set("graphics", "show_cursor", "0" if display.hide_cursor else "1")
    # Kiosk mode: Escape never quits; only staff mode ends the app.
    KivyConfig.set("kivy", "exit_on_escape", "0")
    KivyConfig.set("input", "mouse", "mouse,disable_multitouch")
    from screens import kv_guard

    kv_guard.install()


def run_app(kiosk: Kiosk, *, exit_after: float | None = None, screenshot: str | None = None) -> int:
    """Run the touchscreen app until it is closed (or ``exit_after`` seconds).

    Blocking: Kivy's loop runs on the calling thread (the process's main thread).
    """
    configure_kivy(kiosk.config)
    from screens.kiosk_app import KioskApp

    app = KioskApp(
        kiosk=kiosk, services=kiosk.services, exit_after=exit_after, screenshot=screenshot
    )
    app.run()
    return 0 if app.screenshot_error is None else 1


def run_screenshots(
    kiosk: Kiosk, out: Path, languages: Sequence[str], sets: Sequence[str] | None = None
) -> list[Path]:
    """Render every screen in each language to ``out/<lang>/<NN-screen>.png`` (and
    each further set of :data:`screens.shots.SETS` to ``out/<set>/<lang>/``).

    ``kiosk`` must be built on demo data with simulated devices (see
    ``kiosk screenshots``). Blocking; returns the files written.
    """
    configure_kivy(kiosk.config)
    from screens.shots import ScreenshotApp

    app = ScreenshotApp(
        kiosk=kiosk, out=out, languages=list(languages), sets=list(sets) if sets else None
    )
    app.run()
    if app.failure:
        raise RuntimeError(app.failure)
    return app.written
