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
from typing import Literal

from symphonia.services.reporting import ReportDocument

FormatName = Literal["html", "md", "json", "csv", "docx", "pdf", "prov"]


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


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("html", "Web page (HTML)", ".html", "text/html; charset=utf-8", True, _html),
        ExportFormat("pdf", "PDF", ".pdf", "application/pdf", False, _pdf),
        ExportFormat(
            "docx",
            "Word document (DOCX)",
            ".docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            False,
            _docx,
        ),
        ExportFormat("md", "Markdown", ".md", "text/markdown; charset=utf-8", True, _md),
        ExportFormat("json", "JSON (the whole record)", ".json", "application/json", True, _json),
        ExportFormat("csv", "CSV tables (zip)", ".zip", "application/zip", False, _csv),
        ExportFormat("prov", "W3C PROV-JSON", ".prov.json", "application/json", True, _prov),
    )
}


def file_name(doc: ReportDocument, fmt: ExportFormat) -> str:
    """A download's file name: study, round and version, so saved files never collide."""
    return f"{doc.study.slug}-round-{doc.round.number}-v{doc.version.number}{fmt.suffix}"
