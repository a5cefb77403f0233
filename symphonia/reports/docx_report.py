"""The report as DOCX (python-docx): real headings (Word's Heading styles, so the navigation
pane and a table of contents work), real tables, and footnote-style citations.

python-docx has no footnote API, so citations are numbered notes: each fragment a statement
cites gets a superscript number at its first citation, and the Notes section at the end
gives each number's fragment with its words and source, as a footnote would. Charts are PNG
pictures (Word's SVG support is not in python-docx) with their text alternative as the
picture's description. A large round's printed edition names the fragments by identifier
instead of numbering and quoting them all (`print_edition`). Deterministic: core properties
are taken from the records and the package is rewritten with fixed zip dates (python-docx
stamps entries with the clock).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from symphonia.reports import print_edition, text
from symphonia.reports.archive import normalise_zip
from symphonia.reports.charts import Chart, render_charts
from symphonia.reports.outline import outline, title_of
from symphonia.services.reporting import ReportDocument
from symphonia.services.reporting.model import StatementEntry


class Notes:
    """Numbers for cited fragments, in order of first citation; `listed` False when the
    round is too large to quote every fragment (citations are then plain identifiers)."""

    def __init__(self, listed: bool = True) -> None:
        self.numbers: dict[str, int] = {}
        self.listed = listed

    def number(self, fragment_id: str) -> int:
        return self.numbers.setdefault(fragment_id, len(self.numbers) + 1)


def add_table(document: Any, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    materialised = [[str(c) for c in row] for row in rows]
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(str(header)).bold = True
    for row in materialised:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
    document.add_paragraph()


def _statement(document: Any, s: StatementEntry, notes: Notes, figures: list[str]) -> None:
    paragraph = document.add_paragraph(style="List Number")
    paragraph.add_run(s.text)
    label = text.statement_label(s)
    if label:
        paragraph.add_run(f" ({label})").italic = True
    if not notes.listed and s.citations:
        paragraph.add_run(f" Evidence: {print_edition.cited_ids(s.citations)}.")
    for fid in s.citations if notes.listed else ():
        run = paragraph.add_run(f"{notes.number(fid)}")
        run.font.superscript = True
        if fid != s.citations[-1]:
            comma = paragraph.add_run(",")
            comma.font.superscript = True
    for line in figures:
        document.add_paragraph(line, style="List Bullet 2")
    if s.guard.flags:
        shown = "; ".join(f.message for f in s.guard.flags)
        document.add_paragraph(style="List Bullet 2").add_run(
            f"Flagged for the editors: {shown}"
        ).bold = True


def add_picture(document: Any, png: bytes, title: str, alt: str) -> None:
    """A figure the page's width, its text alternative as the picture's description (what
    a screen reader announces in Word)."""
    from docx.shared import Inches

    document.add_picture(io.BytesIO(png), width=Inches(6.3))
    inline = document.inline_shapes[-1]._inline
    inline.docPr.set("descr", alt)
    inline.docPr.set("title", title)


def _chart(document: Any, chart: Chart) -> None:
    if chart.png is None:
        return
    add_picture(document, chart.png, chart.data.title, chart.data.alt)
    caption = document.add_paragraph(style="Caption")
    caption.add_run(f"{chart.data.title}. ").bold = True
    caption.add_run(chart.data.description)
    add_table(document, chart.data.headers, chart.data.rows)


def _body(document: Any, doc: ReportDocument, charts: Sequence[Chart], notes: Notes) -> None:
    headings = outline(doc)
    items = {i.item_id: i for i in doc.items}
    fragments = {f.id: f for f in doc.evidence}
    document.add_heading("The question", level=1)
    document.add_paragraph().add_run(doc.study.question).bold = True
    if doc.study.description:
        document.add_paragraph(doc.study.description)
    if doc.overview is not None:
        document.add_heading("Overview", level=1)
        document.add_paragraph(doc.overview.text)
    for section in doc.sections:
        document.add_heading(section.title, level=1)
        for s in section.statements:
            _statement(document, s, notes, text.statement_figures(s, items))
        if not section.statements:
            document.add_paragraph("No statement in this section.")
        if section.key == "contested":
            for issue in doc.contested:
                document.add_heading(f"Issue {issue.theme_key}: {issue.label}", level=2)
                for p in issue.positions:
                    para = document.add_paragraph(style="List Bullet")
                    para.add_run(f"Position “{p.side}”: ").bold = True
                    para.add_run(f"held by {text.position_holders(p)}.")
                resolving = "; ".join(
                    f"“{fragments[f].text}” ({f})"
                    for f in issue.resolving_evidence
                    if f in fragments
                )
                para = document.add_paragraph(style="List Bullet")
                para.add_run("What contributors say would resolve it: ").bold = True
                para.add_run(resolving or "nobody said.")
    document.add_heading("Figures", level=1)
    for chart in charts:
        _chart(document, chart)
    document.add_heading(title_of(headings, "rated-items"), level=1)
    add_table(
        document,
        ("Item", "Call", "Ratings", "Median", "IQR", "Agreement", "Theme"),
        (
            (
                i.item_id,
                text.call(i),
                i.n,
                text.num(i.median),
                text.num(i.iqr),
                text.pct(i.percent_agreement),
                i.theme_key or "–",
            )
            for i in doc.items
        ),
    )
    document.add_heading("Themes", level=1)
    add_table(
        document,
        ("Theme", "Label", "Status", "Fragments", "Contributors", "Why"),
        (
            (t.key, t.label, t.status, t.size, t.contributors, "; ".join(t.reasons))
            for t in doc.themes
        ),
    )


def _records(document: Any, doc: ReportDocument) -> None:
    document.add_heading("Dissent ledger", level=1)
    for e in doc.ledger:
        document.add_paragraph(f"{e.subject}: {e.reason}", style="List Bullet")
    if not doc.ledger:
        document.add_paragraph("Every theme, position and singular view is covered.")
    document.add_heading("Editors' amendments", level=1)
    for m in doc.amendments:
        document.add_paragraph(
            f"{m.action} by {m.editor}, {text.when(m.at)}: {m.reason}", style="List Bullet"
        )
    if not doc.amendments:
        document.add_paragraph("No editor amended this synthesis.")
    document.add_heading("Flags raised by panellists", level=1)
    for f in doc.flags.flags:
        document.add_paragraph(
            f"{f.statement_key}: “{f.comment}” — {f.answer}: {f.answer_reason}",
            style="List Bullet",
        )
    if not doc.flags.flags and not doc.flags.unanswered:
        document.add_paragraph(doc.flags.note or "No panellist flagged a statement.")
    if doc.flags.unanswered:
        document.add_paragraph(text.flags_waiting(doc.flags.unanswered))
    for extra in doc.extra_sections:
        document.add_heading(extra.title, level=1)
        for key, value in extra.as_data().items():
            document.add_paragraph(f"{key}: {value}", style="List Bullet")


def _methods(document: Any, doc: ReportDocument) -> None:
    m = doc.methods
    document.add_heading("Methods", level=1)
    document.add_heading("Panel composition", level=2)
    document.add_paragraph(f"{m.panel.experts} experts; the panel was {doc.study.anonymity}.")
    add_table(
        document,
        ("Group", "Label", "Experts"),
        ((g.key, g.label, g.experts) for g in m.panel.groups),
    )
    document.add_heading("Participant flow", level=2)
    for r in m.flow:
        document.add_paragraph(text.flow_sentence(r), style="List Bullet")
    document.add_heading("Protocol", level=2)
    document.add_paragraph(text.protocol_sentence(m.protocol))
    document.add_paragraph(text.lock_sentence(m.protocol))
    if m.groups:
        document.add_paragraph(text.groups_sentence(m.groups))
    document.add_heading("Rounds and the stopping rule", level=2)
    document.add_paragraph(text.stopping_sentence(m.protocol))
    for reason in m.stopping.reasons:
        document.add_paragraph(reason, style="List Bullet")
    document.add_heading("Stability between rounds", level=2)
    if m.stability:
        document.add_paragraph(
            f"Compared with round {m.stability.previous_round}: Kendall's W "
            f"{text.num(m.stability.kendall_w)} (p = {text.num(m.stability.kendall_p)})."
        )
        add_table(
            document,
            ("Item", "Change in CV", "Wilcoxon p", "Stable"),
            (
                (
                    i.item_id,
                    text.num(i.cv_change),
                    text.num(i.wilcoxon_p),
                    "yes" if i.stable else "no",
                )
                for i in m.stability.items
            ),
        )
    else:
        document.add_paragraph("Not assessed: no earlier rating round to compare with.")
    d = m.drafting
    document.add_heading("How the draft was made", level=2)
    lines = [f"Drafter: {d.drafter}" + (f"; language model {d.model}" if d.model else "")]
    lines += [f"Drafting: {d.summary}"] if d.summary else []
    lines += [f"Prompt {name}: sha256 {digest}" for name, digest in d.prompts]
    lines += [
        f"Embedding model: {d.embedding_model} ({d.embedding_backend}); input hash {d.input_hash}",
        f"{d.fragments} fragments, {d.themes} themes, {d.singular_views} singular views; "
        f"theme labels: {d.theme_labels}",
        f"Faithfulness guard: {d.guard.statements} statements, {d.guard.flagged} flagged",
        f"Editors' amendments: {d.amendments}",
    ]
    for line in lines:
        document.add_paragraph(line, style="List Bullet")
    document.add_heading("ACCORD reporting checklist", level=2)
    headings = outline(doc)
    add_table(
        document,
        ("Item", "Topic", "Status", "Where, or why not"),
        (
            (
                i.id,
                f"{i.section}: {i.topic}",
                i.status,
                (f"{title_of(headings, i.where)}: " if i.where else "") + i.answer,
            )
            for i in m.accord
        ),
    )


def _notes(document: Any, doc: ReportDocument, notes: Notes) -> None:
    if not notes.listed:
        document.add_heading("Evidence", level=1)
        document.add_paragraph(print_edition.evidence_elsewhere(doc))
        return
    fragments = {f.id: f for f in doc.evidence}
    document.add_heading("Notes: the evidence cited", level=1)
    for fid, number in notes.numbers.items():
        f = fragments.get(fid)
        said = f"{f.text} ({text.fragment_source(f)})" if f else "not in this round"
        document.add_paragraph(f"{number}. {fid}: {said}")
    document.add_heading("Evidence", level=1)
    for f in doc.evidence:
        where = f"theme {f.theme_key}" if f.theme_key else "singular view"
        document.add_paragraph(f"{f.id} ({text.fragment_source(f)}; {where}): {f.text}")


def render_docx(doc: ReportDocument, charts: Sequence[Chart] | None = None) -> bytes:
    from docx import Document

    shown = render_charts(doc, svg=False, png=True) if charts is None else charts
    document = Document()
    props = document.core_properties
    props.title = f"{doc.study.title}: round {doc.round.number}, version {doc.version.number}"
    props.subject = doc.study.question[:255]
    props.author = "Symphonia"
    props.last_modified_by = "Symphonia"
    props.keywords = "Delphi; consensus; report"
    props.revision = doc.version.number
    props.created = doc.version.created_at.replace(tzinfo=None)
    props.modified = doc.issued_at.replace(tzinfo=None)
    props.last_printed = doc.issued_at.replace(tzinfo=None)
    document.add_heading(doc.study.title, level=0)
    if doc.study.synthetic:
        document.add_paragraph().add_run(
            "Synthetic example data. No real panel produced these contributions."
        ).bold = True
    document.add_paragraph(text.status_line(doc))
    notice = text.drafting_notice(doc)
    if notice is not None:
        warning, sentence = notice
        paragraph = document.add_paragraph()
        if warning:
            paragraph.add_run(f"{warning} ").bold = True
        paragraph.add_run(sentence)
    notes = Notes(listed=print_edition.evidence_printed(doc))
    _body(document, doc, shown, notes)
    _records(document, doc)
    _methods(document, doc)
    _notes(document, doc, notes)
    buffer = io.BytesIO()
    document.save(buffer)
    return normalise_zip(buffer.getvalue(), doc.issued_at)
