"""G-code files on the USB sticks mounted on the kiosk (``[printing] usb_mounts``).

Sticks are mounted read-only by the system (docs/makerspace.md); this module only lists
and checks paths. A stick's contents are untrusted: names starting with ``.`` are
skipped (macOS leaves ``._name.gcode`` litter on FAT sticks), directories reached
through a symbolic link are never entered, and a linked file counts only when it
resolves to a regular file on the same mount. A stick pulled out while it is listed
just lists fewer files.
"""

from __future__ import annotations

import glob
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kiosk.domain.errors import DomainError

log = logging.getLogger(__name__)

#: File name endings listed as G-code (``.bgcode``, Prusa's binary G-code, may follow).
GCODE_SUFFIXES = (".gcode", ".gco", ".g")
#: Folder levels below a mount point that are looked into.
MAX_DEPTH = 4
#: Files listed at most (the newest win).
MAX_FILES = 500


@dataclass(frozen=True)
class UsbFile:
    """A G-code file on a stick. ``modified_at`` is aware UTC; ``mount`` the mount point."""

    path: Path
    name: str
    size_bytes: int
    modified_at: datetime
    mount: Path


def mount_points(patterns: Iterable[str]) -> list[Path]:
    """The configured mount points that exist now (entries may be globs such as
    ``/media/usb*``), resolved."""
    found: list[Path] = []
    for pattern in patterns:
        for match in sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]:
            path = Path(match)
            if path.is_dir():
                resolved = path.resolve()
                if resolved not in found:
                    found.append(resolved)
    return found


def list_gcode(patterns: Iterable[str], limit: int = MAX_FILES) -> list[UsbFile]:
    """Every G-code file on the mounted sticks, newest first (at most ``limit``)."""
    files: list[UsbFile] = []
    for mount in mount_points(patterns):
        files.extend(_walk(mount, mount, 0))
    files.sort(key=lambda f: (f.modified_at, f.name), reverse=True)
    return files[:limit]


def on_stick(patterns: Iterable[str], path: str | Path) -> Path:
    """``path`` resolved, when it is a G-code file on a mounted stick; raises
    :class:`DomainError` ``printing.not_on_usb`` (naming the file) otherwise."""
    candidate = Path(path)
    resolved = candidate.resolve()
    for mount in mount_points(patterns):
        if (
            resolved.is_relative_to(mount)
            and resolved.suffix.lower() in GCODE_SUFFIXES
            and resolved.is_file()
            and not any(part.startswith(".") for part in resolved.relative_to(mount).parts)
        ):
            return resolved
    raise DomainError("printing.not_on_usb", file=candidate.name)


def _walk(folder: Path, mount: Path, depth: int) -> Iterator[UsbFile]:
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:  # pulled out, unreadable folder: list what can be read
        log.info("cannot list %s: %s", folder, exc.strerror or exc)
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_symlink():
                target = Path(entry.path).resolve()
                if target.is_relative_to(mount) and target.is_file():
                    yield from _file(Path(entry.path), target, mount)
            elif entry.is_dir(follow_symlinks=False):
                if depth < MAX_DEPTH:
                    yield from _walk(Path(entry.path), mount, depth + 1)
            elif entry.is_file(follow_symlinks=False):
                yield from _file(Path(entry.path), Path(entry.path), mount)
        except OSError as exc:
            log.info("cannot read %s: %s", entry.path, exc.strerror or exc)


def _file(shown: Path, real: Path, mount: Path) -> Iterator[UsbFile]:
    if shown.suffix.lower() not in GCODE_SUFFIXES:
        return
    info = real.stat()
    yield UsbFile(
        path=shown,
        name=shown.name,
        size_bytes=info.st_size,
        modified_at=datetime.fromtimestamp(info.st_mtime, UTC),
        mount=mount,
    )
