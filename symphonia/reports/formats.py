"""Every export format in one table: its name, file suffix, media type and renderer.

The CLI's `export` and the reader's download links (issue 10) both read it, so a format is
added in one place. A renderer takes the document and returns the file's bytes; CSV is
several files, returned as a deterministic zip here (the CLI can also write a directory).
Renderers import their heavy libraries (matplotlib, WeasyPrint, python-docx, prov) only
when called, and are never run on the event loop (`asyncio.to_thread` from the web).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from symphonia.services.reporting import ReportDocument
from symphonia.services.reporting.formats import FORMAT_SPECS, FormatName

__all__ = ["FORMATS", "ExportFormat", "FormatName", "file_name", "render_every_format"]


@dataclass(frozen=True, slots=True)
class ExportFormat:
    name: FormatName
    label: str
    suffix: str
    media_type: str
    text: bool
    """True when the file is text (it may be printed to a terminal)."""
    render: Callable[[ReportDocument], bytes]


def _html(doc: ReportDocument) -> bytes:
    from symphonia.reports.html import render_html

    return render_html(doc).encode("utf-8")


def _md(doc: ReportDocument) -> bytes:
    from symphonia.reports.markdown import render_markdown

    return render_markdown(doc).encode("utf-8")


def _json(doc: ReportDocument) -> bytes:
    from symphonia.reports.json_report import render_json

    return render_json(doc).encode("utf-8")


def _csv(doc: ReportDocument) -> bytes:
    from symphonia.reports.csv_export import csv_zip

    return csv_zip(doc)


def _docx(doc: ReportDocument) -> bytes:
    from symphonia.reports.docx_report import render_docx

    return render_docx(doc)


def _pdf(doc: ReportDocument) -> bytes:
    from symphonia.reports.pdf_report import render_pdf

    return render_pdf(doc)


def _prov(doc: ReportDocument) -> bytes:
    from symphonia.reports.prov_report import render_prov

    return render_prov(doc).encode("utf-8")


_RENDERERS: dict[str, Callable[[ReportDocument], bytes]] = {
    "html": _html,
    "pdf": _pdf,
    "docx": _docx,
    "md": _md,
    "json": _json,
    "csv": _csv,
    "prov": _prov,
}
FORMATS: dict[str, ExportFormat] = {
    name: ExportFormat(
        spec.name, spec.label, spec.suffix, spec.media_type, spec.text, _RENDERERS[name]
    )
    for name, spec in FORMAT_SPECS.items()
}


def file_name(doc: ReportDocument, fmt: ExportFormat) -> str:
    """A download's file name: study, round and version, so saved files never collide."""
    return f"{doc.study.slug}-round-{doc.round.number}-v{doc.version.number}{fmt.suffix}"


def render_every_format(doc: ReportDocument) -> dict[str, bytes]:
    """Every format of one document, by download file name (`export --format all`).

    Each figure is drawn once, as SVG for the page and the PDF and as PNG for Word, instead
    of once per format; each file has the same bytes as its own export."""
    from symphonia.reports.charts import render_charts
    from symphonia.reports.docx_report import render_docx
    from symphonia.reports.html import render_html, report_view
    from symphonia.reports.pdf_report import render_pdf

    charts = render_charts(doc, svg=True, png=True)
    special: dict[str, Callable[[], bytes]] = {
        "html": lambda: render_html(doc, report_view(doc, charts)).encode("utf-8"),
        "pdf": lambda: render_pdf(doc, report_view(doc, charts, printed=True)),
        "docx": lambda: render_docx(doc, charts),
    }
    return {
        file_name(doc, fmt): special[name]() if name in special else fmt.render(doc)
        for name, fmt in FORMATS.items()
    }
