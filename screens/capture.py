"""Screenshots of the running window (``kiosk demo --screenshot``, ``kiosk screenshots``).

Taken in ``on_flip``, right after a redraw: a Clock callback may see a black frame.
UI thread only.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window

log = logging.getLogger(__name__)


def capture(path: str, then: Callable[[str | None], None]) -> None:
    """Write the window to ``path`` (PNG) at the next frame, then call ``then(error)``
    on the next clock tick (``error`` None: written)."""

    def take(*_args: Any) -> None:
        Window.unbind(on_flip=take)
        target = Path(path).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        written = Window.screenshot(name=str(target.with_suffix("")) + "%(counter)04d.png")
        error = None
        if written:
            os.replace(written, target)
            log.info("screenshot written to %s", target)
        else:
            error = "the window gave no screenshot"
        Clock.schedule_once(lambda _dt: then(error))

    Window.bind(on_flip=take)
    Window.canvas.ask_update()
