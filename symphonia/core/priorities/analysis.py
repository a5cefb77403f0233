"""One rating round of a prioritisation study, analysed: everything the report shows.

The primary ranking is by weighted score (the pre-registered rule), with its bootstrap
interval. Beside it stand the Schulze ranking and the Borda count from the raters' own
rankings, Kendall's W (how far the raters agree on the order), each stakeholder group's
ranking and the items the groups rank furthest apart, the sensitivity of the top to the
weights, and what the panel could not judge. Pure: the caller loads the scores.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from symphonia.core.priorities.bootstrap import BootstrapResult, bootstrap_items
from symphonia.core.priorities.borda import borda_points, borda_ranks
from symphonia.core.priorities.definition import Prioritisation
from symphonia.core.priorities.ranking import (
    TIE_DIGITS,
    Divergence,
    GroupRanking,
    competition_ranks,
    group_rankings,
    rank_divergence,
    ranking_agreement,
)
from symphonia.core.priorities.schulze import SchulzeResult, schulze
from symphonia.core.priorities.scores import PriorityScore
from symphonia.core.priorities.sensitivity import Sensitivity, weight_sensitivity
from symphonia.core.priorities.weighting import RaterScores, item_scores, rater_scores
from symphonia.core.stability import KendallResult


@dataclass(frozen=True, slots=True)
class ItemResult:
    item: str
    rank: int | None
    """Competition rank by weighted score (None: no rater could judge the item)."""
    score: float | None
    """The rule's aggregate of the raters' weighted scores, on 0–100."""
    interval: tuple[float, float] | None
    top_share: float
    """Share of bootstrap panels that rank the item within the top N."""
    schulze_rank: int
    borda_points: float
    borda_rank: int
    raters: int
    """Raters whose weighted score of the item counts."""
    answered: int
    """Raters who sent anything about the item (a score or "cannot judge")."""
    cannot_judge: dict[str, int]
    """Per criterion, how many raters said they cannot judge the item on it."""
    criterion_means: dict[str, float | None]
    """Per criterion, the mean score of those who judged it (on the criterion's own scale)."""
    group_ranks: dict[str, int | None]
    group_scores: dict[str, float | None]


@dataclass(frozen=True, slots=True)
class PriorityAnalysis:
    items: tuple[ItemResult, ...]
    """In rank order; unranked items last; ties by Schulze rank, then id."""
    raters: int
    by_rater: RaterScores
    schulze: SchulzeResult
    agreement: KendallResult | None
    agreement_note: str | None
    """Why Kendall's W could not be computed, when it could not."""
    groups: tuple[GroupRanking, ...]
    divergence: tuple[Divergence, ...]
    sensitivity: Sensitivity
    bootstrap: BootstrapResult

    def item(self, item_id: str) -> ItemResult:
        return next(i for i in self.items if i.item == item_id)

    @property
    def ranks(self) -> dict[str, int | None]:
        return {i.item: i.rank for i in self.items}

    @property
    def scores(self) -> dict[str, float | None]:
        return {i.item: i.score for i in self.items}


def _rounded(by_rater: RaterScores) -> list[dict[str, float]]:
    """Ballots for the pairwise methods: equal to TIE_DIGITS decimals is a tie."""
    return [
        {item: round(v, TIE_DIGITS) for item, v in by_rater[r].items()} for r in sorted(by_rater)
    ]


def _criterion_means(
    scores: Sequence[PriorityScore], definition: Prioritisation
) -> dict[str, dict[str, float | None]]:
    judged: dict[tuple[str, str], list[int]] = defaultdict(list)
    for s in scores:
        if s.score is not None:
            judged[(s.item, s.criterion)].append(s.score)
    items = {s.item for s in scores}
    return {
        item: {
            c.id: (statistics.fmean(v) if (v := judged.get((item, c.id))) else None)
            for c in definition.criteria
        }
        for item in items
    }


def analyse_priorities(
    definition: Prioritisation,
    items: Sequence[str],
    scores: Sequence[PriorityScore],
    group_of: Mapping[str, str],
) -> PriorityAnalysis:
    """Analyse one round's scores of `items` (ids, in the study's order)."""
    by_rater = rater_scores(scores, definition)
    point = item_scores(by_rater, items, definition.rule)
    ranks = competition_ranks(point)
    ballots = _rounded(by_rater)
    pairwise = schulze(ballots, items)
    schulze_ranks = pairwise.ranks
    points = borda_points(ballots, items)
    borda = borda_ranks(points)
    boot = bootstrap_items(
        by_rater,
        items,
        definition.rule,
        samples=definition.bootstrap_samples,
        confidence=definition.confidence,
        seed=definition.seed,
        top=definition.top,
    )
    groups = tuple(group_rankings(by_rater, group_of, items, definition.rule))
    agreement, note = ranking_agreement(by_rater, items)
    cannot = Counter((s.item, s.criterion) for s in scores if s.score is None)
    answered: dict[str, set[str]] = defaultdict(set)
    for s in scores:
        answered[s.item].add(s.rater)
    means = _criterion_means(scores, definition)
    results = [
        ItemResult(
            item=item,
            rank=ranks[item],
            score=point[item],
            interval=boot.intervals[item],
            top_share=boot.top_share[item],
            schulze_rank=schulze_ranks[item],
            borda_points=points[item],
            borda_rank=borda[item],
            raters=sum(1 for r in by_rater.values() if item in r),
            answered=len(answered[item]),
            cannot_judge={c.id: cannot[(item, c.id)] for c in definition.criteria},
            criterion_means=means.get(item, dict.fromkeys(definition.weights)),
            group_ranks={g.group: g.ranks[item] for g in groups},
            group_scores={g.group: g.scores[item] for g in groups},
        )
        for item in items
    ]
    unranked = len(items) + 1
    results.sort(key=lambda r: (r.rank or unranked, r.schulze_rank, r.item))
    return PriorityAnalysis(
        items=tuple(results),
        raters=len(by_rater),
        by_rater=by_rater,
        schulze=pairwise,
        agreement=agreement,
        agreement_note=note,
        groups=groups,
        divergence=tuple(rank_divergence(groups, items)),
        sensitivity=weight_sensitivity(scores, definition, tuple(items)),
        bootstrap=boot,
    )
