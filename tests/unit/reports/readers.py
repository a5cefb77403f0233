"""Reading exports back with the formats' own tools, for the report tests: the HTML's
anchors, links, images, headings and tables, and the PDF's text (poppler's pdftotext) and
bookmarks (pypdf)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any


class HtmlAnchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.headings: list[str] = []
        self.tables: list[list[list[str]]] = []
        """Each table's rows, each row's cells as text."""
        self._open: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        href = values.get("href") or ""
        if href.startswith("#"):
            self.links.append(href[1:])
        if tag == "img":
            self.images.append(values)
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._open and self._open[-1] in {"h1", "h2", "h3"} and data.strip():
            self.headings.append(data.strip())


def pdf_titles(outline: list[Any]) -> Iterator[str]:
    for entry in outline:
        if isinstance(entry, list):
            yield from pdf_titles(entry)
        else:
            yield str(entry.title)


def read_pdf(data: bytes, folder: Path) -> tuple[str, set[str]]:
    """A PDF's text and the titles of its bookmarks."""
    from pypdf import PdfReader

    pdf = folder / "report.pdf"
    pdf.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    return text, set(pdf_titles(PdfReader(pdf).outline))
