"""The protocol applied to ratings: consensus per item, group rule, participation, stopping."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symphonia.core.consensus import Direction, evaluate_item, evaluate_stability
from symphonia.core.fragments import InvalidInput, Rating
from symphonia.core.protocol import ConsensusRule, Protocol, RatingScale, StoppingRule
from symphonia.core.stats import iqr, percent_agreement

PCT = Protocol()  # percent/IQR: 70 %, IQR <= 2, participation 60 %, groups 50 %
RAND = Protocol(rule=ConsensusRule.RAND_UCLA)


def rate(item: str, scores: Sequence[int], prefix: str = "E") -> list[Rating]:
    return [Rating(item, f"{prefix}{i:02d}", s) for i, s in enumerate(scores)]


def groups_of(sizes: Mapping[str, int], prefix: str = "E") -> dict[str, str]:
    """Assign raters E00, E01, ... to groups in order, e.g. {"a": 3, "b": 2}."""
    out: dict[str, str] = {}
    i = 0
    for group, size in sizes.items():
        for _ in range(size):
            out[f"{prefix}{i:02d}"] = group
            i += 1
    return out


# --- PERCENT_IQR --------------------------------------------------------------------------


def test_percent_iqr_agreement_consensus_with_reasons() -> None:
    verdict = evaluate_item("s1", rate("s1", [7, 8, 8, 9, 7, 8, 9, 8, 3, 5]), PCT, {}, 10)
    assert verdict.consensus is True
    assert verdict.direction is Direction.AGREE
    assert "80% rated 7–9 (threshold 70%)" in verdict.reasons
    assert "IQR 1.0 ≤ 2.0" in verdict.reasons
    assert verdict.participation == 1.0
    assert verdict.participation_ok is True
    assert verdict.stats["n"] == 10
    json.dumps(verdict.as_dict(), allow_nan=False)


def test_percent_iqr_consensus_on_rejection() -> None:
    verdict = evaluate_item("s1", rate("s1", [1, 2, 2, 3, 1, 2, 3, 2, 8, 5]), PCT, {}, 10)
    assert verdict.consensus is True
    assert verdict.direction is Direction.DISAGREE
    assert "80% rated 1–3 (threshold 70%)" in verdict.reasons


def test_percent_iqr_threshold_is_inclusive() -> None:
    verdict = evaluate_item("s1", rate("s1", [7, 7, 8, 8, 8, 9, 9, 6, 6, 6]), PCT, {}, 10)
    assert verdict.consensus is True
    assert "70% rated 7–9 (threshold 70%)" in verdict.reasons
    below = evaluate_item("s1", rate("s1", [7, 7, 8, 8, 8, 9, 6, 6, 6, 6]), PCT, {}, 10)
    assert below.consensus is False
    assert below.direction is Direction.NONE
    assert any("neither reaches the threshold 70%" in r for r in below.reasons)


def test_percent_iqr_share_met_but_iqr_too_wide() -> None:
    scores = [1, 1, 1, 7, 7, 7, 9, 9, 9, 9]
    assert percent_agreement(scores, (7, 9)) == pytest.approx(0.7)
    assert iqr(scores) == pytest.approx(6.5)
    verdict = evaluate_item("s1", rate("s1", scores), PCT, {}, 10)
    assert verdict.consensus is False
    assert "IQR 6.5 > 2.0" in verdict.reasons


def test_percent_iqr_split_panel_at_threshold_half() -> None:
    protocol = Protocol(agreement_threshold=0.5, max_iqr=10)
    verdict = evaluate_item("s1", rate("s1", [1, 1, 9, 9]), protocol, {}, 4)
    assert verdict.consensus is False
    assert any(r.startswith("panel split") for r in verdict.reasons)


def test_percent_iqr_uses_the_scales_own_bands() -> None:
    scale = RatingScale(1, 4)  # thirds of four points: agreement 4, disagreement 1
    protocol = Protocol(scale=scale, max_iqr=1.0)
    band = scale.agreement_band()
    top = [band[1]] * 8 + [scale.minimum] * 2
    verdict = evaluate_item("s1", rate("s1", top), protocol, {}, 10)
    assert verdict.consensus is True
    label = f"{band[0]}–{band[1]}" if band[0] != band[1] else str(band[0])
    assert f"80% rated {label} (threshold 70%)" in verdict.reasons


def test_percent_iqr_on_five_point_scale_agrees_on_4_to_5() -> None:
    protocol = Protocol(scale=RatingScale(1, 5), max_iqr=1.0)
    verdict = evaluate_item("s1", rate("s1", [4, 5, 4, 4, 5, 3]), protocol, {}, 6)
    assert verdict.consensus is True
    assert "83.3% rated 4–5 (threshold 70%)" in verdict.reasons


# --- RAND/UCLA ----------------------------------------------------------------------------


def test_rand_ucla_appropriate_manual_example() -> None:
    verdict = evaluate_item("s1", rate("s1", [6, 7, 7, 7, 8, 8, 8, 9, 9]), RAND, {}, 9)
    assert verdict.consensus is True
    assert verdict.direction is Direction.AGREE
    assert "no disagreement: IPR 1.0 ≤ IPRAS 6.1" in verdict.reasons
    assert verdict.stats["rand_ucla"]["ipras"] == pytest.approx(6.1)


def test_rand_ucla_inappropriate_and_uncertain() -> None:
    low = evaluate_item("s1", rate("s1", [1, 2, 2, 3, 1, 2, 3]), RAND, {}, 7)
    assert (low.consensus, low.direction) == (True, Direction.DISAGREE)
    mid = evaluate_item("s1", rate("s1", [4, 5, 5, 6, 5, 4, 6]), RAND, {}, 7)
    assert (mid.consensus, mid.direction) == (False, Direction.NONE)
    assert any("uncertain range" in r for r in mid.reasons)


def test_rand_ucla_polarised_panel_is_no_consensus() -> None:
    verdict = evaluate_item("s1", rate("s1", [1, 1, 1, 2, 2, 8, 8, 9, 9, 9]), RAND, {}, 10)
    assert verdict.consensus is False
    assert any(r.startswith("disagreement: IPR 6.6 > IPRAS 2.35") for r in verdict.reasons)


# --- stakeholder groups and participation ------------------------------------------------


def test_consensus_must_hold_in_every_group() -> None:
    # Clinicians and researchers agree; patients (3 raters) mostly do not.
    scores = [8, 8, 9, 7, 8, 9, 7, 8, 2, 3, 8]
    groups = groups_of({"clinician": 4, "researcher": 4, "patient": 3})
    verdict = evaluate_item("s1", rate("s1", scores), PCT, groups, 11)
    assert percent_agreement(scores, (7, 9)) >= 0.7  # the pooled panel would call it consensus
    assert verdict.consensus is False
    assert verdict.direction is Direction.NONE
    reason = next(r for r in verdict.reasons if r.startswith("holds in only"))
    assert "2 of 3 stakeholder groups" in reason
    assert "'patient': 33.3% rated 7–9 (minimum 50%)" in reason
    assert verdict.stats["groups"]["patient"] == {
        "n": 3,
        "percent_agreement": 0.3333,
        "percent_disagreement": 0.6667,
    }


def test_group_rule_passes_and_skips_single_rater_groups() -> None:
    scores = [8, 8, 9, 7, 8, 9, 2]
    groups = groups_of({"clinician": 3, "researcher": 3, "patient": 1})
    verdict = evaluate_item("s1", rate("s1", scores), PCT, groups, 7)
    assert verdict.consensus is True
    assert any("holds in all 2 stakeholder groups" in r for r in verdict.reasons)
    assert any("patient had a single rater" in r for r in verdict.reasons)


def test_group_rule_for_rejection_uses_disagreement_band() -> None:
    scores = [1, 2, 2, 1, 1, 3, 2, 8, 9, 2]
    groups = groups_of({"a": 5, "b": 5})  # b: 3 of 5 in 1-3 = 60 %
    lenient = evaluate_item("s1", rate("s1", scores), PCT, groups, 10)
    assert (lenient.consensus, lenient.direction) == (True, Direction.DISAGREE)
    strict = Protocol(min_group_agreement=0.7)
    verdict = evaluate_item("s1", rate("s1", scores), strict, groups, 10)
    assert verdict.consensus is False
    assert any("'b': 60% rated 1–3 (minimum 70%)" in r for r in verdict.reasons)


def test_single_group_is_noted_and_ungrouped_raters_ignored() -> None:
    scores = [8, 8, 9, 7, 8]
    verdict = evaluate_item("s1", rate("s1", scores), PCT, {"E00": "a", "E01": "a"}, 5)
    assert verdict.consensus is True
    assert any("one stakeholder group ('a')" in r for r in verdict.reasons)
    assert set(verdict.stats["groups"]) == {"a"}


def test_low_participation_blocks_consensus() -> None:
    verdict = evaluate_item("s1", rate("s1", [8, 8, 9, 7, 8]), PCT, {}, 10)
    assert verdict.participation == 0.5
    assert verdict.participation_ok is False
    assert verdict.consensus is False
    assert "participation 50% (5 of 10) is below the required 60%" in verdict.reasons


def test_no_ratings_is_no_consensus() -> None:
    verdict = evaluate_item("s1", [], PCT, {}, 10)
    assert verdict.consensus is False
    assert verdict.participation_ok is False
    assert "no ratings for this item" in verdict.reasons


# --- validation ---------------------------------------------------------------------------


def test_score_outside_scale_names_item_and_rater() -> None:
    ratings = [*rate("s1", [7, 8]), Rating("s1", "E07", 10)]
    with pytest.raises(InvalidInput, match=r"item 's1' by 'E07'.*outside the scale 1–9"):
        evaluate_item("s1", ratings, PCT, {}, 10)
    with pytest.raises(InvalidInput, match="'E00'"):
        evaluate_item("s1", [Rating("s1", "E00", 0)], PCT, {}, 10)


def test_other_invalid_inputs() -> None:
    with pytest.raises(InvalidInput, match="more than once"):
        evaluate_item("s1", [Rating("s1", "E1", 7), Rating("s1", "E1", 8)], PCT, {}, 10)
    with pytest.raises(InvalidInput, match="ratings of item 's1'"):
        evaluate_item("s1", [Rating("s2", "E1", 7)], PCT, {}, 10)
    with pytest.raises(InvalidInput, match="panel_size"):
        evaluate_item("s1", rate("s1", [7]), PCT, {}, 0)
    with pytest.raises(InvalidInput, match="panel_size"):
        evaluate_item("s1", rate("s1", [7, 7, 7]), PCT, {}, 2)


@settings(deadline=None)
@given(st.lists(st.integers(1, 9), min_size=1, max_size=30), st.integers(0, 10))
def test_verdict_invariants(scores: list[int], extra_panel: int) -> None:
    panel = len(scores) + extra_panel
    verdict = evaluate_item("s1", rate("s1", scores), PCT, {}, panel)
    assert 0.0 < verdict.participation <= 1.0
    if verdict.consensus:
        assert verdict.participation_ok
        band = (7, 9) if verdict.direction is Direction.AGREE else (1, 3)
        assert percent_agreement(scores, band) >= 0.7
        assert iqr(scores) <= 2.0 + 1e-9
    else:
        assert verdict.direction is Direction.NONE
    # Mirroring every score swaps agreement and rejection, and nothing else.
    mirrored = evaluate_item("s1", rate("s1", [10 - s for s in scores]), PCT, {}, panel)
    swap = {Direction.AGREE: Direction.DISAGREE, Direction.DISAGREE: Direction.AGREE}
    assert mirrored.direction is swap.get(verdict.direction, Direction.NONE)


# --- stability and stopping ----------------------------------------------------------------


def rounds(
    before: Mapping[str, Sequence[int]], after: Mapping[str, Sequence[int]]
) -> tuple[list[Rating], list[Rating]]:
    prev = [r for item, s in before.items() for r in rate(item, s)]
    curr = [r for item, s in after.items() for r in rate(item, s)]
    return prev, curr


def test_stable_panel_stops() -> None:
    prev, curr = rounds(
        {"s1": [7, 8, 8, 9, 7, 8], "s2": [3, 4, 2, 3, 3, 4]},
        {"s1": [7, 8, 8, 9, 8, 8], "s2": [3, 4, 3, 3, 3, 4]},
    )
    result = evaluate_stability(prev, curr, PCT)
    assert result.stop is True
    assert all(item.stable for item in result.items)
    assert "all 2 items stable" in result.reasons
    assert result.kendall is not None
    assert result.kendall.n_items == 2
    json.dumps(result.as_dict(), allow_nan=False)


def test_large_cv_change_keeps_going() -> None:
    prev, curr = rounds({"s1": [1, 9, 2, 8, 5, 5]}, {"s1": [5, 6, 5, 5, 6, 5]})
    result = evaluate_stability(prev, curr, PCT)
    (item,) = result.items
    assert item.cv_change is not None
    assert item.cv_change >= 0.15
    assert item.stable is False
    assert result.stop is False
    assert any(r.startswith("|ΔCV|") and "≥ 0.15" in r for r in item.reasons)


def test_significant_shift_blocks_stop_only_when_required() -> None:
    # Everyone moves up by 2: the spread hardly changes but the ratings clearly shifted.
    prev, curr = rounds({"s1": [5, 6, 5, 6, 5, 6, 5, 6]}, {"s1": [7, 8, 7, 8, 7, 8, 7, 8]})
    result = evaluate_stability(prev, curr, PCT)
    (item,) = result.items
    assert item.wilcoxon is not None
    assert item.wilcoxon.significant is True
    assert item.cv_change is not None
    assert item.cv_change < 0.15
    assert result.stop is False
    lenient = Protocol(stopping=StoppingRule(require_nonsignificant_wilcoxon=False))
    assert evaluate_stability(prev, curr, lenient).stop is True


def test_new_item_is_not_stable_and_cap_stops() -> None:
    prev, curr = rounds({"s1": [7, 8, 8]}, {"s1": [7, 8, 8], "s2": [1, 2, 3]})
    result = evaluate_stability(prev, curr, PCT)
    new = next(i for i in result.items if i.item_id == "s2")
    assert new.stable is False
    assert "new in this round" in new.reasons[0]
    assert result.stop is False
    capped = evaluate_stability(prev, curr, PCT, round_number=3)
    assert capped.stop is True
    assert "round 3 reached the cap of 3" in capped.reasons


def test_kendall_undefined_is_reported_not_raised() -> None:
    prev, curr = rounds({"s1": [7, 7]}, {"s1": [7, 7]})
    result = evaluate_stability(prev, curr, PCT)
    assert result.kendall is None
    assert any(r.startswith("Kendall's W not computed") for r in result.reasons)
    assert result.stop is True


def test_stability_validates_scores() -> None:
    prev, curr = rounds({"s1": [7, 8]}, {"s1": [7, 12]})
    with pytest.raises(InvalidInput, match=r"item 's1' by 'E01'"):
        evaluate_stability(prev, curr, PCT)


def test_empty_round_does_not_stop() -> None:
    prev, _ = rounds({"s1": [7, 8]}, {})
    result = evaluate_stability(prev, [], PCT)
    assert result.stop is False
    assert result.items == ()
