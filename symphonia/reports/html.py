"""The report as HTML: the page readers see, print-ready through its print stylesheet.

Two templates under `templates/report/`: `_report.html` is the report itself, an
`<article>` that needs one variable, `report` (a `ReportView`), so the web's reader page can
include it as it is (its own CSP forbids inline style: the page links `report.css` instead);
`standalone.html` wraps it in a document with the stylesheet inlined, for the export and
for the PDF. Jinja2 autoescapes everything: contributors' words are text, never markup.
Charts are SVG images as data URIs (the web's CSP allows `img-src data:`), each with its
text alternative and its data as a table.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from symphonia.reports import print_edition, text
from symphonia.reports.charts import Chart, render_charts
from symphonia.reports.data import to_data
from symphonia.reports.outline import Heading, outline, title_of
from symphonia.services.reporting import ReportDocument, anchors
from symphonia.services.reporting.model import EvidenceFragment, ItemStatistics, StatementEntry

_ROOT = Path(__file__).resolve().parents[2]


def templates_dir() -> Path:
    """Top-level `templates/` in a checkout, else where a wheel installs it."""
    candidate = _ROOT / "templates"
    installed = Path(sys.prefix) / "share" / "symphonia" / "templates"
    if not (candidate / "report").is_dir() and (installed / "report").is_dir():
        return installed
    return candidate


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(templates_dir()),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def stylesheet() -> str:
    return (templates_dir() / "report" / "report.css").read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class ReportView:
    """The template's one variable: the document, its figures, and the phrasing helpers."""

    doc: ReportDocument
    charts: tuple[Chart, ...]
    headings: tuple[Heading, ...]
    fragments: Mapping[str, EvidenceFragment]
    items: Mapping[str, ItemStatistics]
    evidence_listed: bool = True
    """False in the printed edition of a large round (`print_edition`): citations are plain
    identifiers and the evidence section says where the fragments' words are."""

    cited_ids = staticmethod(print_edition.cited_ids)
    pct = staticmethod(text.pct)
    num = staticmethod(text.num)
    when = staticmethod(text.when)
    day = staticmethod(text.day)
    flags_waiting = staticmethod(text.flags_waiting)
    call = staticmethod(text.call)
    item_figures = staticmethod(text.item_figures)
    position_holders = staticmethod(text.position_holders)
    fragment_source = staticmethod(text.fragment_source)
    statement_label = staticmethod(text.statement_label)
    flow_sentence = staticmethod(text.flow_sentence)
    protocol_sentence = staticmethod(text.protocol_sentence)
    stopping_sentence = staticmethod(text.stopping_sentence)
    lock_sentence = staticmethod(text.lock_sentence)
    groups_sentence = staticmethod(text.groups_sentence)
    a = anchors
    to_data = staticmethod(to_data)

    @property
    def status_line(self) -> str:
        return text.status_line(self.doc)

    @property
    def drafting_notice(self) -> tuple[str | None, str] | None:
        return text.drafting_notice(self.doc)

    def title(self, anchor: str) -> str:
        return title_of(self.headings, anchor)

    def figures(self, entry: StatementEntry) -> list[str]:
        return text.statement_figures(entry, dict(self.items))

    @property
    def evidence_elsewhere(self) -> str:
        return print_edition.evidence_elsewhere(self.doc)


def report_view(
    doc: ReportDocument, charts: tuple[Chart, ...] | None = None, *, printed: bool = False
) -> ReportView:
    """The template's view; `printed` for the PDF, which abridges a large round's evidence."""
    return ReportView(
        doc=doc,
        charts=render_charts(doc) if charts is None else charts,
        headings=outline(doc),
        fragments={f.id: f for f in doc.evidence},
        items={i.item_id: i for i in doc.items},
        evidence_listed=not printed or print_edition.evidence_printed(doc),
    )


def render_report_body(view: ReportView) -> str:
    """The embeddable `<article>` (what the reader's page includes)."""
    return environment().get_template("report/_report.html").render(report=view)


def render_html(doc: ReportDocument, view: ReportView | None = None) -> str:
    """The standalone HTML document, stylesheet inlined (what the export writes)."""
    shown = view or report_view(doc)
    return (
        environment().get_template("report/standalone.html").render(report=shown, css=stylesheet())
    )
