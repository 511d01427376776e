"""OctoPrint's JSON -> the port's plain data. Pure functions, no network.

The same shapes arrive from the REST API (``GET /api/printer``, ``GET /api/job``,
``GET /api/files``) and from the push socket (``current`` and ``history`` messages,
whose ``state``, ``job`` and ``progress`` are those of the REST API).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kiosk.ports import JobOwner, PrinterStatus, PrintFile, PrintJob

#: The key of the kiosk's own part of OctoPrint's ``userdata`` (other clients may keep
#: theirs beside it).
USERDATA_KEY = "palu_kiosk"


def userdata(owner: JobOwner) -> str:
    """The ``userdata`` form field of an upload: JSON kept with the file's metadata."""
    return json.dumps({USERDATA_KEY: {"booking": owner.booking_id, "kiosk": owner.kiosk_id}})


def owner_of(entry: dict[str, Any]) -> JobOwner | None:
    """The owner kept in a file entry's ``userdata`` (None: not a kiosk's upload)."""
    data = entry.get("userdata")
    mine = data.get(USERDATA_KEY) if isinstance(data, dict) else None
    if not isinstance(mine, dict):
        return None
    booking, kiosk = mine.get("booking"), mine.get("kiosk")
    if isinstance(booking, bool) or not isinstance(booking, int) or not isinstance(kiosk, str):
        return None
    return JobOwner(booking_id=booking, kiosk_id=kiosk)


def state_of(state: dict[str, Any] | None) -> str:
    """OctoPrint's ``state`` (``text`` and ``flags``) -> one of ``PRINTER_STATES``."""
    flags = (state or {}).get("flags") or {}
    if flags.get("error"):
        return "error"
    if not flags.get("operational"):
        return "disconnected"
    if flags.get("cancelling"):
        return "cancelling"
    if flags.get("paused") or flags.get("pausing"):
        return "paused"
    if flags.get("printing") or flags.get("finishing"):
        return "printing"
    return "idle"


def job_of(
    job: dict[str, Any] | None, progress: dict[str, Any] | None, owner: JobOwner | None
) -> PrintJob | None:
    """A :class:`PrintJob` from OctoPrint's ``job`` and ``progress`` (None: no file)."""
    file = (job or {}).get("file") or {}
    path = file.get("path")
    if not isinstance(path, str) or not path:
        return None
    progress = progress or {}
    filament = ((job or {}).get("filament") or {}).get("tool0") or {}
    return PrintJob(
        path=path,
        name=str(file.get("display") or file.get("name") or path.rsplit("/", 1)[-1]),
        completion=_number(progress.get("completion")),
        print_seconds=_whole(progress.get("printTime")),
        time_left=_whole(progress.get("printTimeLeft")),
        estimated_seconds=_whole((job or {}).get("estimatedPrintTime")),
        filament_mm=_number(filament.get("length")),
        owner=owner,
        user=(job or {}).get("user"),
    )


def job_file_key(job: dict[str, Any] | None) -> tuple[str, object] | None:
    """(path, upload date) of a job's file: a re-upload under the same name is a new key."""
    file = (job or {}).get("file") or {}
    path = file.get("path")
    return (path, file.get("date")) if isinstance(path, str) and path else None


@dataclass(frozen=True)
class Temperatures:
    """Hotend and bed, actual and target, in degrees Celsius."""

    hotend_c: float | None = None
    hotend_target_c: float | None = None
    bed_c: float | None = None
    bed_target_c: float | None = None


def temperatures(data: dict[str, Any] | None) -> Temperatures:
    """``{"tool0": {"actual", "target"}, "bed": {...}}`` (REST ``temperature`` or one
    entry of a push message's ``temps``)."""
    data = data or {}
    tool = data.get("tool0") or {}
    bed = data.get("bed") or {}
    return Temperatures(
        hotend_c=_number(tool.get("actual")),
        hotend_target_c=_number(tool.get("target")),
        bed_c=_number(bed.get("actual")),
        bed_target_c=_number(bed.get("target")),
    )


def status_of(
    state: dict[str, Any] | None,
    temps: Temperatures,
    job: PrintJob | None,
) -> PrinterStatus:
    """An online host's :class:`PrinterStatus`. An idle printer keeps its last job
    (OctoPrint keeps the file selected: 100 % after a finished print, no completion
    after a cancelled one); a disconnected one has none."""
    name = state_of(state)
    if name == "disconnected":
        return PrinterStatus(online=True, state=name, job=None)
    return PrinterStatus(
        online=True,
        state=name,
        job=job,
        hotend_c=temps.hotend_c,
        hotend_target_c=temps.hotend_target_c,
        bed_c=temps.bed_c,
        bed_target_c=temps.bed_target_c,
    )


def print_files(listing: dict[str, Any]) -> tuple[PrintFile, ...]:
    """``GET /api/files?recursive=true`` -> the machine code files, newest first."""
    found: list[PrintFile] = []

    def walk(entries: list[Any]) -> None:
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            if entry.get("type") == "folder":
                walk(entry.get("children") or [])
            elif entry.get("type") == "machinecode" and isinstance(entry.get("path"), str):
                found.append(print_file(entry))

    walk(listing.get("files") or [])
    return tuple(sorted(found, key=lambda f: (f.uploaded_at or _EPOCH, f.path), reverse=True))


def print_file(entry: dict[str, Any]) -> PrintFile:
    analysis = entry.get("gcodeAnalysis") or {}
    filament = (analysis.get("filament") or {}).get("tool0") or {}
    date = entry.get("date")
    return PrintFile(
        path=entry["path"],
        name=str(entry.get("display") or entry.get("name") or entry["path"]),
        size_bytes=_whole(entry.get("size")),
        uploaded_at=datetime.fromtimestamp(date, UTC) if isinstance(date, int | float) else None,
        estimated_seconds=_whole(analysis.get("estimatedPrintTime")),
        filament_mm=_number(filament.get("length")),
        owner=owner_of(entry),
    )


_EPOCH = datetime.fromtimestamp(0, UTC)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _whole(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else round(number)
