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


def test_endorsing_one_side_and_rejecting_the_other_makes_two_parts_each_with_its_figures() -> None:
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
    parts, _ = apply_ratings([theme(members)], context, Protocol(), by_id)
    by_part = {t.stats.ratings["part"]: t for t in parts if t.stats.ratings}
    assert set(by_part) == {"agreed", "rejected"}
    assert {t.id for t in parts} == {"t01-agreed", "t01-rejected"}
    assert {"c0", "c1"} <= set(by_part["agreed"].fragment_ids)
    assert {"p0", "p1"} <= set(by_part["rejected"].fragment_ids)
    assert sorted(i for t in parts for i in t.fragment_ids) == sorted(by_id)
    assert all(t.status is ThemeStatus.CONSENSUS for t in parts)
    assert any("part of theme t01 (2 rated items" in r for r in by_part["agreed"].reasons)
    synthesis = ExtractiveDrafter().draft(parts, [], by_id)
    leads = {s.theme_id: s for s in synthesis.statements if s.section is Section.CONSENSUS}
    assert leads["t01-rejected"].text.startswith("Rejected by the panel")
    assert "disagreement band" in leads["t01-rejected"].text
    assert "disagreement band" not in leads["t01-agreed"].text
    assert "agreement band" in leads["t01-agreed"].text


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


def test_rated_statements_resting_on_singular_views_become_themes_of_their_own() -> None:
    from symphonia.pipeline.analyze import analyze_round
    from symphonia.reports.markdown import render_markdown
    from tests.unit.pipeline.conftest import CountingEmbedder, make_fragments

    fragments = make_fragments(4)  # unrelated random vectors: every fragment is singular
    context = RatingContext(
        rate("s1", [8, 9, 8, 9, 8]) + rate("s2", [1, 9, 1, 9, 5]) + rate("s3", [9, 9]),
        {"s1": ["f0000"], "s2": ["f0001", "f0002"], "s3": ["f0003"]},
    )
    protocol = Protocol(min_item_ratings=3)
    result = analyze_round(fragments, CountingEmbedder(), protocol=protocol, rating=context)
    by_item = {t.stats.ratings["items"][0]["item_id"]: t for t in result.themes if t.stats.ratings}
    assert by_item["s1"].status is ThemeStatus.CONSENSUS
    assert by_item["s1"].fragment_ids == ("f0000",)
    assert by_item["s2"].status is ThemeStatus.CONTESTED  # 40% at each end, no groups
    assert set(by_item["s2"].fragment_ids) == {"f0001", "f0002"}
    assert result.singular_views == ("f0003",)  # two ratings: too few to judge
    assert result.run["promoted_singular_items"] == ["s1", "s2"]
    assert result.run["unmapped_rating_items"] == ["s3"]
    verdicts = {v["item_id"]: v for v in result.run["rated_items_outside_themes"]}
    assert verdicts["s3"]["call"] == "too_few"
    assert not any(
        "f0000" in s.citations and s.text.startswith("Singular view")
        for s in result.synthesis.statements
    )

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
    assert "| s3 | too few ratings | 2 |" in report


def test_a_voted_theme_is_divided_by_its_comments_calls_between_opinion_groups() -> None:
    from symphonia.services.polis_import import POLIS_PROTOCOL

    blocs = {"A": 12, "B": 9}
    agree_both = ["c0", "c1", "c2", "c3"]
    opposed = ["c4", "c5"]
    ratings: list[Rating] = []
    for bloc, size in blocs.items():
        for v in range(size):
            voter = f"{bloc}{v:02d}"
            ratings += [Rating(c, voter, 3) for c in agree_both]
            ratings += [Rating(c, voter, 3 if bloc == "A" else 1) for c in opposed]
            ratings.append(Rating("c6", voter, 2 if v % 3 else 3))  # lukewarm everywhere
            if v < 2:
                ratings.append(Rating("c7", voter, 3))  # too few votes to judge
    members = [
        Fragment(f"c{i}", f"P{i % 5}", FragmentKind.CLAIM, f"comment {i}", 3, "polis")
        for i in range(8)
    ]
    by_id = {f.id: f for f in members}
    whole = classified_theme("t01", members, ["polis"])
    context = RatingContext(ratings, {f.id: [f.id] for f in members})
    parts, unmapped = apply_ratings([whole], context, POLIS_PROTOCOL, by_id)
    assert not unmapped
    by_part = {t.stats.ratings["part"]: t for t in parts if t.stats.ratings}
    assert by_part["agreed"].fragment_ids == tuple(agree_both)
    assert by_part["agreed"].status is ThemeStatus.CONSENSUS
    assert by_part["divided"].fragment_ids == tuple(opposed)
    assert by_part["divided"].status is ThemeStatus.CONTESTED
    assert set(by_part["unsettled"].fragment_ids) == {"c6", "c7"}
    assert by_part["unsettled"].status is ThemeStatus.GAP
    whole_count = "8 rated items: 4 consensus, 2 divisive, 1 no agreement, 1 too few ratings"
    for part in parts:
        assert any(whole_count in r for r in part.reasons)
        assert part.minority is None
    agreed = by_part["agreed"].stats
    assert agreed.contributors == 4  # authors of the four comments
    assert agreed.ratings is not None
    assert agreed.ratings["raters"] == 21
    assert agreed.ratings["counts"]["consensus"] == 4
    assert "percent_agreement" not in agreed.ratings  # no one comment's headline
    divided = by_part["divided"].stats.ratings or {}
    assert "opinion groups hold opposite views" in divided["items"][0]["headline"]
    statements = ExtractiveDrafter().draft(parts, [], by_id).statements
    lead = next(s for s in statements if s.theme_id == "t01-agreed")
    assert lead.section is Section.CONSENSUS
    assert "4 rated items: 4 consensus" in lead.text
    assert "21 raters" in lead.text
