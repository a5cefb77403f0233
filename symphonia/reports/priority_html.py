"""The prioritisation report as a standalone web page (and, through it, as PDF).

The page is the Markdown report (:mod:`symphonia.reports.priority_markdown`) parsed with
markdown-it and laid out in the synthesis report's page (`templates/report/_page.html`,
`report.css`): one text, one set of numbers, whatever the format. Parsing is CommonMark
with tables and with raw HTML disabled, so what a panellist wrote stays text (the Markdown
already escapes it). Headings get ids and a contents list links them; tables get the
report's classes; each figure is its SVG as a data URI (the page needs no other file) with
its text alternative as the image's alt text, and the tables beside it hold its numbers.
The DOCX walks the same tokens (:mod:`symphonia.reports.priority_docx`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from symphonia.reports.charts.specs import svg_data_uri
from symphonia.reports.html import environment, stylesheet
from symphonia.reports.priority_charts import Chart
from symphonia.reports.priority_markdown import render_priorities_markdown
from symphonia.services.priority_views import PriorityReport

if TYPE_CHECKING:  # markdown-it is imported when a page is made
    from markdown_it.token import Token

CONTENTS_LEVEL = "h2"


def plain(inline: Token) -> str:
    """The text of an inline token, markup dropped (a heading's title, a table cell)."""
    return "".join(c.content for c in inline.children or () if c.type in ("text", "code_inline"))


def _slug(title: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "section"
    anchor, n = base, 1
    while anchor in taken:
        n += 1
        anchor = f"{base}-{n}"
    taken.add(anchor)
    return anchor


def _parser(figures: Mapping[str, str]) -> Any:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    allowed = set(figures.values())
    default = md.validateLink
    md.validateLink = lambda url: url in allowed or default(url)  # type: ignore[method-assign]
    return md


def priority_tokens(
    report: PriorityReport, charts: Sequence[Chart], figures: Mapping[str, str]
) -> tuple[Any, list[Token]]:
    """The report's Markdown as markdown-it tokens, headings with unique ids. `figures` maps
    a chart's name to what its image's source is to be (a data URI, or a key for the DOCX)."""
    md = _parser(figures)
    tokens: list[Token] = md.parse(render_priorities_markdown(report, tuple(charts), figures))
    taken: set[str] = set()
    for token, following in pairwise(tokens):
        if token.type == "heading_open":
            token.attrSet("id", _slug(plain(following), taken))
        elif token.type == "th_open":
            token.attrSet("scope", "col")
        elif token.type == "inline":
            for child in token.children or ():
                if child.type == "image":
                    child.attrSet("class", "sym-figure__image")
        if token.attrGet("style") == "text-align:right":  # a class: CSP forbids inline style
            del token.attrs["style"]
            token.attrSet("class", "sym-num")
    return md, tokens


def _wrap_tables(md: Any) -> None:
    md.add_render_rule(
        "table_open", lambda *_: '<div class="sym-table-wrap">\n<table class="sym-table">\n'
    )
    md.add_render_rule("table_close", lambda *_: "</table>\n</div>\n")


@dataclass(frozen=True, slots=True)
class PriorityPage:
    """The page template's one variable."""

    title: str
    question: str
    heading_id: str
    contents: tuple[tuple[str, str], ...]
    """(anchor, title) of each section, for the contents list."""
    header: Markup
    """What comes before the first section: the title, the notice, the summary."""
    body: Markup


def render_priorities_html(report: PriorityReport, charts: Sequence[Chart]) -> str:
    """The report as one self-contained HTML document, stylesheet and figures inlined."""
    md, tokens = priority_tokens(report, charts, {c.name: svg_data_uri(c.svg) for c in charts})
    _wrap_tables(md)
    first = next(
        (i for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == CONTENTS_LEVEL),
        len(tokens),
    )
    sections = tuple(
        (str(t.attrGet("id")), plain(inline))
        for t, inline in pairwise(tokens)
        if t.type == "heading_open" and t.tag == CONTENTS_LEVEL
    )
    render = md.renderer.render
    page = PriorityPage(
        title=f"{report.study.title}: priorities after round {report.round_number}",
        question=report.study.question,
        heading_id=next((str(t.attrGet("id")) for t in tokens if t.tag == "h1"), ""),
        contents=sections,
        header=Markup(render(tokens[:first], md.options, {})),  # noqa: S704 - markdown-it output, raw HTML off
        body=Markup(render(tokens[first:], md.options, {})),  # noqa: S704
    )
    return environment().get_template("report/priorities.html").render(page=page, css=stylesheet())


def render_priorities_pdf(report: PriorityReport, charts: Sequence[Chart]) -> bytes:
    """The page as PDF (WeasyPrint): the headings are its bookmarks, the same round gives the
    same bytes (no date in the page, the identifier is the page's hash)."""
    from symphonia.reports.pdf_report import pdf_from_html

    return pdf_from_html(render_priorities_html(report, charts))
