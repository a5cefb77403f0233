"""One call per rated item: consensus, divisive (groups differ), split, no agreement, too few."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symphonia.core.consensus import evaluate_item, evaluate_tally
from symphonia.core.fragments import Rating
from symphonia.core.group_views import GroupShares, group_informed_consensus
from symphonia.core.protocol import (
    ConsensusRule,
    GroupBasis,
    ParticipationBase,
    Protocol,
    RatingScale,
)
from symphonia.core.ratings import RatingTally
from symphonia.core.verdicts import Direction, ItemCall

POLIS = Protocol(
    scale=RatingScale(1, 3),
    max_iqr=1.0,
    min_item_ratings=10,
    participation_base=ParticipationBase.SHOWN,
    group_basis=GroupBasis.OPINION,
)
DELPHI = Protocol()


def votes(item: str, by_group: Mapping[str, Sequence[int]]) -> tuple[list[Rating], dict[str, str]]:
    """Ratings of ``item`` by raters named after their group, and the rater → group map."""
    ratings: list[Rating] = []
    groups: dict[str, str] = {}
    for group, scores in by_group.items():
        for i, score in enumerate(scores):
            rater = f"{group}-{i:03d}"
            ratings.append(Rating(item, rater, score))
            groups[rater] = group
    return ratings, groups


def call(by_group: Mapping[str, Sequence[int]], protocol: Protocol = POLIS) -> ItemCall:
    ratings, groups = votes("c1", by_group)
    return evaluate_item("c1", ratings, protocol, groups, len(ratings)).call


def test_group_informed_consensus_is_polis_product_with_its_prior() -> None:
    shares = {
        "a": GroupShares(n=10, agree=8, disagree=1),
        "b": GroupShares(n=4, agree=3, disagree=0),
    }
    got = group_informed_consensus(shares, ["a", "b"])
    assert got["agree"] == pytest.approx((9 / 12) * (4 / 6), abs=1e-4)
    assert got["disagree"] == pytest.approx((2 / 12) * (1 / 6), abs=1e-4)
    # A group of the panel that saw nothing contributes its prior, 1/2.
    assert group_informed_consensus(shares, ["a", "b", "c"])["agree"] == pytest.approx(
        (9 / 12) * (4 / 6) / 2, abs=1e-4
    )


def test_broad_agreement_in_every_opinion_group_is_consensus() -> None:
    ratings, groups = votes("c1", {"g1": [3] * 9 + [2], "g2": [3] * 8 + [1, 2]})
    verdict = evaluate_item("c1", ratings, POLIS, groups, 10_000)
    assert verdict.call is ItemCall.CONSENSUS
    assert verdict.direction is Direction.AGREE
    assert any("holds in all 2 opinion groups" in r for r in verdict.reasons)
    # Participation is counted against those shown the comment, not the whole conversation.
    assert verdict.participation == 1.0
    assert "participation 100% (20 of 20 shown it)" in verdict.reasons[-1]
    assert verdict.stats["group_consensus"]["agree"] == pytest.approx(
        (10 / 12) * (9 / 12), abs=1e-4
    )


def test_opposing_opinion_groups_make_an_item_divisive() -> None:
    verdict_call = call({"g1": [3] * 8 + [2, 2], "g2": [1] * 7 + [2, 2, 2]})
    assert verdict_call is ItemCall.DIVISIVE
    ratings, groups = votes("c1", {"g1": [3] * 8 + [2, 2], "g2": [1] * 7 + [2, 2, 2]})
    verdict = evaluate_item("c1", ratings, POLIS, groups, 20)
    assert verdict.headline.startswith("opinion groups hold opposite views")
    assert "'g1' 80% rated 3" in verdict.headline
    assert "'g2' 70% rated 1" in verdict.headline


def test_a_panel_consensus_one_group_does_not_share_is_divisive() -> None:
    # 80 % agree overall, but the small group is lukewarm: the groups differ.
    by_group = {"g1": [3] * 14, "g2": [3, 2, 2, 2, 1, 3]}
    assert call(by_group) is ItemCall.DIVISIVE
    ratings, groups = votes("c1", by_group)
    verdict = evaluate_item("c1", ratings, POLIS, groups, 20)
    assert verdict.headline.startswith("holds in only 1 of 2 opinion groups")


def test_a_split_panel_is_not_divisive_when_the_groups_do_not_differ() -> None:
    # Both groups are split down the middle in the same way: no group holds a view.
    by_group = {"g1": [3, 3, 3, 1, 1, 1, 2, 2], "g2": [3, 3, 3, 1, 1, 1, 2, 2]}
    assert call(by_group) is ItemCall.NO_AGREEMENT


def test_with_no_groups_to_compare_a_third_at_each_end_is_split() -> None:
    ratings = [Rating("c1", f"P{i}", s) for i, s in enumerate([3] * 4 + [1] * 4 + [2] * 4)]
    verdict = evaluate_item("c1", ratings, POLIS, {}, 12)
    assert verdict.call is ItemCall.SPLIT
    assert "a third or more at each end" in verdict.headline
    middle = [Rating("c1", f"P{i}", s) for i, s in enumerate([3] * 3 + [1] * 2 + [2] * 7)]
    assert evaluate_item("c1", middle, POLIS, {}, 12).call is ItemCall.NO_AGREEMENT


def test_rand_ucla_disagreement_within_groups_is_a_split() -> None:
    rand = Protocol(rule=ConsensusRule.RAND_UCLA)
    same = [1, 1, 2, 8, 9, 9]
    assert call({"a": same, "b": same}, rand) is ItemCall.SPLIT


def test_too_few_votes_are_never_consensus_or_divisive() -> None:
    assert call({"g1": [3, 3, 3, 3], "g2": [3, 3, 3, 3, 3]}) is ItemCall.TOO_FEW
    assert call({"g1": [3, 3, 3, 3], "g2": [1, 1, 1, 1, 1]}) is ItemCall.TOO_FEW
    ratings, groups = votes("c1", {"g1": [3]})
    verdict = evaluate_item("c1", ratings, POLIS, groups, 1)
    assert verdict.headline == "only 1 rating: at least 10 are needed before any call is made"
    assert not verdict.consensus


def test_low_panel_participation_is_too_few_in_a_delphi_round() -> None:
    ratings, groups = votes("s1", {"a": [8, 8, 9], "b": [8, 9]})
    verdict = evaluate_item("s1", ratings, DELPHI, groups, 10)
    assert verdict.call is ItemCall.TOO_FEW
    assert verdict.headline == "participation 50% (5 of 10) is below the required 60%"


def test_counts_without_identity_are_judged_with_no_group_rule_and_say_so() -> None:
    tally = RatingTally("c7", ((3, 40), (1, 5)), unrecorded="passes")
    verdict = evaluate_tally(tally, POLIS)
    assert verdict.call is ItemCall.CONSENSUS
    assert verdict.raters == ()
    assert "groups" not in verdict.stats
    assert any("without voter identity (45 ratings)" in r for r in verdict.reasons)
    assert any("did not record passes" in r for r in verdict.reasons)
    split = evaluate_tally(RatingTally("c8", ((3, 20), (1, 20))), POLIS)
    assert split.call is ItemCall.SPLIT
    few = evaluate_tally(RatingTally("c9", ((3, 4),)), POLIS)
    assert few.call is ItemCall.TOO_FEW


def test_a_tally_off_the_scale_is_refused() -> None:
    from symphonia.core.fragments import InvalidInput

    with pytest.raises(InvalidInput, match="outside the scale 1–3"):
        evaluate_tally(RatingTally("c1", ((4, 2),)), POLIS)
    with pytest.raises(InvalidInput, match="whole number"):
        RatingTally("c1", ((3, -1),))


group_scores = st.lists(st.integers(1, 3), min_size=0, max_size=12)


@settings(deadline=None, max_examples=150)
@given(st.dictionaries(st.sampled_from(["g1", "g2", "g3"]), group_scores, min_size=1))
def test_call_invariants(by_group: dict[str, list[int]]) -> None:
    ratings, groups = votes("c1", by_group)
    if not ratings:
        return
    verdict = evaluate_item("c1", ratings, POLIS, groups, len(ratings))
    shares = verdict.stats.get("groups", {})
    compared = {g: s for g, s in shares.items() if s["n"] >= 2}
    if verdict.call is ItemCall.CONSENSUS:
        key = (
            "percent_agreement" if verdict.direction is Direction.AGREE else "percent_disagreement"
        )
        assert all(s[key] >= 0.5 - 1e-9 for s in compared.values())
        assert len(ratings) >= POLIS.min_item_ratings
    if verdict.call is ItemCall.DIVISIVE:
        assert len(compared) >= 2  # divisive only when groups differ
    if len(ratings) < POLIS.min_item_ratings:
        assert verdict.call is ItemCall.TOO_FEW
    # Renaming the raters changes nothing; mirroring the scale swaps directions only.
    renamed = [Rating(r.item, f"x{r.rater[::-1]}", r.score) for r in ratings]
    regroup = {f"x{k[::-1]}": v for k, v in groups.items()}
    assert evaluate_item("c1", renamed, POLIS, regroup, len(ratings)).call is verdict.call
    mirrored = [Rating(r.item, r.rater, 4 - r.score) for r in ratings]
    again = evaluate_item("c1", mirrored, POLIS, groups, len(ratings))
    assert again.call is verdict.call
    swap = {Direction.AGREE: Direction.DISAGREE, Direction.DISAGREE: Direction.AGREE}
    assert again.direction is swap.get(verdict.direction, Direction.NONE)
