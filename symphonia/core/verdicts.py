"""What the protocol says about one rated item: the values every later stage reads.

Kept apart from the rules that produce them (:mod:`symphonia.core.consensus`) so that the
group rules (:mod:`symphonia.core.group_views`) and the theme rule
(:mod:`symphonia.core.theme_verdicts`) can speak of them without importing each other.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class Direction(enum.StrEnum):
    """Which way a consensus goes; NONE whenever there is no consensus."""

    AGREE = "agree"
    DISAGREE = "disagree"
    NONE = "none"


class ItemCall(enum.StrEnum):
    """The one call made on each rated item.

    CONSENSUS: the pre-registered rule is met, in every group (direction says which way).
    DIVISIVE: groups differ: one holds agreement while another holds rejection, or the
    panel's consensus is not shared by some group.
    SPLIT: the panel is split, but not between groups: the RAND/UCLA disagreement rule
    (when pre-registered), or, when no two groups can be compared, a third or more of the
    ratings at each end (the RAND/UCLA definition of disagreement for a panel of nine).
    NO_AGREEMENT: rated by enough people, but no consensus and no split either way.
    TOO_FEW: too few ratings (or too low a participation) to make any of the calls above.
    """

    CONSENSUS = "consensus"
    DIVISIVE = "divisive"
    SPLIT = "split"
    NO_AGREEMENT = "no_agreement"
    TOO_FEW = "too_few"


@dataclass(frozen=True, slots=True)
class ItemVerdict:
    """The protocol's call on one rated item, with the reasons behind it."""

    item_id: str
    consensus: bool
    direction: Direction
    reasons: tuple[str, ...]
    stats: dict[str, Any]
    """:func:`symphonia.core.stats.item_statistics` plus per-group shares under "groups"
    and Polis's group-informed consensus under "group_consensus"."""
    participation: float
    """Share of those the item was put to who rated it (see ``Protocol.participation_base``)."""
    participation_ok: bool
    call: ItemCall = ItemCall.NO_AGREEMENT
    raters: tuple[str, ...] = ()
    """Who rated it (empty for counts without voter identity)."""
    headline: str = ""
    """The one reason that decided the call (also among ``reasons``)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "call": self.call.value,
            "headline": self.headline,
            "consensus": self.consensus,
            "direction": self.direction.value,
            "reasons": list(self.reasons),
            "stats": self.stats,
            "participation": round(self.participation, 4),
            "participation_ok": self.participation_ok,
        }
