"""Themes: what the pipeline finds in a round, and how each is called."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class ThemeStatus(enum.StrEnum):
    CONSENSUS = "consensus"
    CONTESTED = "contested"
    GAP = "gap"


@dataclass(frozen=True, slots=True)
class ThemeStats:
    """Content and (once rated) rating statistics behind a theme's status call."""

    size: int
    contributors: int
    groups: tuple[str, ...]
    kind_mix: dict[str, int]
    stance_for: int
    stance_against: int
    mean_confidence: float
    ratings: dict[str, Any] | None = None
    """Delphi statistics of the theme's rated items, when ratings exist (see core.stats)."""

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "size": self.size,
            "contributors": self.contributors,
            "groups": list(self.groups),
            "kind_mix": dict(self.kind_mix),
            "stance_for": self.stance_for,
            "stance_against": self.stance_against,
            "mean_confidence": round(self.mean_confidence, 3),
        }
        if self.ratings is not None:
            data["ratings"] = self.ratings
        return data


@dataclass(frozen=True, slots=True)
class Theme:
    """A cluster of fragments with its description and classification."""

    id: str
    label: str
    keywords: tuple[str, ...]
    fragment_ids: tuple[str, ...]
    representative_ids: tuple[str, ...]
    status: ThemeStatus
    stats: ThemeStats
    reasons: tuple[str, ...] = field(default_factory=tuple)
    """Why the status was called: human-readable, shown to editors."""
    positions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """For a contested theme: each side's fragment ids (e.g. "for", "against", "concerns")."""
    minority: str | None = None
    """Set when the theme is a minority view (one stakeholder group, or few contributors with
    high confidence): a sentence naming who holds it, which the synthesis must carry."""
