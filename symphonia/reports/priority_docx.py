"""The prioritisation report as DOCX (python-docx), from the same Markdown as the page.

The Markdown's tokens (:func:`symphonia.reports.priority_html.priority_tokens`) become Word
structure: its title the document's Title, its sections Heading 1 and 2 (so the navigation
pane and a table of contents work), its tables real tables with a bold header row, its
lists Word lists, and its figures PNG pictures with their text alternative as the picture's
description. Deterministic: the core properties carry no clock time and the package is
rewritten with fixed zip dates, so the same round gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from symphonia.reports.archive import EARLIEST, normalise_zip
from symphonia.reports.docx_report import add_picture, add_table
from symphonia.reports.priority_charts import Chart
from symphonia.reports.priority_html import plain, priority_tokens
from symphonia.services.priority_views import PriorityReport

if TYPE_CHECKING:
    from markdown_it.token import Token

FIGURE = "figure:"
"""A figure's image source in the tokens: the chart is looked up by name, not fetched."""


def _runs(paragraph: Any, inline: Token, charts: dict[str, Chart], document: Any) -> None:
    bold = italic = False
    for child in inline.children or ():
        if child.type in ("strong_open", "strong_close"):
            bold = child.type == "strong_open"
        elif child.type in ("em_open", "em_close"):
            italic = child.type == "em_open"
        elif child.type in ("softbreak", "hardbreak"):
            paragraph.add_run(" ")
        elif child.type == "image":
            chart = charts[str(child.attrGet("src")).removeprefix(FIGURE)]
            if chart.png is None:
                raise ValueError(f"figure {chart.name} was drawn without its PNG")
            add_picture(document, chart.png, chart.title, chart.alt)
        elif child.type in ("text", "code_inline"):
            run = paragraph.add_run(child.content)
            run.bold, run.italic = bold or None, italic or None
            if child.type == "code_inline":
                run.font.name = "Courier New"


def _table(document: Any, tokens: list[Token], start: int) -> int:
    """Add the table that opens at `start`; return the index after it."""
    rows: list[list[str]] = []
    i = start
    while tokens[i].type != "table_close":
        if tokens[i].type == "tr_open":
            rows.append([])
        elif tokens[i].type == "inline":
            rows[-1].append(plain(tokens[i]))
        i += 1
    add_table(document, rows[0], rows[1:])
    return i + 1


def _walk(document: Any, tokens: list[Token], charts: dict[str, Chart]) -> None:
    style: str | None = None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open":
            document.add_heading(plain(tokens[i + 1]), level=int(token.tag[1]) - 1)
        elif token.type == "table_open":
            i = _table(document, tokens, i)
            continue
        elif token.type in ("bullet_list_open", "blockquote_open"):
            style = "List Bullet" if token.type == "bullet_list_open" else "Quote"
        elif token.type in ("bullet_list_close", "blockquote_close"):
            style = None
        elif token.type == "paragraph_open":
            inline = tokens[i + 1]
            only = inline.children or []
            if len(only) == 1 and only[0].type == "image":
                _runs(None, inline, charts, document)
            else:
                _runs(document.add_paragraph(style=style), inline, charts, document)
        i += 1


def render_priorities_docx(report: PriorityReport, charts: Sequence[Chart]) -> bytes:
    """The report as a Word document; `charts` must have been drawn with their PNG."""
    from docx import Document

    _, tokens = priority_tokens(report, charts, {c.name: FIGURE + c.name for c in charts})
    document = Document()
    props = document.core_properties
    props.title = f"{report.study.title}: priorities after round {report.round_number}"
    props.subject = report.study.question[:255]
    props.author = props.last_modified_by = "Symphonia"
    props.keywords = "Delphi; prioritisation; report"
    props.revision = report.round_number
    moment = EARLIEST.replace(tzinfo=None)
    props.created = props.modified = props.last_printed = moment
    _walk(document, tokens, {c.name: c for c in charts})
    buffer = io.BytesIO()
    document.save(buffer)
    return normalise_zip(buffer.getvalue(), EARLIEST)
