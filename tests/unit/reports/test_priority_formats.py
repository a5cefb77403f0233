"""The prioritisation report as a page, a PDF, a Word document and CSV tables (issue 13 §4,
in the formats of issue 12): each read back with the format's own tools and checked against
the report model (every item's rank, score, interval and Schulze rank), the sections it must
have, its figures' text alternatives, and the same report giving the same bytes."""

from __future__ import annotations

import csv
import dataclasses
import io
import shutil
import zipfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pytest

from symphonia.reports.priority_charts import priority_charts
from symphonia.reports.priority_formats import PriorityFormat, needs_png, render_priorities
from tests.unit.reports.priority_documents import HOSTILE, REPORT
from tests.unit.reports.readers import HtmlAnchors, read_pdf

SECTIONS = {
    "Ranked list",
    "Stakeholder groups",
    "How the top 1 depends on the weights",
    "What the panel could not judge",
    "Method",
}


@cache
def rendered(fmt: PriorityFormat) -> bytes:
    """Each format rendered once per session (the PDF and the DOCX take seconds)."""
    return render_priorities(REPORT, priority_charts(REPORT, needs_png(fmt)), fmt)


def expected_ranking() -> list[tuple[str, str, str, str]]:
    """Rank, score, interval and Schulze rank of each item, as the model has them."""
    return [
        (
            str(r.rank),
            f"{r.score:.1f}",
            f"{r.interval[0]:.1f}–{r.interval[1]:.1f}" if r.interval else "–",
            str(r.schulze_rank),
        )
        for r in REPORT.priorities
        if r.score is not None
    ]


def ranking(tables: Sequence[Sequence[Sequence[str]]]) -> list[tuple[str, str, str, str]]:
    """The same four columns read from the ranked table of an export."""
    [table] = [t for t in tables if t and t[0][0] == "Rank"]
    header = list(table[0])
    columns = [header.index(h) for h in ("Rank", "Score", "95% interval", "Schulze")]
    return [
        (row[columns[0]], row[columns[1]], row[columns[2]], row[columns[3]]) for row in table[1:]
    ]


@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_the_same_report_gives_the_same_bytes(fmt: PriorityFormat) -> None:
    assert render_priorities(REPORT, priority_charts(REPORT, needs_png(fmt)), fmt) == rendered(fmt)


def test_html_page_ranks_links_figures_and_keeps_input_as_text() -> None:
    html = rendered("html").decode("utf-8")
    parsed = HtmlAnchors()
    parsed.feed(html)
    assert ranking(parsed.tables) == expected_ranking()
    assert set(parsed.headings) >= SECTIONS
    assert len(parsed.links) >= len(SECTIONS)
    assert [a for a in parsed.links if a not in parsed.ids] == []  # every internal link resolves
    alts = [img.get("alt") for img in parsed.images]
    assert alts == [c.alt for c in priority_charts(REPORT)]  # every figure, its text alternative
    assert all(
        (img.get("src") or "").startswith("data:image/svg+xml;base64,") for img in parsed.images
    )
    groups = next(t for t in parsed.tables if t[0][0] == "Item" and "Analysts (2)" in t[0])
    assert groups[1:] == [[HOSTILE, "1", "2"], ["Oral health", "2", "1"]]  # per-group ranks
    could_not = next(t for t in parsed.tables if t[0] == ["Item", "Criterion", "Could not judge"])
    assert could_not[1:] == [["Oral health", "Cost", "1 of 3"]]
    assert "<script>" not in html
    assert " style=" not in html  # the report's stylesheet only: a CSP can forbid inline style
    assert "Synthetic example data." in html


def test_docx_has_real_headings_the_ranked_table_and_described_pictures() -> None:
    import docx

    document = docx.Document(io.BytesIO(rendered("docx")))
    styles = {p.text: p.style.name for p in document.paragraphs if p.text and p.style}
    assert styles["Study <b>: priorities after round 2"] == "Title"
    assert all(styles[s] == "Heading 1" for s in SECTIONS)
    assert styles["Where the groups differ most"] == "Heading 2"
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    assert ranking(tables) == expected_ranking()
    header = document.tables[1].rows[0].cells  # the ranked table: a bold header row
    assert all(any(r.bold for r in c.paragraphs[0].runs) for c in header)
    described = [s._inline.docPr.get("descr") for s in document.inline_shapes]
    assert described == [c.alt for c in priority_charts(REPORT)]
    assert document.core_properties.title == "Study <b>: priorities after round 2"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_text_has_every_rank_and_score_and_headings_are_bookmarks(tmp_path: Path) -> None:
    text, titles = read_pdf(rendered("pdf"), tmp_path)
    words = " ".join(text.split())
    for rank, score, interval, _ in expected_ranking():
        assert f"{rank} " in words
        assert score in words
        assert interval.replace("–", "– ") in words or interval in words
    assert "Oral health (b)" in words
    assert titles >= SECTIONS


def test_docx_without_pictures_is_refused() -> None:
    with pytest.raises(ValueError, match="without its PNG"):
        render_priorities(REPORT, priority_charts(REPORT), "docx")


def test_csv_tables_carry_the_model_and_keep_formulas_out() -> None:
    archive = zipfile.ZipFile(io.BytesIO(rendered("csv")))
    assert archive.namelist() == ["priorities.csv", "cannot_judge.csv", "sensitivity.csv"]
    assert render_priorities(REPORT, (), "csv") == rendered("csv")  # the same bytes

    def table(name: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))

    priorities = table("priorities.csv")
    assert [
        (p["rank"], f"{float(p['score']):.1f}", f"{float(p['interval_low']):.1f}–"
         f"{float(p['interval_high']):.1f}", p["schulze_rank"])
        for p in priorities
    ] == expected_ranking()  # fmt: skip
    assert [(p["title"], p["rank_in_analyst"], p["rank_in_parent"]) for p in priorities] == [
        (HOSTILE, "1", "2"),
        ("Oral health", "2", "1"),
    ]
    assert table("cannot_judge.csv") == [
        {"item": "b", "title": "Oral health", "criterion": "cost", "cannot_judge": "1",
         "answered": "3"}
    ]  # fmt: skip
    baseline, halved = table("sensitivity.csv")
    assert (baseline["factor"], baseline["top"]) == ("1.0", "a")
    assert (halved["criterion"], halved["entered"], halved["left"]) == ("impact", "b", "a")


def test_a_title_that_looks_like_a_formula_stays_text() -> None:
    formula = dataclasses.replace(REPORT.priorities[1], title="=HYPERLINK(1)")
    report = dataclasses.replace(REPORT, priorities=(REPORT.priorities[0], formula))
    archive = zipfile.ZipFile(io.BytesIO(render_priorities(report, (), "csv")))
    assert "'=HYPERLINK(1)" in archive.read("priorities.csv").decode("utf-8")
