"""How the ranking moved from one rating round to the next.

Delphi feeds each round's results back to the panel and asks again; whether the answer has
settled is part of the answer. Three signals, each from an existing standard:

- each item's rank then and now (and the change, positive when it moved up);
- per item, the Wilcoxon signed-rank test on the raters' weighted scores, paired by rater
  (:func:`symphonia.core.stability.wilcoxon_between_rounds`: only people who scored the item
  in both rounds count, so a changed panel cannot fake a shift);
- Kendall's tau-b between the two rounds' item scores (``scipy.stats.kendalltau``): 1 when
  the order held completely.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from symphonia.core.stability import WilcoxonResult, wilcoxon_between_rounds


@dataclass(frozen=True, slots=True)
class ItemChange:
    item: str
    previous_rank: int | None
    rank: int | None
    previous_score: float | None
    score: float | None
    wilcoxon: WilcoxonResult | None
    """None when nobody scored the item in both rounds."""

    @property
    def change(self) -> int | None:
        """Places gained (positive) or lost (negative) since the previous round."""
        if self.previous_rank is None or self.rank is None:
            return None
        return self.previous_rank - self.rank


@dataclass(frozen=True, slots=True)
class RoundComparison:
    previous_round: int
    changes: tuple[ItemChange, ...]
    tau: float | None
    """Kendall's tau-b between the rounds' item scores (None: fewer than 2 items in both)."""
    tau_p_value: float | None

    @property
    def moved(self) -> tuple[ItemChange, ...]:
        return tuple(c for c in self.changes if c.change)

    @property
    def shifted(self) -> tuple[ItemChange, ...]:
        """Items whose scores shifted significantly (Wilcoxon, two-sided, alpha 0.05)."""
        return tuple(c for c in self.changes if c.wilcoxon is not None and c.wilcoxon.significant)


def compare_rounds(
    previous_round: int,
    before: Mapping[str, Mapping[str, float]],
    after: Mapping[str, Mapping[str, float]],
    ranks: tuple[Mapping[str, int | None], Mapping[str, int | None]],
    scores: tuple[Mapping[str, float | None], Mapping[str, float | None]],
    items: Sequence[str],
) -> RoundComparison:
    """Compare two rounds' weighted scores (rater → item → score) of the same items; `ranks`
    and `scores` are each round's item ranks and item scores, previous round first."""
    changes = []
    for item in items:
        paired_before = {r: s[item] for r, s in before.items() if item in s}
        paired_after = {r: s[item] for r, s in after.items() if item in s}
        test = None
        if set(paired_before) & set(paired_after):
            test = wilcoxon_between_rounds(paired_before, paired_after)
        changes.append(
            ItemChange(
                item=item,
                previous_rank=ranks[0].get(item),
                rank=ranks[1].get(item),
                previous_score=scores[0].get(item),
                score=scores[1].get(item),
                wilcoxon=test,
            )
        )
    both = [
        (b, a)
        for i in items
        if (b := scores[0].get(i)) is not None and (a := scores[1].get(i)) is not None
    ]
    tau = p_value = None
    if len(both) >= 2:
        from scipy import stats as sps  # seconds to import: only when a tau is asked for

        result = sps.kendalltau([b for b, _ in both], [a for _, a in both])
        if not math.isnan(float(result.statistic)):
            tau, p_value = float(result.statistic), float(result.pvalue)
    return RoundComparison(previous_round, tuple(changes), tau, p_value)
