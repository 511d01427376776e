"""Writing a report: one self-contained HTML page, a CSV file per table, each chart as
PNG and SVG.

The page embeds its charts (PNG as ``data:`` URIs) and its style, and names no other
file or address, so it opens offline, can be mailed on its own and prints on A4. It is
made with Jinja2, whose autoescaping keeps what patrons typed (feedback comments) text
and never markup.

Files are first written whole into a hidden folder inside ``DIR``, then moved into
place (a rename each), the page last: a failure leaves no half-written file and no page
without its charts.
"""

from __future__ import annotations

import base64
import csv
import io
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from jinja2 import Environment
from markupsafe import Markup, escape

from kiosk.domain.errors import DomainError
from kiosk.report.build import Report
from kiosk.report.charts import Chart
from kiosk.report.context import Context, Count, Mean, Table, Total
from kiosk.report.style import THEME

HTML_NAME = "report.html"
TABLES_DIR = "tables"
CHARTS_DIR = "charts"


def check_writable(out: Path) -> None:
    """Make ``out`` and prove a file can be written there, before any work is done.
    Raises ``report.cannot_write``."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".report-check-"):
            pass
    except OSError as exc:
        raise DomainError(
            "report.cannot_write", path=str(out), reason=exc.strerror or str(exc)
        ) from None


def write(report: Report, out: Path) -> list[Path]:
    """Write every file of ``report`` into ``out``; returns them, the page first.
    Raises ``report.cannot_write``."""
    check_writable(out)
    files: dict[str, bytes] = {HTML_NAME: render_html(report).encode("utf-8")}
    for table in all_tables(report):
        files[f"{TABLES_DIR}/{table.name}.csv"] = csv_text(report.context, table).encode()
    for section in report.sections:
        for chart in section.charts:
            files[f"{CHARTS_DIR}/{chart.name}.png"] = chart.png
            files[f"{CHARTS_DIR}/{chart.name}.svg"] = chart.svg
    try:
        staging = Path(tempfile.mkdtemp(prefix=".report-", dir=out))
        try:
            for name, data in files.items():
                path = staging / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            # Every folder first, so that the moves below cannot fail half-way for want
            # of one; the page last, so it never points at charts not yet in place.
            made = []
            try:
                for folder in sorted({(out / name).parent for name in files}):
                    if not folder.is_dir():
                        folder.mkdir(parents=True)
                        made.append(folder)
            except OSError:
                for folder in reversed(made):
                    folder.rmdir()
                raise
            for name in sorted(files, key=lambda n: n == HTML_NAME):
                os.replace(staging / name, out / name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except OSError as exc:
        raise DomainError(
            "report.cannot_write", path=str(out), reason=exc.strerror or str(exc)
        ) from None
    return [out / name for name in files]


def all_tables(report: Report) -> list[Table]:
    return [report.summary, *(t for s in report.sections for t in s.tables)]


def csv_text(ctx: Context, table: Table) -> str:
    """UTF-8 CSV with a header row; numbers plain, small counts "< N" as on the page."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow(
            [ctx.csv_cell(cell, i in table.percent_columns) for i, cell in enumerate(row)]
        )
    return buffer.getvalue()


def _table_html(ctx: Context, table: Table, css: str) -> Markup:
    numbers = Count | Mean | Total | int | float
    numeric = [
        all(isinstance(row[i], numbers) or row[i] is None for row in table.rows)
        and bool(table.rows)
        for i in range(len(table.headers))
    ]
    opening = f'<table class="{escape(css)}">' if css else "<table>"
    out = [f"{opening}<caption>{escape(table.title)}</caption><thead><tr>"]
    for i, header in enumerate(table.headers):
        out.append(f'<th scope="col"{" class=n" if numeric[i] else ""}>{escape(header)}</th>')
    out.append("</tr></thead><tbody>")
    for row in table.rows:
        out.append("<tr>")
        for i, cell in enumerate(row):
            text = escape(ctx.cell(cell, i in table.percent_columns))
            out.append(f"<td{' class=n' if numeric[i] else ''}>{text}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return Markup("".join(out))


def render_html(report: Report) -> str:
    ctx = report.context
    template_text = (
        resources.files("kiosk.report").joinpath("report.html.j2").read_text(encoding="utf-8")
    )
    env = Environment(autoescape=True, keep_trailing_newline=True)
    template = env.from_string(template_text)
    period = report.period
    return template.render(
        lang=ctx.language,
        title=ctx.t("report.title"),
        library=ctx.config.kiosk.library_name,
        period_text=ctx.t("report.period", first=ctx.day(period.first), last=ctx.day(period.last)),
        generated_text=ctx.t(
            "report.generated",
            when=f"{ctx.day(report.generated_at.date())} "
            f"{report.generated_at.astimezone(ctx.zone):%H:%M}",
        ),
        privacy=ctx.t(
            "report.privacy" if ctx.small_cell > 1 else "report.privacy_all",
            limit=ctx.small_cell,
        ),
        contents=ctx.t("report.contents"),
        files=ctx.t("report.files", tables=TABLES_DIR, charts=CHARTS_DIR),
        colours=THEME,
        summary=report.summary,
        sections=report.sections,
        table_html=lambda table, css: _table_html(ctx, table, css),
        png=lambda chart: _png(chart),
    )


def _png(chart: Chart) -> str:
    return base64.b64encode(chart.png).decode("ascii")
