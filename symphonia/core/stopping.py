"""The stopping rule: has the panel's rating stabilised, so that another round adds little?

Applies the protocol's :class:`~symphonia.core.protocol.StoppingRule` with the statistics of
:mod:`symphonia.core.stability` (Wilcoxon, Kendall's W) and :mod:`symphonia.core.stats` (CV).
Re-exported by :mod:`symphonia.core.consensus`, the home of the protocol's calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from symphonia.core.fragments import Rating
from symphonia.core.protocol import Protocol
from symphonia.core.ratings import ratings_by_item
from symphonia.core.stability import (
    KendallResult,
    WilcoxonResult,
    kendalls_w,
    wilcoxon_between_rounds,
)
from symphonia.core.stats import coefficient_of_variation


@dataclass(frozen=True, slots=True)
class ItemStability:
    """How one item's ratings moved between the previous round and this one."""

    item_id: str
    cv_before: float | None
    cv_after: float | None
    cv_change: float | None
    """``|CV_after − CV_before|``; None when either CV is undefined or the item is new."""
    wilcoxon: WilcoxonResult | None
    """None when no rater rated the item in both rounds."""
    stable: bool
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 4)

        return {
            "item_id": self.item_id,
            "cv_before": r(self.cv_before),
            "cv_after": r(self.cv_after),
            "cv_change": r(self.cv_change),
            "wilcoxon": None if self.wilcoxon is None else self.wilcoxon.as_dict(),
            "stable": self.stable,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class StabilityResult:
    """The stopping rule's call after a round, with the statistics behind it."""

    kendall: KendallResult | None
    """Kendall's W of this round's ratings (reported, not part of the stopping rule)."""
    items: tuple[ItemStability, ...]
    stop: bool
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kendall": None if self.kendall is None else self.kendall.as_dict(),
            "items": [item.as_dict() for item in self.items],
            "stop": self.stop,
            "reasons": list(self.reasons),
        }


def _cv(scores: Mapping[str, int]) -> float | None:
    try:
        return coefficient_of_variation(list(scores.values()))
    except ValueError:
        return None


def _item_stability(
    item_id: str,
    before: Mapping[str, int] | None,
    after: Mapping[str, int],
    protocol: Protocol,
) -> ItemStability:
    rule = protocol.stopping
    if before is None:
        reason = "new in this round: no previous ratings to compare with"
        return ItemStability(item_id, None, _cv(after), None, None, False, (reason,))
    cv_before, cv_after = _cv(before), _cv(after)
    reasons: list[str] = []
    stable = True
    change: float | None = None
    if cv_before is None or cv_after is None:
        stable = False
        reasons.append("coefficient of variation undefined (mean score 0)")
    else:
        change = abs(cv_after - cv_before)
        cv_ok = change < rule.cv_change_below
        stable = cv_ok
        reasons.append(
            f"|ΔCV| {change:.3f} {'<' if cv_ok else '≥'} {rule.cv_change_below:g}"
            f" (CV {cv_before:.3f} → {cv_after:.3f})"
        )
    try:
        test: WilcoxonResult | None = wilcoxon_between_rounds(before, after)
    except ValueError:
        test = None
    if test is None:
        reasons.append("no rater rated it in both rounds: shift not testable")
        stable = stable and not rule.require_nonsignificant_wilcoxon
    else:
        verdict = "significant shift" if test.significant else "no significant shift"
        reasons.append(
            f"{verdict} (Wilcoxon p = {test.p_value:.3f}, {test.n_pairs} paired raters, "
            f"{test.n_changed} changed)"
        )
        if test.significant and rule.require_nonsignificant_wilcoxon:
            stable = False
    return ItemStability(item_id, cv_before, cv_after, change, test, stable, tuple(reasons))


def evaluate_stability(
    previous: Iterable[Rating],
    current: Iterable[Rating],
    protocol: Protocol,
    *,
    round_number: int | None = None,
) -> StabilityResult:
    """Apply the protocol's StoppingRule after a round.

    Stop when every item rated in this round is stable: its coefficient of variation moved by
    less than ``cv_change_below`` since the previous round and, when
    ``require_nonsignificant_wilcoxon`` is set, the paired Wilcoxon test found no significant
    shift (alpha 0.05). An item new in this round, or one whose shift cannot be tested, is not
    stable: stability is never assumed. Items dropped from this round (for instance because
    they reached consensus) are not assessed. Independently, when ``round_number`` is given
    and reaches ``max_rounds``, the study stops at the cap. Kendall's W of this round is
    reported alongside (None, with a reason, when it is undefined).
    """
    scale = protocol.scale
    before = ratings_by_item(previous, scale)
    after = ratings_by_item(current, scale)
    reasons: list[str] = []
    kendall: KendallResult | None = None
    raters = sorted({rater for scores in after.values() for rater in scores})
    matrix = [[after[item].get(rater) for item in after] for rater in raters]
    try:
        kendall = kendalls_w(matrix)
        reasons.append(
            f"Kendall's W {kendall.w:.2f} (p = {kendall.p_value:.3f}) over "
            f"{kendall.n_items} items and {kendall.n_raters} raters"
        )
    except ValueError as exc:
        reasons.append(f"Kendall's W not computed: {exc}")
    items = tuple(
        _item_stability(item, before.get(item), scores, protocol) for item, scores in after.items()
    )
    unstable = [i.item_id for i in items if not i.stable]
    stable = bool(items) and not unstable
    if not items:
        reasons.append("no ratings in this round: stability cannot be assessed")
    elif stable:
        reasons.append(f"all {len(items)} items stable")
    else:
        reasons.append(f"{len(unstable)} of {len(items)} items not stable: {', '.join(unstable)}")
    capped = round_number is not None and round_number >= protocol.stopping.max_rounds
    if capped:
        reasons.append(f"round {round_number} reached the cap of {protocol.stopping.max_rounds}")
    return StabilityResult(kendall, items, stable or capped, tuple(reasons))
