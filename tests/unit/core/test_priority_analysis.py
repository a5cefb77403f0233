"""Weight sensitivity, change between rounds, and one round's whole analysis, on examples
whose answers are worked out by hand."""

from __future__ import annotations

import pytest

from symphonia.core.priorities.analysis import analyse_priorities
from symphonia.core.priorities.definition import Criterion, Prioritisation
from symphonia.core.priorities.rounds import compare_rounds
from symphonia.core.priorities.scores import PriorityScore
from symphonia.core.priorities.sensitivity import scaled_weights, weight_sensitivity

TWO = Prioritisation(
    criteria=(Criterion("a", "A", 0.5), Criterion("b", "B", 0.5)),
    top=1,
    bootstrap_samples=200,
)


def scored(rater: str, item: str, **values: int | None) -> list[PriorityScore]:
    return [PriorityScore(item, c, rater, v) for c, v in values.items()]


def test_halving_and_doubling_each_weight() -> None:
    # x: a=9, b=3 -> 62.5; y: a=4, b=9 -> 68.75: y leads. Doubling a's weight (2/3 : 1/3)
    # gives x 75 and y 58.3: x leads; halving a's weight is doubling b's: y leads.
    scores = [*scored("E1", "x", a=9, b=3), *scored("E1", "y", a=4, b=9)]
    result = weight_sensitivity(scores, TWO, ("x", "y"))
    assert result.baseline == ("y",)
    outcome = {(s.criterion, s.factor): s.top for s in result.scenarios}
    assert outcome == {
        ("a", 0.5): ("y",),
        ("a", 2.0): ("x",),
        ("b", 0.5): ("x",),
        ("b", 2.0): ("y",),
    }
    assert result.robust == ()
    assert [(s.criterion, s.factor) for s in result.moved_by("y")] == [("a", 2.0), ("b", 0.5)]
    assert scaled_weights(TWO, "a", 2.0) == pytest.approx({"a": 2 / 3, "b": 1 / 3})


def test_change_between_rounds() -> None:
    before = {f"E{i}": {"x": 40.0 + i, "y": 60.0} for i in range(8)}
    after = {f"E{i}": {"x": 70.0 + i, "y": 60.0} for i in range(8)}
    result = compare_rounds(
        2,
        before,
        after,
        ({"x": 2, "y": 1}, {"x": 1, "y": 2}),
        ({"x": 43.5, "y": 60.0}, {"x": 73.5, "y": 60.0}),
        ["x", "y"],
    )
    x, y = result.changes
    assert (x.change, y.change) == (1, -1)
    assert x.wilcoxon is not None
    assert x.wilcoxon.significant
    assert y.wilcoxon is not None
    assert not y.wilcoxon.significant
    assert y.wilcoxon.n_changed == 0
    assert [c.item for c in result.shifted] == ["x"]
    assert result.tau == pytest.approx(-1.0)


def test_one_round_analysed() -> None:
    definition = Prioritisation(
        criteria=(Criterion("a", "A", 0.5), Criterion("b", "B", 0.5)),
        top=2,
        bootstrap_samples=300,
        seed=4,
    )
    sheets = {
        ("E1", "x"): (9, 9), ("E1", "y"): (5, 5), ("E1", "z"): (1, 1),
        ("E2", "x"): (9, 7), ("E2", "y"): (7, 7), ("E2", "z"): (3, None),
        ("E3", "x"): (5, 5), ("E3", "y"): (9, 9), ("E3", "z"): (None, None),
    }  # fmt: skip
    scores = [s for (r, i), (a, b) in sheets.items() for s in scored(r, i, a=a, b=b)]
    groups = {"E1": "g1", "E2": "g1", "E3": "g2"}
    result = analyse_priorities(definition, ["x", "y", "z"], scores, groups)
    assert [i.item for i in result.items] == ["x", "y", "z"]
    x, y, z = result.items
    # x: (100 + 87.5 + 50) / 3; y: (50 + 75 + 100) / 3; z: E1 0, E2 25 (b not judged), E3 none
    assert x.score == pytest.approx(237.5 / 3)
    assert y.score == pytest.approx(75.0)
    assert z.score == pytest.approx(12.5)
    assert (x.rank, y.rank, z.rank) == (1, 2, 3)
    assert (z.raters, z.answered) == (2, 3)
    assert z.cannot_judge == {"a": 1, "b": 2}
    assert z.criterion_means == {"a": 2.0, "b": 1.0}
    # head to head x beats y 2:1 and both beat z: Schulze and Borda agree
    assert (x.schulze_rank, y.schulze_rank, z.schulze_rank) == (1, 2, 3)
    assert (x.borda_points, y.borda_points, z.borda_points) == (4.0, 3.0, 0.0)
    assert x.group_ranks == {"g1": 1, "g2": 2}
    assert z.group_ranks == {"g1": 3, "g2": None}
    assert result.divergence[0].item in {"x", "y"}
    assert result.divergence[0].spread == 1
    assert result.agreement is not None
    assert result.agreement.n_raters == 2
    assert result.sensitivity.baseline == ("x", "y")
    for item in result.items:
        assert item.interval is not None
        assert item.interval[0] <= item.score <= item.interval[1]  # type: ignore[operator]
    again = analyse_priorities(definition, ["x", "y", "z"], list(reversed(scores)), groups)
    assert again == result
