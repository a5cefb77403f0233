"""Ranks from scores: per rater, per stakeholder group, and where groups disagree most.

Ranks are *competition* ranks ("1224"): an item's rank is one more than the number of items
scored strictly higher, so tied items share a rank and the next rank is skipped. That is how a
ranked list is read ("joint second"), and it never hides a tie behind an arbitrary order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from symphonia.core.priorities.definition import AggregationRule
from symphonia.core.priorities.weighting import item_scores
from symphonia.core.stability import KendallResult, kendalls_w

TIE_DIGITS = 9
"""Scores equal to this many decimals are tied: two routes to the same mean may differ in
the last bit of a float, and that must not decide a rank."""


def competition_ranks(scores: Mapping[str, float | None]) -> dict[str, int | None]:
    """Rank 1 for the highest score; ties share a rank; an unscored item has no rank."""
    rounded = {k: round(v, TIE_DIGITS) for k, v in scores.items() if v is not None}
    return {
        k: (None if k not in rounded else 1 + sum(1 for v in rounded.values() if v > rounded[k]))
        for k in scores
    }


def rater_ranks(by_rater: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, int]]:
    """Each rater's own ranking of the items they scored (their "ballot")."""
    out: dict[str, dict[str, int]] = {}
    for rater, scores in by_rater.items():
        ranks = competition_ranks(scores)
        out[rater] = {item: rank for item, rank in ranks.items() if rank is not None}
    return out


@dataclass(frozen=True, slots=True)
class GroupRanking:
    group: str
    raters: int
    """Raters of the group with at least one weighted score."""
    scores: dict[str, float | None]
    ranks: dict[str, int | None]


def group_rankings(
    by_rater: Mapping[str, Mapping[str, float]],
    group_of: Mapping[str, str],
    items: Sequence[str],
    rule: AggregationRule,
) -> list[GroupRanking]:
    """Each stakeholder group's ranking of the items, from its own members' scores only.
    Raters with no group are in no group's ranking (they still count for the panel's)."""
    members: dict[str, list[str]] = {}
    for rater in sorted(by_rater):
        if (group := group_of.get(rater)) is not None:
            members.setdefault(group, []).append(rater)
    out = []
    for group in sorted(members):
        scores = item_scores(by_rater, items, rule, members[group])
        out.append(GroupRanking(group, len(members[group]), scores, competition_ranks(scores)))
    return out


@dataclass(frozen=True, slots=True)
class Divergence:
    """How far apart the groups rank one item."""

    item: str
    spread: int
    """Lowest group rank minus highest (0: every group ranks it alike)."""
    highest: tuple[str, ...]
    """The groups that rank it highest (best rank)..."""
    highest_rank: int
    lowest: tuple[str, ...]
    """...and those that rank it lowest."""
    lowest_rank: int


def rank_divergence(groups: Sequence[GroupRanking], items: Sequence[str]) -> list[Divergence]:
    """Per item, the spread of its rank across groups, largest first (ties by item id).
    Items ranked by fewer than two groups have no spread to speak of and are left out."""
    out = []
    for item in items:
        ranked = {g.group: r for g in groups if (r := g.ranks.get(item)) is not None}
        if len(ranked) < 2:
            continue
        best, worst = min(ranked.values()), max(ranked.values())
        out.append(
            Divergence(
                item=item,
                spread=worst - best,
                highest=tuple(g for g, r in ranked.items() if r == best),
                highest_rank=best,
                lowest=tuple(g for g, r in ranked.items() if r == worst),
                lowest_rank=worst,
            )
        )
    return sorted(out, key=lambda d: (-d.spread, d.item))


def ranking_agreement(
    by_rater: Mapping[str, Mapping[str, float]], items: Sequence[str]
) -> tuple[KendallResult | None, str | None]:
    """Kendall's W on the raters' rankings (their weighted scores), or None and why not.

    W uses the raters who scored every item (an incomplete ranking cannot be compared rank
    for rank); :attr:`KendallResult.dropped_raters` says how many were left out.
    """
    raters = sorted(by_rater)
    matrix = [[_tied(by_rater[r].get(i)) for i in items] for r in raters]
    try:
        return kendalls_w(matrix), None
    except ValueError as exc:
        return None, str(exc)


def _tied(value: float | None) -> float | None:
    return None if value is None else round(value, TIE_DIGITS)
