"""The checks of ratings and rating items that need the study: the scale, the items, the panel
and the evidence. `analyze` runs them on files and `ratings import` on a round, with the same
words, so a rating refused in one place is refused alike in the other.

Each check returns ``(field, reason)`` pairs for one record; the caller says where the record
is (a file's line, a service's source) and names it with :func:`rating_label` or
:func:`item_label`. Pure functions: no database, web or file access.
"""

from __future__ import annotations

from collections.abc import Collection

from symphonia.core.fragments import Rating
from symphonia.core.protocol import RatingScale
from symphonia.core.study import RatingItem
from symphonia.core.text_rules import Problem


def rating_label(r: Rating) -> str:
    """How a message names a rating: ``rating of 's1' by 'E02'`` (quoted, so a control
    character in a name is shown escaped rather than sent to the terminal)."""
    return f"rating of {r.item!r} by {r.rater!r}"


def item_label(item: RatingItem) -> str:
    """How a message names a rating item: ``item 's1'``."""
    return f"item {item.id!r}"


def score_problem(score: int, scale: RatingScale) -> str | None:
    """Why `score` is not on `scale`, or None when it is."""
    if scale.contains(score):
        return None
    return f"{score} is outside the scale {scale.minimum}–{scale.maximum}"


def rating_problems(
    r: Rating,
    scale: RatingScale,
    known_items: Collection[str],
    known_raters: Collection[str] | None = None,
) -> list[Problem]:
    """A rating of an unknown item, by someone not on the panel (when the panel is known), or
    with a score off the scale."""
    found: list[Problem] = []
    if r.item not in known_items:
        found.append(("item", f"unknown item {r.item!r}"))
    if known_raters is not None and r.rater not in known_raters:
        found.append(("rater", f"{r.rater!r} is not on the panel"))
    if (reason := score_problem(r.score, scale)) is not None:
        found.append(("score", reason))
    return found


def citation_problems(
    item: RatingItem, fragment_ids: Collection[str], evidence: str = ""
) -> list[Problem]:
    """Every fragment an item cites must exist, or its provenance is broken; `evidence` names
    where the fragments came from (a file, "the evidence round"), for the message."""
    absent = f", which is not in {evidence}" if evidence else ""
    return [
        ("fragment_ids", f"cites unknown fragment {fid!r}{absent}")
        for fid in item.fragment_ids
        if fid not in fragment_ids
    ]
