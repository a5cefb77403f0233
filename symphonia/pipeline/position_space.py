"""The position space themes are built in (DESIGN.md §4.2–3; used by `positions.py`).

A fragment's sentence embedding mostly says what the round is about; the point it makes is
better told by the content words it shares with others (`lexical.py`). A fragment is placed
in the position space as the unit vector [sqrt(1-w)·embedding, sqrt(w)·lexical], kept in two
parts (dense and sparse) so a large group never needs a dense vocabulary-wide matrix, and
every group statistic (centres, cosines, cohesion) is computed from per-group sums.
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

    def similarity_to_rest_of_group(self, labels: Labels) -> npt.NDArray[np.float64]:
        """Cosine of every fragment to the centre of the *other* members of its group: its
        own row taken out of the group's sum (rows are unit vectors). NaN for a singular
        view, and for a group's only member, which has no rest."""
        out = np.full(self.size, np.nan)
        grouped = np.flatnonzero(labels >= 0)
        if grouped.size == 0:
            return out
        k = int(labels.max()) + 1
        dense, lexical = self.sums(labels, k)
        own = labels[grouped]
        dot = (self.dense[grouped] * dense[own]).sum(axis=1)
        if lexical is not None and self.lexical is not None:
            dot = dot + np.asarray(self.lexical[grouped].multiply(lexical[own]).sum(axis=1)).ravel()
        squared = np.diag(self.gram(dense, lexical))[own]
        rest = squared - 2.0 * dot + 1.0  # |sum - x|^2
        has_rest = rest > 1e-9
        out[grouped[has_rest]] = (dot[has_rest] - 1.0) / np.sqrt(rest[has_rest])
        return out


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
