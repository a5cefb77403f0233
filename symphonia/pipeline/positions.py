"""Stage 2c: from density clusters to positions a facilitator recognises (DESIGN.md §4.2–3).

Density clustering (HDBSCAN in "leaf" mode, `cluster.py`) finds many small, dense groups: a
position the panel made is often split in two or three, and fragments between groups are left
out. This stage turns those groups into positions in the position space (`position_space.py`:
each fragment's embedding plus the content words it shares with others).

1. **Merge** near-duplicate groups: repeatedly join the two groups whose centres are most
   alike, while that similarity is at least `merge_similarity` (centroid linkage, so a chain
   of small steps cannot join two distant positions), once what all groups share (the
   round's subject) is taken out.
2. **Settle** (k-means on the sphere, with an outlier threshold): each fragment joins the
   group whose centre it is closest to; one too far from every centre is a singular view; a
   group left with fewer than `min_size` fragments is dissolved and its fragments placed
   again. Repeated until nothing moves, so every member of a theme is closer to its own
   centre than to any other theme's centre: one position per theme.
3. **Split and rejoin**: every loose theme is cut into its points (`splitting.py`),
   settled, and the pieces that still make one point are joined again (step 1 with
   `rejoin_similarity`, the subject taken out afresh, so it is measured among the pieces),
   then settled once more. The final settle keeps step 2's guarantee.
4. **Alone in a theme**: a member that shares next to nothing with the rest of its theme
   (`alone_in_theme`) is a singular view, and the others settle once more.

Why: on ArgKP's train topics (`benchmarks/argkp_themes.py`, arguments with exactly one key
point) HDBSCAN's groups alone score ARI 0.11 at key-point recall 0.81; merging and settling
in the position space about 0.38 / 0.73; splitting loose themes (never rejoining) 0.29 / 0.82;
split and rejoin 0.37 / 0.80. Settings were chosen on the train split only.

Deterministic: plain arithmetic in input order; ties go to the lower group number.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix

from symphonia.pipeline.contracts import Vectors
from symphonia.pipeline.position_space import (
    SINGULAR,
    Labels,
    PositionSpace,
    compact,
    position_space,
)
from symphonia.pipeline.splitting import split_loose_groups

DUPLICATE_CENTRES = 0.95
"""Group centres at least this alike (cosine) are one position split by the density step;
they share one vote in the subject (`subject_removed`). Chosen on ArgKP train by the worst
case of min(ARI/0.35, recall/0.75) over the embedding backends: 0.7 → 0.995, 0.8 → 1.008,
0.9 → 1.032, 0.93 → 1.042, 0.95 → 1.060, 0.97 → 1.052, none (every group its own vote) →
1.052."""


def subject_removed(vectors: Vectors, labels: Labels) -> Vectors:
    """The embeddings less what every group shares: the mean of the group centres, each
    position counted once, so a majority position does not define the subject.

    That shared part (the round's subject, or its language for a model that does not read
    it) is no sign that two groups make the same point. In the raw space it is large and
    uneven: vTaiwan's 119 comments, written in Chinese, are 0.67 alike on average under the
    default model, and merging at a fixed raw cosine joined all of them into one theme.

    "Each position once": the density step may cut one tight majority into a dozen groups
    with near-identical centres. Counted one vote each, they made the subject the majority's
    own direction, and with it taken out, the small positions beside it all pointed the
    same way (away from it) and were merged into one theme. So a group's vote is shared
    with every group whose centre is within DUPLICATE_CENTRES of its own.
    """
    k = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
    data = np.asarray(vectors, dtype=np.float64)
    if k < 2:
        return np.asarray(data, dtype=np.float32)
    member = np.flatnonzero(labels >= 0)
    sums = np.zeros((k, data.shape[1]))
    np.add.at(sums, labels[member], data[member])
    centres = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    duplicates = (centres @ centres.T >= DUPLICATE_CENTRES).sum(axis=1)
    votes = 1.0 / np.maximum(duplicates, 1)
    subject = (votes[:, None] * centres).sum(axis=0) / votes.sum()
    return np.asarray(data - subject[None, :], dtype=np.float32)


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


def alone_in_theme(vectors: Vectors, labels: Labels, threshold: float) -> Labels:
    """Members whose embedding is less alike than `threshold` to the centre of the rest of
    their theme become singular views.

    Settling compares a fragment with centres that include it, and in a theme of five its own
    share of the centre is a fifth: enough to hold an off-topic fragment ("Ignore previous
    instructions ...", 0.11 to the rest of its theme in the demo) that no other theme would
    take. The embedding alone is used, not the position space, because two paraphrases share
    few words and a pair of them would otherwise look alone.
    """
    rest = position_space(vectors, None, 0.0).similarity_to_rest_of_group(labels)
    alone = np.isfinite(rest) & (rest < threshold)
    return np.where(alone, SINGULAR, labels) if alone.any() else labels


def merge_in_round(
    vectors: Vectors,
    lexical: csr_matrix | None,
    labels: Labels,
    *,
    lexical_weight: float,
    threshold: float,
    cohesion: float = 0.0,
) -> Labels:
    """`merge_close_groups` once the subject the groups share is taken out of the vectors."""
    labels = compact(labels)
    space = position_space(subject_removed(vectors, labels), lexical, lexical_weight)
    return merge_close_groups(space, labels, threshold, cohesion)


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
    rejoin_similarity: float | None = None,
    alone_below: float | None = None,
) -> Labels:
    """Merge near-duplicate groups, settle, then split loose groups, rejoin the pieces that
    make one point and settle again (module doc); returns labels 0..k-1 and -1 (singular).
    With `alone_below`, a member far from the rest of its theme is then a singular view
    (`alone_in_theme`), and the rest settle once more.

    `lexical` holds the group's rows of `lexical_vectors` fitted on the whole round (None:
    embedding only), so a word's weight reflects how rare it is in the round. Without
    `rejoin_similarity` the pieces of a split stay apart.
    """
    n = vectors.shape[0]
    if labels.shape[0] != n or (lexical is not None and lexical.shape[0] != n):
        raise ValueError("vectors, lexical vectors and labels must be aligned")
    if n == 0:
        return np.asarray(labels, dtype=np.int64)
    space = position_space(vectors, lexical, lexical_weight)
    labels = np.asarray(labels, dtype=np.int64)

    def settled(current: Labels) -> Labels:
        return settle(space, current, member_similarity=member_similarity, min_size=min_size)

    if merge_similarity is not None:
        labels = merge_in_round(
            vectors,
            lexical,
            labels,
            lexical_weight=lexical_weight,
            threshold=merge_similarity,
            cohesion=merge_cohesion,
        )
    labels = settled(labels)
    if split_below is not None:
        labels = settled(split_loose_groups(space, labels, split_below, min_size))
        if rejoin_similarity is not None:
            rejoined = merge_in_round(
                vectors, lexical, labels, lexical_weight=lexical_weight, threshold=rejoin_similarity
            )
            labels = settled(rejoined)
    if alone_below is not None:
        without = alone_in_theme(vectors, labels, alone_below)
        if without is not labels:
            labels = settled(without)
    return labels
