"""Applying the study's pre-registered protocol to ratings: consensus per item, and when to stop.

The protocol (:mod:`symphonia.core.protocol`) is fixed before round 1; this module only
*applies* it, and says in plain words why each call came out the way it did, so that an editor
or a reader can check the call against the numbers. "Consensus is not unanimity" and
"disagreement is data": a verdict of no consensus always names the figure that fell short.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from symphonia.core.fragments import InvalidInput, Rating
from symphonia.core.protocol import ConsensusRule, Protocol, RatingScale
from symphonia.core.ratings import band_label, num, pct, validated_scores
from symphonia.core.stats import (
    Appropriateness,
    RandUclaResult,
    iqr,
    item_statistics,
    percent_agreement,
    rand_ucla,
)
from symphonia.core.stopping import ItemStability, StabilityResult, evaluate_stability

__all__ = [
    "Direction",
    "ItemStability",
    "ItemVerdict",
    "StabilityResult",
    "evaluate_item",
    "evaluate_stability",
]

_EPS = 1e-9


class Direction(enum.StrEnum):
    """Which way a consensus goes; NONE whenever there is no consensus."""

    AGREE = "agree"
    DISAGREE = "disagree"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class ItemVerdict:
    """The protocol's call on one rated item, with the reasons behind it."""

    item_id: str
    consensus: bool
    direction: Direction
    reasons: tuple[str, ...]
    stats: dict[str, Any]
    """:func:`symphonia.core.stats.item_statistics` plus per-group shares under "groups"."""
    participation: float
    """Share of the panel that rated this item."""
    participation_ok: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "consensus": self.consensus,
            "direction": self.direction.value,
            "reasons": list(self.reasons),
            "stats": self.stats,
            "participation": round(self.participation, 4),
            "participation_ok": self.participation_ok,
        }


def _percent_iqr(scores: Sequence[int], protocol: Protocol) -> tuple[Direction, list[str]]:
    scale, threshold = protocol.scale, protocol.agreement_threshold
    ab, db = scale.agreement_band(), scale.disagreement_band()
    agree, disagree = percent_agreement(scores, ab), percent_agreement(scores, db)
    spread = iqr(scores)
    iqr_ok = spread <= protocol.max_iqr + _EPS
    iqr_reason = f"IQR {num(spread)} {'≤' if iqr_ok else '>'} {num(protocol.max_iqr)}"
    agree_ok, disagree_ok = agree >= threshold, disagree >= threshold
    if agree_ok and disagree_ok:
        return Direction.NONE, [
            f"panel split: {pct(agree)} rated {band_label(ab)} and {pct(disagree)} rated "
            f"{band_label(db)} (threshold {pct(threshold)})"
        ]
    if agree_ok or disagree_ok:
        share, band = (agree, ab) if agree_ok else (disagree, db)
        direction = Direction.AGREE if agree_ok else Direction.DISAGREE
        reasons = [f"{pct(share)} rated {band_label(band)} (threshold {pct(threshold)})"]
        return (direction if iqr_ok else Direction.NONE), [*reasons, iqr_reason]
    return Direction.NONE, [
        f"{pct(agree)} rated {band_label(ab)} and {pct(disagree)} rated {band_label(db)}; "
        f"neither reaches the threshold {pct(threshold)}",
        iqr_reason,
    ]


def _rand_ucla(result: RandUclaResult, scale: RatingScale) -> tuple[Direction, list[str]]:
    unit = (scale.maximum - scale.minimum) / 8
    top, bottom = scale.minimum + 6 * unit, scale.minimum + 2 * unit  # 7 and 3 on 1–9
    spread = f"IPR {num(result.ipr)} {{}} IPRAS {num(result.ipras)}"
    if result.disagreement:
        return Direction.NONE, [
            f"disagreement: {spread.format('>')} (RAND/UCLA)",
            f"median {num(result.median)}; uncertain because the panel disagrees",
        ]
    no_disagreement = f"no disagreement: {spread.format('≤')}"
    if result.appropriateness is Appropriateness.APPROPRIATE:
        return Direction.AGREE, [
            f"median {num(result.median)} ≥ {num(top)}: appropriate",
            no_disagreement,
        ]
    if result.appropriateness is Appropriateness.INAPPROPRIATE:
        return Direction.DISAGREE, [
            f"median {num(result.median)} ≤ {num(bottom)}: inappropriate",
            no_disagreement,
        ]
    return Direction.NONE, [
        f"median {num(result.median)} is in the uncertain range "
        f"(between {num(bottom)} and {num(top)})",
        no_disagreement,
    ]


def _group_check(
    scores_by_group: Mapping[str, Sequence[int]],
    direction: Direction,
    protocol: Protocol,
) -> tuple[bool, list[str]]:
    """Does the panel's consensus hold in every stakeholder group with at least 2 raters?"""
    if len(scores_by_group) < 2:
        if len(scores_by_group) == 1:
            (only,) = scores_by_group
            return True, [f"all grouped ratings came from one stakeholder group ({only!r})"]
        return True, []
    band = (
        protocol.scale.agreement_band()
        if direction is Direction.AGREE
        else protocol.scale.disagreement_band()
    )
    minimum = protocol.min_group_agreement
    checked = {g: s for g, s in sorted(scores_by_group.items()) if len(s) >= 2}
    singles = sorted(g for g, s in scores_by_group.items() if len(s) < 2)
    notes = (
        [f"group(s) {', '.join(singles)} had a single rater and were not checked separately"]
        if singles
        else []
    )
    if not checked:
        return True, [
            "no stakeholder group had 2 or more raters; group agreement not checked",
            *notes,
        ]
    shares = {g: percent_agreement(s, band) for g, s in checked.items()}
    failing = [g for g, share in shares.items() if share < minimum - _EPS]
    if failing:
        detail = "; ".join(
            f"{g!r}: {pct(shares[g])} rated {band_label(band)} (minimum {pct(minimum)})"
            for g in failing
        )
        held = len(checked) - len(failing)
        return False, [
            f"holds in only {held} of {len(checked)} stakeholder groups ({detail})",
            *notes,
        ]
    return True, [
        f"holds in all {len(checked)} stakeholder groups "
        f"(each ≥ {pct(minimum)} rated {band_label(band)})",
        *notes,
    ]


def evaluate_item(
    item_id: str,
    ratings: Sequence[Rating],
    protocol: Protocol,
    panel_groups: Mapping[str, str],
    panel_size: int,
) -> ItemVerdict:
    """Apply ``protocol`` to the ratings of one item.

    PERCENT_IQR: consensus (agree) when the share in the scale's agreement band (upper third)
    reaches ``agreement_threshold`` and IQR ≤ ``max_iqr``; consensus on rejection (disagree)
    under the same two conditions for the disagreement band (lower third). RAND_UCLA:
    "appropriate" → agree, "inappropriate" → disagree, "uncertain" → no consensus.

    Then two conditions that can only take a consensus away: participation (raters /
    ``panel_size``) must reach ``min_participation``; and when the raters come from 2 or more
    stakeholder groups (``panel_groups``: rater → group; raters without a group are not
    counted), every group with at least 2 raters must put at least ``min_group_agreement`` of
    its ratings in the consensus band (the agreement band for agree, the disagreement band for
    disagree), because a consensus that holds in one group only is not a panel consensus.
    """
    if panel_size < 1:
        raise InvalidInput("panel_size", f"must be at least 1; got {panel_size}")
    by_rater = validated_scores(item_id, ratings, protocol.scale)
    n = len(by_rater)
    if n > panel_size:
        raise InvalidInput(
            "panel_size", f"{n} raters rated item {item_id!r} but the panel has {panel_size}"
        )
    participation = n / panel_size
    participation_ok = participation >= protocol.min_participation - _EPS
    participation_reason = (
        f"participation {pct(participation)} ({n} of {panel_size}) "
        f"{'meets' if participation_ok else 'is below'} the required "
        f"{pct(protocol.min_participation)}"
    )
    if n == 0:
        why = ("no ratings for this item", participation_reason)
        return ItemVerdict(item_id, False, Direction.NONE, why, {"n": 0}, 0.0, False)

    scores = list(by_rater.values())
    stats = item_statistics(scores, protocol.scale)
    scores_by_group: dict[str, list[int]] = {}
    for rater, score in sorted(by_rater.items()):
        group = panel_groups.get(rater)
        if group is not None:
            scores_by_group.setdefault(group, []).append(score)
    stats["groups"] = {
        g: {
            "n": len(s),
            "percent_agreement": round(percent_agreement(s, protocol.scale.agreement_band()), 4),
            "percent_disagreement": round(
                percent_agreement(s, protocol.scale.disagreement_band()), 4
            ),
        }
        for g, s in sorted(scores_by_group.items())
    }

    if protocol.rule is ConsensusRule.RAND_UCLA:
        direction, reasons = _rand_ucla(rand_ucla(scores, protocol.scale), protocol.scale)
    else:
        direction, reasons = _percent_iqr(scores, protocol)
    if direction is not Direction.NONE:
        groups_ok, group_reasons = _group_check(scores_by_group, direction, protocol)
        reasons.extend(group_reasons)
        if not groups_ok:
            direction = Direction.NONE
    reasons.append(participation_reason)
    if not participation_ok:
        direction = Direction.NONE
    consensus = direction is not Direction.NONE
    return ItemVerdict(
        item_id=item_id,
        consensus=consensus,
        direction=direction,
        reasons=tuple(reasons),
        stats=stats,
        participation=participation,
        participation_ok=participation_ok,
    )
