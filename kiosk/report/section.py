"""One section of the report: its heading, notes, charts and tables."""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.report.charts import Chart
from kiosk.report.context import Table


@dataclass
class Section:
    id: str
    title: str
    #: Sentences shown under the heading (what is missing, how a figure is made).
    notes: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    #: False when the period holds nothing for this section.
    has_data: bool = False
