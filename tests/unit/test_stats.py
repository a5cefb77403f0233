"""Delphi statistics checked against scipy/numpy on fixtures, and invariants by hypothesis."""

from __future__ import annotations

import json
import random
import statistics as pystats

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from symphonia.core.protocol import RatingScale
from symphonia.core.stability import kendalls_w, wilcoxon_between_rounds
from symphonia.core.stats import (
    Appropriateness,
    coefficient_of_variation,
    cv_change,
    group_agreement,
    iqr,
    item_statistics,
    mean,
    median,
    percent_agreement,
    rand_ucla,
    standard_deviation,
)

NINE = RatingScale(1, 9)
FIVE = RatingScale(1, 5)

FIXTURES: list[list[int]] = [
    [7, 8, 9, 8, 7, 9, 7, 3, 8],
    [1, 2, 3, 4],
    [1, 2, 3, 4, 10],
    [5, 5, 5, 5, 5, 6],
    [1, 1, 1, 2, 2, 8, 8, 9, 9, 9],
    [4, 7, 2, 9, 9, 3, 6, 5, 8, 1, 7, 7],
]

nine_scores = st.lists(st.integers(1, 9), min_size=1, max_size=40)


# --- percent agreement ------------------------------------------------------------------


def test_percent_agreement_counts_inclusive_band() -> None:
    assert percent_agreement([7, 8, 9, 3, 5], (7, 9)) == pytest.approx(0.6)
    assert percent_agreement([6, 7, 9, 10], (7, 9)) == pytest.approx(0.5)
    assert percent_agreement([1, 2, 3], (7, 9)) == 0.0
    assert percent_agreement([3], (3, 3)) == 1.0


def test_percent_agreement_empty_raises_clear_error() -> None:
    with pytest.raises(ValueError, match="no scores"):
        percent_agreement([], (7, 9))


def test_percent_agreement_rejects_inverted_band_and_nan() -> None:
    with pytest.raises(ValueError, match="band"):
        percent_agreement([7], (9, 7))
    with pytest.raises(ValueError, match="finite"):
        percent_agreement([7, float("nan")], (7, 9))


@settings(deadline=None)
@given(nine_scores, st.integers(1, 9), st.integers(1, 9))
def test_percent_agreement_is_a_share_and_complements(scores: list[int], a: int, b: int) -> None:
    low, high = min(a, b), max(a, b)
    share = percent_agreement(scores, (low, high))
    assert 0.0 <= share <= 1.0
    outside = sum(1 for s in scores if s < low or s > high) / len(scores)
    assert share + outside == pytest.approx(1.0)


# --- median, IQR, SD, CV -----------------------------------------------------------------


@pytest.mark.parametrize("scores", FIXTURES)
def test_median_iqr_sd_match_scipy_and_numpy(scores: list[int]) -> None:
    assert median(scores) == pytest.approx(float(np.median(scores)))
    assert iqr(scores) == pytest.approx(float(sps.iqr(scores)))
    assert mean(scores) == pytest.approx(pystats.fmean(scores))
    assert standard_deviation(scores) == pytest.approx(pystats.stdev(scores))
    assert coefficient_of_variation(scores) == pytest.approx(float(sps.variation(scores, ddof=1)))


def test_iqr_uses_linear_interpolation_type_7() -> None:
    # Type 7: Q1 = 1.75, Q3 = 3.25. Tukey's hinges (1.5, 3.5) or "nearest" would differ.
    assert iqr([1, 2, 3, 4]) == pytest.approx(1.5)
    assert iqr([1, 2, 3, 4, 10]) == pytest.approx(2.0)
    assert iqr([5]) == 0.0


def test_single_score_has_no_spread() -> None:
    assert standard_deviation([7]) == 0.0
    assert coefficient_of_variation([7]) == 0.0


def test_cv_undefined_at_zero_mean() -> None:
    with pytest.raises(ValueError, match="mean is 0"):
        coefficient_of_variation([-1, 1])


def test_cv_change_is_absolute() -> None:
    wide, narrow = [1, 5, 9, 3, 7], [6, 7, 7, 8, 7]
    expected = abs(coefficient_of_variation(narrow) - coefficient_of_variation(wide))
    assert expected > 0.3
    assert cv_change(wide, narrow) == pytest.approx(expected)
    assert cv_change(narrow, wide) == pytest.approx(expected)
    assert cv_change(wide, wide) == 0.0


@settings(deadline=None)
@given(nine_scores, st.integers(-5, 5))
def test_iqr_nonnegative_and_shift_invariant(scores: list[int], shift: int) -> None:
    assert iqr(scores) >= 0.0
    shifted = [s + shift for s in scores]
    assert iqr(shifted) == pytest.approx(iqr(scores))
    assert median(shifted) == pytest.approx(median(scores) + shift)
    assert iqr(scores) == pytest.approx(float(sps.iqr(scores)))


# --- group agreement ---------------------------------------------------------------------


def test_group_agreement_per_group() -> None:
    result = group_agreement({"clinician": [7, 8, 9, 2], "patient": [1, 2, 8]}, (7, 9))
    assert result == {"clinician": pytest.approx(0.75), "patient": pytest.approx(1 / 3)}


def test_group_agreement_empty_group_named() -> None:
    with pytest.raises(ValueError, match="patient"):
        group_agreement({"clinician": [7], "patient": []}, (7, 9))


# --- RAND/UCLA ---------------------------------------------------------------------------


def test_rand_ucla_manual_example_ipr_1_against_ipras_6_1() -> None:
    # Fitch et al. 2001: an IPR of 1.0 against an IPRAS of 6.1 means no disagreement.
    # Nine panellists; type-7 P30 sits at rank 2.4 (=7) and P70 at rank 5.6 (=8).
    scores = [6, 7, 7, 7, 8, 8, 8, 9, 9]
    result = rand_ucla(scores, NINE)
    assert result.p30 == pytest.approx(7.0)
    assert result.p70 == pytest.approx(8.0)
    assert result.ipr == pytest.approx(1.0)
    assert result.axial_point_of_symmetry == pytest.approx(7.5)
    assert result.ipras == pytest.approx(6.1)
    assert result.disagreement is False
    assert result.median == 8.0
    assert result.appropriateness is Appropriateness.APPROPRIATE


def test_rand_ucla_percentiles_match_scipy_linear_interpolation() -> None:
    for scores in FIXTURES:
        clipped = [min(s, 9) for s in scores]
        result = rand_ucla(clipped, NINE)
        assert result.p30 == pytest.approx(float(sps.scoreatpercentile(clipped, 30)))
        assert result.p70 == pytest.approx(float(sps.scoreatpercentile(clipped, 70)))
        assert result.median == pytest.approx(float(np.median(clipped)))


def test_rand_ucla_polarised_panel_disagrees() -> None:
    result = rand_ucla([1, 1, 1, 2, 2, 8, 8, 9, 9, 9], NINE)
    assert result.p30 == pytest.approx(1.7)
    assert result.p70 == pytest.approx(8.3)
    assert result.ipras == pytest.approx(2.35)
    assert result.ipr > result.ipras
    assert result.disagreement is True
    assert result.appropriateness is Appropriateness.UNCERTAIN


def test_rand_ucla_inappropriate_and_uncertain_calls() -> None:
    assert rand_ucla([1, 2, 2, 3, 1, 2, 3], NINE).appropriateness is Appropriateness.INAPPROPRIATE
    assert rand_ucla([4, 5, 5, 6, 5, 4, 6], NINE).appropriateness is Appropriateness.UNCERTAIN
    # A median of 6.5 falls between the bands: uncertain, never rounded into agreement.
    assert rand_ucla([6, 6, 7, 7], NINE).median == 6.5
    assert rand_ucla([6, 6, 7, 7], NINE).appropriateness is Appropriateness.UNCERTAIN


def test_rand_ucla_rescales_other_scales_onto_1_to_9() -> None:
    five = [4, 4, 5, 4, 5, 4, 3]
    nine = [2 * s - 1 for s in five]  # 1..5 -> 1..9
    on_five, on_nine = rand_ucla(five, FIVE), rand_ucla(nine, NINE)
    assert on_five.appropriateness is on_nine.appropriateness is Appropriateness.APPROPRIATE
    assert on_five.disagreement == on_nine.disagreement
    assert on_five.median == pytest.approx((on_nine.median + 1) / 2)
    assert on_five.ipr == pytest.approx(on_nine.ipr / 2)
    assert on_five.ipras == pytest.approx(on_nine.ipras / 2)
    # Without rescaling, IPRAS on a 1-5 scale would use |5 - APS| with APS near 4: a wrong figure.
    assert on_five.ipras != pytest.approx(2.35 + 1.5 * abs(5 - on_five.axial_point_of_symmetry))


@settings(deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=30))
def test_rand_ucla_on_five_point_scale_agrees_with_mapped_nine(scores: list[int]) -> None:
    on_five = rand_ucla(scores, FIVE)
    on_nine = rand_ucla([2 * s - 1 for s in scores], NINE)
    assert on_five.appropriateness is on_nine.appropriateness
    assert on_five.disagreement == on_nine.disagreement


@settings(deadline=None)
@given(nine_scores)
def test_rand_ucla_reflection_swaps_call_keeps_disagreement(scores: list[int]) -> None:
    result = rand_ucla(scores, NINE)
    mirrored = rand_ucla([10 - s for s in scores], NINE)
    assert mirrored.ipr == pytest.approx(result.ipr)
    assert mirrored.ipras == pytest.approx(result.ipras)
    assert mirrored.disagreement == result.disagreement
    swap = {
        Appropriateness.APPROPRIATE: Appropriateness.INAPPROPRIATE,
        Appropriateness.INAPPROPRIATE: Appropriateness.APPROPRIATE,
        Appropriateness.UNCERTAIN: Appropriateness.UNCERTAIN,
    }
    assert mirrored.appropriateness is swap[result.appropriateness]
    assert result.ipr >= 0.0
    assert result.ipras >= 2.35 - 1e-12


# --- item statistics ---------------------------------------------------------------------


def test_item_statistics_json_ready_and_consistent() -> None:
    scores = [7, 8, 9, 8, 7, 9, 7, 3, 8]
    summary = item_statistics(scores, NINE)
    json.dumps(summary, allow_nan=False)
    assert summary["n"] == 9
    assert summary["median"] == 8.0
    assert summary["iqr"] == pytest.approx(float(sps.iqr(scores)))
    assert summary["percent_agreement"] == round(8 / 9, 4)
    assert summary["percent_disagreement"] == round(1 / 9, 4)
    assert summary["sd"] == round(pystats.stdev(scores), 4)
    assert summary["cv"] == round(float(sps.variation(scores, ddof=1)), 4)
    assert summary["agreement_band"] == [7, 9]
    assert summary["disagreement_band"] == [1, 3]
    assert summary["rand_ucla"]["appropriateness"] == "appropriate"
    plain = (int, float, str, bool, list)
    assert all(type(v) in plain for v in summary.values() if not isinstance(v, dict))
    assert all(type(v) in plain for v in summary["rand_ucla"].values())


def test_item_statistics_cv_none_when_undefined() -> None:
    summary = item_statistics([-1, 1, 0], RatingScale(-1, 1))
    assert summary["cv"] is None
    json.dumps(summary, allow_nan=False)


# --- Kendall's W -------------------------------------------------------------------------


def _friedman_w(matrix: list[list[int]]) -> tuple[float, float]:
    m, n = len(matrix), len(matrix[0])
    columns = [[row[j] for row in matrix] for j in range(n)]
    result = sps.friedmanchisquare(*columns)
    return float(result.statistic) / (m * (n - 1)), float(result.pvalue)


KENDALL_FIXTURES: list[list[list[int]]] = [
    [[1, 2, 3], [1, 3, 2], [2, 1, 3]],
    [[7, 8, 9, 3], [7, 7, 9, 2], [6, 8, 8, 1], [9, 9, 9, 5]],
    [[1, 5, 5, 9, 2], [2, 5, 4, 9, 2], [1, 1, 5, 8, 3]],
    [[3, 3, 4], [4, 3, 3], [3, 4, 3], [5, 1, 9]],
]


@pytest.mark.parametrize("matrix", KENDALL_FIXTURES)
def test_kendalls_w_matches_friedman_with_ties(matrix: list[list[int]]) -> None:
    result = kendalls_w(matrix)
    w, p = _friedman_w(matrix)
    assert result.w == pytest.approx(w)
    assert result.p_value == pytest.approx(p)
    assert result.df == len(matrix[0]) - 1
    assert result.chi2 == pytest.approx(len(matrix) * (len(matrix[0]) - 1) * w)


def test_kendalls_w_hand_computed() -> None:
    # Rank sums 4, 6, 8; S = 8; W = 12*8 / (3^2 * (27 - 3)) = 4/9.
    assert kendalls_w([[1, 2, 3], [1, 3, 2], [2, 1, 3]]).w == pytest.approx(4 / 9)


def test_kendalls_w_extremes() -> None:
    assert kendalls_w([[1, 2, 3, 4]] * 5).w == pytest.approx(1.0)
    # Identical rankings with ties are still perfect agreement, thanks to the tie correction.
    assert kendalls_w([[7, 7, 9, 2]] * 4).w == pytest.approx(1.0)
    assert kendalls_w([[1, 2, 3], [2, 3, 1], [3, 1, 2]]).w == pytest.approx(0.0)


def test_kendalls_w_drops_incomplete_raters() -> None:
    complete: list[list[int | None]] = [[1, 2, 3], [1, 3, 2], [2, 1, 3]]
    with_missing: list[list[int | None]] = [*complete, [9, None, 1]]
    result = kendalls_w(with_missing)
    assert result.dropped_raters == 1
    assert result.n_raters == 3
    assert result.w == pytest.approx(kendalls_w(complete).w)
    as_nan = np.array([[1, 2, 3], [1, 3, 2], [np.nan, 1, 3], [2, 1, 3]])
    assert kendalls_w(as_nan).dropped_raters == 1


def test_kendalls_w_refuses_undefined_cases() -> None:
    with pytest.raises(ValueError, match="at least 2 raters"):
        kendalls_w([[1, 2, 3], [1, None, 3]])
    with pytest.raises(ValueError, match="at least 2 items"):
        kendalls_w([[1], [2]])
    with pytest.raises(ValueError, match="same score"):
        kendalls_w([[5, 5, 5], [7, 7, 7]])
    with pytest.raises(ValueError, match="one entry per item"):
        kendalls_w([[1, 2, 3], [1, 2]])
    with pytest.raises(ValueError, match="no raters"):
        kendalls_w([])


matrices = st.integers(2, 6).flatmap(
    lambda n: st.lists(st.lists(st.integers(1, 9), min_size=n, max_size=n), min_size=2, max_size=8)
)


def _defined(matrix: list[list[int]]) -> bool:
    return any(len(set(row)) > 1 for row in matrix)


@settings(deadline=None)
@given(matrices, st.randoms(use_true_random=False))
def test_kendalls_w_bounded_and_invariant(matrix: list[list[int]], rnd: random.Random) -> None:
    assume(_defined(matrix))
    w = kendalls_w(matrix).w
    assert 0.0 <= w <= 1.0
    rows = list(matrix)
    rnd.shuffle(rows)
    assert kendalls_w(rows).w == pytest.approx(w)
    order = list(range(len(matrix[0])))
    rnd.shuffle(order)
    assert kendalls_w([[row[j] for j in order] for row in matrix]).w == pytest.approx(w)
    # Ranks ignore a constant shift of one rater's scores.
    shifted = [[s + 3 for s in matrix[0]], *matrix[1:]]
    assert kendalls_w(shifted).w == pytest.approx(w)
    if len(matrix[0]) >= 3:
        assert w == pytest.approx(_friedman_w(matrix)[0])


# --- Wilcoxon between rounds -------------------------------------------------------------

BEFORE = {"E01": 5, "E02": 6, "E03": 4, "E04": 7, "E05": 3, "E06": 5, "E07": 8, "E08": 2}
AFTER = {"E01": 7, "E02": 7, "E03": 6, "E04": 7, "E05": 6, "E06": 6, "E07": 9, "E08": 5}


def test_wilcoxon_matches_scipy_paired_by_rater() -> None:
    result = wilcoxon_between_rounds(BEFORE, AFTER)
    raters = sorted(BEFORE)
    expected = sps.wilcoxon([AFTER[r] for r in raters], [BEFORE[r] for r in raters])
    assert result.statistic == pytest.approx(float(expected.statistic))
    assert result.p_value == pytest.approx(float(expected.pvalue))
    assert result.n_pairs == 8
    assert result.n_changed == 7
    assert result.significant == (float(expected.pvalue) < 0.05)
    assert result.significant is True


def test_wilcoxon_pairs_only_raters_in_both_rounds() -> None:
    before = {**BEFORE, "E99": 1}
    after = {**AFTER, "E42": 9}
    plain = wilcoxon_between_rounds(BEFORE, AFTER)
    result = wilcoxon_between_rounds(before, after)
    assert result.n_pairs == 8
    assert result.p_value == pytest.approx(plain.p_value)


def test_wilcoxon_all_zero_differences_not_significant() -> None:
    result = wilcoxon_between_rounds(BEFORE, dict(BEFORE))
    assert result.p_value == 1.0
    assert result.statistic == 0.0
    assert result.significant is False
    assert result.n_changed == 0


def test_wilcoxon_small_samples_are_computed_and_marked() -> None:
    result = wilcoxon_between_rounds({"a": 3, "b": 4, "c": 5}, {"a": 5, "b": 6, "c": 8})
    expected = sps.wilcoxon([2, 2, 3])
    assert result.p_value == pytest.approx(float(expected.pvalue))
    assert result.n_pairs == 3
    assert result.small_sample is True
    assert result.significant is False
    assert wilcoxon_between_rounds(BEFORE, AFTER).small_sample is False


def test_wilcoxon_without_common_raters_raises() -> None:
    with pytest.raises(ValueError, match="both rounds"):
        wilcoxon_between_rounds({"a": 1}, {"b": 2})


@settings(deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([f"E{i:02d}" for i in range(20)]),
        st.tuples(st.integers(1, 9), st.integers(1, 9)),
        min_size=1,
    )
)
def test_wilcoxon_properties(pairs: dict[str, tuple[int, int]]) -> None:
    before = {r: b for r, (b, _) in pairs.items()}
    after = {r: a for r, (_, a) in pairs.items()}
    result = wilcoxon_between_rounds(before, after)
    assert 0.0 <= result.p_value <= 1.0
    assert result.n_pairs == len(pairs)
    assert result.significant == (result.p_value < 0.05)
    # Two-sided: which round comes first does not change the evidence of a shift.
    assert wilcoxon_between_rounds(after, before).p_value == pytest.approx(result.p_value)
