"""The pre-registered rule decides rated themes; no figure is ever attached to the wrong side."""

from __future__ import annotations

from symphonia.core.fragments import Fragment, FragmentKind, Rating
from symphonia.core.protocol import Protocol
from symphonia.core.synthesis import Section
from symphonia.core.themes import Theme, ThemeStatus
from symphonia.pipeline.analyze import RatingContext
from symphonia.pipeline.draft_extractive import ExtractiveDrafter
from symphonia.pipeline.rated_themes import apply_ratings
from tests.unit.pipeline.conftest import classified_theme

GROUPS = ["a", "b"]


def theme(members: list[Fragment]) -> Theme:
    return classified_theme("t01", members, GROUPS)


def rate(item: str, scores: list[int]) -> list[Rating]:
    return [Rating(item, f"R{i}", s) for i, s in enumerate(scores)]


def test_endorsing_one_side_and_rejecting_the_other_is_shown_side_by_side() -> None:
    members = [
        Fragment(f"p{i}", f"E{i}", FragmentKind.ARGUMENT_FOR, f"FOR {i}", 4, GROUPS[i % 2])
        for i in range(3)
    ] + [
        Fragment(f"c{i}", f"E{5 + i}", FragmentKind.ARGUMENT_AGAINST, f"AGAINST {i}", 4, "b")
        for i in range(2)
    ]
    by_id = {f.id: f for f in members}
    ratings = rate("for-item", [1, 1, 2, 1, 2]) + rate("against-item", [9, 8, 9, 8, 9])
    context = RatingContext(ratings, {"for-item": ["p0", "p1"], "against-item": ["c0", "c1"]})
    (rated,), _ = apply_ratings([theme(members)], context, Protocol(), by_id)
    assert rated.status is ThemeStatus.CONTESTED
    synthesis = ExtractiveDrafter().draft([rated], [], by_id)
    assert not [s for s in synthesis.statements if s.section is Section.CONSENSUS]
    assert not any("Panel rating" in s.text for s in synthesis.statements)


def test_a_minority_theme_the_whole_panel_endorses_is_no_longer_a_minority() -> None:
    members = [
        Fragment("m1", "E1", FragmentKind.CLAIM, "Only we say this.", 5, "a"),
        Fragment("m2", "E2", FragmentKind.CLAIM, "And we agree.", 5, "a"),
    ]
    before = theme(members)
    assert before.minority is not None
    context = RatingContext(rate("m1", [8, 9, 8, 9, 8]), {"m1": ["m1"]})
    (rated,), _ = apply_ratings([before], context, Protocol(), {f.id: f for f in members})
    assert rated.status is ThemeStatus.CONSENSUS
    assert rated.minority is None
    (lead,) = ExtractiveDrafter().draft([rated], [], {f.id: f for f in members}).statements
    assert lead.section is Section.CONSENSUS


def test_spread_ratings_are_not_blamed_on_stakeholder_groups() -> None:
    members = [
        Fragment(f"f{i}", f"E{i}", FragmentKind.CLAIM, f"x {i}", 4, "ab"[i % 2]) for i in range(4)
    ]
    context = RatingContext(rate("f0", [4, 4, 4, 7, 7, 7, 7, 7, 7, 7]), {"f0": ["f0"]})
    (rated,), _ = apply_ratings([theme(members)], context, Protocol(), {f.id: f for f in members})
    assert rated.status is ThemeStatus.GAP
    assert not any("stakeholder group" in r for r in rated.reasons)


def test_a_rated_statement_resting_on_singular_views_still_gets_its_verdict() -> None:
    from symphonia.pipeline.analyze import analyze_round
    from symphonia.reports.markdown import render_markdown
    from tests.unit.pipeline.conftest import CountingEmbedder, make_fragments

    fragments = make_fragments(4)  # unrelated random vectors: every fragment is singular
    context = RatingContext(
        rate("s1", [8, 9, 8, 9, 8]) + rate("s2", [1, 9, 1, 9, 5]),
        {"s1": ["f0000"], "s2": ["f0001", "f0002"]},
    )
    result = analyze_round(fragments, CountingEmbedder(), rating=context)
    assert not result.themes
    assert len(result.singular_views) == 4
    assert result.run["unmapped_rating_items"] == ["s1", "s2"]
    verdicts = {v["item_id"]: v for v in result.run["rated_items_outside_themes"]}
    assert verdicts["s1"]["consensus"]
    assert verdicts["s1"]["direction"] == "agree"
    assert not verdicts["s2"]["consensus"]

    doc = {
        "study": {"title": "T", "question": "Q?"},
        "round": {"number": 2, "kind": "rate"},
        "version": {"number": 1, "origin": "extractive", "created_at": "now", "drafter": {}},
        "protocol": {},
        "statements": [],
        "evidence": {},
        "run": result.run,
    }
    report = render_markdown(doc)
    assert "## Rated statements outside any theme" in report
    assert "| s1 | consensus (agree) | 5 |" in report
    assert "| s2 | no consensus | 5 |" in report
