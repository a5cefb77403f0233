"""The prioritisation report's formats in one place: what `export` and the demo write.

A prioritisation round has one report model (:class:`PriorityReport`) and one text (the
Markdown); the page, the PDF and the DOCX are laid out from that text, the JSON from the
model, the CSV tables from the model too, so every format carries the same numbers. PROV describes
a synthesis (its statements and the evidence they derive from) and has no prioritisation
counterpart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, get_args

from symphonia.reports.priority_charts import Chart
from symphonia.services.priority_views import PriorityReport
from symphonia.services.reporting.formats import FORMAT_SPECS

PriorityFormat = Literal["md", "json", "html", "pdf", "docx", "csv"]
PRIORITY_FORMATS: tuple[str, ...] = get_args(PriorityFormat)


def priority_file_name(study: str, number: int, fmt: PriorityFormat) -> str:
    """A saved report's file name, the counterpart of `symphonia.reports.formats.file_name`:
    study and round, but no version (a ranking has none), so files never collide."""
    return f"{study}-round-{number}-priorities{FORMAT_SPECS[fmt].suffix}"


def needs_png(fmt: PriorityFormat) -> bool:
    """Whether the format's figures are pictures (Word takes PNG, not SVG)."""
    return fmt == "docx"


def render_priorities(
    report: PriorityReport,
    charts: Sequence[Chart],
    fmt: PriorityFormat,
    figure_paths: Mapping[str, str] | None = None,
) -> bytes:
    """The report's file in `fmt` (CSV: a zip of its tables); `figure_paths` links a
    Markdown report's figure files."""
    if fmt == "md":
        from symphonia.reports.priority_markdown import render_priorities_markdown

        return render_priorities_markdown(report, tuple(charts), figure_paths).encode("utf-8")
    if fmt == "json":
        from symphonia.reports.priority_json import render_priorities_json

        return render_priorities_json(report, tuple(charts)).encode("utf-8")
    if fmt == "html":
        from symphonia.reports.priority_html import render_priorities_html

        return render_priorities_html(report, charts).encode("utf-8")
    if fmt == "pdf":
        from symphonia.reports.priority_html import render_priorities_pdf

        return render_priorities_pdf(report, charts)
    if fmt == "csv":
        from symphonia.reports.archive import EARLIEST
        from symphonia.reports.csv_export import tables_zip
        from symphonia.reports.priority_csv import priority_csv_files

        return tables_zip(priority_csv_files(report), EARLIEST)
    from symphonia.reports.priority_docx import render_priorities_docx

    return render_priorities_docx(report, charts)
