"""Filament length to weight: the one place for the formula."""

from __future__ import annotations

import math


def grams(length_mm: float, diameter_mm: float, density_g_cm3: float) -> float:
    """Weight of ``length_mm`` of filament of ``diameter_mm``, in grams.

    Volume in mm3 is length x pi r^2; 1 cm3 is 1000 mm3.
    """
    volume_mm3 = length_mm * math.pi * (diameter_mm / 2.0) ** 2
    return volume_mm3 / 1000.0 * density_g_cm3
