"""``kiosk screenshots``: walk through every screen in each language and write PNGs.

Each language starts on a fresh demo database, so both sets show the same story: the
idle screen, signing in (typing, PIN, a refused card), home, borrowing, the receipt,
returning, loans with renewals, holds, equipment, events, feedback, accessibility
options, the inactivity warning, staff mode, and printing on a booked 3D printer (the
files with their pictures, the plan, the print under way, done). Device input goes through the bus,
exactly as a card reader's or scanner's thread would send it.
"""

from __future__ import annotations

import base64
import io
import logging
import math
import os
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from kivy.clock import Clock

from kiosk import bootstrap, demo
from kiosk.bootstrap import Kiosk
from kiosk.domain.errors import KioskError
from kiosk.domain.events import CardTapped, ItemScanned
from screens.capture import capture
from screens.kiosk_app import KioskApp
from screens.widgets import TextEntry

log = logging.getLogger(__name__)

Action = Callable[[], Any]


#: The sets ``kiosk screenshots`` renders: name -> (sub-folder, theme, text scale).
#: "standard" is the configured look; "high-contrast-2.0" the high-contrast theme at
#: the largest text size (ACCESSIBILITY.md: large text without clipping).
SETS: dict[str, tuple[str, str, float | None]] = {
    "standard": ("", "", None),
    "high-contrast-2.0": ("high-contrast-2.0", "high_contrast", 2.0),
}


class ScreenshotApp(KioskApp):
    """The app, driven by a script instead of a patron; quits when done."""

    def __init__(
        self,
        kiosk: Kiosk,
        out: Path,
        languages: list[str],
        sets: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(kiosk=kiosk, services=None, **kwargs)
        #: The running kiosk without a database whose simulators every walk-through
        #: uses; each language opens a kiosk of its own over them (:meth:`fresh`).
        self.device_kiosk = kiosk
        self.sets = list(sets or SETS)
        self._look: tuple[str, float | None] = ("", None)
        self.reduced_motion = True  # still frames: no fades, no pulsing
        self.out = out
        self.languages = languages
        self.written: list[Path] = []
        self.failure: str | None = None
        self._folder = tempfile.TemporaryDirectory(prefix="kiosk-shots-")
        #: Walk-throughs started: each gets a database of its own (a second set in the
        #: same language must not find the first one's loans).
        self._walks = 0
        self._steps: list[tuple[str, str, list[Action], tuple[str, float | None]]] = []
        self._actions: list[Action] = []
        self._target = Path()
        #: The simulated printer the print pane's frames use, and its held clock.
        self._printer: tuple[str, Any] | None = None
        self._held = 0.0

    # -- the script ----------------------------------------------------------------
    def script(self, lang: str) -> list[tuple[str, list[Action]]]:
        cards: dict[str, demo.DemoCard] = {}
        for card in demo.demo_cards():
            cards.setdefault(card.kind, card)  # the first ordinary patron has the most to show
        bus = self.kiosk.bus
        signin = self.screen("signin")

        def tap(kind: str) -> Action:
            return lambda: bus.publish(CardTapped(reader="screenshots", uid=cards[kind].card_key))

        def scan(barcode: str) -> Action:
            return lambda: bus.publish(ItemScanned(scanner="screenshots", barcode=barcode))

        def pin(digits: str) -> Action:
            return lambda: [signin.add_digit(d) for d in digits]

        def out() -> None:
            self.session_control.sign_out("sign_out")
            self.settings.set_language(lang)

        def entry(title_key: str, layout: str, value: str) -> Action:
            return lambda: TextEntry(title=self.tr(title_key), layout=layout, value=value).open(
                animation=False
            )

        return [
            ("attract", [lambda: self.fresh(lang)]),
            ("signin-number", [signin.start_typing, lambda: setattr(signin, "typed", "PLU-00")]),
            ("signin-pin", [tap("pin"), pin("25")]),
            ("signin-refused", [self.session_control.dismiss_modals, tap("expired")]),
            ("home", [signin.reset, tap("ok")]),
            (
                "borrow",
                [lambda: self.go("borrow"), scan("B00004"), scan("B00005"), scan("B00092")],
            ),
            ("borrow-type-barcode", [entry("ui.items.type_title", "card", "B000")]),
            ("receipt", [self.session_control.dismiss_modals, self.screen("borrow").finish]),
            ("loans", [lambda: self.go("loans"), self.screen("loans").renew_all]),
            ("holds", [lambda: self.go("holds")]),
            ("equipment", [lambda: self.go("equipment")]),
            ("equipment-confirm", [self.pick_first_free_slot]),
            (
                "equipment-mine",
                [
                    self.screen("equipment").book,
                    lambda: self.screen("equipment").choose_kind("mine"),
                ],
            ),
            ("events", [lambda: self.go("events"), self._register_for_an_event]),
            (
                "feedback",
                [
                    lambda: self.go("feedback"),
                    lambda: self.screen("feedback").choose(4),
                    lambda: setattr(self.screen("feedback"), "comment", self.tr("ui.demo.comment")),
                ],
            ),
            ("feedback-keyboard", [entry("ui.feedback.comment_title", "text", "Ruang baca")]),
            ("access", [self.session_control.dismiss_modals, lambda: self.go("access")]),
            (
                "session-warning",
                [lambda: self.go("home"), lambda: self.session_control.show_warning(25)],
            ),
            (
                "returns",
                [
                    out,
                    lambda: self.go("returns"),
                    scan("B00003"),
                    scan("B00001"),
                ],
            ),
            ("staff", [out, tap("staff"), pin("1357"), signin.submit_pin]),
            # Last, so that the frames before keep their numbers.
            *self.print_steps([out, tap("ok")]),
        ]

    def fresh(self, lang: str) -> None:
        """A new demo database for this language's walk-through, over the same
        simulators (the kiosk is not started: no scheduler for still frames)."""
        self.session_control.sign_out("sign_out")
        config = self.device_kiosk.config
        # The demo's USB stick: G-code with a slicer's picture, and one without (the
        # kiosk draws its outline).
        stick = write_demo_stick(Path(self._folder.name) / "usb")
        config = replace(config, printing=replace(config.printing, usb_mounts=[str(stick)]))
        self._walks += 1
        shown = bootstrap.open_kiosk(
            config, Path(self._folder.name) / f"{lang}-{self._walks}.db", share=self.device_kiosk
        )
        assert shown.store is not None
        demo.load(shown.store, config)
        if self.kiosk is not self.device_kiosk:
            bootstrap.close_kiosk(self.kiosk)
        self.kiosk, self.services = shown, shown.services
        self.settings.set_language(lang)
        self.screen("attract").refresh()

    def pick_first_free_slot(self) -> None:
        """Open the booking confirmation for the first free computer slot from today on
        (the screen shows one day at a time: move to the next day that has one)."""
        screen = self.screen("equipment")
        screen.choose_kind("computer")
        bookings = screen.bookings
        while bookings is not None and screen.view is not None:
            free = [slot for slot in screen.slots() if slot.durations]
            if free or screen.view.next_day is None:
                if free:
                    screen.pick(free[0])
                return
            # Synchronous here (a still frame): the next day straight from the service.
            screen.show(bookings.view(self.session.ref, screen.view.next_day))

    def _register_for_an_event(self) -> None:
        """Register for the first event that still takes registrations (the demo's
        first one may be under way when the pictures are taken)."""
        screen = self.screen("events")
        event = next((e for e in screen.events if not e.under_way and not e.registered), None)
        if event is not None:
            screen.toggle(event.id)

    # -- printing -------------------------------------------------------------------
    def print_steps(self, sign_in: list[Action]) -> list[tuple[str, list[Action]]]:
        """The print pane on a simulated 3D printer (none: no steps). The simulator's own
        clock (it has one for tests and demos) is held still, so the print under way is
        always shown at the same point; a real printer is never touched here."""
        if not self._sim_printers():
            return []
        screen = self.screen("print")
        return [
            ("print-files", [*sign_in, self.print_booking]),
            ("print-plan", [lambda: screen.choose(0)]),
            ("print-printing", [screen.start, lambda: self.hold_printer(0.42)]),
            ("print-done", [self.finish_print]),
        ]

    def _sim_printers(self) -> list[tuple[str, Any]]:
        return [(rid, h) for rid, h in self.device_kiosk.printers.items() if hasattr(h, "clock")]

    def print_booking(self) -> None:
        """A booking of a simulated printer for the signed-in patron, running now (staff
        make it, for the still frame; the scheduler starts it); then Home's Print."""
        services, space = self.services, self.kiosk.makerspace
        if services is None or services.bookings is None or space is None:
            return
        staff = next(c for c in demo.demo_cards() if c.kind == "staff")
        staff_ref = services.circulation.sign_in(number=staff.card_number, pin=staff.pin).ref
        now = self.kiosk.clock()
        start = now.replace(minute=0 if now.minute < 30 else 30, second=0, microsecond=0)
        for rid, host in self._sim_printers():
            try:
                booking = services.bookings.book(self.session.ref, rid, start, 150, staff=staff_ref)
            except KioskError:
                continue  # the demo's own bookings have this printer now: the next one
            self._printer = (rid, host)
            self.hold_printer(0.0)
            services.bookings.check_in(None, booking.id)
            space.scheduler.tick()
            self.screen("home").refresh()
            self.screen("print").open_for(rid, back_to="home")
            return

    def hold_printer(self, share: float) -> None:
        """Hold the simulator's clock at ``share`` of its print time after now."""
        if self._printer is None:
            return
        host = self._printer[1]
        if share == 0.0:
            self._held = time.monotonic()
        held = self._held + share * float(getattr(host, "print_seconds", 120.0))
        host.clock = lambda: held
        host.status()  # its state on the bus at once, as its own ticks would

    def finish_print(self) -> None:
        """The print ends as done; the simulator's clock runs again for the next walk."""
        if self._printer is None:
            return
        host = self._printer[1]
        host.finish()
        host.clock = time.monotonic
        self._printer = None

    # -- the runner ----------------------------------------------------------------
    def on_start(self) -> None:
        super().on_start()
        # The script shows the inactivity warning itself; no real timeout here.
        self.session_control.stop()
        for set_name in self.sets:
            folder, theme, scale = SETS[set_name]
            for lang in self.languages:
                for number, (name, actions) in enumerate(self.script(lang), start=1):
                    where = f"{folder}/{lang}" if folder else lang
                    self._steps.append((where, f"{number:02d}-{name}", actions, (theme, scale)))
        Clock.schedule_once(lambda _dt: self._next(), 0.3)

    def _next(self) -> None:
        if not self._steps or self.failure:
            self.quit()
            return
        where, name, actions, self._look = self._steps.pop(0)
        lang = where.rsplit("/", 1)[-1]
        self._target = self.out / where / f"{name}.png"
        self._actions = list(actions)
        # The script sets the language itself on the first step; keep later ones on it.
        if self.language != lang and name != "01-attract":
            self.settings.set_language(lang)
        self._advance()

    def _advance(self) -> None:
        if self.failure:
            self.quit()
            return
        if not self._actions:
            target = self._target
            theme, scale = self._look
            # Signing out restores the configured look: apply the set's just before.
            if (theme and self.theme.name != theme) or (scale and self.text_scale != scale):
                if theme:
                    self.settings.set_theme(theme)
                if scale:
                    self.settings.set_text_scale(scale)
                self._settle(self._advance)
                return
            capture(str(target), lambda _error: self._written(target))
            return
        action = self._actions.pop(0)
        try:
            action()
        except Exception:
            self.failure = f"{self._target.name}: {traceback.format_exc()}"
            log.error("screenshot step failed: %s", self.failure)
        self._settle(self._advance)

    def _written(self, target: Path) -> None:
        self.written.append(target)
        self._next()

    def _settle(self, then: Callable[[], None]) -> None:
        """Wait until bus events, workers and layout have all come to rest."""
        quiet = [0]

        def poll(_dt: float) -> bool:
            quiet[0] = quiet[0] + 1 if self.idle else 0
            if quiet[0] >= 4:
                then()
                return False
            return True

        Clock.schedule_interval(poll, 0.03)

    def on_stop(self) -> None:
        super().on_stop()
        if self.kiosk is not self.device_kiosk:
            bootstrap.close_kiosk(self.kiosk)
        self._folder.cleanup()


def write_demo_stick(folder: Path) -> Path:
    """Two G-code files as slicers write them: a key ring with PrusaSlicer's picture and
    estimate (newest), and a vase in Cura's style without a picture."""
    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    picture = Image.new("RGBA", (96, 96), (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    draw.rounded_rectangle((14, 30, 82, 66), radius=16, fill=(230, 120, 20, 255))
    draw.ellipse((22, 40, 38, 56), fill=(0, 0, 0, 0))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    text = base64.b64encode(out.getvalue()).decode("ascii")
    block = [f"; thumbnail begin 96x96 {len(text)}"]
    block += [f"; {text[i : i + 78]}" for i in range(0, len(text), 78)]
    block += ["; thumbnail end", ";"]
    estimate = [
        "; filament used [mm] = 2150.40",
        "; filament used [g] = 6.41",
        "; estimated printing time (normal mode) = 48m 10s",
    ]
    ring = "\n".join(["; generated by PrusaSlicer 2.8.1", *block, *_moves(ring=True), *estimate])
    vase = "\n".join([";FLAVOR:Marlin", ";TIME:6300", ";Filament used: 7.9m", *_moves(ring=False)])
    paths = {"gantungan-kunci.gcode": ring, "vas-bunga.gcode": vase}
    now = time.time()
    for age, (name, body) in enumerate(paths.items()):
        path = folder / name
        path.write_text(body + "\n", encoding="utf-8")
        os.utime(path, (now - 600 - age * 86400, now - 600 - age * 86400))
    return folder


def _moves(ring: bool) -> list[str]:
    """Extruding moves: a rounded bar with a hole, or a wavy vase seen from above."""
    lines = ["G21", "G90", "M82", "G92 E0"]
    e = 0.0
    points = 72
    for layer in range(3):
        lines.append(f"G1 Z{0.2 * (layer + 1):.2f} F3000")
        lines.append("G0 X90.00 Y60.00 F6000")  # to the first point, not extruding
        for i in range(points + 1):
            a = 2 * math.pi * i / points
            r = 30 + (4 * math.sin(6 * a) if not ring else 0)
            x, y = (60 + r * math.cos(a), 60 + r * math.sin(a) * (0.5 if ring else 1))
            e += 0.05
            lines.append(f"G1 X{x:.2f} Y{y:.2f} E{e:.4f} F1800")
    return lines
