"""From the calls on a theme's rated items to the theme's status: the rule, and its counts.

**The rule.** The unit the panel judges is the rated item (a statement, or a comment rated
directly as Polis comments are); a theme is a cluster of evidence that items stand for. A
theme's status is the call its rated items *share*: consensus when every one of them is a
consensus (in one direction), contested when every one is divisive or split, a gap when every
one is unsettled (no agreement either way, or too few ratings to judge). When the items of
one theme were called differently, the theme is divided into parts, one per call, each with
the evidence of its own items; every part's reasons give the whole theme's count, "21 rated
items: 5 consensus, 12 divisive, 4 no agreement", so nothing about the topic is hidden.

**Why not a share threshold.** Calling a mixed theme by its majority would put the minority's
items under a status the panel did not give them: the divisive comments of a mostly-agreed
topic in the consensus section, or the agreed ones of a contested topic among the disputes.
On the Polis conversations in ../shared/data, themes of 5 to 33 comments hold consensus,
divisive and unsettled comments side by side (biodiversity: a 29-comment theme with 10, 7
and 12); even a lenient "plurality is consensus" rule would leave a third of the comments
with broad agreement in every opinion group outside consensus themes. Splitting keeps the
theme's topic and puts each item under its own call; the threshold is then 100 %, stated.

A fragment behind items of different calls goes with the divisive side first (disagreement
is data and must not be hidden inside a consensus), then rejection, then endorsement; a
fragment no item stands for stays with the part holding the most items. An item whose
evidence all went to another part is reported in that part, with its own call.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from symphonia.core.themes import ThemeStatus
from symphonia.core.verdicts import Direction, ItemCall, ItemVerdict


class Part(enum.StrEnum):
    """The calls a theme is divided by, in the order a shared fragment is placed."""

    DIVIDED = "divided"
    REJECTED = "rejected"
    AGREED = "agreed"
    UNSETTLED = "unsettled"

    @property
    def status(self) -> ThemeStatus:
        return {
            Part.DIVIDED: ThemeStatus.CONTESTED,
            Part.REJECTED: ThemeStatus.CONSENSUS,
            Part.AGREED: ThemeStatus.CONSENSUS,
            Part.UNSETTLED: ThemeStatus.GAP,
        }[self]


def part_of(verdict: ItemVerdict) -> Part:
    if verdict.call is ItemCall.CONSENSUS:
        return Part.REJECTED if verdict.direction is Direction.DISAGREE else Part.AGREED
    if verdict.call in (ItemCall.DIVISIVE, ItemCall.SPLIT):
        return Part.DIVIDED
    return Part.UNSETTLED


_CALL_WORDS = (
    (ItemCall.CONSENSUS, "consensus"),
    (ItemCall.DIVISIVE, "divisive"),
    (ItemCall.SPLIT, "split"),
    (ItemCall.NO_AGREEMENT, "no agreement"),
    (ItemCall.TOO_FEW, "too few ratings"),
)


@dataclass(frozen=True, slots=True)
class ItemCounts:
    """How many of a set of rated items got each call; every item is counted exactly once."""

    items: int
    by_call: dict[str, int]
    rejected: int
    """Of the consensus items, those the panel rejected (consensus in disagreement)."""

    def sentence(self) -> str:
        """E.g. "21 rated items: 5 consensus, 12 divisive, 4 no agreement"."""
        parts = []
        for call, word in _CALL_WORDS:
            n = self.by_call.get(call.value, 0)
            if not n:
                continue
            if call is ItemCall.CONSENSUS and self.rejected:
                word = f"consensus ({self.rejected} rejecting)"
            parts.append(f"{n} {word}")
        noun = "rated item" if self.items == 1 else "rated items"
        return f"{self.items} {noun}: {', '.join(parts)}"

    def as_dict(self) -> dict[str, int]:
        return {
            "items": self.items,
            **{call.value: self.by_call.get(call.value, 0) for call, _ in _CALL_WORDS},
            "rejected": self.rejected,
        }


def count_calls(verdicts: Iterable[ItemVerdict]) -> ItemCounts:
    listed = list(verdicts)
    calls = Counter(v.call.value for v in listed)
    rejected = sum(
        1 for v in listed if v.call is ItemCall.CONSENSUS and v.direction is Direction.DISAGREE
    )
    return ItemCounts(len(listed), dict(calls), rejected)


def parts_of(verdicts: Sequence[ItemVerdict]) -> dict[Part, list[ItemVerdict]]:
    """The theme's items by part, parts in :class:`Part` order, items in their given order."""
    out: dict[Part, list[ItemVerdict]] = {}
    for part in Part:
        members = [v for v in verdicts if part_of(v) is part]
        if members:
            out[part] = members
    return out


@dataclass(frozen=True, slots=True)
class ThemePart:
    """One part of a rated theme: its call, its items and its evidence."""

    part: Part
    verdicts: tuple[ItemVerdict, ...]
    fragment_ids: tuple[str, ...]


def partition(
    fragment_ids: Sequence[str],
    verdicts: Sequence[ItemVerdict],
    item_fragments: Mapping[str, Sequence[str]],
) -> list[ThemePart]:
    """A rated theme divided by its items' calls (see the module docstring).

    Every fragment of the theme lands in exactly one part and every verdict in exactly one
    part; a theme whose items share one call comes back whole, as a single part.
    """
    parts = parts_of(verdicts)
    if not parts:
        return []
    members = set(fragment_ids)
    owner: dict[str, Part] = {}
    for part in Part:  # the precedence order: divided first
        for verdict in parts.get(part, []):
            for fid in item_fragments.get(verdict.item_id, ()):
                if fid in members:
                    owner.setdefault(fid, part)
    largest = max(parts, key=lambda p: (len(parts[p]), -list(Part).index(p)))
    evidence: dict[Part, list[str]] = {part: [] for part in parts}
    for fid in fragment_ids:
        evidence[owner.get(fid, largest)].append(fid)
    kept = [part for part in parts if evidence[part]]
    items: dict[Part, list[ItemVerdict]] = {part: [] for part in parts}
    for part, listed in parts.items():
        for verdict in listed:
            home = part
            if not evidence[part]:
                mine = [f for f in item_fragments.get(verdict.item_id, ()) if f in owner]
                home = owner[mine[0]] if mine else kept[0]
            items[home].append(verdict)
    return [
        ThemePart(part, tuple(items[part]), tuple(evidence[part]))
        for part in Part
        if part in parts and evidence[part]
    ]
