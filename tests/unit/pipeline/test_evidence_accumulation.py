"""Evidence accumulation: one partition from several runs of a seeded clusterer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symphonia.pipeline.evidence_accumulation import co_association, combined_labels
from symphonia.pipeline.position_space import SINGULAR

labellings = st.integers(min_value=1, max_value=30).flatmap(
    lambda n: st.lists(
        st.lists(st.integers(min_value=-1, max_value=4), min_size=n, max_size=n),
        min_size=1,
        max_size=6,
    )
)


def as_runs(raw: list[list[int]]) -> list[np.ndarray]:
    return [np.asarray(run, dtype=np.int64) for run in raw]


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal up to the names of the groups (singular stays singular)."""
    if not np.array_equal(a == SINGULAR, b == SINGULAR):
        return False
    pairs = {(int(x), int(y)) for x, y in zip(a, b, strict=True) if x != SINGULAR}
    return len(pairs) == len({x for x, _ in pairs}) == len({y for _, y in pairs})


@settings(max_examples=200, deadline=None)
@given(raw=labellings, threshold=st.sampled_from([0.3, 0.5, 0.7]), min_size=st.integers(1, 4))
def test_every_item_gets_one_label_numbered_from_zero(
    raw: list[list[int]], threshold: float, min_size: int
) -> None:
    labels = combined_labels(as_runs(raw), distance_threshold=threshold, min_size=min_size)
    assert labels.shape == (len(raw[0]),)
    groups = sorted(set(labels.tolist()) - {SINGULAR})
    assert groups == list(range(len(groups)))
    for group in groups:
        assert int((labels == group).sum()) >= min_size


@settings(max_examples=200, deadline=None)
@given(raw=labellings)
def test_the_order_of_the_runs_does_not_matter(raw: list[list[int]]) -> None:
    runs = as_runs(raw)
    forward = combined_labels(runs, distance_threshold=0.5, min_size=2)
    backward = combined_labels(runs[::-1], distance_threshold=0.5, min_size=2)
    assert np.array_equal(forward, backward)


@settings(max_examples=200, deadline=None)
@given(raw=labellings, copies=st.integers(1, 5))
def test_runs_that_all_agree_give_their_own_partition(raw: list[list[int]], copies: int) -> None:
    """Groups of at least `min_size` survive as they are; smaller ones become singular."""
    run = np.asarray(raw[0], dtype=np.int64)
    labels = combined_labels([run] * copies, distance_threshold=0.5, min_size=2)
    sizes = {g: int((run == g).sum()) for g in set(run.tolist())}
    expected = np.asarray(
        [g if g != SINGULAR and sizes[g] >= 2 else SINGULAR for g in run.tolist()], dtype=np.int64
    )
    assert same_partition(labels, expected)


def test_the_majority_of_runs_decides() -> None:
    """Items 0-2 are together in two runs of three; item 2 leaves them in one run only."""
    runs = as_runs(
        [
            [0, 0, 0, 1, 1, 1, -1],
            [0, 0, 1, 1, 1, 1, -1],
            [0, 0, 0, 1, 1, -1, -1],
        ]
    )
    labels = combined_labels(runs, distance_threshold=0.5, min_size=2)
    assert labels.tolist() == [0, 0, 0, 1, 1, 1, SINGULAR]


def test_an_item_every_run_calls_an_outlier_is_singular() -> None:
    runs = as_runs([[0, 0, -1, 0], [1, 1, -1, 1]])
    together = co_association(runs)
    assert together[2].tolist() == [0.0, 0.0, 1.0, 0.0]
    assert combined_labels(runs, distance_threshold=0.5, min_size=2).tolist() == [0, 0, -1, 0]


def test_runs_that_disagree_everywhere_leave_no_group() -> None:
    """Each pair is together in at most one run of three: no pair reaches the majority."""
    runs = as_runs([[0, 0, 1, 1, 2, 2], [0, 1, 1, 2, 2, 0], [0, 1, 2, 0, 1, 2]])
    labels = combined_labels(runs, distance_threshold=0.5, min_size=2)
    assert (labels == SINGULAR).all()


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one run"):
        co_association([])
    with pytest.raises(ValueError, match="same items"):
        co_association(as_runs([[0, 0, 1], [0, 1]]))


@pytest.mark.parametrize("n", [0, 1])
def test_no_pair_no_group(n: int) -> None:
    runs = [np.zeros(n, dtype=np.int64)] * 2
    assert (combined_labels(runs, distance_threshold=0.5, min_size=1) == SINGULAR).all()
