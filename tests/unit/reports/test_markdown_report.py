"""Contributors' words stay inert text in the Markdown report; calls are worded faithfully."""

from __future__ import annotations

import re

from symphonia.reports.markdown import render_markdown
from tests.unit.reports.documents import consensus_document, document


def test_contributor_text_cannot_inject_html_links_or_list_items() -> None:
    report = render_markdown(document())
    assert "<script>" not in report
    assert not re.search(r"(?<!\\)\]\(javascript:", report), "an active link survived"
    assert not any(line.startswith("- fake") for line in report.splitlines())
    assert '<a id="evidence-x-y---b-' in report
    assert "<b>" not in report.replace('<a id="', "")


def test_an_unrated_consensus_is_marked_provisional_where_it_is_stated() -> None:
    report = render_markdown(consensus_document(rated=False))
    consensus = report.split("## Consensus", 1)[1].split("\n## ", 1)[0]
    assert "*(theme t01, provisional)*" in consensus
    assert "have not been rated by the panel yet" in consensus


def test_a_rated_consensus_is_not_marked_provisional_and_shows_its_figures() -> None:
    report = render_markdown(consensus_document(rated=True))
    assert "provisional" not in report
    assert "*(theme t01)*" in report
    assert "s1: consensus (agree): 5 ratings, median 8, IQR 1, 80% rated 7–9" in report


def test_rated_items_outside_any_theme_are_reported_with_their_verdict() -> None:
    report = render_markdown(consensus_document(rated=True))
    row = next(line for line in report.splitlines() if line.startswith("| s9 | statement s9 |"))
    assert "too few ratings" in row
    assert "outside any theme" in row


def test_flags_not_recorded_are_said_so_not_reported_as_none() -> None:
    report = render_markdown(document())
    flags = report.split("## Flags raised by panellists", 1)[1].split("\n## ", 1)[0]
    assert "Flags are not recorded yet." in flags


def test_every_accord_item_is_listed_with_a_status() -> None:
    report = render_markdown(document())
    accord = report.split("### ACCORD reporting checklist", 1)[1]
    rows = [line for line in accord.splitlines() if re.match(r"\| [TIMRDO]\d+ \|", line)]
    assert len(rows) == 35
    assert all(
        any(s in row for s in ("| reported |", "partly reported", "not reported")) for row in rows
    )
