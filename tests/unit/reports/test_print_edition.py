"""The printed edition of a large round (issue 12's 10k-fragment report): the PDF and Word
files keep every statement and name the fragments by identifier, and say where the
fragments' words are; the HTML export, and every round up to the limit, list them all."""

from __future__ import annotations

import io
import shutil
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from symphonia.reports import print_edition
from symphonia.reports.formats import FORMATS
from symphonia.reports.html import render_html, report_view
from symphonia.services.reporting import ReportDocument
from tests.unit.reports.documents import consensus_document, fragment, statement
from tests.unit.reports.readers import HtmlAnchors, read_pdf

LIMIT = print_edition.PRINT_EVIDENCE_LIMIT


@cache
def round_of(n: int) -> ReportDocument:
    """A round of `n` fragments: the base document's two (a consensus statement's and a
    singular view) and the rest behind the same consensus statement."""
    base = consensus_document(rated=True)
    ids = tuple(f"f{i:05d}" for i in range(n - len(base.evidence)))
    entry = statement(
        "t01-s1", "consensus", "We agree.", ("f1", *ids), theme_key="t01", items=("s1",)
    )
    sections = tuple(
        replace(s, statements=(entry,)) if s.key == "consensus" else s for s in base.sections
    )
    evidence = tuple(
        fragment(fid, f"The words of {fid}.", theme_key="t01", cited_by=("t01-s1",)) for fid in ids
    )
    doc = replace(base, sections=sections, evidence=base.evidence + evidence)
    assert len(doc.evidence) == n
    return doc


def cited(doc: ReportDocument) -> list[str]:
    return [
        c for s in doc.sections for st in s.statements if st.key == "t01-s1" for c in st.citations
    ]


def anchors(html: str) -> HtmlAnchors:
    parsed = HtmlAnchors()
    parsed.feed(html)
    return parsed


def test_a_citation_names_its_first_fragments_then_how_many_more() -> None:
    few = [f"f{i}" for i in range(3)]
    many = [f"f{i}" for i in range(1250)]
    assert print_edition.cited_ids(few) == "f0, f1, f2"
    shown = print_edition.cited_ids(many)
    assert shown.startswith(", ".join(many[: print_edition.CITE_PREVIEW]))
    assert shown.endswith(f" and {1250 - print_edition.CITE_PREVIEW:,} more")


def test_a_round_at_the_limit_prints_every_fragment() -> None:
    doc = round_of(LIMIT)
    page = anchors(render_html(doc, report_view(doc, printed=True)))
    assert len({i for i in page.ids if i.startswith("evidence-")}) == LIMIT
    assert set(page.links) <= page.ids


def test_a_larger_round_prints_identifiers_and_says_where_the_words_are() -> None:
    doc = round_of(LIMIT + 1)
    html = render_html(doc, report_view(doc, printed=True))
    page = anchors(html)
    assert not any(i.startswith("evidence-f") for i in page.ids)
    assert set(page.links) <= page.ids, "no citation points at a fragment left out"
    assert print_edition.cited_ids(cited(doc)) in html
    assert f"This round has {LIMIT + 1:,} fragments" in html
    assert "fragments.csv" in html
    assert "We agree." in html
    assert "Singular view: “&lt;script&gt;" in html, "minority views stay, quoted in full"


def test_the_html_export_of_a_larger_round_still_links_every_fragment() -> None:
    doc = round_of(LIMIT + 1)
    page = anchors(FORMATS["html"].render(doc).decode("utf-8"))
    listed = {i for i in page.ids if i.startswith("evidence-")}
    assert len(listed) == LIMIT + 1
    assert {link for link in page.links if link.startswith("evidence-")} == listed


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_pdf_of_a_larger_round_is_the_printed_edition(tmp_path: Path) -> None:
    doc = round_of(LIMIT + 1)
    text, titles = read_pdf(FORMATS["pdf"].render(doc), tmp_path)
    flat = " ".join(text.split())
    assert "We agree." in flat
    assert "Singular view: “<script>alert(1)</script>" in flat
    assert f"and {len(cited(doc)) - print_edition.CITE_PREVIEW:,} more" in flat
    assert f"This round has {LIMIT + 1:,} fragments" in flat
    assert "The words of f00500." not in flat
    assert "Evidence" in titles


def test_the_word_file_of_a_larger_round_is_the_printed_edition() -> None:
    import docx

    doc = round_of(LIMIT + 1)
    document = docx.Document(io.BytesIO(FORMATS["docx"].render(doc)))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    body = "\n".join(p.text for p in document.paragraphs)
    assert "Evidence" in headings
    assert "Notes: the evidence cited" not in headings
    assert print_edition.cited_ids(cited(doc)) in body
    assert f"This round has {LIMIT + 1:,} fragments" in body
    assert "The words of f00500." not in body


def test_the_word_file_at_the_limit_quotes_every_fragment() -> None:
    import docx

    doc = round_of(LIMIT)
    document = docx.Document(io.BytesIO(FORMATS["docx"].render(doc)))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "The words of f00500." in body
    assert "This round has" not in body
