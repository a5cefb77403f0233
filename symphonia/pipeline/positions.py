"""Stage 2c: from density clusters to positions a facilitator recognises (DESIGN.md §4.2–3).

Density clustering (HDBSCAN in "leaf" mode, `cluster.py`) finds many small, dense groups: a
position the panel made is often split in two or three, and fragments between groups are left
out. This stage turns those groups into positions, in a *position space* that adds to each
fragment's embedding the content words it shares with others (`lexical.py`): fragments making
the same point share its words, while the embedding mostly says what the round is about.

1. **Merge** near-duplicate groups: repeatedly join the two groups whose centres are most
   alike, while that similarity is at least `merge_similarity` (centroid linkage, so a chain
   of small steps cannot join two distant positions).
2. **Settle** (k-means on the sphere, with an outlier threshold): each fragment joins the
   group whose centre it is closest to, if at least `member_similarity` close, else it is a
   singular view; a group left with fewer than `min_size` fragments is dissolved and its
   fragments go to their next-nearest group or the singular views. Repeated until nothing
   moves, so every member of a theme is closer to its own centre than to any other theme's
   centre: one position per theme, and an outlier is kept apart rather than absorbed.

Why: on ArgKP's train topics (`benchmarks/argkp_themes.py`, arguments with exactly one key
point) HDBSCAN's groups alone score ARI 0.12 at key-point recall 0.81 (leaf) or 0.22 / 0.71
(eom); merging and settling in the embedding alone reaches about 0.30 / 0.74, and in the
position space about 0.38 / 0.73. Settings were chosen on the train split only.

Deterministic: plain arithmetic in input order; ties go to the lower group number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix

from symphonia.pipeline.contracts import Vectors

SINGULAR = -1
Labels = npt.NDArray[np.int64]
Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class PositionSpace:
    """Fragments as unit vectors [sqrt(1-w)·embedding, sqrt(w)·lexical], kept in two parts
    (dense and sparse) so a large group never needs a dense vocabulary-wide matrix."""

    dense: Matrix
    lexical: csr_matrix | None

    @property
    def size(self) -> int:
        return int(self.dense.shape[0])

    def sums(self, labels: Labels, k: int) -> tuple[Matrix, csr_matrix | None]:
        """Per-group sums of the member vectors (groups 0..k-1; singular views ignored)."""
        rows = np.flatnonzero(labels >= 0)
        member = csr_matrix(
            (np.ones(rows.size), (labels[rows], rows)), shape=(k, self.size), dtype=np.float64
        )
        lexical = None if self.lexical is None else csr_matrix(member @ self.lexical)
        return np.asarray(member @ self.dense), lexical

    def gram(self, dense: Matrix, lexical: csr_matrix | None) -> Matrix:
        """Inner products between the rows of a (dense, lexical) pair and themselves."""
        g = dense @ dense.T
        if lexical is not None:
            g = g + np.asarray((lexical @ lexical.T).todense())
        return np.asarray(g, dtype=np.float64)

    def rows(self, idx: npt.NDArray[np.int64]) -> PositionSpace:
        """The sub-space of some fragments (same vectors, no renormalisation)."""
        return PositionSpace(self.dense[idx], None if self.lexical is None else self.lexical[idx])

    def similarity_to(self, i: int) -> Matrix:
        """Cosine of every fragment to fragment `i`."""
        sims = self.dense @ self.dense[i]
        if self.lexical is not None:
            sims = sims + np.asarray((self.lexical @ self.lexical[i].T).todense()).ravel()
        return np.asarray(sims, dtype=np.float64)

    def cohesion(self) -> float:
        """Mean pairwise cosine between distinct fragments (from the sum: O(n))."""
        n = self.size
        if n < 2:
            return 1.0
        dense, lexical = self.sums(np.zeros(n, dtype=np.int64), 1)
        return (float(self.gram(dense, lexical)[0, 0]) - n) / (n * (n - 1))

    def similarity_to_centres(self, labels: Labels, k: int) -> Matrix:
        """Cosine of every fragment to the centre (normalised mean) of each group."""
        dense, lexical = self.sums(labels, k)
        norms = np.sqrt(np.maximum(np.diag(self.gram(dense, lexical)), 1e-24))
        sims = self.dense @ dense.T
        if lexical is not None and self.lexical is not None:
            sims = sims + np.asarray((self.lexical @ lexical.T).todense())
        return np.asarray(sims / norms[None, :], dtype=np.float64)


def position_space(
    vectors: Vectors, lexical: csr_matrix | None, lexical_weight: float
) -> PositionSpace:
    """The position space of one group (rows of `vectors` and of the round's `lexical`
    vectors); without shared words, or with `lexical_weight` 0, it is the embedding."""
    dense = np.asarray(vectors, dtype=np.float64)
    if lexical is None or lexical_weight <= 0 or lexical.nnz == 0:
        norms = np.linalg.norm(dense, axis=1, keepdims=True)
        return PositionSpace(dense / np.maximum(norms, 1e-12), None)
    dense = dense * np.sqrt(1.0 - lexical_weight)
    lexical = csr_matrix(lexical * np.sqrt(lexical_weight))
    sq = np.sum(dense * dense, axis=1) + np.asarray(lexical.multiply(lexical).sum(axis=1)).ravel()
    scale = 1.0 / np.sqrt(np.maximum(sq, 1e-24))
    return PositionSpace(dense * scale[:, None], csr_matrix(lexical.multiply(scale[:, None])))


def compact(labels: Labels) -> Labels:
    """Renumber groups 0..k-1 in order of first appearance; singular views stay -1."""
    labels = np.asarray(labels, dtype=np.int64)
    grouped = labels >= 0
    found, first = np.unique(labels[grouped], return_index=True)
    rank = np.empty(found.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(found.size)
    out = np.full(labels.shape, SINGULAR, dtype=np.int64)
    out[grouped] = rank[np.searchsorted(found, labels[grouped])]
    return out


def subject_removed(vectors: Vectors, labels: Labels) -> Vectors:
    """The embeddings less what every group shares: the mean of the group centres (each
    group counted once, so a majority position does not define the subject).

    That shared part (the round's subject, or its language for a model that does not read
    it) is no sign that two groups make the same point. In the raw space it is large and
    uneven: vTaiwan's 119 comments, written in Chinese, are 0.67 alike on average under the
    default model, and merging at a fixed raw cosine joined all of them into one theme.
    """
    k = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
    data = np.asarray(vectors, dtype=np.float64)
    if k < 2:
        return np.asarray(data, dtype=np.float32)
    member = np.flatnonzero(labels >= 0)
    sums = np.zeros((k, data.shape[1]))
    np.add.at(sums, labels[member], data[member])
    centres = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    return np.asarray(data - centres.mean(axis=0, keepdims=True), dtype=np.float32)


def merge_close_groups(
    space: PositionSpace,
    labels: Labels,
    threshold: float,
    cohesion: float = 0.0,
) -> Labels:
    """Centroid-linkage merging: join the most alike pair while its centre cosine ≥ threshold
    and the joined group's members stay alike to each other (mean pairwise similarity ≥
    `cohesion`).

    Works on the Gram matrix of the group sums, updated in place after each merge (the sum of
    a merged group is the sum of its parts), so no vector is recomputed.
    """
    labels = compact(labels)
    k = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
    if k < 2:
        return labels
    gram = space.gram(*space.sums(labels, k))
    size = np.bincount(labels[labels >= 0], minlength=k).astype(np.float64)
    alive = np.ones(k, dtype=bool)
    parent = np.arange(k)
    while alive.sum() > 1:
        diag = np.diag(gram)
        cos = gram / np.sqrt(np.maximum(np.outer(diag, diag), 1e-24))
        joined = size[:, None] + size[None, :]
        pair_cohesion = (diag[:, None] + diag[None, :] + 2 * gram - joined) / (
            joined * np.maximum(joined - 1, 1)
        )
        cos[pair_cohesion < cohesion] = -np.inf
        cos[~alive, :] = -np.inf
        cos[:, ~alive] = -np.inf
        np.fill_diagonal(cos, -np.inf)
        a, b = (int(x) for x in np.unravel_index(int(np.argmax(cos)), cos.shape))
        if cos[a, b] < threshold:
            break
        a, b = min(a, b), max(a, b)
        gram[a, :] += gram[b, :]
        gram[:, a] += gram[:, b]
        size[a] += size[b]
        alive[b] = False
        parent[parent == b] = a
    return compact(np.where(labels >= 0, parent[np.maximum(labels, 0)], SINGULAR))


def settle(
    space: PositionSpace,
    labels: Labels,
    *,
    member_similarity: float,
    min_size: int,
    max_rounds: int = 50,
) -> Labels:
    """Move every fragment to its nearest group centre until nothing moves (see module doc)."""
    labels = compact(labels)
    for _ in range(max_rounds):
        k = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
        if k == 0:
            return labels
        sims = space.similarity_to_centres(labels, k)
        keep = np.ones(k, dtype=bool)
        while True:
            masked = np.where(keep[None, :], sims, -np.inf)
            best = np.argmax(masked, axis=1)
            close = masked[np.arange(space.size), best] >= member_similarity
            moved = np.where(close, best, SINGULAR)
            counts = np.bincount(moved[moved >= 0], minlength=k)
            too_small = keep & (counts < min_size)
            if not too_small.any():
                break
            keep &= ~too_small  # dissolve, then place their fragments again
            if not keep.any():
                return np.full(labels.shape, SINGULAR, dtype=np.int64)
        moved = compact(moved)
        if np.array_equal(moved, labels):
            break
        labels = moved
    return labels


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


def settle_positions(
    vectors: Vectors,
    lexical: csr_matrix | None,
    labels: Labels,
    *,
    lexical_weight: float,
    merge_similarity: float | None,
    member_similarity: float,
    min_size: int,
    merge_cohesion: float = 0.0,
    split_below: float | None = None,
) -> Labels:
    """Merge near-duplicate groups, settle, split loose groups and settle again; returns
    labels 0..k-1 and -1 (singular).

    `lexical` holds the group's rows of `lexical_vectors` fitted on the whole round (None:
    embedding only), so a word's weight reflects how rare it is in the round.
    """
    n = vectors.shape[0]
    if labels.shape[0] != n or (lexical is not None and lexical.shape[0] != n):
        raise ValueError("vectors, lexical vectors and labels must be aligned")
    if n == 0:
        return np.asarray(labels, dtype=np.int64)
    space = position_space(vectors, lexical, lexical_weight)
    labels = np.asarray(labels, dtype=np.int64)
    if merge_similarity is not None:
        labels = compact(labels)
        merge_space = position_space(subject_removed(vectors, labels), lexical, lexical_weight)
        labels = merge_close_groups(merge_space, labels, merge_similarity, merge_cohesion)
    labels = settle(space, labels, member_similarity=member_similarity, min_size=min_size)
    if split_below is None:
        return labels
    labels = split_loose_groups(space, labels, split_below, min_size)
    return settle(space, labels, member_similarity=member_similarity, min_size=min_size)
