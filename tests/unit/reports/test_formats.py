"""Every export format from one report document: read back with the format's own tools and
checked for content (the statement, its citation and figures, the headings), and the same
document always gives the same bytes (issue 12 §3, "Tests and figures")."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import zipfile
from functools import cache
from pathlib import Path

import pytest

from symphonia.reports.formats import FORMATS
from symphonia.services.reporting import ReportDocument
from tests.unit.reports.documents import HOSTILE, consensus_document
from tests.unit.reports.readers import HtmlAnchors, read_pdf

STATEMENT = "We agree."
FIGURES = "5 ratings, median 8, IQR 1, 80% rated 7–9"


@cache
def rendered(name: str) -> bytes:
    """Each format rendered once per test session (PDF and DOCX take seconds)."""
    return FORMATS[name].render(consensus_document(rated=True))


def doc() -> ReportDocument:
    return consensus_document(rated=True)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_the_same_document_gives_the_same_bytes(name: str) -> None:
    assert FORMATS[name].render(doc()) == rendered(name)


def test_html_links_resolve_figures_have_text_alternatives_and_input_stays_text() -> None:
    html = rendered("html").decode("utf-8")
    parsed = HtmlAnchors()
    parsed.feed(html)
    assert parsed.links
    assert [a for a in parsed.links if a not in parsed.ids] == []
    assert parsed.images
    assert all((img.get("alt") or "").strip() for img in parsed.images)
    assert {"Consensus", "Methods", "Evidence"} <= set(parsed.headings)
    assert "<script>" not in html
    assert STATEMENT in html
    assert FIGURES in html


def test_markdown_and_json_carry_the_statement_citation_and_figures() -> None:
    markdown = rendered("md").decode("utf-8")
    assert STATEMENT in markdown
    assert FIGURES in markdown
    data = json.loads(rendered("json"))
    assert list(data) == sorted(data)  # sorted keys: versions diff cleanly
    [consensus] = [s for s in data["sections"] if s["key"] == "consensus"]
    assert [(s["text"], s["citations"]) for s in consensus["statements"]] == [(STATEMENT, ["f1"])]
    assert any(e["text"] == HOSTILE for e in data["evidence"])  # kept exactly, as data


def test_csv_zip_has_one_table_per_kind_with_the_statistics() -> None:
    archive = zipfile.ZipFile(io.BytesIO(rendered("csv")))
    assert {"fragments.csv", "ratings.csv", "items.csv"} <= set(archive.namelist())
    items = list(csv.DictReader(io.StringIO(archive.read("items.csv").decode("utf-8-sig"))))
    s1 = next(row for row in items if row["item"] == "s1")
    expected = {"n": "5", "median": "8.0", "iqr": "1.0", "percent_agreement": "0.8"}
    assert {k: s1[k] for k in expected} == expected
    assert s1["distribution"].split() == [f"{s}:{c}" for s, c in doc().items[0].distribution]
    fragments = list(csv.DictReader(io.StringIO(archive.read("fragments.csv").decode("utf-8-sig"))))
    assert {row["id"] for row in fragments} == {e.id for e in doc().evidence}


def test_docx_opens_with_real_headings_and_the_statement() -> None:
    import docx

    document = docx.Document(io.BytesIO(rendered("docx")))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert {"The question", "Consensus", "Contested issues", "Evidence gaps"} <= set(headings)
    body = "\n".join(p.text for p in document.paragraphs)
    assert STATEMENT in body
    assert "Q?" in body


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_text_is_extractable_and_headings_are_bookmarks(tmp_path: Path) -> None:
    text, titles = read_pdf(rendered("pdf"), tmp_path)
    assert "Q?" in text
    assert STATEMENT in text
    assert FIGURES in " ".join(text.split())
    assert {"T", "Consensus", "Methods", "Evidence"} <= titles


def test_prov_json_is_valid_and_every_statement_derives_from_its_citations() -> None:
    import jsonschema
    import prov

    schema_path = Path(prov.__file__).parent / "tests" / "schemas" / "prov-json.schema.json"
    data = json.loads(rendered("prov"))
    jsonschema.validate(data, json.loads(schema_path.read_text()))
    derived = {
        (d["prov:generatedEntity"], d["prov:usedEntity"]) for d in data["wasDerivedFrom"].values()
    }
    for section in doc().sections:
        for st in section.statements:
            for fid in st.citations:
                pair = (
                    f"sym:statement/{st.key}",
                    "sym:fragment/" + re.sub(r"[^A-Za-z0-9_.-]", _escape, fid),
                )
                assert pair in derived, pair


def _escape(match: re.Match[str]) -> str:
    return f"_{ord(match.group()):x}_"


def test_charts_are_drawn_once_in_the_forms_asked_for() -> None:
    """Word shows no SVG, so its figures are drawn as PNG alone; the pages and the PDF get
    SVG. Asking for both gives the same SVG as asking for SVG alone."""
    from symphonia.reports.charts import render_charts

    png_only = render_charts(doc(), svg=False, png=True)
    assert png_only
    assert all(c.svg is None and c.png and c.png.startswith(b"\x89PNG") for c in png_only)
    with pytest.raises(ValueError, match="without its SVG"):
        _ = png_only[0].data_uri
    both = render_charts(doc(), png=True)
    assert [c.svg for c in both] == [c.svg for c in render_charts(doc())]
    assert all(c.png for c in both)
