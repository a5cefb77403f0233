"""Rated input, checked against the study's scale, and the wording of figures in reasons.

Both the consensus call and the stopping rule read ratings the same way and quote figures the
same way, so a reason that says "77.8% rated 7–9" in one place says it identically in another.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from symphonia.core.fragments import InvalidInput, Rating
from symphonia.core.protocol import RatingScale


def pct(share: float) -> str:
    """A share as a percentage for reasons: whole when exact, else one decimal (77.8%)."""
    value = share * 100
    if abs(value - round(value)) < 0.05:
        return f"{round(value)}%"
    return f"{value:.1f}%"


def num(value: float) -> str:
    """A statistic for reasons: 1.0, 2.5, 1.25 (quartiles of integer scores are quarter steps)."""
    text = f"{value:.2f}"
    return text[:-1] if text.endswith("0") else text


def band_label(band: tuple[int, int]) -> str:
    low, high = band
    return str(low) if low == high else f"{low}–{high}"


def validated_scores(item_id: str, ratings: Iterable[Rating], scale: RatingScale) -> dict[str, int]:
    """One score per rater for ``item_id``, refusing anything the statistics would misread.

    Raises InvalidInput naming the item and the rater for a score outside the scale, a rating
    of another item, or a second rating by the same rater (which would count them twice).
    """
    scores: dict[str, int] = {}
    for rating in ratings:
        where = f"rating of item {rating.item!r} by {rating.rater!r}"
        if rating.item != item_id:
            raise InvalidInput(where, f"was passed with the ratings of item {item_id!r}")
        score = rating.score
        if isinstance(score, bool) or not isinstance(score, int | float):
            raise InvalidInput(where, f"score {score!r} is not a number")
        if not scale.contains(score):
            raise InvalidInput(
                where,
                f"score {score} is outside the scale {scale.minimum}–{scale.maximum} "
                "(whole numbers only)",
            )
        if rating.rater in scores:
            raise InvalidInput(where, "the rater rated this item more than once")
        scores[rating.rater] = int(score)
    return scores


def ratings_by_item(ratings: Iterable[Rating], scale: RatingScale) -> dict[str, dict[str, int]]:
    """Group a round's ratings into ``{item: {rater: score}}``, validating every rating."""
    grouped: dict[str, list[Rating]] = {}
    for rating in ratings:
        grouped.setdefault(rating.item, []).append(rating)
    return {item: validated_scores(item, rs, scale) for item, rs in sorted(grouped.items())}


@dataclass(frozen=True, slots=True)
class RatingTally:
    """How many ratings an item received at each score, without who gave them.

    Some sources publish only counts: a Polis export's comments.csv carries `agrees` and
    `disagrees` per comment. A tally is evidence of how an item was rated, never of who rated
    it, so no rater is invented for it and no per-group rule can be applied to it; every
    verdict made from one says so, and says which ratings the source did not record.
    """

    item: str
    counts: tuple[tuple[int, int], ...]
    """(score, number of ratings at that score) pairs."""
    unrecorded: str | None = None
    """What the source left out, said in every verdict (e.g. "passes")."""

    def __post_init__(self) -> None:
        if not self.item.strip():
            raise InvalidInput("item", "must be a non-empty string")
        for score, count in self.counts:
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise InvalidInput(
                    f"tally of item {self.item!r}", f"count {count!r} is not a whole number ≥ 0"
                )
            if isinstance(score, bool) or not isinstance(score, int):
                raise InvalidInput(f"tally of item {self.item!r}", f"score {score!r} is not whole")

    @property
    def n(self) -> int:
        return sum(count for _, count in self.counts)

    def scores(self, scale: RatingScale) -> list[int]:
        """The tallied scores as a list (for the statistics), checked against ``scale``."""
        out: list[int] = []
        for score, count in sorted(self.counts):
            if not scale.contains(score):
                raise InvalidInput(
                    f"tally of item {self.item!r}",
                    f"score {score} is outside the scale {scale.minimum}–{scale.maximum}",
                )
            out.extend([score] * count)
        return out
