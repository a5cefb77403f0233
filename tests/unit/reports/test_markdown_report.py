"""Contributors' words stay inert text in the Markdown report."""

from __future__ import annotations

import re
from typing import Any

from symphonia.reports.markdown import render_markdown

HOSTILE = "<script>alert(1)</script> [click](javascript:steal)\n- fake item | cell"


def document() -> dict[str, Any]:
    return {
        "study": {"title": "T", "question": "Q?", "synthetic": False},
        "round": {"number": 1, "kind": "contribute"},
        "version": {"number": 1, "origin": "extractive", "created_at": "now", "drafter": {}},
        "protocol": {"rule": "percent_iqr", "scale": {"min": 1, "max": 9}},
        "statements": [
            {
                "id": "sv-x",
                "theme_id": None,
                "section": "minority",
                "text": f"Singular view: \u201c{HOSTILE}\u201d",
                "citations": ['x y)"<b>'],
                "guard": {},
                "origin": "extractive",
            }
        ],
        "evidence": {
            'x y)"<b>': {
                "kind": "claim",
                "text": HOSTILE,
                "confidence": 3,
                "group": "g",
                "author": "E01",
                "sources": [],
            }
        },
    }


def test_contributor_text_cannot_inject_html_links_or_list_items() -> None:
    report = render_markdown(document())
    assert "<script>" not in report
    assert not re.search(r"(?<!\\)\]\(javascript:", report), "an active link survived"
    assert not any(line.startswith("- fake") for line in report.splitlines())
    assert '<a id="evidence-x-y---b-' in report
    assert "<b>" not in report.replace('<a id="', "")


def _consensus_doc(rated: bool) -> dict[str, Any]:
    doc = document()
    stats: dict[str, Any] = {"size": 2, "contributors": 2, "groups": ["g"]}
    if rated:
        stats["ratings"] = {"percent_agreement": 0.8, "median": 8, "iqr": 1}
    doc["themes"] = [{"id": "t01", "label": "L", "status": "consensus", "stats": stats}]
    doc["statements"] = [
        {
            "id": "t01-s1",
            "theme_id": "t01",
            "section": "consensus",
            "text": "Raised by 2 contributors",
            "citations": ['x y)"<b>'],
            "guard": {},
            "origin": "extractive",
        }
    ]
    return doc


def test_an_unrated_consensus_is_marked_provisional_where_it_is_stated() -> None:
    report = render_markdown(_consensus_doc(rated=False))
    consensus = report.split("## Consensus", 1)[1].split("\n## ", 1)[0]
    assert "*(theme t01, provisional)*" in consensus
    assert "have not been rated by the panel yet" in consensus


def test_a_rated_consensus_is_not_marked_provisional() -> None:
    report = render_markdown(_consensus_doc(rated=True))
    assert "provisional" not in report
    assert "*(theme t01)*" in report
