"""Speech through espeak-ng, played with aplay: ``espeak://NAME?rate=175&player=aplay``.

URL options (all optional):

- ``rate``: words per minute, 80-450 (espeak-ng ``-s``; default 175).
- ``player``: ``aplay`` (default) or ``none`` (synthesise only: tests, benchmarks, a
  kiosk without a sound card).
- ``device``: ALSA device for aplay ``-D`` (default: ALSA's default).
- ``cache``: folder of pre-rendered prompts (default ``$CACHE_DIRECTORY/speech`` under
  systemd, else ``~/.cache/kiosk/speech``).
- ``volume``: starting level 0.0-1.0 (default 1.0).
- ``voice_id`` / ``voice_en``: espeak-ng voice per screen language (default ``id``/``en``).

Threads: ``say``, ``play_earcon``, ``stop_speaking`` and ``set_volume`` return at once
(any thread, typically the Kivy main thread). One worker thread, owned by the speaker,
synthesises (``espeak-ng --stdout``, streamed) and plays (``aplay -``, fed through a
pipe). A new ``say`` or earcon interrupts: the running espeak-ng and aplay processes are
killed. Each utterance's WAV is cached on disk keyed by (text, voice, rate), so fixed
prompts are synthesised once (:meth:`EspeakSpeaker.prerender` fills the cache at start).

Failure is silent for the patron: without espeak-ng nothing is spoken; without an audio
device speech is still synthesised (and cached) but not heard. ``check`` says which, and
``kiosk doctor`` shows it as a warning.
"""

from __future__ import annotations

import array
import contextlib
import hashlib
import io
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
import wave
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from devices import earcons
from kiosk.bus import EventBus
from kiosk.domain.events import DeviceStatus
from kiosk.ports import EARCONS, DeviceUrl

log = logging.getLogger(__name__)

PLAYERS = ("aplay", "none")
DEFAULT_RATE = 175
_HEADER = 44  # espeak-ng --stdout and the wave module both write the canonical header
_CHUNK = 16384
#: Seconds after a playback failure before aplay is tried again.
AUDIO_RETRY_S = 60.0


def default_cache_dir() -> Path:
    cache = os.environ.get("CACHE_DIRECTORY")
    if cache:
        return Path(cache.split(":")[0]) / "speech"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kiosk" / "speech"


@dataclass(frozen=True)
class Spoken:
    """What the worker did with one utterance (kept in :attr:`EspeakSpeaker.history`).

    ``ready_s``: seconds from ``say`` to the first audio sample ready for the player;
    None when it never got there (interrupted, or espeak-ng missing)."""

    text: str
    language: str
    voice: str
    cached: bool
    ready_s: float | None
    played: bool
    interrupted: bool


@dataclass
class _Job:
    kind: str  # "speech" or "earcon"
    text: str
    language: str = ""
    requested: float = field(default_factory=time.perf_counter)
    cancelled: bool = False
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)


class EspeakSpeaker:
    """A :class:`~kiosk.ports.Speaker` and :class:`~kiosk.ports.EarconPlayer`."""

    kind = "speaker"
    #: ``kiosk doctor`` reports a failed check of this device as a warning: the kiosk
    #: still serves patrons without speech.
    failure_is_warning = True

    def __init__(
        self,
        name: str = "espeak",
        rate: int = DEFAULT_RATE,
        player: str = "aplay",
        cache_dir: str | Path | None = None,
        device: str = "",
        volume: float = 1.0,
        voices: dict[str, str] | None = None,
        espeak: str = "espeak-ng",
        aplay: str = "aplay",
    ) -> None:
        if player not in PLAYERS:
            raise ValueError(f"player= one of {PLAYERS}, not {player!r}")
        if not 80 <= rate <= 450:
            raise ValueError(f"rate= words per minute from 80 to 450, not {rate}")
        self.name = name
        self.rate = rate
        self.player = player
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.device = device
        self.voices = {"id": "id", "en": "en", **(voices or {})}
        self.espeak = espeak
        self.aplay = aplay
        self._volume = min(1.0, max(0.0, volume))
        #: Called on the worker thread as (text, seconds from say) when the first audio
        #: sample is ready: the benchmark's probe. Must return quickly.
        self.on_audio_ready: Callable[[str, float], None] | None = None
        #: The last utterances, newest last (for tests, the benchmark and the doctor).
        self.history: deque[Spoken] = deque(maxlen=200)
        #: Why playback failed last (aplay's own words), or "" while it works.
        self.audio_error = ""
        self._audio_failed_at = 0.0
        self._cond = threading.Condition()
        self._queue: deque[_Job] = deque()
        self._current: _Job | None = None
        self._thread: threading.Thread | None = None
        self._running = False
        self._bus: EventBus | None = None
        self._earcon_wavs: dict[str, bytes] = {}
        self._warned_missing = False
        self.idle = threading.Event()
        self.idle.set()

    @classmethod
    def from_url(cls, url: DeviceUrl) -> EspeakSpeaker:
        """Raises ValueError naming what was expected."""
        known = {"rate", "player", "cache", "device", "volume", "voice_id", "voice_en"}
        unknown = set(url.params) - known
        if unknown:
            raise ValueError(f"espeak:// options {sorted(known)}, not {sorted(unknown)}")
        p = url.params
        try:
            rate = int(p.get("rate", DEFAULT_RATE))
        except ValueError:
            raise ValueError("rate= whole words per minute (80-450)") from None
        try:
            volume = float(p.get("volume", 1.0))
        except ValueError:
            raise ValueError("volume= a number from 0.0 to 1.0") from None
        if not 0.0 <= volume <= 1.0:
            raise ValueError("volume= a number from 0.0 to 1.0")
        voices = {k.removeprefix("voice_"): v for k, v in p.items() if k.startswith("voice_")}
        return cls(
            name=url.host or "espeak",
            rate=rate,
            player=p.get("player", "aplay"),
            cache_dir=p.get("cache") or None,
            device=p.get("device", ""),
            volume=volume,
            voices=voices,
        )

    # -- lifecycle -----------------------------------------------------------------
    def start(self, bus: EventBus) -> None:
        """Start the worker thread; returns at once. Publishes a DeviceStatus saying
        whether speech can be heard (checked on the worker, not the caller's thread)."""
        self._bus = bus
        self._ensure_worker()
        threading.Thread(target=self._publish_status, name=f"speaker-{self.name}-check").start()

    def stop(self) -> None:
        """Stop speaking and end the worker thread (blocks up to about 2 s)."""
        with self._cond:
            self._running = False
            self._cancel_all()
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None

    def check(self) -> tuple[bool, str]:
        """Blocking (a few espeak-ng runs, well under a second): espeak-ng present,
        each voice synthesises, an audio device exists. (ok, one line saying which)."""
        binary = shutil.which(self.espeak)
        if binary is None:
            return False, (f"{self.espeak} not found (Debian package espeak-ng): speech is silent")
        problems: list[str] = []
        found: list[str] = []
        for language, voice in sorted(self.voices.items()):
            result = self._run([binary, "-v", voice, "-q", "-w", os.devnull, "a"])
            if result is None or result.returncode != 0 or result.stderr.strip():
                detail = result.stderr.decode(errors="replace").strip() if result else ""
                problems.append(f"voice {voice!r} for {language} missing {detail}".strip())
            else:
                found.append(f"{language}={voice}")
        version = self._run([binary, "--version"])
        what = version.stdout.decode(errors="replace").split(":")[0] if version else "espeak-ng"
        audio_ok, audio = self._check_audio()
        if not audio_ok:
            problems.append(audio)
        parts = [f"{what.strip()} voices {', '.join(found) or 'none'}", audio] if audio_ok else []
        if problems:
            return False, "; ".join(problems)
        return True, "; ".join(parts)

    def _check_audio(self) -> tuple[bool, str]:
        if self.player == "none":
            return True, "playback off (player=none)"
        binary = shutil.which(self.aplay)
        if binary is None:
            return False, "aplay not found (Debian package alsa-utils): speech is not heard"
        # Open the device for real with 10 ms of silence: `aplay -l` lists cards but
        # not ALSA plugins such as "null" or a dmix device named in config.
        silence = io.BytesIO()
        with wave.open(silence, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(22050)
            out.writeframes(bytes(2 * 220))
        argv = [binary, "-q"] + (["-D", self.device] if self.device else []) + ["-"]
        try:
            done = subprocess.run(
                argv, input=silence.getvalue(), capture_output=True, timeout=5.0, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, f"no audio output ({exc}): speech is not heard"
        if done.returncode != 0:
            listing = self._run([binary, "-l"])
            text = (listing.stdout + listing.stderr).decode(errors="replace") if listing else ""
            if "card " not in text and text.strip():
                reason = text.strip().splitlines()[0]
            else:
                error = done.stderr.decode(errors="replace").strip()
                reason = error.splitlines()[-1] if error else f"aplay exit {done.returncode}"
            return False, f"no audio device ({reason}): speech is not heard"
        self.audio_error = ""  # a device that works again (plugged back in) is used again
        return True, f"audio via aplay{' -D ' + self.device if self.device else ''}"

    @staticmethod
    def _run(argv: list[str]) -> subprocess.CompletedProcess[bytes] | None:
        try:
            return subprocess.run(argv, capture_output=True, timeout=5.0, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None

    # -- the Speaker port ----------------------------------------------------------
    def say(self, text: str, language: str) -> None:
        """Queue ``text`` in ``language``'s voice; interrupts current speech (not an
        earcon queued just before, which marks the same action). Returns at once."""
        if not text.strip():
            return
        with self._cond:
            if self._current is not None and self._current.kind == "speech":
                self._cancel(self._current)
            kept = [job for job in self._queue if job.kind != "speech"]
            for job in self._queue:
                if job.kind == "speech":
                    job.cancelled = True
            self._queue = deque(kept)
            self._queue.append(_Job("speech", text, language))
            self.idle.clear()
            self._cond.notify()
        self._ensure_worker()

    def play_earcon(self, name: str) -> None:
        """Interrupt everything and play earcon ``name`` (one of kiosk.ports.EARCONS)."""
        if name not in EARCONS:
            raise ValueError(f"unknown earcon {name!r}; one of {EARCONS}")
        with self._cond:
            self._cancel_all()
            self._queue.append(_Job("earcon", name))
            self.idle.clear()
            self._cond.notify()
        self._ensure_worker()

    def stop_speaking(self) -> None:
        with self._cond:
            self._cancel_all()

    def set_volume(self, level: float) -> None:
        """0.0-1.0; applies from the next utterance (samples are scaled before aplay)."""
        self._volume = min(1.0, max(0.0, level))

    @property
    def volume(self) -> float:
        return self._volume

    # -- cache ----------------------------------------------------------------------
    def voice_for(self, language: str) -> str:
        return self.voices.get(language, self.voices["id"])

    def cache_path(self, text: str, voice: str) -> Path:
        key = hashlib.sha256(f"{voice}\n{self.rate}\n{text}".encode()).hexdigest()[:40]
        return self.cache_dir / f"{key}.wav"

    def prerender(self, prompts: Iterable[tuple[str, str]]) -> int:
        """Synthesise every (text, language) not cached yet. Blocking (about 10-20 ms
        per prompt): call it from a worker at start, never the UI thread. Returns how
        many were rendered now."""
        binary = shutil.which(self.espeak)
        if binary is None:
            return 0
        rendered = 0
        for text, language in prompts:
            voice = self.voice_for(language)
            path = self.cache_path(text, voice)
            if path.exists() or not text.strip():
                continue
            process = subprocess.run(
                [binary, "-v", voice, "-s", str(self.rate), "--stdout"],
                input=text.encode(),
                capture_output=True,
                timeout=30,
                check=False,
            )
            if process.returncode == 0 and len(process.stdout) > _HEADER:
                self._store(path, process.stdout)
                rendered += 1
        return rendered

    def _store(self, path: Path, stream: bytes) -> None:
        """Write espeak-ng's streamed WAV (sizes unknown in its header) as a proper WAV
        file, atomically (two kiosks' processes may share a cache)."""
        channels, rate, width = _format(stream)
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(channels)
            out.setsampwidth(width)
            out.setframerate(rate)
            out.writeframes(stream[_HEADER:])
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            temporary.write_bytes(buffer.getvalue())
            os.replace(temporary, path)
        except OSError as exc:
            log.warning("speech cache %s not writable: %s", path.parent, exc)

    # -- worker ---------------------------------------------------------------------
    def _ensure_worker(self) -> None:
        with self._cond:
            if self._thread is not None and self._thread.is_alive():
                return
            self._running = True
            self._thread = threading.Thread(target=self._work, name=f"speaker-{self.name}")
            self._thread.daemon = True  # never keep a closing kiosk alive for speech
            self._thread.start()

    def _cancel(self, job: _Job) -> None:
        job.cancelled = True
        for process in job.processes:
            with contextlib.suppress(OSError):
                process.kill()

    def _cancel_all(self) -> None:
        if self._current is not None:
            self._cancel(self._current)
        for job in self._queue:
            job.cancelled = True
        self._queue.clear()

    def _work(self) -> None:
        while True:
            with self._cond:
                while self._running and not self._queue:
                    self.idle.set()
                    self._cond.wait()
                if not self._running:
                    self.idle.set()
                    return
                job = self._queue.popleft()
                self._current = job
            try:
                if job.kind == "earcon":
                    self._play_earcon(job)
                else:
                    self._speak(job)
            except Exception:
                log.exception("speaker %s failed on %r", self.name, job.text[:40])
            finally:
                with self._cond:
                    self._current = None
                for process in job.processes:
                    _reap(process)

    def _publish_status(self) -> None:
        ok, reason = self.check()
        if not ok:
            log.warning("speaker %s: %s", self.name, reason)
        if self._bus is not None:
            detail = "" if ok else "a11y.speech_unavailable"
            self._bus.publish(DeviceStatus(device=self.name, kind=self.kind, ok=ok, detail=detail))

    def _play_earcon(self, job: _Job) -> None:
        wav = self._earcon_wavs.get(job.text)
        if wav is None:
            wav = self._earcon_wavs[job.text] = earcons.render(job.text)
        self._play(job, [wav])

    def _speak(self, job: _Job) -> None:
        voice = self.voice_for(job.language)
        path = self.cache_path(job.text, voice)
        try:
            cached = path.read_bytes()
        except OSError:
            cached = None
        if cached is not None:
            at = time.perf_counter() - job.requested
            self._ready(job, at)
            played = self._play(job, [cached])
            self._record(job, voice, True, at, played)
            return
        binary = shutil.which(self.espeak)
        if binary is None:
            if not self._warned_missing:
                log.warning("%s not found: speech is silent", self.espeak)
                self._warned_missing = True
            self._record(job, voice, False, None, False)
            return
        synth = subprocess.Popen(
            [binary, "-v", voice, "-s", str(self.rate), "--stdout"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        with self._cond:
            job.processes.append(synth)
            if job.cancelled:
                self._cancel(job)
        assert synth.stdin is not None
        assert synth.stdout is not None
        with contextlib.suppress(OSError):
            synth.stdin.write(job.text.encode())
            synth.stdin.close()
        stream = bytearray()
        ready: float | None = None
        fd = synth.stdout.fileno()

        def produce() -> Iterable[bytes]:
            nonlocal ready
            while True:
                try:
                    chunk = os.read(fd, _CHUNK)
                except OSError:
                    return
                if not chunk:
                    return
                stream.extend(chunk)
                if ready is None and len(stream) > _HEADER:
                    ready = time.perf_counter() - job.requested
                    self._ready(job, ready)
                yield chunk

        played = self._play(job, produce())
        for _ in produce():  # playback failed or is off: finish synthesis for the cache
            pass
        synth.wait()
        complete = synth.returncode == 0 and not job.cancelled and len(stream) > _HEADER
        if complete:
            self._store(path, bytes(stream))
        self._record(job, voice, False, ready, played)

    def _ready(self, job: _Job, seconds: float) -> None:
        callback = self.on_audio_ready
        if callback is not None and not job.cancelled:
            callback(job.text, seconds)

    def _record(
        self, job: _Job, voice: str, cached: bool, ready: float | None, played: bool
    ) -> None:
        self.history.append(
            Spoken(job.text, job.language, voice, cached, ready, played, job.cancelled)
        )

    def _play(self, job: _Job, wav_chunks: Iterable[bytes]) -> bool:
        """Feed WAV bytes to aplay; True when it played to the end. With player=none
        (or no working device) the chunks are consumed without sound."""
        scaler = _Scaler(self._volume)
        # After a failure, retry the device once a minute (a USB speaker plugged back in).
        failed_recently = (
            self.audio_error and time.monotonic() - self._audio_failed_at < AUDIO_RETRY_S
        )
        if self.player == "none" or failed_recently or job.cancelled:
            for _ in wav_chunks:
                if job.cancelled:
                    break
            return False
        argv = [self.aplay, "-q"] + (["-D", self.device] if self.device else []) + ["-"]
        try:
            player = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
        except OSError as exc:
            self.audio_error = f"{self.aplay}: {exc.strerror or exc}"
            self._audio_failed_at = time.monotonic()
            return False
        with self._cond:
            job.processes.append(player)
            if job.cancelled:
                self._cancel(job)
        assert player.stdin is not None
        assert player.stderr is not None
        try:
            for chunk in wav_chunks:
                if job.cancelled:
                    break
                player.stdin.write(scaler(chunk))
            player.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        player.wait()
        if player.returncode != 0 and not job.cancelled:
            error = player.stderr.read().decode(errors="replace").strip()
            self.audio_error = (
                error.splitlines()[-1] if error else f"aplay exit {player.returncode}"
            )
            log.warning("speaker %s: playback failed: %s", self.name, self.audio_error)
            return False
        played = player.returncode == 0 and not job.cancelled
        if played:
            self.audio_error = ""
        return played


def _reap(process: subprocess.Popen[bytes]) -> None:
    """Kill (if still running), wait for and close the pipes of a helper process."""
    if process.poll() is None:
        with contextlib.suppress(OSError):
            process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=2.0)
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


def _format(stream: bytes) -> tuple[int, int, int]:
    """(channels, sample rate, bytes per sample) from a canonical WAV header."""
    if len(stream) < _HEADER or stream[:4] != b"RIFF" or stream[36:40] != b"data":
        raise ValueError("not a canonical WAV stream")
    channels = int.from_bytes(stream[22:24], "little")
    rate = int.from_bytes(stream[24:28], "little")
    bits = int.from_bytes(stream[34:36], "little")
    return channels, rate, bits // 8


class _Scaler:
    """Scales 16-bit little-endian samples after the 44-byte header by a volume level,
    across chunk boundaries (a chunk may end in the middle of a sample)."""

    def __init__(self, level: float) -> None:
        self.level = level
        self.offset = 0
        self.carry = b""

    def __call__(self, chunk: bytes) -> bytes:
        if self.level >= 0.999:
            return chunk
        header = b""
        if self.offset < _HEADER:
            take = min(len(chunk), _HEADER - self.offset)
            header, chunk = chunk[:take], chunk[take:]
            self.offset += take
        data = self.carry + chunk
        cut = len(data) - len(data) % 2
        data, self.carry = data[:cut], data[cut:]
        samples = array.array("h")
        samples.frombytes(data)
        if sys.byteorder == "big":
            samples.byteswap()
        level = self.level
        scaled = array.array("h", [int(s * level) for s in samples])
        if sys.byteorder == "big":
            scaled.byteswap()
        self.offset += len(chunk)
        return header + scaled.tobytes()
