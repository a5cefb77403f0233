"""The synthesis: statements in sections, each citing the fragments it came from."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Section(enum.StrEnum):
    CONSENSUS = "consensus"
    CONTESTED = "contested"
    GAP = "gap"
    ACTION = "action"
    MINORITY = "minority"
    """Singular views and minority positions, kept and named rather than averaged away."""


class Strength(enum.StrEnum):
    STRONG = "strong"
    MODERATE = "moderate"
    WEAK = "weak"


@dataclass(frozen=True, slots=True)
class Statement:
    id: str
    theme_id: str | None
    """None only for singular views, which belong to no theme."""
    section: Section
    text: str
    citations: tuple[str, ...]
    strength: Strength = Strength.MODERATE
    origin: str = "extractive"
    guard: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "theme_id": self.theme_id,
            "section": self.section.value,
            "text": self.text,
            "citations": list(self.citations),
            "strength": self.strength.value,
            "origin": self.origin,
            "guard": self.guard,
        }


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """Something the synthesis does not cover, and why (the dissent ledger)."""

    subject: str
    """A theme id, "theme_id:position", or a singular-view fragment id."""
    reason: str


@dataclass(frozen=True, slots=True)
class Synthesis:
    statements: tuple[Statement, ...]
    drafter: str
    ledger: tuple[LedgerEntry, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    """How it was made: drafter, model id, parameters, prompt hashes, fallbacks."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "drafter": self.drafter,
            "statements": [s.as_dict() for s in self.statements],
            "ledger": [{"subject": e.subject, "reason": e.reason} for e in self.ledger],
            "meta": self.meta,
        }
