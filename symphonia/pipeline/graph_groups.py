"""Density groups as communities of the fragments' neighbour graph (Louvain), no layout.

Why: HDBSCAN needs a low-dimensional layout, and every layout tried moved or lost something
(`reduce.py`). UMAP's optimised layout is chaotic in its input: noise at the level of the
ONNX/PyTorch difference moved ArgKP dev recall between 0.706 and 0.824, with one layout or
five. The spectral layout is stable, but its few eigenvectors describe a few large
positions, and it dissolved the demo round's small ones. Communities of UMAP's fuzzy
neighbour graph need no layout: the graph moves continuously with the vectors (exact
neighbours, `exact_neighbours`), Louvain with a fixed seed is deterministic on it, and a
resolution above 1 keeps positions of three to five fragments apart.

Chosen on ArgKP train by the worst case, over ONNX, int8 and two draws of noise 1e-6, of
min(ARI/0.35, recall/0.75), for (resolution, neighbours): (3, 5) 1.049; (2, 10) 1.029;
(2, 5) 1.022; (3, 10) 1.010; (4, 10) 0.990; (1, 10) 0.988; (1, 15) 0.988 (pynndescent's
neighbours then). With exact neighbours, the positions pass, the resolution scaled to small
groups and the check for members alone in their theme (`cluster.ClusterParams`), over ONNX,
PyTorch, int8 and five noise draws: train worst case 1.045, against 1.038 and 1.035 at
resolution 2.5 and 3.5, 1.025 and 0.999 at 4 and 7 neighbours (five UMAP layouts: 0.998);
dev, held out, 0.377 / 0.853 on ONNX, PyTorch and every noise draw alike, 0.364 / 0.853 on
int8 (five UMAP layouts: recall 0.706 to 0.824 with the draw). Demo round 1: 28 groups,
11 singular views.
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt

from symphonia.pipeline.contracts import Vectors
from symphonia.pipeline.jit_cache import cache_umap_compilations
from symphonia.pipeline.position_space import SINGULAR

__all__ = ["exact_neighbours", "graph_communities"]


def exact_neighbours(
    vectors: Vectors, k: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Each row's `k` nearest rows by cosine distance, itself first (distance 0), as UMAP's
    nearest-neighbour search returns them; ties go to the lower row.

    Exact, from one matrix product: a group here has at most `umap_max_n` rows. UMAP's own
    search (pynndescent) is approximate and seeded, and its first call cost 18 s in every new
    process, disk cache of compiled code (`jit_cache.py`) or not, against 0.06 s for the
    whole graph once compiled; without it the first graph of a process takes 2 s.
    """
    unit = np.asarray(vectors, dtype=np.float64)
    unit = unit / np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), 1e-12)
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, np.inf)  # itself first, whatever its duplicates
    order = np.argsort(-similarity, axis=1, kind="stable")[:, :k]
    distance = 1.0 - np.take_along_axis(similarity, order, axis=1)
    distance[:, 0] = 0.0
    return order.astype(np.int64), np.maximum(distance, 0.0).astype(np.float32)


def graph_communities(
    vectors: Vectors, *, n_neighbors: int, resolution: float, seed: int, min_size: int
) -> npt.NDArray[np.int64]:
    """Louvain communities of UMAP's fuzzy `n_neighbors`-graph of `vectors` (cosine).

    Communities smaller than `min_size` are singular (-1); the others are numbered by their
    first member, so the labels depend on the input order only through the fragments' own
    canonical order (`cluster.py` sorts by id).
    """
    n = vectors.shape[0]
    if n < 2:
        return np.full(n, SINGULAR, dtype=np.int64)
    import networkx as nx
    from umap.umap_ import fuzzy_simplicial_set

    k = max(2, min(n_neighbors, n - 1))
    knn_indices, knn_dists = exact_neighbours(vectors, k)
    cache_umap_compilations()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's notices
        graph, _, _ = fuzzy_simplicial_set(
            np.asarray(vectors, dtype=np.float32),
            n_neighbors=k,
            random_state=np.random.RandomState(seed),
            metric="cosine",
            knn_indices=knn_indices,
            knn_dists=knn_dists,
        )
    communities = nx.community.louvain_communities(
        nx.from_scipy_sparse_array(graph.tocsr()),
        weight="weight",
        resolution=resolution,
        seed=seed,
    )
    labels = np.full(n, SINGULAR, dtype=np.int64)
    for number, members in enumerate(
        sorted((sorted(c) for c in communities if len(c) >= min_size), key=lambda c: c[0])
    ):
        labels[members] = number
    return labels
