"""How long a print takes and how much filament it uses, from the best source known.

The slicer's own comments come first (it knows the printer's speeds and
accelerations); OctoPrint's analysis of a file on the printer's host is the fallback.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import PrintingSection
from kiosk.ports import PrintFile
from kiosk.printing.filament import grams
from kiosk.printing.gcode import GcodeInfo


@dataclass(frozen=True)
class Estimate:
    """``seconds`` to print and ``filament_mm`` of filament; ``source`` is ``slicer``,
    ``host`` (the printer host's analysis) or ``none``."""

    seconds: int | None
    filament_mm: float | None
    source: str

    def filament_g(self, printing: PrintingSection) -> float | None:
        """Grams of the configured filament (``[printing]`` diameter and density)."""
        if self.filament_mm is None:
            return None
        length = self.filament_mm
        return round(
            grams(length, printing.filament_diameter_mm, printing.filament_density_g_cm3), 1
        )


def estimate(info: GcodeInfo | None = None, host_file: PrintFile | None = None) -> Estimate:
    """The slicer's figures when the file has them, else the host's analysis."""
    if info is not None and info.estimated_seconds is not None:
        return Estimate(info.estimated_seconds, info.filament_mm, "slicer")
    if host_file is not None and host_file.estimated_seconds is not None:
        return Estimate(host_file.estimated_seconds, host_file.filament_mm, "host")
    return Estimate(None, info.filament_mm if info else None, "none")
