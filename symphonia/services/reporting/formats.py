"""The export formats a report can be asked for: name, label, file suffix and media type.

Services record and name exports (an export job's row, its file name) without rendering
anything, so the catalogue lives here, below the renderers; `symphonia.reports.formats`
pairs each entry with its renderer (and fails on import when one has none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FormatName = Literal["html", "md", "json", "csv", "docx", "pdf", "prov"]


@dataclass(frozen=True, slots=True)
class FormatSpec:
    name: FormatName
    label: str
    suffix: str
    media_type: str
    text: bool
    """True when the file is text (it may be printed to a terminal)."""


FORMAT_SPECS: dict[str, FormatSpec] = {
    f.name: f
    for f in (
        FormatSpec("html", "Web page (HTML)", ".html", "text/html; charset=utf-8", True),
        FormatSpec("pdf", "PDF", ".pdf", "application/pdf", False),
        FormatSpec(
            "docx",
            "Word document (DOCX)",
            ".docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            False,
        ),
        FormatSpec("md", "Markdown", ".md", "text/markdown; charset=utf-8", True),
        FormatSpec("json", "JSON (the whole record)", ".json", "application/json", True),
        FormatSpec("csv", "CSV tables (zip)", ".zip", "application/zip", False),
        FormatSpec("prov", "W3C PROV-JSON", ".prov.json", "application/json", True),
    )
}
