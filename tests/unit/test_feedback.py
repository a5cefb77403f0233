"""The feedback an expert sees between rounds (symphonia.core.feedback): properties that
hold for any panel's answers, and the figures checked against Python's own statistics."""

from __future__ import annotations

import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from symphonia.core.feedback import distribution
from symphonia.core.protocol import RatingScale

SCALE = RatingScale(1, 9)
answers = st.lists(st.one_of(st.none(), st.integers(1, 9)), max_size=60)


@given(answers)
def test_every_answer_is_counted_once_and_the_quartiles_hold_the_median(
    sent: list[int | None],
) -> None:
    d = distribution(sent, SCALE)
    scores = [a for a in sent if a is not None]
    assert d.answered == len(sent)
    assert d.cannot_judge == sent.count(None)
    assert d.scored == len(scores) == sum(n for _, n in d.counts)
    assert [p for p, _ in d.counts] == list(range(1, 10))
    if not scores:
        assert (d.median, d.q1, d.q3) == (None, None, None)
        return
    assert d.q1 is not None
    assert d.median is not None
    assert d.q3 is not None
    assert min(scores) <= d.q1 <= d.median <= d.q3 <= max(scores)
    assert d.median == pytest.approx(statistics.median(scores))
    if len(scores) > 1:
        q1, _, q3 = statistics.quantiles(scores, n=4, method="inclusive")
        assert (d.q1, d.q3) == pytest.approx((q1, q3))


def test_a_score_off_the_scale_is_refused_not_dropped() -> None:
    with pytest.raises(ValueError, match="off the scale 1–9"):
        distribution([3, 10], SCALE)
    assert distribution([None, 7, 7, 8], SCALE).summary() == (
        "median 7.0, interquartile range 7.0–7.5 (3 scores: 2 gave 7, 1 gave 8); 1 could not judge"
    )
