"""The report as PDF: the standalone HTML laid out by WeasyPrint on Debian's Pango.

Text stays text (selectable, searchable, extractable with pdftotext); the h1–h3 headings
become the PDF's bookmarks (WeasyPrint's default); the figures are vector SVG; tagged PDF
for assistive technology. Deterministic: the creation and modification dates come from the
records (the HTML's dcterms metadata) and the file identifier from the report's content, so
the same records give the same bytes. WeasyPrint is imported only here, when a PDF is made.
"""

from __future__ import annotations

import hashlib

from symphonia.reports.html import ReportView, render_html, report_view, templates_dir
from symphonia.services.reporting import ReportDocument


def render_pdf(doc: ReportDocument, view: ReportView | None = None) -> bytes:
    """The printed edition: a large round's evidence stays in the other exports
    (`print_edition`)."""
    return pdf_from_html(render_html(doc, view or report_view(doc, printed=True)))


def pdf_from_html(html: str) -> bytes:
    """A standalone report page as PDF; the file identifier is the page's hash, and the
    dates are the page's dcterms metadata (none when it has none)."""
    from weasyprint import HTML

    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
    pdf = HTML(string=html, base_url=str(templates_dir() / "report")).write_pdf(
        pdf_identifier=identifier, pdf_tags=True
    )
    assert pdf is not None
    return bytes(pdf)
