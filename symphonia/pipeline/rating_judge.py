"""Everything the protocol needs to call a round's rated items, gathered once per analysis.

The groups the per-group rules compare are settled here, once: the panel's stakeholder groups,
or (when the protocol pre-registers ``group_basis = "opinion"``) opinion groups formed from
the round's own ratings (:mod:`symphonia.pipeline.opinion_groups`). Items rated only as counts
without voter identity (:class:`~symphonia.core.ratings.RatingTally`) are judged on those
counts, with no group rule, and say so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from symphonia.core.consensus import evaluate_item, evaluate_tally, group_noun
from symphonia.core.fragments import Rating
from symphonia.core.protocol import GroupBasis, Protocol
from symphonia.core.ratings import RatingTally
from symphonia.core.verdicts import ItemVerdict
from symphonia.pipeline.opinion_groups import OpinionGroups, form_opinion_groups


@dataclass(frozen=True, slots=True)
class RatingContext:
    """What the pre-registered rule needs besides the scores themselves."""

    ratings: Sequence[Rating]
    items: Mapping[str, Sequence[str]]
    """Rated item id → the fragment ids it stands for (a fragment rated directly maps to itself)."""
    panel_groups: Mapping[str, str] = field(default_factory=dict)
    """Panellist → stakeholder group."""
    panel_size: int | None = None
    tallies: Sequence[RatingTally] = ()
    """Items rated only as counts, without who rated them."""


@dataclass(frozen=True, slots=True)
class Judge:
    """Calls items by the protocol, with the round's groups settled once."""

    protocol: Protocol
    groups: Mapping[str, str]
    """Rater → the group the per-group rules put them in."""
    all_groups: tuple[str, ...]
    panel_size: int
    by_item: Mapping[str, Sequence[Rating]]
    tallies: Mapping[str, RatingTally]
    opinion_groups: OpinionGroups | None = None
    _made: dict[str, ItemVerdict | None] = field(default_factory=dict)

    def verdict(self, item_id: str) -> ItemVerdict | None:
        """The item's verdict (made once), or None when nobody rated it."""
        if item_id not in self._made:
            self._made[item_id] = self._judge(item_id)
        return self._made[item_id]

    def _judge(self, item_id: str) -> ItemVerdict | None:
        if item_id in self.by_item:
            return evaluate_item(
                item_id,
                self.by_item[item_id],
                self.protocol,
                self.groups,
                self.panel_size,
                self.all_groups,
            )
        if item_id in self.tallies:
            return evaluate_tally(self.tallies[item_id], self.protocol, self.panel_size)
        return None

    def verdicts(self, item_ids: Iterable[str]) -> list[ItemVerdict]:
        """The verdicts of those of ``item_ids`` that were rated, in order."""
        return [v for i in item_ids if (v := self.verdict(i)) is not None]

    def record(self) -> dict[str, Any]:
        """How the groups were settled, for the run record (and so for every report)."""
        out: dict[str, Any] = {
            "basis": self.protocol.group_basis.value,
            "noun": group_noun(self.protocol),
            "groups": list(self.all_groups),
            "counts_without_identity": len(self.tallies),
        }
        if self.opinion_groups is not None:
            out["opinion_groups"] = self.opinion_groups.summary()
        return out


def judge_for(rating: RatingContext, protocol: Protocol) -> Judge:
    """The judge of one round's ratings; forms opinion groups when the protocol says so."""
    by_item: dict[str, list[Rating]] = {}
    for r in rating.ratings:
        by_item.setdefault(r.item, []).append(r)
    tallies = {t.item: t for t in rating.tallies if t.item not in by_item}
    raters = {r.rater for r in rating.ratings}
    panel_size = rating.panel_size or len(raters) or 1
    if protocol.group_basis is GroupBasis.OPINION:
        grouping = protocol.opinion_grouping
        formed = (
            form_opinion_groups(rating.ratings, protocol.scale, grouping)
            if rating.ratings
            else OpinionGroups(
                {},
                0,
                None,
                0,
                0,
                grouping.min_ratings,
                "no ratings with voter identity: counts alone cannot place anyone in a group",
                grouping,
            )
        )
        return Judge(
            protocol,
            formed.members,
            formed.keys,
            panel_size,
            by_item,
            tallies,
            formed,
        )
    groups = dict(rating.panel_groups)
    return Judge(
        protocol, groups, tuple(sorted(set(groups.values()))), panel_size, by_item, tallies
    )
