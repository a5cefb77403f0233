"""Weighted scores, the bootstrap and the ranks built on them: worked examples with answers
computed by hand, scipy's bootstrap as the reference, and invariants as properties."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from symphonia.core.priorities.bootstrap import bootstrap_items
from symphonia.core.priorities.definition import (
    AggregationRule,
    Criterion,
    Direction,
    Prioritisation,
)
from symphonia.core.priorities.ranking import (
    competition_ranks,
    group_rankings,
    rank_divergence,
    ranking_agreement,
)
from symphonia.core.priorities.scores import PriorityScore
from symphonia.core.priorities.weighting import item_scores, rater_scores, weighted_score
from symphonia.core.protocol import RatingScale

DEFINITION = Prioritisation(
    criteria=(
        Criterion("impact", "Impact", 0.5),
        Criterion("cost", "Cost", 0.25, RatingScale(1, 5), Direction.COST),
        Criterion("data", "Data readiness", 0.25),
    )
)


@pytest.mark.parametrize(
    ("sheet", "expected"),
    [
        # u(impact 9) = 1, u(cost 2 on 1-5, reversed) = 0.75, u(data 5) = 0.5:
        # 100 * (0.5*1 + 0.25*0.75 + 0.25*0.5) = 81.25
        ({"impact": 9, "cost": 2, "data": 5}, 81.25),
        # cost cannot be judged: the judged weights are renormalised, 100 * 0.625 / 0.75
        ({"impact": 9, "cost": None, "data": 5}, 100 * 0.625 / 0.75),
        # impact cannot be judged: half the weight is judged, exactly the minimum
        ({"impact": None, "cost": 2, "data": 5}, 62.5),
        # only a quarter of the weight judged: below the minimum, no score at all
        ({"impact": None, "cost": None, "data": 5}, None),
        ({"impact": None, "cost": None, "data": None}, None),
        ({"impact": 1, "cost": 5, "data": 1}, 0.0),
        ({"impact": 9, "cost": 1, "data": 9}, 100.0),
    ],
)
def test_weighted_score_worked_examples(
    sheet: dict[str, int | None], expected: float | None
) -> None:
    value = weighted_score(sheet, DEFINITION)
    assert value == (pytest.approx(expected) if expected is not None else None)


def sheet(
    rater: str, item: str, impact: int | None, cost: int | None, data: int | None
) -> list[PriorityScore]:
    values = {"impact": impact, "cost": cost, "data": data}
    return [PriorityScore(item, c, rater, v) for c, v in values.items()]


def test_item_scores_by_mean_and_by_median() -> None:
    scores = [
        *sheet("E1", "x", 9, 1, 9),  # 100
        *sheet("E2", "x", 5, 3, 5),  # 50
        *sheet("E3", "x", 1, 5, 1),  # 0
        *sheet("E4", "x", 9, 1, 9),  # 100
        *sheet("E1", "y", 5, 3, 5),  # 50
        *sheet("E2", "y", None, None, 5),  # could not judge y
    ]
    by_rater = rater_scores(scores, DEFINITION)
    assert by_rater["E2"] == {"x": 50.0}
    mean = item_scores(by_rater, ["x", "y"], AggregationRule.WEIGHTED_MEAN)
    median = item_scores(by_rater, ["x", "y"], AggregationRule.WEIGHTED_MEDIAN)
    assert mean == {"x": 62.5, "y": 50.0}
    assert median == {"x": 75.0, "y": 50.0}
    assert item_scores(by_rater, ["z"], AggregationRule.WEIGHTED_MEAN) == {"z": None}


def test_competition_ranks_share_ties_and_skip() -> None:
    ranks = competition_ranks({"a": 70.0, "b": 80.0, "c": 70.0 + 1e-12, "d": 10.0, "e": None})
    assert ranks == {"a": 2, "b": 1, "c": 2, "d": 4, "e": None}


# The bootstrap ----------------------------------------------------------------------------


def panel(values: list[float]) -> dict[str, dict[str, float]]:
    return {f"E{i:02d}": {"x": v} for i, v in enumerate(values)}


SCORES = [62.5, 80.0, 45.0, 90.0, 70.0, 55.0, 75.0, 85.0, 40.0, 65.0, 72.5, 58.0, 95.0, 50.0]


def test_bootstrap_interval_agrees_with_scipy_percentile_bootstrap() -> None:
    ours = bootstrap_items(
        panel(SCORES), ["x"], AggregationRule.WEIGHTED_MEAN,
        samples=20000, confidence=0.95, seed=7, top=1,
    )  # fmt: skip
    reference = sps.bootstrap(
        (np.array(SCORES),), np.mean, n_resamples=20000, confidence_level=0.95,
        method="percentile", rng=np.random.default_rng(11),
    ).confidence_interval  # fmt: skip
    interval = ours.intervals["x"]
    assert interval is not None
    assert interval[0] == pytest.approx(reference.low, abs=0.6)
    assert interval[1] == pytest.approx(reference.high, abs=0.6)


def test_bootstrap_matches_the_exact_bootstrap_distribution_of_a_tiny_panel() -> None:
    # Three raters: the 27 equally likely resamples give the exact distribution of the mean;
    # its 10th and 90th percentiles are known, and 40 000 seeded draws land on them.
    values = [0.0, 30.0, 90.0]
    exact = sorted(
        sum(c) / 3 for c in np.array(np.meshgrid(values, values, values)).T.reshape(-1, 3)
    )
    ours = bootstrap_items(
        panel(values), ["x"], AggregationRule.WEIGHTED_MEAN,
        samples=40000, confidence=0.8, seed=1, top=1,
    )  # fmt: skip
    low, high = np.quantile(exact, [0.1, 0.9])
    assert ours.intervals["x"] == pytest.approx((low, high), abs=1.0)


def test_bootstrap_is_seeded_and_deterministic() -> None:
    def run(seed: int) -> object:
        return bootstrap_items(
            panel(SCORES), ["x"], AggregationRule.WEIGHTED_MEAN,
            samples=500, confidence=0.9, seed=seed, top=1,
        ).intervals  # fmt: skip

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_an_item_nobody_scored_has_no_interval_and_never_makes_the_top() -> None:
    by_rater = {"E1": {"x": 50.0}, "E2": {"x": 60.0}}
    result = bootstrap_items(
        by_rater, ["x", "y"], AggregationRule.WEIGHTED_MEAN,
        samples=200, confidence=0.95, seed=0, top=1,
    )  # fmt: skip
    assert result.intervals["y"] is None
    assert result.empty_resamples == {"x": 0, "y": 200}
    assert result.top_share == {"x": 1.0, "y": 0.0}


raters_scores = st.dictionaries(
    st.sampled_from([f"E{i}" for i in range(12)]),
    st.dictionaries(st.sampled_from(["a", "b", "c"]), st.integers(0, 100).map(float), min_size=1),
    min_size=1,
)


@settings(max_examples=60, deadline=None)
@given(raters_scores, st.sampled_from(list(AggregationRule)))
def test_bootstrap_interval_contains_the_point_estimate(
    by_rater: dict[str, dict[str, float]], rule: AggregationRule
) -> None:
    items = ["a", "b", "c"]
    point = item_scores(by_rater, items, rule)
    result = bootstrap_items(by_rater, items, rule, samples=400, confidence=0.95, seed=0, top=1)
    for item in items:
        interval = result.intervals[item]
        if point[item] is None:
            assert interval is None
            continue
        assert interval is not None
        assert interval[0] - 1e-9 <= point[item] <= interval[1] + 1e-9


@settings(max_examples=60, deadline=None)
@given(raters_scores, st.randoms(use_true_random=False))
def test_scores_and_intervals_do_not_depend_on_the_order_of_raters(
    by_rater: dict[str, dict[str, float]], rnd: random.Random
) -> None:
    items = ["a", "b", "c"]
    keys = list(by_rater)
    rnd.shuffle(keys)
    shuffled = {k: by_rater[k] for k in keys}
    rule = AggregationRule.WEIGHTED_MEAN
    assert item_scores(shuffled, items, rule) == item_scores(by_rater, items, rule)
    args = {"samples": 200, "confidence": 0.9, "seed": 5, "top": 2}
    assert bootstrap_items(shuffled, items, rule, **args) == bootstrap_items(
        by_rater, items, rule, **args
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["E1", "E2", "E3", "E4"]),
            st.sampled_from(["x", "y"]),
            st.sampled_from(["impact", "cost", "data"]),
            st.one_of(st.none(), st.integers(1, 5)),
        ),
        unique_by=lambda t: t[:3],
    ),
    st.randoms(use_true_random=False),
)
def test_weighted_scores_do_not_depend_on_the_order_of_the_scores(
    rows: list[tuple[str, str, str, int | None]], rnd: random.Random
) -> None:
    scores = [PriorityScore(item, c, rater, v) for rater, item, c, v in rows]
    shuffled = list(scores)
    rnd.shuffle(shuffled)
    assert rater_scores(shuffled, DEFINITION) == rater_scores(scores, DEFINITION)
    for values in rater_scores(scores, DEFINITION).values():
        assert all(0.0 <= v <= 100.0 for v in values.values())


# Groups and agreement ---------------------------------------------------------------------


def test_group_rankings_and_the_items_groups_rank_furthest_apart() -> None:
    by_rater = {
        "A1": {"model": 90.0, "oral": 50.0, "passport": 70.0},
        "A2": {"model": 80.0, "oral": 40.0, "passport": 60.0},
        "P1": {"model": 10.0, "oral": 60.0, "passport": 80.0},
        "P2": {"model": 20.0, "oral": 70.0, "passport": 90.0},
        "X1": {"model": 50.0},
    }
    groups = {"A1": "analyst", "A2": "analyst", "P1": "parent", "P2": "parent"}
    items = ["model", "oral", "passport"]
    ranked = group_rankings(by_rater, groups, items, AggregationRule.WEIGHTED_MEAN)
    assert [(g.group, g.raters, g.ranks) for g in ranked] == [
        ("analyst", 2, {"model": 1, "oral": 3, "passport": 2}),
        ("parent", 2, {"model": 3, "oral": 2, "passport": 1}),
    ]
    spread = rank_divergence(ranked, items)
    assert [(d.item, d.spread, d.highest, d.lowest) for d in spread] == [
        ("model", 2, ("analyst",), ("parent",)),
        ("oral", 1, ("parent",), ("analyst",)),
        ("passport", 1, ("parent",), ("analyst",)),
    ]


def test_kendalls_w_on_the_raters_rankings() -> None:
    same = {f"E{i}": {"a": 90.0, "b": 50.0, "c": 10.0} for i in range(4)}
    w, note = ranking_agreement(same, ["a", "b", "c"])
    assert note is None
    assert w is not None
    assert w.w == pytest.approx(1.0)
    # Siegel & Castellan's textbook form: 3 raters, rankings (1,2,3), (2,3,1), (3,1,2)
    # have rank sums 6, 6, 6: no agreement at all.
    cycle = {"E1": {"a": 3.0, "b": 2.0, "c": 1.0}, "E2": {"a": 2.0, "b": 1.0, "c": 3.0},
             "E3": {"a": 1.0, "b": 3.0, "c": 2.0}}  # fmt: skip
    w, _ = ranking_agreement(cycle, ["a", "b", "c"])
    assert w is not None
    assert w.w == pytest.approx(0.0)
    w, note = ranking_agreement({"E1": {"a": 1.0, "b": 2.0}}, ["a", "b"])
    assert w is None
    assert note is not None
    assert "2 raters" in note
