"""Would the top of the list change if a weight had been set differently?

The weights are a judgement fixed before the scores, and a reader should know how much the
answer leans on them. The one-at-a-time check of multi-criteria analysis halves and doubles
each criterion's weight in turn, the others keeping their proportions, and reports which
items stay in the top N. Items in the top N under every one
of those changes are robust to the weights; the others depend on them, and the report names
the change that moves each.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from symphonia.core.priorities.definition import Prioritisation
from symphonia.core.priorities.ranking import competition_ranks
from symphonia.core.priorities.scores import PriorityScore
from symphonia.core.priorities.weighting import item_scores, rater_scores

FACTORS = (0.5, 2.0)


@dataclass(frozen=True, slots=True)
class WeightScenario:
    criterion: str
    factor: float
    weights: dict[str, float]
    """The weights of this scenario, scaled back to the study's weights total."""
    top: tuple[str, ...]
    """Items ranked within the top N under these weights (ties at the edge included)."""
    entered: tuple[str, ...]
    left: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Sensitivity:
    top_n: int
    baseline: tuple[str, ...]
    scenarios: tuple[WeightScenario, ...]

    @property
    def robust(self) -> tuple[str, ...]:
        """Baseline top items that stay in the top under every scenario."""
        return tuple(i for i in self.baseline if all(i in s.top for s in self.scenarios))

    def moved_by(self, item: str) -> tuple[WeightScenario, ...]:
        """The scenarios under which `item` enters or leaves the top."""
        return tuple(s for s in self.scenarios if item in s.entered or item in s.left)


def top_items(scores: Mapping[str, float | None], n: int, order: Iterable[str]) -> tuple[str, ...]:
    """Items with a competition rank of at most `n`, in `order`."""
    ranks = competition_ranks(scores)
    return tuple(i for i in order if (r := ranks.get(i)) is not None and r <= n)


def scaled_weights(definition: Prioritisation, criterion: str, factor: float) -> dict[str, float]:
    """The weights with one scaled by `factor`, all brought back to the weights total."""
    raw = {c.id: c.weight * (factor if c.id == criterion else 1.0) for c in definition.criteria}
    total = sum(raw.values())
    return {k: v * definition.weights_total / total for k, v in raw.items()}


def weight_sensitivity(
    scores: Iterable[PriorityScore], definition: Prioritisation, items: tuple[str, ...]
) -> Sensitivity:
    """Halve and double each weight in turn; which items stay in the top N?"""
    scores = list(scores)

    def top_under(weights: Mapping[str, float] | None) -> tuple[str, ...]:
        by_rater = rater_scores(scores, definition, weights)
        return top_items(item_scores(by_rater, items, definition.rule), definition.top, items)

    baseline = top_under(None)
    scenarios = []
    for c in definition.criteria:
        for factor in FACTORS:
            weights = scaled_weights(definition, c.id, factor)
            top = top_under(weights)
            scenarios.append(
                WeightScenario(
                    criterion=c.id,
                    factor=factor,
                    weights=weights,
                    top=top,
                    entered=tuple(i for i in top if i not in baseline),
                    left=tuple(i for i in baseline if i not in top),
                )
            )
    return Sensitivity(definition.top, baseline, tuple(scenarios))
