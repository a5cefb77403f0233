"""Applying the study's pre-registered protocol to ratings: one call per item, and when to stop.

The protocol (:mod:`symphonia.core.protocol`) is fixed before round 1; this module only
*applies* it, and says in plain words why each call came out the way it did, so that an editor
or a reader can check the call against the numbers. "Consensus is not unanimity" and
"disagreement is data": a verdict of no consensus always names the figure that fell short.

Each item gets one :class:`~symphonia.core.verdicts.ItemCall`, decided in this order:

1. TOO_FEW when fewer than ``min_item_ratings`` rated it, or participation (against the panel,
   or against those shown the item: ``participation_base``) is below ``min_participation``.
   Nothing is concluded from so few ratings: never consensus, never divisive.
2. The rule (percent agreement + IQR, or RAND/UCLA) gives a direction or none.
3. A direction is a CONSENSUS when it holds in every compared group (see
   :mod:`symphonia.core.group_views`); when some group does not share it, the groups differ
   and the item is DIVISIVE.
4. With no direction: DIVISIVE when one group holds agreement and another rejection; SPLIT
   when the panel disagrees but not group against group (RAND/UCLA's disagreement rule), or,
   when no two groups can be compared at all, a third or more of the ratings sit at each end
   (:data:`POLARISED_SHARE`); NO_AGREEMENT otherwise.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from symphonia.core.fragments import InvalidInput, Rating
from symphonia.core.group_views import (
    GroupShares,
    compared,
    consensus_in_every_group,
    group_informed_consensus,
    group_shares,
    opposing_groups,
)
from symphonia.core.protocol import (
    ConsensusRule,
    GroupBasis,
    ParticipationBase,
    Protocol,
    RatingScale,
)
from symphonia.core.ratings import RatingTally, band_label, num, pct, validated_scores
from symphonia.core.stats import (
    Appropriateness,
    RandUclaResult,
    iqr,
    item_statistics,
    percent_agreement,
    rand_ucla,
)
from symphonia.core.stopping import ItemStability, StabilityResult, evaluate_stability
from symphonia.core.verdicts import Direction, ItemCall, ItemVerdict

__all__ = [
    "Direction",
    "ItemCall",
    "ItemStability",
    "ItemVerdict",
    "StabilityResult",
    "evaluate_item",
    "evaluate_stability",
    "evaluate_tally",
]

_EPS = 1e-9

POLARISED_SHARE = 1 / 3
"""With no two groups to compare, a third or more of the ratings at each end is a split
panel: the RAND/UCLA definition of disagreement for a panel of nine (at least three ratings
in 1–3 and three in 7–9), read as shares so that it applies to any panel size."""


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


def group_noun(protocol: Protocol) -> str:
    """How reasons name the groups the protocol compares."""
    return "opinion group" if protocol.group_basis is GroupBasis.OPINION else "stakeholder group"


def evaluate_item(
    item_id: str,
    ratings: Sequence[Rating],
    protocol: Protocol,
    panel_groups: Mapping[str, str],
    panel_size: int,
    all_groups: Collection[str] = (),
) -> ItemVerdict:
    """Apply ``protocol`` to the ratings of one item (see the module docstring for the order).

    PERCENT_IQR: consensus (agree) when the share in the scale's agreement band (upper third)
    reaches ``agreement_threshold`` and IQR ≤ ``max_iqr``; consensus on rejection (disagree)
    under the same two conditions for the disagreement band (lower third). RAND_UCLA:
    "appropriate" → agree, "inappropriate" → disagree, "uncertain" → no direction.

    ``panel_groups`` maps raters to their group (raters without one are counted in the panel
    but in no group); ``all_groups`` names every group of the panel, for Polis's
    group-informed consensus (a group that did not rate the item counts 1/2 in it).
    ``panel_size`` is the participation base when ``participation_base`` is PANEL.
    """
    if panel_size < 1:
        raise InvalidInput("panel_size", f"must be at least 1; got {panel_size}")
    by_rater = validated_scores(item_id, ratings, protocol.scale)
    n = len(by_rater)
    shown = protocol.participation_base is ParticipationBase.SHOWN
    if n > panel_size and not shown:
        raise InvalidInput(
            "panel_size", f"{n} raters rated item {item_id!r} but the panel has {panel_size}"
        )
    scores_by_group: dict[str, list[int]] = {}
    for rater, score in sorted(by_rater.items()):
        group = panel_groups.get(rater)
        if group is not None:
            scores_by_group.setdefault(group, []).append(score)
    shares = group_shares(scores_by_group, protocol.scale)
    groups = set(all_groups) | set(panel_groups.values())
    return _judge(
        item_id,
        list(by_rater.values()),
        shares,
        groups,
        protocol,
        base=n if shown else panel_size,
        raters=tuple(sorted(by_rater)),
    )


def evaluate_tally(
    tally: RatingTally, protocol: Protocol, panel_size: int | None = None
) -> ItemVerdict:
    """Apply ``protocol`` to counts without voter identity (see
    :class:`~symphonia.core.ratings.RatingTally`): the same rule on the same figures, but no
    group can be checked or compared, and the verdict says so."""
    scores = tally.scores(protocol.scale)
    n = len(scores)
    shown = protocol.participation_base is ParticipationBase.SHOWN or panel_size is None
    notes = [
        f"counts without voter identity ({n} ratings): who rated is unknown, so no "
        f"{group_noun(protocol)} can be checked or compared"
    ]
    if tally.unrecorded:
        notes.append(
            f"the source did not record {tally.unrecorded}: shares are of the recorded ratings"
        )
    base = n if shown else max(panel_size or 1, n)
    return _judge(tally.item, scores, None, (), protocol, base=base, raters=(), notes=notes)


def _participation_reason(n: int, base: int, protocol: Protocol) -> tuple[float, bool, str]:
    participation = n / base if base else 0.0
    ok = n > 0 and participation >= protocol.min_participation - _EPS
    of = " shown it" if protocol.participation_base is ParticipationBase.SHOWN else ""
    reason = (
        f"participation {pct(participation)} ({n} of {base}{of}) "
        f"{'meets' if ok else 'is below'} the required {pct(protocol.min_participation)}"
    )
    return participation, ok, reason


def _judge(
    item_id: str,
    scores: list[int],
    shares: Mapping[str, GroupShares] | None,
    groups: Collection[str],
    protocol: Protocol,
    *,
    base: int,
    raters: tuple[str, ...],
    notes: Sequence[str] = (),
) -> ItemVerdict:
    n = len(scores)
    participation, participation_ok, participation_reason = _participation_reason(n, base, protocol)
    if n == 0:
        why = (*notes, "no ratings for this item", participation_reason)
        return ItemVerdict(
            item_id,
            False,
            Direction.NONE,
            why,
            {"n": 0},
            0.0,
            False,
            ItemCall.TOO_FEW,
            raters,
            "no ratings for this item",
        )
    stats = item_statistics(scores, protocol.scale)
    if shares is not None:
        stats["groups"] = {g: s.as_dict() for g, s in shares.items()}
        stats["group_consensus"] = group_informed_consensus(shares, groups)
    if protocol.rule is ConsensusRule.RAND_UCLA:
        result = rand_ucla(scores, protocol.scale)
        direction, rule_reasons = _rand_ucla(result, protocol.scale)
        disagreement = result.disagreement
    else:
        direction, rule_reasons = _percent_iqr(scores, protocol)
        disagreement = False
    reasons = [*notes, *rule_reasons]
    if n < protocol.min_item_ratings or not participation_ok:
        headline = participation_reason
        if n < protocol.min_item_ratings:
            headline = (
                f"only {n} rating{'s' if n != 1 else ''}: at least "
                f"{protocol.min_item_ratings} are needed before any call is made"
            )
            reasons.append(headline)
        reasons.append(participation_reason)
        return ItemVerdict(
            item_id,
            False,
            Direction.NONE,
            tuple(reasons),
            stats,
            participation,
            participation_ok,
            ItemCall.TOO_FEW,
            raters,
            headline,
        )
    call, direction, call_reasons = _call(direction, disagreement, shares, scores, protocol)
    headline = _headline(call, rule_reasons, call_reasons)
    reasons.extend(call_reasons)
    reasons.append(participation_reason)
    return ItemVerdict(
        item_id=item_id,
        consensus=call is ItemCall.CONSENSUS,
        direction=direction,
        reasons=tuple(reasons),
        stats=stats,
        participation=participation,
        participation_ok=participation_ok,
        call=call,
        raters=raters,
        headline=headline,
    )


def _headline(call: ItemCall, rule_reasons: Sequence[str], call_reasons: Sequence[str]) -> str:
    """The reason that decided the call: the group finding for a divisive item, the split
    for a split one, the rule's figure otherwise."""
    if call in (ItemCall.DIVISIVE, ItemCall.SPLIT) and call_reasons:
        return call_reasons[0]
    return rule_reasons[0] if rule_reasons else ""


def _call(
    direction: Direction,
    disagreement: bool,
    shares: Mapping[str, GroupShares] | None,
    scores: Sequence[int],
    protocol: Protocol,
) -> tuple[ItemCall, Direction, list[str]]:
    noun = group_noun(protocol)
    if direction is not Direction.NONE:
        if shares is None:
            return ItemCall.CONSENSUS, direction, []
        holds, why = consensus_in_every_group(shares, direction, protocol, noun)
        if holds:
            return ItemCall.CONSENSUS, direction, why
        opposed = opposing_groups(shares, protocol, noun)
        return ItemCall.DIVISIVE, Direction.NONE, [opposed, *why] if opposed else why
    if shares is not None and len(compared(shares)) >= 2:
        opposed = opposing_groups(shares, protocol, noun)
        if opposed is not None:
            return ItemCall.DIVISIVE, Direction.NONE, [opposed]
        if disagreement:
            return (
                ItemCall.SPLIT,
                Direction.NONE,
                [f"the panel disagrees, but no two {noun}s hold opposite views"],
            )
        return ItemCall.NO_AGREEMENT, Direction.NONE, []
    if disagreement:
        return ItemCall.SPLIT, Direction.NONE, [f"no two {noun}s could be compared"]
    scale = protocol.scale
    agree = percent_agreement(scores, scale.agreement_band())
    reject = percent_agreement(scores, scale.disagreement_band())
    if agree >= POLARISED_SHARE - _EPS and reject >= POLARISED_SHARE - _EPS:
        return (
            ItemCall.SPLIT,
            Direction.NONE,
            [
                f"split panel: {pct(agree)} rated {band_label(scale.agreement_band())} and "
                f"{pct(reject)} rated {band_label(scale.disagreement_band())} (a third or more at "
                f"each end; no two {noun}s could be compared)"
            ],
        )
    return ItemCall.NO_AGREEMENT, Direction.NONE, []
