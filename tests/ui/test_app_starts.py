"""The app starts on a machine without a display and draws its first screen."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from tests.support.offscreen import run_offscreen
from tests.support.peers import missing_peer
from tests.support.png import colours, read_png


@pytest.mark.ui
def test_demo_starts_offscreen_and_writes_a_non_blank_screenshot(tmp_path: Path) -> None:
    shot = tmp_path / "attract.png"
    args = ["-m", "kiosk", "demo", "--exit-after", "3", "--screenshot", str(shot)]
    result = run_offscreen(args, tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.exists(), result.stderr[-2000:]
    width, height, _, _ = read_png(shot)
    assert (width, height) == (800, 480)  # the configured panel
    found = colours(shot)
    # Text, buttons and background: many colours, not a black or single-colour frame.
    assert len(found) > 20
    assert (0, 0, 0) not in found or len(found) > 50
    assert (255, 255, 255) in found  # the default theme's background


# The app with a real espeak-ng speaker whose pre-rendering waits for the first frame:
# were it run on the UI thread, no frame would ever be drawn.
PRERENDER = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    from kiosk import bootstrap, config as config_module
    config = config_module.parse(config_module.default_config_text(), "<test>")
    kiosk = bootstrap.open_kiosk(config, store=False)
    kiosk.start()
    from screens.app import configure_kivy
    configure_kivy(kiosk.config)
    from kivy.clock import Clock
    from kivy.core.window import Window
    from devices.espeak import EspeakSpeaker
    from screens.kiosk_app import KioskApp
    drawn = threading.Event()

    class FirstFrameFirst(EspeakSpeaker):
        def prerender(self, prompts):
            prompts = list(prompts)
            ui_thread = threading.current_thread() is threading.main_thread()
            print("PRERENDER", len(prompts), "ui-thread" if ui_thread else "own-thread", flush=True)
            waited = drawn.wait(30)
            print("RENDERED", super().prerender(prompts), waited, flush=True)
            Clock.schedule_once(lambda _dt: app.quit())
            return 0

    kiosk.speaker = FirstFrameFirst(player="none", cache_dir=Path(sys.argv[1]))
    app = KioskApp(kiosk=kiosk, services=kiosk.services)
    Window.bind(on_flip=lambda *_a: drawn.set())
    Clock.schedule_once(lambda _dt: app.quit(), 60)
    app.run()
    kiosk.stop()
    """
)


@pytest.mark.ui
def test_the_fixed_prompts_are_pre_rendered_at_start_without_holding_up_the_first_frame(
    tmp_path: Path,
) -> None:
    """docs/accessibility.md, start-up: the screens' titles and the accessibility prompts
    are synthesised into the speaker's cache on a thread of their own."""
    if shutil.which("espeak-ng") is None:
        missing_peer("espeak-ng (Debian package espeak-ng) is not installed")
    from accessibility.speech import fixed_prompts
    from kiosk.i18n import translate
    from screens.registry import title_keys

    cache = tmp_path / "speech"
    result = run_offscreen(["-c", PRERENDER, str(cache)], tmp_path, timeout=180)
    lines = [line.split() for line in result.stdout.splitlines()]
    started = next((x for x in lines if x[0] == "PRERENDER"), None)
    assert started is not None, result.stderr[-2000:]
    from kiosk import config as config_module

    # The same default config the script starts with: its speech key names the idle
    # prompt, pre-rendered too.
    section = config_module.parse(config_module.default_config_text(), "<test>").accessibility
    wanted = fixed_prompts(title_keys(), section.speech_keys())
    assert started[1:] == [str(len(wanted)), "own-thread"]
    for language in ("id", "en"):  # the screens' titles in both voices
        assert (translate("ui.borrow.title", language), language) in wanted
    rendered = next(x for x in lines if x[0] == "RENDERED")
    assert rendered[2] == "True", "the first frame waited for the speech cache"
    assert int(rendered[1]) == len(set(wanted)) == len(list(cache.glob("*.wav")))
