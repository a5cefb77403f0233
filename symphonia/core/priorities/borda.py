"""The Borda count: a cross-check on the Schulze ranking from the same ballots.

Each rater gives an item one point for every item they scored below it and half a point for
every other item they scored the same (the usual treatment of ties, which keeps each pair
worth exactly one point). On a complete ballot without ties that is the textbook count: the
first of n items gets n − 1 points, the last 0. An item a rater could not judge gets no points
from that rater, and the items they did judge are counted among themselves only, so a
"cannot judge" neither helps nor harms an item.

Borda and Schulze answer slightly different questions (Borda rewards being broadly liked,
Schulze winning head to head), so where they disagree near the top the report says so
rather than picking one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from symphonia.core.priorities.ranking import competition_ranks


def borda_points(
    ballots: Sequence[Mapping[str, float]], candidates: Sequence[str]
) -> dict[str, float]:
    """Borda points per candidate (see the module docstring)."""
    points = dict.fromkeys(candidates, 0.0)
    for ballot in ballots:
        judged = [c for c in candidates if c in ballot]
        for a in judged:
            below = sum(1 for b in judged if ballot[b] < ballot[a])
            tied = sum(1 for b in judged if b != a and ballot[b] == ballot[a])
            points[a] += below + 0.5 * tied
    return points


def borda_ranks(points: Mapping[str, float]) -> dict[str, int]:
    """Competition ranks by points (most points first)."""
    return {k: r for k, r in competition_ranks(points).items() if r is not None}
