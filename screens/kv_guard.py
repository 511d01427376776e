"""A kv rule whose target widget has died must not crash the kiosk.

Kivy binds each kv rule (``height: app.touch_px``) through ``kivy.lang.builder.call_fn``
with a weak proxy of the widget it sets, and unbinds it when that proxy dies. When the
proxy is collected together with the widget in one garbage cycle, Python skips the
weakref callback and the binding stays; the next change of the watched property (a
theme or text-size switch on the app) then raises ``ReferenceError`` inside Kivy and
the patron's tap fails. Kivy's own delayed path (``Builder.sync``) already ignores dead
targets; this does the same for the immediate path.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)
_installed = False


def install() -> None:
    """Wrap ``call_fn`` once per process; rules applied afterwards use the wrapper."""
    global _installed
    if _installed:
        return
    from kivy.lang import builder

    original = builder.call_fn

    def call_fn(args: Any, instance: Any, value: Any) -> None:
        try:
            original(args, instance, value)
        except ReferenceError:
            log.debug("kv rule for a widget that no longer exists skipped")

    builder.call_fn = call_fn
    _installed = True
