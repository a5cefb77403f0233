"""The lock rule's part for prioritisation studies: criteria, weights and settings fixed once
round 1 has opened; the items once a rating round has opened."""

from __future__ import annotations

from dataclasses import replace

from symphonia.core.priorities.definition import Criterion, Prioritisation, PriorityItem
from symphonia.core.study import (
    Panellist,
    RoundDefinition,
    RoundKind,
    StakeholderGroup,
    StudyDefinition,
    StudyKind,
)
from symphonia.core.study_lock import locked_study_changes

SETUP = Prioritisation(
    criteria=(Criterion("impact", "Impact", 0.7), Criterion("cost", "Cost", 0.3)),
    items=(PriorityItem("x", "X"), PriorityItem("y", "Y", "Why")),
)
STUDY = StudyDefinition(
    id="p",
    title="T",
    question="Q?",
    groups=(StakeholderGroup("a", "A"),),
    panel=(Panellist("E01", "a"),),
    rounds=(RoundDefinition(1, RoundKind.CONTRIBUTE), RoundDefinition(2, RoundKind.RATE)),
    kind=StudyKind.PRIORITISE,
    prioritise=SETUP,
)


def changes(
    setup: Prioritisation | None, *, opened: tuple[int, ...] = (1,), **study: object
) -> list[str]:
    wanted = replace(STUDY, prioritise=setup, check=False, **study)  # type: ignore[arg-type]
    return [
        f"{field}: {reason}"
        for field, reason in locked_study_changes(
            STUDY, wanted, opened_rounds=opened, any_closed=False
        )
    ]


def test_nothing_changed_nothing_refused() -> None:
    assert changes(SETUP, opened=(1, 2)) == []


def test_weights_criteria_and_settings_are_fixed_from_round_one() -> None:
    reweighted = replace(
        SETUP, criteria=(Criterion("impact", "Impact", 0.6), Criterion("cost", "Cost", 0.4))
    )
    assert changes(reweighted) == [
        "prioritise.criteria.cost.weight: 0.3 → 0.4",
        "prioritise.criteria.impact.weight: 0.7 → 0.6",
    ]
    swapped = replace(
        SETUP, criteria=(Criterion("impact", "Impact", 0.7), Criterion("reach", "Reach", 0.3))
    )
    assert changes(swapped) == [
        "prioritise.criteria.reach: is new; the criteria are fixed",
        "prioritise.criteria.cost: is missing from the file; the criteria are fixed",
    ]
    assert changes(replace(SETUP, seed=9, top=3)) == [
        "prioritise.seed: 0 → 9",
        "prioritise.top: 5 → 3",
    ]


def test_reordering_criteria_is_no_change() -> None:
    assert changes(replace(SETUP, criteria=tuple(reversed(SETUP.criteria)))) == []


def test_items_may_change_until_a_rating_round_opens() -> None:
    items = (PriorityItem("x", "X renamed"), PriorityItem("z", "Z"))
    assert changes(replace(SETUP, items=items), opened=(1,)) == []
    assert changes(replace(SETUP, items=items), opened=(1, 2)) == [
        'prioritise.items.x.title: "X" → "X renamed"',
        "prioritise.items.z: is new; the items are fixed once a rating round has opened",
        "prioritise.items.y: is missing from the items file; an item the panel has scored "
        "cannot be removed",
    ]


def test_the_study_kind_is_fixed() -> None:
    assert changes(None, kind=StudyKind.DELPHI) == ['study.kind: "prioritise" → "delphi"']
