"""The nearest-neighbour graph a stance group's spectral layout is drawn from (`reduce.py`).

UMAP's fuzzy simplicial set on cosine distance: each fragment linked to its `n_neighbors`
nearest, with weights that adapt to the local density, so a tight position and a loose one
are both visible. For n below 4096, umap-learn finds the neighbours exactly, so the graph
moves continuously with the vectors.

A round of distinct positions gives a graph in pieces that share no edge. The Laplacian of
such a graph has one zero eigenvalue per piece, and which basis of that shared eigenspace the
eigensolver returns is an accident of rounding: the layout, and HDBSCAN's groups with it,
then moved with embedding noise of 1e-6. So the pieces are joined, as scikit-learn's Isomap
does: every two pieces by an edge between their most similar members, weaker than any edge
inside a piece. The graph is then connected, its small eigenvalues are distinct and set by
how alike the pieces are, and the pieces still lie apart in the layout.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from symphonia.pipeline.contracts import Vectors
from symphonia.pipeline.jit_cache import cache_umap_compilations

if TYPE_CHECKING:  # scipy is imported where it is used: `symphonia.pipeline` imports cheaply
    import scipy.sparse as sp

__all__ = ["join_pieces", "neighbour_graph"]

BRIDGE_SHARE = 0.5
"""A joining edge weighs at most this share of the weakest edge inside any piece."""


def neighbour_graph(vectors: Vectors, n_neighbors: int, seed: int) -> sp.csr_matrix:
    """UMAP's fuzzy neighbour graph of unit `vectors` (cosine), its pieces joined."""
    import scipy.sparse as sp
    from umap.umap_ import fuzzy_simplicial_set

    n = vectors.shape[0]
    cache_umap_compilations()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's and pynndescent's notices
        graph, _, _ = fuzzy_simplicial_set(
            vectors,
            n_neighbors=max(2, min(n_neighbors, n - 1)),
            random_state=np.random.RandomState(seed),
            metric="cosine",
        )
    return join_pieces(sp.csr_matrix(graph), vectors)


def join_pieces(graph: sp.csr_matrix, vectors: Vectors) -> sp.csr_matrix:
    """`graph` (symmetric, weighted) with every two of its connected pieces linked by one edge
    between their most similar members (cosine of the unit `vectors`), weighted
    BRIDGE_SHARE × the weakest edge in the graph × (1 + that cosine) / 2. A connected graph
    is returned as it is."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    pieces, piece_of = connected_components(graph, directed=False)
    if pieces == 1:
        return graph
    unit = np.asarray(vectors, dtype=np.float64)
    weakest = float(graph.data.min()) if graph.nnz else 1.0
    members = [np.flatnonzero(piece_of == p) for p in range(pieces)]
    rows: list[int] = []
    cols: list[int] = []
    weights: list[float] = []
    for a in range(pieces):
        from_a = unit[members[a]] @ unit.T
        for b in range(a + 1, pieces):
            block = from_a[:, members[b]]
            flat = int(np.argmax(block))
            i = int(members[a][flat // block.shape[1]])
            j = int(members[b][flat % block.shape[1]])
            weight = BRIDGE_SHARE * weakest * (1.0 + float(block.flat[flat])) / 2.0
            rows += [i, j]
            cols += [j, i]
            weights += [weight, weight]
    bridges = sp.csr_matrix((weights, (rows, cols)), shape=graph.shape)
    return sp.csr_matrix(graph + bridges)
