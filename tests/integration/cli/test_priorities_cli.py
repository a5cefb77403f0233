"""The prioritisation demo from the command line: the ranked list in the exported report
(Markdown with its figures, JSON, and the page, PDF, Word document and CSV tables with the
same numbers),
and a bad score file refused at its lines."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.integration.cli.conftest import Invoke, copy_study, refused
from tests.unit.reports.readers import HtmlAnchors, read_pdf

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "rounds" / "connected-icb-priorities"
SLUG = "connected-icb-priorities"


def test_the_demo_ranks_the_use_cases_and_exports_them(cli: Invoke, tmp_path: Path) -> None:
    outcome = cli("demo", "--study-dir", DEMO, "--out", tmp_path / "reports")
    assert outcome.code == 0, outcome.err
    assert "round 2: top 5: oral-health, care-leavers, asthma-absence" in outcome.out
    folder = tmp_path / "reports" / SLUG
    assert sorted(p.name for p in folder.iterdir()) == [
        "round-1-groups.svg", "round-1-scores.svg", "round-1.html", "round-1.json", "round-1.md",
        "round-2-groups.svg", "round-2-scores.svg", "round-2.html", "round-2.json", "round-2.md",
    ]  # fmt: skip
    assert f"Report: {(folder / 'round-2.html').resolve()}" in " ".join(outcome.out.split())
    markdown = (folder / "round-2.md").read_text()
    assert "> **Synthetic example data.**" in markdown
    assert "| 1 | Oral health and school absence (`oral-health`) | 76.1 |" in markdown
    assert "](round-2-scores.svg)" in markdown
    assert "](round-2-groups.svg)" in markdown
    assert "### Where the groups differ most" in markdown
    assert (
        "- **Modelling which children are likely to receive an EHCP**: ranked 2 by ICB "
        "commissioners and Local-authority analysts and 12 by Parent representatives"
    ) in markdown
    assert "## What the panel could not judge" in markdown
    assert "## Change since round 1" in markdown

    document = json.loads((folder / "round-2.json").read_text())
    priorities = document["priorities"]
    assert [p["item"] for p in priorities[:3]] == ["oral-health", "care-leavers", "asthma-absence"]
    assert [p["rank"] for p in priorities] == list(range(1, 13))
    for p in priorities:
        assert p["interval"]["low"] <= p["score"] <= p["interval"]["high"]
        assert set(p["group_ranks"]) == {
            "clinician", "icb_commissioner", "ig_lead", "la_analyst", "parent_rep",
            "researcher", "school_leader",
        }  # fmt: skip
    model = next(p for p in priorities if p["item"] == "ehcp-model")
    assert (model["rank"], model["schulze_rank"]) == (11, 5)
    assert model["group_ranks"]["parent_rep"] == 12
    assert model["group_ranks"]["la_analyst"] == 2

    again = cli("export", SLUG, "2", "--format", "json")
    assert again.code == 0, again.err
    assert json.loads(again.out) == document  # seeded: the same numbers every time
    svg = cli("export", SLUG, "1", "--format", "md", "--out", tmp_path / "r1.md")
    assert svg.code == 0, svg.err
    assert (tmp_path / "r1-scores.svg").read_text() == (folder / "round-1-scores.svg").read_text()


def _ranked(rows: list[list[str]], interval: str) -> list[tuple[str, str, str, str]]:
    header = rows[0]
    at = [header.index(h) for h in ("Rank", "Item", "Score", interval)]
    return [(r[at[0]], r[at[1]], r[at[2]], r[at[3]]) for r in rows[1:]]


def _expected(priorities: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return [
        (
            str(p["rank"]),
            f"{p['title']} ({p['item']})",
            f"{p['score']:.1f}",
            f"{p['interval']['low']:.1f}–{p['interval']['high']:.1f}",
        )
        for p in priorities
    ]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_round_two_exports_as_a_page_a_pdf_a_word_document_and_tables(
    cli: Invoke, tmp_path: Path
) -> None:
    import docx

    assert cli("demo", "--study-dir", DEMO, "--out", tmp_path / "reports").code == 0
    document = json.loads((tmp_path / "reports" / SLUG / "round-2.json").read_text())
    expected = _expected(document["priorities"])
    interval = f"{round(document['method']['confidence'] * 100)}% interval"
    files = {}
    for fmt in ("html", "pdf", "docx"):
        files[fmt] = tmp_path / f"r2.{fmt}"
        outcome = cli("export", SLUG, "2", "--format", fmt, "--out", files[fmt])
        assert outcome.code == 0, outcome.err
        assert f"wrote {files[fmt]}" in " ".join(outcome.out.split())

    page = HtmlAnchors()
    page.feed(files["html"].read_text())
    [table] = [t for t in page.tables if t[0][0] == "Rank"]
    assert _ranked(table, interval) == expected
    assert [a for a in page.links if a not in page.ids] == []
    assert len(page.images) == 2
    assert all(img.get("alt") for img in page.images)
    assert {"Ranked list", "What the panel could not judge", "Stakeholder groups"} <= set(
        page.headings
    )
    assert files["html"].read_bytes() == (tmp_path / "reports" / SLUG / "round-2.html").read_bytes()

    word = docx.Document(io.BytesIO(files["docx"].read_bytes()))
    rows = [[[c.text for c in row.cells] for row in t.rows] for t in word.tables]
    [table] = [t for t in rows if t[0][0] == "Rank"]
    assert _ranked(table, interval) == expected
    assert len(word.inline_shapes) == 2

    text, titles = read_pdf(files["pdf"].read_bytes(), tmp_path)
    words = " ".join(text.split())
    for p in document["priorities"]:
        assert f"{p['score']:.1f}" in words
    assert {"Ranked list", "How the top 5 depends on the weights"} <= titles

    again = cli("export", SLUG, "2", "--format", "pdf", "--out", tmp_path / "again.pdf")
    assert again.code == 0, again.err
    assert (tmp_path / "again.pdf").read_bytes() == files["pdf"].read_bytes()
    refused(
        cli("export", SLUG, "2", "--format", "prov", "--out", tmp_path / "r.prov.json"),
        "round 2 of 'connected-icb-priorities' ranks priorities: a prov export describes a "
        "synthesis; export it as md, json, html, pdf, docx, csv",
    )
    for fmt in ("md", "all"):  # both exports refuse a version the same way
        refused(
            cli("export", SLUG, "2", "--format", fmt, "--version", "1", "--out", tmp_path / "v"),
            "round 2 of 'connected-icb-priorities' ranks priorities; its report has no versions",
        )
    every = cli("export", SLUG, "2", "--format", "all", "--out", tmp_path / "every")
    assert every.code == 0, every.err
    stem = tmp_path / "every" / f"{SLUG}-round-2-priorities"
    for suffix in (".md", ".json", ".html", ".pdf", ".docx", ".zip"):
        assert Path(f"{stem}{suffix}").is_file(), suffix
    assert Path(f"{stem}.html").read_bytes() == files["html"].read_bytes()
    assert Path(f"{stem}.pdf").read_bytes() == files["pdf"].read_bytes()
    tables = cli("export", SLUG, "2", "--format", "csv", "--out", tmp_path / "tables")
    assert tables.code == 0, tables.err
    with (tmp_path / "tables" / "priorities.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["rank"], r["item"], round(float(r["score"]), 4)) for r in rows] == [
        (str(p["rank"]), p["item"], p["score"]) for p in document["priorities"]
    ]
    assert sorted(p.name for p in (tmp_path / "tables").iterdir()) == [
        "cannot_judge.csv", "priorities.csv", "sensitivity.csv",
    ]  # fmt: skip


def test_a_bad_score_file_is_refused_at_its_lines(cli: Invoke, tmp_path: Path) -> None:
    study = copy_study(DEMO, tmp_path / "study")
    lines = (study / "round1-scores.jsonl").read_text().splitlines()
    lines[3] = lines[3].replace('"score": 6', '"score": 16')
    lines[5] = lines[5].replace('"criterion": "', '"criterion": "x')
    (study / "round1-scores.jsonl").write_text("\n".join(lines) + "\n")
    assert cli("db", "upgrade").code == 0
    assert cli("study", "load", study).code == 0
    assert cli("round", "open", SLUG, "1").code == 0
    outcome = cli("priorities", "import", SLUG, "1", study / "round1-scores.jsonl")
    refused(
        outcome,
        "2 problem(s); nothing was imported",
        "round1-scores.jsonl:4: score of 'asthma-absence' on 'impact' by 'E01': score: 16 is "
        "outside criterion 'impact''s scale 1–9",
        "round1-scores.jsonl:6: score of 'camhs-waits' on 'xcost' by 'E01': criterion: unknown "
        "criterion 'xcost'",
    )
    fixed = cli("priorities", "import", SLUG, "1", DEMO / "round1-scores.jsonl")
    assert fixed.code == 0, fixed.err
    assert "imported 900 scores" in fixed.out
    early = cli("export", SLUG, "1")
    refused(early, "its ranking is reported once it has closed", f"round close {SLUG} 1")
