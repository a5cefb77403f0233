"""The prioritisation report's renderers: Markdown (escaped, figures linked only when written),
JSON (`priorities` with rank, score, interval, Schulze rank, group ranks) and SVG figures
(deterministic bytes, a text alternative, well-formed XML)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from symphonia.reports.priority_charts import priority_charts
from symphonia.reports.priority_json import render_priorities_json
from symphonia.reports.priority_markdown import render_priorities_markdown
from tests.unit.reports.priority_documents import REPORT


def test_markdown_escapes_and_reads_in_rank_order() -> None:
    text = render_priorities_markdown(REPORT)
    assert "> **Synthetic example data.**" in text
    assert "Study &lt;b&gt;" in text
    assert "<script>" not in text
    assert "[click](" not in text
    first, second = text.index("| 1 | Passport"), text.index("| 2 | Oral health")
    assert first < second
    assert "| 1 | Passport \\[click\\]" in text
    assert "71.2 | 67.2–74.8 | 100% | 1 | 1 | 3 of 3 | ▲1 |" in text
    assert "| Oral health | Cost | 1 of 3 |" in text
    assert "Impact on" not in text  # only the study's own criteria
    assert "| Impact halved | Oral health | Passport" in text
    assert "Kendall's W = 0.61" in text
    assert "Kendall's W went from 0.40 to 0.61" in text
    assert "![" not in text  # no figure files were written: tables only


def test_markdown_links_figures_with_their_text_alternative() -> None:
    charts = priority_charts(REPORT)
    text = render_priorities_markdown(
        REPORT, charts, {"scores": "r-scores.svg", "groups": "r-groups.svg"}
    )
    assert "](r-scores.svg)" in text
    assert "](r-groups.svg)" in text
    assert "![Dot chart of the weighted scores of 2 items" in text
    assert "ranked 1 by Analysts and 2 by Parent representatives" in text


def test_json_priorities() -> None:
    document = json.loads(render_priorities_json(REPORT, priority_charts(REPORT)))
    assert document["kind"] == "priorities"
    first = document["priorities"][0]
    assert {k: first[k] for k in ("rank", "item", "score", "schulze_rank", "group_ranks")} == {
        "rank": 1,
        "item": "a",
        "score": 71.25,
        "schulze_rank": 1,
        "group_ranks": {"analyst": 1, "parent": 2},
    }
    assert first["interval"] == {"low": 67.25, "high": 74.75, "confidence": 0.95}
    assert first["shift"] == {"p_value": 0.03, "significant": True}
    assert [f["name"] for f in document["figures"]] == ["scores", "groups"]
    assert document["study"]["synthetic"] is True


def test_figures_are_deterministic_accessible_svg() -> None:
    once, twice = priority_charts(REPORT), priority_charts(REPORT)
    assert [c.svg for c in once] == [c.svg for c in twice]
    for chart in once:
        root = ET.fromstring(chart.svg.encode())
        ns = "{http://www.w3.org/2000/svg}"
        assert root.get("role") == "img"
        assert root.find(f"{ns}title").text == chart.title  # type: ignore[union-attr]
        assert root.find(f"{ns}desc").text == chart.alt  # type: ignore[union-attr]
        assert "<dc:date>" not in chart.svg
    scores = once[0]
    assert "71.2 (67.2–74.8)" in scores.alt
    assert "<script>" not in scores.svg  # the title is text, escaped
