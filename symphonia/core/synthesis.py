"""The synthesis: statements in sections, each citing the fragments it came from."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MODEL_ORIGIN = "llm"
"""A statement the language model wrote."""
FALLBACK_ORIGIN = "extractive-fallback"
"""The extractive draft of a theme whose model call failed or whose reply was unusable."""
RESTORED_ORIGIN = "extractive-restored"
"""An extractive statement put back for a side or theme the model's reply left out."""


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


@dataclass(frozen=True, slots=True)
class DraftingSummary:
    """What a model-drafted synthesis owes to the model, and what fell back to the extractive
    draft: a reader must not take an extractive text, or a half-extractive one, for the
    model's. Computed from the statements' origins when the LLM drafter assembles a draft, kept
    in the drafter's record (``meta["drafting"]``) and shown wherever the draft is."""

    statements: int
    by_model: int
    fallen_back: int
    restored: int
    quoted: int
    """Statements quoted from contributors without a model call (singular views)."""
    themes: int
    themes_fallen_back: int
    reasons: tuple[str, ...] = ()
    """The distinct reasons themes fell back, first seen first."""

    @classmethod
    def of(
        cls, statements: Sequence[Statement], themes: int, fallbacks: Sequence[Mapping[str, Any]]
    ) -> DraftingSummary:
        origins = [s.origin for s in statements]
        reasons = tuple(dict.fromkeys(str(f.get("reason")) for f in fallbacks))
        return cls(
            statements=len(origins),
            by_model=origins.count(MODEL_ORIGIN),
            fallen_back=origins.count(FALLBACK_ORIGIN),
            restored=origins.count(RESTORED_ORIGIN),
            quoted=sum(
                1 for o in origins if o not in (MODEL_ORIGIN, FALLBACK_ORIGIN, RESTORED_ORIGIN)
            ),
            themes=themes,
            themes_fallen_back=len(fallbacks),
            reasons=reasons,
        )

    @classmethod
    def from_dict(cls, data: object) -> DraftingSummary | None:
        """The summary a drafter recorded, or None (an extractive draft records none)."""
        if not isinstance(data, Mapping):
            return None
        try:
            return cls(**{k: int(data[k]) for k in _COUNTS}, reasons=tuple(data.get("reasons", ())))
        except (KeyError, TypeError, ValueError):
            return None

    def as_dict(self) -> dict[str, Any]:
        return {**{k: getattr(self, k) for k in _COUNTS}, "reasons": list(self.reasons)}

    @property
    def nothing_by_model(self) -> bool:
        """There were themes to draft, and the model drafted none of them."""
        return self.themes > 0 and self.by_model == 0

    @property
    def complete(self) -> bool:
        """Every theme was drafted by the model (nothing fell back)."""
        return self.themes_fallen_back == 0

    def describe(self) -> str:
        """One sentence for a console or a report (no trailing full stop)."""
        text = f"the language model drafted {self.by_model} of {self.statements} statements"
        if self.themes_fallen_back:
            why = self.reasons[0] if self.reasons else "unknown reason"
            more = (
                f" (and {len(self.reasons) - 1} other reason(s))" if len(self.reasons) > 1 else ""
            )
            text += (
                f"; {self.fallen_back} fell back to the extractive draft, for "
                f"{self.themes_fallen_back} of {self.themes} themes: {why}{more}"
            )
        if self.restored:
            text += (
                f"; {self.restored} restored from the extractive draft where the reply "
                "left a side out"
            )
        if self.quoted:
            text += f"; {self.quoted} singular views quoted as written"
        return text


_COUNTS = (
    "statements",
    "by_model",
    "fallen_back",
    "restored",
    "quoted",
    "themes",
    "themes_fallen_back",
)
