"""Every fragment kind is named and explained once, in core, for the form, the API and the
CLI; every confidence score has its words."""

from __future__ import annotations

from symphonia.core.fragments import (
    CONFIDENCE_LABELS,
    KIND_EXPLANATIONS,
    KIND_LABELS,
    MAX_CONFIDENCE,
    MIN_CONFIDENCE,
    FragmentKind,
    kinds_described,
)


def test_each_kind_has_a_label_and_a_one_line_explanation() -> None:
    assert set(KIND_LABELS) == set(KIND_EXPLANATIONS) == set(FragmentKind)
    for kind in FragmentKind:
        explanation = KIND_EXPLANATIONS[kind]
        assert "\n" not in explanation
        assert explanation.endswith(".")
        assert 10 < len(explanation) <= 80
    assert len(set(KIND_LABELS.values())) == len(FragmentKind)
    assert len(set(KIND_EXPLANATIONS.values())) == len(FragmentKind)


def test_kinds_described_lists_every_kind_on_its_own_line() -> None:
    lines = kinds_described().splitlines()
    assert [line.split("`")[1] for line in lines] == [k.value for k in FragmentKind]


def test_every_confidence_score_has_words_from_unsure_to_confident() -> None:
    assert list(CONFIDENCE_LABELS) == list(range(MIN_CONFIDENCE, MAX_CONFIDENCE + 1))
    assert CONFIDENCE_LABELS[MIN_CONFIDENCE] == "Very unsure"
    assert CONFIDENCE_LABELS[MAX_CONFIDENCE] == "Very confident"
