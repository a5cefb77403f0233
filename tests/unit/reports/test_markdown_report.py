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
