"""One rater's score of one item on one criterion, or their "cannot judge".

"Cannot judge" is an answer, not a gap: a parent representative asked about the cost of a
data platform may rightly say they cannot judge it, and that is neither a low score nor a
missing one. It is kept as ``score=None`` and counted in the report, and the rater's weighted
score of the item then rests on the criteria they did judge (see :mod:`.weighting`).

The checks that need the study (items, criteria and their scales, the panel) live here so the
file import and the web form refuse the same score with the same words.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from symphonia.core.priorities.definition import Prioritisation
from symphonia.core.text_rules import Problem


@dataclass(frozen=True, slots=True)
class PriorityScore:
    """`score` is on the criterion's scale, or None for "cannot judge"."""

    item: str
    criterion: str
    rater: str
    score: int | None

    @property
    def cannot_judge(self) -> bool:
        return self.score is None


def score_label(s: PriorityScore) -> str:
    """How a message names a score: ``score of 'passport' on 'cost' by 'E03'``."""
    return f"score of {s.item!r} on {s.criterion!r} by {s.rater!r}"


def score_problems(
    s: PriorityScore,
    definition: Prioritisation,
    known_items: Collection[str],
    known_raters: Collection[str] | None = None,
) -> list[Problem]:
    """An unknown item or criterion, a rater not on the panel (when the panel is known), or
    a score off the criterion's scale."""
    found: list[Problem] = []
    if s.item not in known_items:
        found.append(("item", f"unknown item {s.item!r}"))
    criterion = definition.criterion(s.criterion)
    if criterion is None:
        expected = ", ".join(c.id for c in definition.criteria)
        found.append(
            ("criterion", f"unknown criterion {s.criterion!r}; expected one of {expected}")
        )
    elif s.score is not None and not criterion.scale.contains(s.score):
        scale = criterion.scale
        found.append(
            (
                "score",
                f"{s.score} is outside criterion {criterion.id!r}'s scale "
                f"{scale.minimum}–{scale.maximum}",
            )
        )
    if known_raters is not None and s.rater not in known_raters:
        found.append(("rater", f"{s.rater!r} is not on the panel"))
    return found
