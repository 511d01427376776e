"""Reading G-code files: slicer thumbnails, estimates, and a top-down outline.

Pure code on bytes or a file; nothing here talks to a printer.

- **Thumbnails**: PrusaSlicer, OrcaSlicer and Cura embed previews as comment blocks,
  ``; thumbnail begin 220x124 12345`` (``thumbnail_QOI``/``thumbnail_JPG`` for the other
  formats), base64 lines each starting ``; ``, then ``; thumbnail end``. They sit at the
  start of the file, so only the head is read.
- **Estimates**: ``; estimated printing time (normal mode) = 1h 2m 3s`` and
  ``; filament used [mm] = 1234.5`` / ``[g]`` (PrusaSlicer writes them at the end,
  OrcaSlicer at the start), Cura's ``;TIME:3723`` and ``;Filament used: 1.23m``.
- **Outline**: when a file has no thumbnail, :func:`outline_png` draws its extruding
  moves seen from above.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass
from pathlib import Path

#: Bytes read from the start of a file for thumbnails and head comments.
HEAD_BYTES = 4_000_000
#: Bytes read from the end for the estimates PrusaSlicer writes there (before its
#: configuration block of a few hundred lines).
TAIL_BYTES = 256_000
#: Bytes of moves read at most for an outline (a big print's first layers and walls
#: already show its footprint).
OUTLINE_BYTES = 24_000_000
#: Segments drawn at most for an outline.
OUTLINE_SEGMENTS = 250_000

_FORMATS = {"": "png", "_PNG": "png", "_QOI": "qoi", "_JPG": "jpg"}
_BEGIN = re.compile(r"^;\s*thumbnail(_PNG|_QOI|_JPG)?\s+begin\s+(\d+)\s*x\s*(\d+)\s+(\d+)")
_END = re.compile(r"^;\s*thumbnail(_PNG|_QOI|_JPG)?\s+end")
_SIGNATURES = {"png": b"\x89PNG\r\n\x1a\n", "qoi": b"qoif", "jpg": b"\xff\xd8"}

_TIME_PATTERNS = (
    re.compile(r"^;\s*estimated printing time \(normal mode\)\s*=\s*(.+)$"),
    re.compile(r"^;.*total estimated time:\s*([0-9dhms ]+)"),
    re.compile(r"^;\s*estimated printing time\s*=\s*(.+)$"),
)
_CURA_TIME = re.compile(r"^;TIME:(\d+(?:\.\d+)?)\s*$")
_FILAMENT_MM = re.compile(r"^;\s*filament used \[mm\]\s*=\s*(.+)$")
_FILAMENT_G = re.compile(r"^;\s*(?:total )?filament used \[g\]\s*=\s*(.+)$")
_CURA_FILAMENT = re.compile(r"^;Filament used:\s*(.+)$")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([dhms])")

#: A line drawn by the nozzle: (x0, y0, x1, y1) in millimetres.
Segment = tuple[float, float, float, float]


@dataclass(frozen=True)
class Thumbnail:
    """A preview image the slicer embedded. ``format`` is ``png``, ``qoi`` or ``jpg``."""

    width: int
    height: int
    format: str
    data: bytes

    def png(self) -> bytes:
        """The image as PNG bytes (QOI and JPG converted with Pillow), for the screens.
        Raises ValueError when the image cannot be decoded."""
        if self.format == "png":
            return self.data
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(self.data)) as image:
                out = io.BytesIO()
                image.save(out, format="PNG")
                return out.getvalue()
        except (UnidentifiedImageError, OSError) as exc:
            raise ValueError(f"{self.format} thumbnail cannot be decoded: {exc}") from None


@dataclass(frozen=True)
class GcodeInfo:
    """What a G-code file says about itself. ``estimated_seconds`` and ``filament_mm``
    are the slicer's; ``filament_g`` too (with the slicer's own density), when given."""

    thumbnails: tuple[Thumbnail, ...] = ()
    estimated_seconds: int | None = None
    filament_mm: float | None = None
    filament_g: float | None = None

    def thumbnail(self, max_width: int = 10_000) -> Thumbnail | None:
        """The largest thumbnail not wider than ``max_width`` (else the smallest one)."""
        if not self.thumbnails:
            return None
        fitting = [t for t in self.thumbnails if t.width <= max_width]
        if fitting:
            return max(fitting, key=lambda t: t.width * t.height)
        return min(self.thumbnails, key=lambda t: t.width * t.height)


def read_info(source: Path | bytes, head_bytes: int = HEAD_BYTES) -> GcodeInfo:
    """Thumbnails and estimates of a G-code file (only its head and tail are read;
    ``head_bytes`` of the head: a list of many files reads less of each).

    ``source`` may also be the first bytes of a file (from a printer's host): what is
    cut off simply is not found. Raises OSError when a file cannot be read.
    """
    if isinstance(source, bytes):
        head = source[:head_bytes]
        tail = source[max(len(head), len(source) - TAIL_BYTES) :]
    else:
        with source.open("rb") as handle:
            head = handle.read(head_bytes)
            size = handle.seek(0, io.SEEK_END)
            tail = b""
            if size > len(head):
                handle.seek(max(len(head), size - TAIL_BYTES))
                tail = handle.read(TAIL_BYTES)
    return parse(_lines(head), _lines(tail))


def parse(head: list[str], tail: list[str] | None = None) -> GcodeInfo:
    """:class:`GcodeInfo` from the head's and the tail's lines."""
    thumbnails = tuple(_thumbnails(head))
    seconds: int | None = None
    filament_mm: float | None = None
    filament_g: float | None = None
    for line in [*head, *(tail or [])]:
        if not line.startswith(";"):
            continue
        if seconds is None:
            seconds = _time(line)
        if filament_mm is None:
            filament_mm = _filament_mm(line)
        if filament_g is None and (match := _FILAMENT_G.match(line)):
            filament_g = _sum_numbers(match.group(1))
    return GcodeInfo(thumbnails, seconds, filament_mm, filament_g)


def parse_duration(text: str) -> int | None:
    """``"1d 2h 3m 4s"`` (any of the parts) -> seconds; None when nothing is there."""
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    parts = _DURATION.findall(text)
    if not parts:
        return None
    return round(sum(float(value) * units[unit] for value, unit in parts))


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8", errors="replace").splitlines()


def _thumbnails(lines: list[str]) -> list[Thumbnail]:
    found: list[Thumbnail] = []
    block: list[str] | None = None
    header: tuple[str, int, int, int] | None = None
    for line in lines:
        if block is None:
            match = _BEGIN.match(line)
            if match:
                kind = _FORMATS[match.group(1) or ""]
                header = (kind, int(match.group(2)), int(match.group(3)), int(match.group(4)))
                block = []
            continue
        if _END.match(line):
            assert header is not None
            thumbnail = _decode(header, "".join(block))
            if thumbnail is not None:
                found.append(thumbnail)
            block = header = None
        elif line.startswith(";"):
            block.append(line[1:].strip())
        else:
            block = header = None  # a block cut short by G-code: not a thumbnail
    return found


def _decode(header: tuple[str, int, int, int], text: str) -> Thumbnail | None:
    kind, width, height, length = header
    if len(text) != length or not width or not height:
        return None
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not data.startswith(_SIGNATURES[kind]):
        return None
    return Thumbnail(width, height, kind, data)


def _time(line: str) -> int | None:
    match = _CURA_TIME.match(line)
    if match:
        return round(float(match.group(1)))
    for pattern in _TIME_PATTERNS:
        match = pattern.match(line)
        if match:
            return parse_duration(match.group(1))
    return None


def _filament_mm(line: str) -> float | None:
    match = _FILAMENT_MM.match(line)
    if match:
        return _sum_numbers(match.group(1))
    match = _CURA_FILAMENT.match(line)
    if match:  # Cura gives metres per extruder: "1.23m, 0.5m"
        metres = _sum_numbers(match.group(1).replace("m", " "))
        return None if metres is None else round(metres * 1000.0, 1)
    return None


def _sum_numbers(text: str) -> float | None:
    values = []
    for part in re.split(r"[,\s]+", text.strip()):
        try:
            values.append(float(part))
        except ValueError:
            continue
    return round(sum(values), 2) if values else None


# -- the outline ---------------------------------------------------------------------
def outline_png(
    source: Path | bytes,
    size: int = 240,
    color: tuple[int, int, int, int] = (0, 0, 0, 255),
    max_bytes: int = OUTLINE_BYTES,
) -> bytes | None:
    """A ``size`` x ``size`` PNG of the file's extruding moves seen from above, on a
    transparent background (the screen's theme shows through); None when the file has
    no extruding move. Reads at most ``max_bytes``."""
    segments = _extrusions(source, max_bytes)
    if not segments:
        return None
    from PIL import Image, ImageDraw

    xs = [v for s in segments for v in (s[0], s[2])]
    ys = [v for s in segments for v in (s[1], s[3])]
    low_x, low_y = min(xs), min(ys)
    span = max(max(xs) - low_x, max(ys) - low_y, 1e-6)
    margin = max(2, size // 20)
    scale = (size - 2 * margin - 1) / span
    # Centre the drawing on the square; y grows upwards on a printer, downwards on screen.
    off_x = margin + ((size - 2 * margin - 1) - (max(xs) - low_x) * scale) / 2
    off_y = margin + ((size - 2 * margin - 1) - (max(ys) - low_y) * scale) / 2
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    bottom = size - 1
    for x0, y0, x1, y1 in segments:
        draw.line(
            (
                off_x + (x0 - low_x) * scale,
                bottom - (off_y + (y0 - low_y) * scale),
                off_x + (x1 - low_x) * scale,
                bottom - (off_y + (y1 - low_y) * scale),
            ),
            fill=color,
            width=1,
        )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _extrusions(source: Path | bytes, max_bytes: int) -> list[Segment]:
    """Segments (x0, y0, x1, y1) in mm of the moves that extrude, in file order.

    Follows G90/G91 (absolute/relative positions, extruder included), M82/M83 (absolute/relative
    extrusion) and G92 (set position); arcs count as straight lines to their end.
    """
    if isinstance(source, bytes):
        return _moves(io.BytesIO(source[:max_bytes]), max_bytes)
    with source.open("rb") as handle:
        return _moves(handle, max_bytes)


def _moves(handle: io.BufferedIOBase | io.BytesIO, max_bytes: int) -> list[Segment]:
    segments: list[Segment] = []
    x = y = e = 0.0
    relative = relative_e = False
    read = 0
    for raw in handle:
        read += len(raw)
        if read > max_bytes or len(segments) >= OUTLINE_SEGMENTS:
            break
        line = raw.split(b";", 1)[0].strip().upper()
        if not line:
            continue
        words = line.split()
        code = words[0]
        if code in (b"G1", b"G0", b"G2", b"G3"):
            values = _words(words[1:])
            nx, ny = x, y
            if "X" in values:
                nx = x + values["X"] if relative else values["X"]
            if "Y" in values:
                ny = y + values["Y"] if relative else values["Y"]
            extrudes = False
            if "E" in values:
                if relative_e:
                    extrudes = values["E"] > 0
                else:
                    extrudes = values["E"] > e
                    e = values["E"]
            if extrudes and (nx != x or ny != y):
                segments.append((x, y, nx, ny))
            x, y = nx, ny
        elif code in (b"G90", b"G91"):  # as Marlin: the extruder follows, until M82/M83
            relative = relative_e = code == b"G91"
        elif code == b"M82":
            relative_e = False
        elif code == b"M83":
            relative_e = True
        elif code == b"G92":  # set position; with no axis named, every axis is 0
            values = _words(words[1:]) if len(words) > 1 else {"X": 0.0, "Y": 0.0, "E": 0.0}
            x, y, e = values.get("X", x), values.get("Y", y), values.get("E", e)
    return segments


def _words(words: list[bytes]) -> dict[str, float]:
    values: dict[str, float] = {}
    for word in words:
        if len(word) < 2:
            continue
        try:
            values[chr(word[0])] = float(word[1:])
        except ValueError:
            continue
    return values
