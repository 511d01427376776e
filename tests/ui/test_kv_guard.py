"""A kv rule left bound to a widget that died does not crash a property change."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.ui


def test_a_rule_whose_widget_died_is_skipped_not_raised() -> None:
    from kivy.event import EventDispatcher
    from kivy.lang import builder
    from kivy.properties import NumericProperty

    from screens import kv_guard

    kv_guard.install()

    class Source(EventDispatcher):
        size = NumericProperty(0)

    class Target(EventDispatcher):
        height = NumericProperty(0)

    class Rule:
        count = 0
        value = "size"

    source, target = Source(), Target()
    import weakref

    dead = weakref.proxy(Target())  # collected at once: a dead proxy, as Kivy may keep
    live_args = [target, "height", compile("src.size * 2", "<rule>", "eval"), Rule(), {}]
    live_args[4]["src"] = source
    dead_args = [dead, "height", compile("src.size * 2", "<rule>", "eval"), Rule(), {}]
    dead_args[4]["src"] = source
    source.fbind("size", builder.call_fn, dead_args)
    source.fbind("size", builder.call_fn, live_args)
    source.size = 21  # the dead rule is skipped, the live one still applies
    assert target.height == 42
