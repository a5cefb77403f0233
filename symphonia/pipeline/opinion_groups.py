"""Opinion groups formed from the rating matrix, the way Polis forms them.

A panel with no declared stakeholder groups (a Polis conversation) still has groups that
matter for a consensus: people who vote alike. Following Polis (Small et al. 2021; the
compdemocracy/polis math and its Python reimplementation red-dwarf were read, not copied):

1. The participant × item matrix of ratings, each rating mapped onto [-1, 1] (on Polis's
   scale: disagree -1, pass 0, agree +1); an item a participant did not rate is missing.
2. Only participants who rated at least ``min_ratings`` items (or every item, when there are
   fewer) are placed; the others stay ungrouped: counted in every figure of the panel, in no
   group's. Polis's threshold is 7.
3. Missing ratings are filled with the item's mean; PCA to two components.
4. Each participant's projection is scaled by sqrt(items / items they rated): mean filling
   pulls sparse voters towards the centre, and this pushes them back out (Polis's
   "sparsity-aware" projection).
5. k-means in that plane for k = 2 … min(max_groups, 2 + placed // 12) (Polis's cap, which
   keeps small panels from being cut into many tiny groups), keeping the k with the best
   silhouette. Polis clusters ~100 base clusters rather than the participants themselves; at
   the sizes Symphonia sees, clustering participants directly is the simpler equivalent.

Deterministic: rows are put in a canonical order taken from the ratings themselves (then the
participant id), and k-means is seeded, so the same ratings give the same groups whatever
order they arrive in and whatever the participants are called. Groups are numbered by size,
largest first: ``opinion-group-1``, ``opinion-group-2``, …

Provenance: the groups are computed at analysis time from the very ratings being judged,
and the run record keeps the method, its parameters, k, the silhouette and every
participant's group. They are never stored as the study's stakeholder groups: those say who
people *are*, and are declared before anyone rates; these say how people *voted*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from symphonia.core.fragments import Rating
from symphonia.core.protocol import OpinionGrouping, RatingScale

GROUP_PREFIX = "opinion-group-"
MIN_PLACED = 4
"""Fewer placed participants than this form no groups (two groups of two at the least)."""
SILHOUETTE_SAMPLE = 3000
"""Above this many placed participants the silhouette is computed on a seeded sample: its
cost grows with the square of the panel."""


@dataclass(frozen=True, slots=True)
class OpinionGroups:
    """Who is in which opinion group, and how the groups were formed."""

    members: dict[str, str]
    """Participant → group key; participants not placed are absent."""
    k: int
    silhouette: float | None
    participants: int
    placed: int
    threshold: int
    """Ratings a participant needed to be placed."""
    note: str = ""
    """Why no groups were formed, when none were."""
    grouping: OpinionGrouping = field(default_factory=OpinionGrouping)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f"{GROUP_PREFIX}{i}" for i in range(1, self.k + 1))

    def sizes(self) -> dict[str, int]:
        counts = dict.fromkeys(self.keys, 0)
        for group in self.members.values():
            counts[group] += 1
        return counts

    def summary(self) -> dict[str, Any]:
        """The run record's account of the groups: method, parameters, outcome, members."""
        return {
            "method": "PCA (2 components, mean-filled, sparsity-scaled) + k-means by silhouette",
            "min_ratings": self.grouping.min_ratings,
            "max_groups": self.grouping.max_groups,
            "seed": self.grouping.seed,
            "threshold": self.threshold,
            "participants": self.participants,
            "placed": self.placed,
            "unplaced": self.participants - self.placed,
            "k": self.k,
            "silhouette": None if self.silhouette is None else round(self.silhouette, 4),
            "sizes": self.sizes(),
            "note": self.note,
            "members": dict(sorted(self.members.items())),
        }


def _matrix(
    ratings: Sequence[Rating], scale: RatingScale
) -> tuple[list[str], npt.NDArray[np.float64]]:
    """Participants (sorted) and their rating rows on [-1, 1], NaN where missing."""
    items = sorted({r.item for r in ratings})
    raters = sorted({r.rater for r in ratings})
    col = {item: j for j, item in enumerate(items)}
    row = {rater: i for i, rater in enumerate(raters)}
    middle = (scale.minimum + scale.maximum) / 2
    half = (scale.maximum - scale.minimum) / 2
    matrix = np.full((len(raters), len(items)), np.nan)
    for r in ratings:
        matrix[row[r.rater], col[r.item]] = (r.score - middle) / half
    return raters, matrix


def _canonical_order(matrix: npt.NDArray[np.float64], names: Sequence[str]) -> list[int]:
    """Rows sorted by their ratings (missing first), then name: an order that depends on
    what was rated, not on the order the ratings came in or on what the raters are called."""
    filled = np.where(np.isnan(matrix), -2.0, matrix)
    return sorted(range(len(names)), key=lambda i: (tuple(filled[i]), names[i]))


def _projection(matrix: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    from sklearn.decomposition import PCA

    voted = ~np.isnan(matrix)
    counts = voted.sum(axis=0)
    sums = np.where(voted, matrix, 0.0).sum(axis=0)
    means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    filled = np.where(voted, matrix, means)
    if not np.any(filled.var(axis=0) > 1e-12):
        return np.zeros((filled.shape[0], 1))  # everyone rated alike: one point
    components = min(2, filled.shape[1], filled.shape[0])
    projected: npt.NDArray[np.float64] = PCA(n_components=components).fit_transform(filled)
    scale = np.sqrt(matrix.shape[1] / np.maximum(voted.sum(axis=1), 1))
    scaled: npt.NDArray[np.float64] = projected * scale[:, None]
    return scaled


def _best_kmeans(
    points: npt.NDArray[np.float64], max_k: int, seed: int
) -> tuple[int, float, npt.NDArray[np.int64]] | None:
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    distinct = len(np.unique(np.round(points, 9), axis=0))
    best: tuple[int, float, npt.NDArray[np.int64]] | None = None
    sample = SILHOUETTE_SAMPLE if len(points) > SILHOUETTE_SAMPLE else None
    for k in range(2, min(max_k, distinct) + 1):
        labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(points)
        if len(set(labels.tolist())) < 2:
            continue
        score = float(silhouette_score(points, labels, sample_size=sample, random_state=seed))
        if best is None or score > best[1] + 1e-12:
            best = (k, score, labels)
    return best


def form_opinion_groups(
    ratings: Sequence[Rating], scale: RatingScale, grouping: OpinionGrouping = OpinionGrouping()
) -> OpinionGroups:
    """Opinion groups of the participants behind ``ratings`` (see the module docstring).

    The linear algebra runs on one thread: the matrices are small, and on a shared machine
    a thread pool costs several times the work it spreads (0.5 s against 0.09 s measured).
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return _form(ratings, scale, grouping)


def _form(
    ratings: Sequence[Rating], scale: RatingScale, grouping: OpinionGrouping
) -> OpinionGroups:
    raters, matrix = _matrix(ratings, scale)
    n_items = matrix.shape[1]
    threshold = min(grouping.min_ratings, n_items) if n_items else grouping.min_ratings
    counts = (~np.isnan(matrix)).sum(axis=1)
    placed = [i for i in range(len(raters)) if counts[i] >= threshold]

    def none(note: str) -> OpinionGroups:
        return OpinionGroups({}, 0, None, len(raters), len(placed), threshold, note, grouping)

    if len(placed) < MIN_PLACED:
        return none(
            f"only {len(placed)} participant(s) rated {threshold} or more items; "
            f"at least {MIN_PLACED} are needed to form groups"
        )
    names = [raters[i] for i in placed]
    sub = matrix[placed]
    order = _canonical_order(sub, names)
    names, sub = [names[i] for i in order], sub[order]
    points = _projection(sub)
    max_k = min(grouping.max_groups, 2 + len(names) // 12)
    best = _best_kmeans(points, max_k, grouping.seed)
    if best is None:
        return none("the placed participants all rated alike: there is nothing to separate")
    k, silhouette, labels = best
    sizes = np.bincount(labels, minlength=k)
    first = {label: int(np.argmax(labels == label)) for label in range(k)}
    ranked = sorted(range(k), key=lambda label: (-sizes[label], first[label]))
    key = {label: f"{GROUP_PREFIX}{rank}" for rank, label in enumerate(ranked, start=1)}
    members = {name: key[int(label)] for name, label in zip(names, labels, strict=True)}
    return OpinionGroups(members, k, silhouette, len(raters), len(names), threshold, "", grouping)
