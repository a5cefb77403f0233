"""How each group rated one item, and what the groups' views say about it together.

A Delphi consensus must hold in every group, not only in the pooled panel; and an item is
*divisive* only when groups differ: one group holds agreement while another holds rejection
(or the panel's agreement is not shared by some group). Both rules read a group's view the
same way, with the protocol's ``min_group_agreement`` (a group *holds* a view when at least
that share of its raters rated at that end of the scale).

Only groups with at least :data:`MIN_GROUP_RATERS` raters of the item are compared: one
rater is a person, not a group's view. Raters with no group are counted in the panel's figures
but in no group's.

Polis's *group-informed consensus* is reported beside the call: the product over groups of
(agree + 1) / (seen + 2), the chance each group agrees with a +1 / +2 prior (Small et al.
2021, "Polis: Scaling deliberation by mapping high dimensional opinion spaces"). It is high
only when every group agrees, and is shrunk towards 1/2 per group for items few people saw.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from symphonia.core.protocol import Protocol, RatingScale
from symphonia.core.ratings import band_label, pct
from symphonia.core.verdicts import Direction

MIN_GROUP_RATERS = 2
"""Groups with fewer raters of an item are not compared (and say so in the reasons)."""

_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class GroupShares:
    """One group's ratings of one item: how many, and the shares at each end of the scale."""

    n: int
    agree: int
    disagree: int

    @property
    def agree_share(self) -> float:
        return self.agree / self.n if self.n else 0.0

    @property
    def disagree_share(self) -> float:
        return self.disagree / self.n if self.n else 0.0

    def holds(self, threshold: float) -> Direction:
        """The view this group holds: AGREE or DISAGREE when at least ``threshold`` of it
        rated at that end and fewer at the other; NONE when neither, or both (a tie)."""
        agree = self.agree_share >= threshold - _EPS
        disagree = self.disagree_share >= threshold - _EPS
        if agree and not disagree:
            return Direction.AGREE
        if disagree and not agree:
            return Direction.DISAGREE
        return Direction.NONE

    def as_dict(self) -> dict[str, float | int]:
        return {
            "n": self.n,
            "percent_agreement": round(self.agree_share, 4),
            "percent_disagreement": round(self.disagree_share, 4),
        }


def group_shares(
    scores_by_group: Mapping[str, Sequence[int]], scale: RatingScale
) -> dict[str, GroupShares]:
    """Each group's count of ratings and of ratings in the agreement / disagreement bands."""
    (alo, ahi), (dlo, dhi) = scale.agreement_band(), scale.disagreement_band()
    return {
        group: GroupShares(
            n=len(scores),
            agree=sum(1 for s in scores if alo <= s <= ahi),
            disagree=sum(1 for s in scores if dlo <= s <= dhi),
        )
        for group, scores in sorted(scores_by_group.items())
    }


def group_informed_consensus(
    shares: Mapping[str, GroupShares], groups: Collection[str]
) -> dict[str, float]:
    """Polis's group-informed consensus for agreement and for rejection, over ``groups``
    (every group of the panel: a group that did not rate the item contributes 1/2)."""
    agree = disagree = 1.0
    for group in sorted(set(groups) | set(shares)):
        g = shares.get(group, GroupShares(0, 0, 0))
        agree *= (g.agree + 1) / (g.n + 2)
        disagree *= (g.disagree + 1) / (g.n + 2)
    return {"agree": round(agree, 4), "disagree": round(disagree, 4)}


def compared(shares: Mapping[str, GroupShares]) -> dict[str, GroupShares]:
    """The groups with enough raters of the item to be compared."""
    return {g: s for g, s in shares.items() if s.n >= MIN_GROUP_RATERS}


def uncompared_note(shares: Mapping[str, GroupShares], noun: str) -> list[str]:
    singles = sorted(g for g, s in shares.items() if s.n < MIN_GROUP_RATERS)
    if not singles:
        return []
    return [f"{noun}(s) {', '.join(singles)} had a single rater and were not checked separately"]


def consensus_in_every_group(
    shares: Mapping[str, GroupShares], direction: Direction, protocol: Protocol, noun: str
) -> tuple[bool, list[str]]:
    """Does the panel's consensus in ``direction`` hold in every compared group?

    Each compared group must put at least ``min_group_agreement`` of its ratings in the
    consensus band; fewer than two compared groups leave nothing to compare, which is said.
    """
    checked = compared(shares)
    notes = uncompared_note(shares, noun)
    if len(shares) < 2:
        if len(shares) == 1:
            (only,) = shares
            return True, [f"all grouped ratings came from one {noun} ({only!r})"]
        return True, []
    if not checked:
        return True, [f"no {noun} had 2 or more raters; group agreement not checked", *notes]
    band = (
        protocol.scale.agreement_band()
        if direction is Direction.AGREE
        else protocol.scale.disagreement_band()
    )
    minimum = protocol.min_group_agreement

    def share(g: GroupShares) -> float:
        return g.agree_share if direction is Direction.AGREE else g.disagree_share

    failing = [name for name, g in checked.items() if share(g) < minimum - _EPS]
    if failing:
        detail = "; ".join(
            f"{name!r}: {pct(share(checked[name]))} rated {band_label(band)} "
            f"(minimum {pct(minimum)})"
            for name in failing
        )
        held = len(checked) - len(failing)
        return False, [f"holds in only {held} of {len(checked)} {noun}s ({detail})", *notes]
    return True, [
        f"holds in all {len(checked)} {noun}s (each ≥ {pct(minimum)} rated {band_label(band)})",
        *notes,
    ]


def opposing_groups(shares: Mapping[str, GroupShares], protocol: Protocol, noun: str) -> str | None:
    """The reason an item is divisive because groups hold opposite views, else None.

    A compared group holds agreement when at least ``min_group_agreement`` of it rated in the
    agreement band (and less in the disagreement band); rejection likewise. One group holding
    each is a split *between* groups, which is what divisive means.
    """
    threshold = protocol.min_group_agreement
    checked = compared(shares)
    agreeing = [g for g, s in checked.items() if s.holds(threshold) is Direction.AGREE]
    rejecting = [g for g, s in checked.items() if s.holds(threshold) is Direction.DISAGREE]
    if not agreeing or not rejecting:
        return None
    scale = protocol.scale
    ab, db = band_label(scale.agreement_band()), band_label(scale.disagreement_band())

    def who(names: list[str], band: str, agree: bool) -> str:
        return ", ".join(
            f"{n!r} {pct(checked[n].agree_share if agree else checked[n].disagree_share)} "
            f"rated {band}"
            for n in names
        )

    return (
        f"{noun}s hold opposite views: {who(agreeing, ab, True)}; "
        f"{who(rejecting, db, False)} (a view is held at ≥ {pct(threshold)})"
    )
