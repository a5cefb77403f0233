"""Split themes that string several points together (the split half of `positions.py`).

A theme whose members are on average not much alike (mean pairwise cosine below a floor)
is cut in two by spherical 2-means, again and again while both halves keep `min_size`
fragments. Cutting is deliberately eager: 2-means cuts any loose group, including one point
phrased in many ways, so `positions.settle_positions` joins again, afterwards, the pieces
that still make one point. Splitting first and joining after finds the small positions a
large theme hid (on ArgKP: "austerity improves the economic measures" inside "austerity is
necessary to reduce the deficit") without leaving a large position in pieces.

Deterministic: the 2-means starts from the group's least typical member and the member
least like that one; ties go to the first half.
"""

from __future__ import annotations

import numpy as np

from symphonia.pipeline.position_space import SINGULAR, Labels, PositionSpace, compact


def bisect(space: PositionSpace, max_rounds: int = 10) -> Labels:
    """Split a group in two by spherical 2-means, started from its least typical member and
    the member least like that one (deterministic, O(n) a round)."""
    whole = space.similarity_to_centres(np.zeros(space.size, dtype=np.int64), 1)[:, 0]
    first = int(np.argmin(whole))
    to_first = space.similarity_to(first)
    to_second = space.similarity_to(int(np.argmin(to_first)))
    labels = np.where(to_first >= to_second, 0, 1).astype(np.int64)
    for _ in range(max_rounds):
        if np.unique(labels).size < 2:
            break
        moved = np.argmax(space.similarity_to_centres(labels, 2), axis=1).astype(np.int64)
        if np.array_equal(moved, labels):
            break
        labels = moved
    return labels


def split_loose_groups(space: PositionSpace, labels: Labels, floor: float, min_size: int) -> Labels:
    """Split, again and again, any group whose members are on average less alike than
    `floor` (mean pairwise cosine), while both halves keep `min_size` fragments: a theme that
    strings several points together is shown as the points."""
    labels = compact(labels)
    queue = sorted(set(labels.tolist()) - {SINGULAR})
    next_label = len(queue)
    while queue:
        group = queue.pop(0)
        idx = np.flatnonzero(labels == group)
        if idx.size < 2 * min_size:
            continue
        part = space.rows(idx)
        if part.cohesion() >= floor:
            continue
        halves = bisect(part)
        if np.bincount(halves, minlength=2).min() < min_size:
            continue
        labels[idx[halves == 1]] = next_label
        queue += [group, next_label]
        next_label += 1
    return compact(labels)
