"""From criterion scores to one weighted score per rater and item, and per item.

Each score is first put on 0–1 (1 = best for the item; a cost criterion is reversed), so
criteria on different scales combine. A rater's weighted score of an item is then

    S = 100 · Σ w_c u_c / Σ w_c      over the criteria c the rater judged,

on 0–100. When the rater could not judge some criteria, the weights of those they did judge
are renormalised: the rater's view of the item is still used, on what they know. But a rater
who judged only a small part of the weight has not really scored the item, so S needs the
judged criteria to carry at least :attr:`Prioritisation.min_judged_weight` of the total;
below it the rater "could not judge" the item and gives it no score at all (never a low one).

The item's score is the rule's aggregate (mean or median) of its raters' S.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from symphonia.core.priorities.definition import AggregationRule, Prioritisation
from symphonia.core.priorities.scores import PriorityScore

RaterScores = dict[str, dict[str, float]]
"""rater → item → weighted score on 0–100 (an item the rater could not judge is absent)."""


def sheets(scores: Iterable[PriorityScore]) -> dict[tuple[str, str], dict[str, int | None]]:
    """(rater, item) → criterion → score (None: cannot judge)."""
    out: dict[tuple[str, str], dict[str, int | None]] = defaultdict(dict)
    for s in scores:
        out[(s.rater, s.item)][s.criterion] = s.score
    return dict(out)


def weighted_score(
    sheet: Mapping[str, int | None],
    definition: Prioritisation,
    weights: Mapping[str, float] | None = None,
) -> float | None:
    """One rater's weighted score of one item from their criterion scores (see the module
    docstring), or None when the criteria they judged carry too little of the weight."""
    weights = weights if weights is not None else definition.weights
    total = math.fsum(weights.values())
    judged = [
        (weights[c.id], c.normalised(score))
        for c in definition.criteria
        if (score := sheet.get(c.id)) is not None
    ]
    judged_weight = math.fsum(w for w, _ in judged)
    if not judged or judged_weight < definition.min_judged_weight * total - 1e-12:
        return None
    return 100.0 * math.fsum(w * u for w, u in judged) / judged_weight


def rater_scores(
    scores: Iterable[PriorityScore],
    definition: Prioritisation,
    weights: Mapping[str, float] | None = None,
) -> RaterScores:
    """Every rater's weighted score of every item they could judge."""
    out: RaterScores = defaultdict(dict)
    for (rater, item), sheet in sheets(scores).items():
        value = weighted_score(sheet, definition, weights)
        if value is not None:
            out[rater][item] = value
    return dict(out)


def aggregate(values: Sequence[float], rule: AggregationRule) -> float:
    """The rule's aggregate of raters' weighted scores (there must be at least one)."""
    if not values:
        raise ValueError("no weighted scores to aggregate")
    if rule is AggregationRule.WEIGHTED_MEDIAN:
        return float(statistics.median(values))
    return math.fsum(values) / len(values)


def item_scores(
    by_rater: Mapping[str, Mapping[str, float]],
    items: Sequence[str],
    rule: AggregationRule,
    raters: Iterable[str] | None = None,
) -> dict[str, float | None]:
    """Each item's score over `raters` (all by default); None when none of them scored it.
    Raters are read in sorted order, so the result does not depend on the input's order
    (the mean of floats does, in the last bit, with the order of summation)."""
    chosen = sorted(by_rater if raters is None else raters)
    out: dict[str, float | None] = {}
    for item in items:
        values = sorted(by_rater[r][item] for r in chosen if item in by_rater.get(r, {}))
        out[item] = aggregate(values, rule) if values else None
    return out
