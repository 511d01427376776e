"""Session timeouts that warn and can be extended (WCAG 2.2.1, Section 508 407).

:class:`SessionTimer` is driven by an injectable monotonic clock (seconds) and polled
by the UI (the app's session controller, four times a second; tests call
:meth:`SessionTimer.poll` after moving a :class:`ManualClock`). It calls
``on_warning(seconds_left)`` once when the warning is due (shown *and* spoken: the
controller calls :func:`warn`, which speaks it through a
:class:`~accessibility.speech.SpeechController` and returns the words the warning dialog
shows) and ``on_expire()`` once at sign-out time. Any activity before the warning
restarts the countdown; during the warning one press extends the session, up to
``max_extensions`` times (at least 10).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum

from accessibility.speech import ERROR, SpeechController

MonotonicClock = Callable[[], float]

#: WCAG 2.2.1 gives the user at least 20 seconds to extend.
MIN_WARNING_S = 20.0
MIN_EXTENSIONS = 10


class ManualClock:
    """A clock that moves only when told: ``clock.advance(5)``."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True)
class TimeoutPolicy:
    """``session_s``: seconds of inactivity before sign-out; the warning comes
    ``warning_s`` before that."""

    session_s: float = 90.0
    warning_s: float = 30.0
    max_extensions: int = 10
    long_factor: float = 2.0

    def __post_init__(self) -> None:
        if self.warning_s < MIN_WARNING_S:
            raise ValueError(f"warning_s of at least {MIN_WARNING_S:g} s")
        if self.warning_s >= self.session_s:
            raise ValueError("warning_s shorter than session_s")
        if self.max_extensions < MIN_EXTENSIONS:
            raise ValueError(f"max_extensions of at least {MIN_EXTENSIONS}")
        if self.long_factor < 1:
            raise ValueError("long_factor of at least 1")

    def for_patron(self, longer: bool) -> TimeoutPolicy:
        """The policy for a patron who asked for longer timeouts (both the session and
        the warning stretch)."""
        if not longer:
            return self
        return replace(
            self,
            session_s=self.session_s * self.long_factor,
            warning_s=self.warning_s * self.long_factor,
        )

    @classmethod
    def from_config(cls, section: object) -> TimeoutPolicy:
        """From ``config.accessibility``."""
        return cls(
            session_s=float(getattr(section, "session_timeout_s", 90.0)),
            warning_s=float(getattr(section, "timeout_warning_s", 30.0)),
            max_extensions=int(getattr(section, "max_extensions", 10)),
            long_factor=float(getattr(section, "long_timeout_factor", 2.0)),
        )


class Phase(Enum):
    STOPPED = "stopped"
    ACTIVE = "active"
    WARNING = "warning"
    EXPIRED = "expired"


class SessionTimer:
    """One signed-in session's inactivity timer. UI thread only."""

    def __init__(
        self,
        policy: TimeoutPolicy,
        *,
        clock: MonotonicClock = time.monotonic,
        on_warning: Callable[[int], object] | None = None,
        on_expire: Callable[[], object] | None = None,
    ) -> None:
        self.policy = policy
        self.clock = clock
        self.on_warning = on_warning
        self.on_expire = on_expire
        self.phase = Phase.STOPPED
        self.extensions = 0
        self.deadline = 0.0

    def start(self, policy: TimeoutPolicy | None = None) -> None:
        """Sign-in (optionally with the patron's policy, see ``for_patron``)."""
        if policy is not None:
            self.policy = policy
        self.extensions = 0
        self.phase = Phase.ACTIVE
        self.deadline = self.clock() + self.policy.session_s

    def stop(self) -> None:
        """Sign-out by the patron: no more callbacks."""
        self.phase = Phase.STOPPED

    def seconds_left(self) -> int:
        """Whole seconds until sign-out (for the countdown on the warning)."""
        if self.phase in (Phase.STOPPED, Phase.EXPIRED):
            return 0
        return max(0, int(self.deadline - self.clock() + 0.999))

    @property
    def extensions_left(self) -> int:
        return self.policy.max_extensions - self.extensions

    def activity(self) -> bool:
        """A touch or key press. Before the warning it restarts the countdown; during
        the warning it extends (one press is enough). True when the session goes on."""
        if self.phase is Phase.ACTIVE:
            self.deadline = self.clock() + self.policy.session_s
            return True
        if self.phase is Phase.WARNING:
            return self.extend()
        return False

    def extend(self) -> bool:
        """The "more time" button (or any press during the warning). False once the
        extensions are used up: the sign-out then comes as warned."""
        if self.phase not in (Phase.ACTIVE, Phase.WARNING):
            return False
        if self.extensions >= self.policy.max_extensions:
            return False
        self.extensions += 1
        self.phase = Phase.ACTIVE
        self.deadline = self.clock() + self.policy.session_s
        return True

    def poll(self) -> Phase:
        """Check the clock; fire ``on_warning``/``on_expire`` at most once each per
        countdown. Returns the phase after the check."""
        if self.phase is Phase.ACTIVE and self.clock() >= self.deadline - self.policy.warning_s:
            self.phase = Phase.WARNING
            if self.on_warning is not None:
                self.on_warning(self.seconds_left())
        if self.phase is Phase.WARNING and self.clock() >= self.deadline:
            self.phase = Phase.EXPIRED
            if self.on_expire is not None:
                self.on_expire()
        return self.phase


def warning_title(speech: SpeechController) -> str:
    """The warning's heading ("Are you still there?") in the screen language."""
    return speech.text("a11y.timeout.title")


def warning_text(speech: SpeechController, seconds: int, extensions_left: int) -> str:
    """The warning's text in the screen language (shown and spoken alike); the last
    warning (no extension left) says that no more time can be added."""
    if extensions_left <= 0:
        return speech.text("a11y.timeout.last_warning", seconds=seconds)
    return speech.text("a11y.timeout.warning", seconds=seconds)


def warn(speech: SpeechController, seconds: int, extensions_left: int) -> str:
    """Speak the timeout warning (an alert: spoken even with speech mode off, after the
    error earcon) and return its text for the screen to show under
    :func:`warning_title`. Said: the heading, the text and, while more time can be
    given, how to ask for it (a patron who cannot see the button hears it)."""
    text = warning_text(speech, seconds, extensions_left)
    hint = speech.text("a11y.timeout.hint") if extensions_left > 0 else ""
    speech.say(
        " ".join(p for p in (warning_title(speech), text, hint) if p), alert=True, earcon=ERROR
    )
    return text
