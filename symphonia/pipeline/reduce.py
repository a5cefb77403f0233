"""Stage 2a: dimension reduction before density clustering (DESIGN.md §4.2).

HDBSCAN on 384-d sentence vectors is both slow (~10x on this hardware) and poor: in high
dimensions all pairwise distances look alike, so density peaks blur. The reducers:

* UMAP (cosine, seeded) preserves local neighbourhoods and gives HDBSCAN clear dense
  blobs; it is the better reducer for the quality of round-sized inputs (hundreds of
  fragments), but costs a numba JIT compile on first use (kept on disk for later
  processes, `jit_cache`) and grows ~linearly with n. Its stochastic optimisation is chaotic
  in its input, so `cluster.py` draws several layouts and keeps what they agree on.
* PCA (randomised SVD with a fixed seed) is near-instant at any n; used for large groups,
  where UMAP would dominate the analysis time.
* Spectral, on request: the Laplacian eigenmap of UMAP's neighbour graph, the layout UMAP
  starts from, without the optimisation. A function of the graph alone, so the same texts
  give the same layout whatever the last digits of their vectors, and the best reducer on
  ArgKP train (worst case over backends and noise of min(ARI/0.35, recall/0.75): 1.060,
  against 0.998 for five UMAP layouts). Not the default: a few eigenvectors describe a few
  large positions, and in the demo round, with some twenty-five small ones, it left 49 of
  144 fragments as singular views (UMAP: 20) and dissolved whole positions of 3 to 5.

`method="auto"` picks UMAP up to `umap_max_n` points and PCA above it. umap-learn is
imported inside the functions so `symphonia.pipeline` stays cheap to import.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np

from symphonia.pipeline.contracts import Vectors
from symphonia.pipeline.jit_cache import cache_umap_compilations
from symphonia.pipeline.neighbour_graph import neighbour_graph

ReduceMethod = Literal["auto", "spectral", "umap", "pca", "none"]


def pca_reduce(vectors: Vectors, n_components: int, seed: int) -> Vectors:
    """Project onto the top principal components, then re-normalise to unit length so that
    Euclidean distance in the reduced space still behaves like cosine distance."""
    from sklearn.decomposition import PCA

    k = max(1, min(n_components, vectors.shape[0] - 1, vectors.shape[1]))
    solver = "randomized" if vectors.shape[0] > 2000 else "full"
    reduced = PCA(n_components=k, svd_solver=solver, random_state=seed).fit_transform(vectors)
    norms = np.linalg.norm(reduced, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.asarray(reduced / norms, dtype=np.float32)


def umap_reduce(
    vectors: Vectors, n_components: int, n_neighbors: int, seed: int, n_epochs: int | None
) -> Vectors:
    """Seeded UMAP on cosine distance with min_dist=0 (tight clumps suit HDBSCAN).

    A fixed `random_state` makes UMAP deterministic (and single-threaded, which costs little
    on 2 cores). Tiny inputs are guarded: n_neighbors must be < n and the spectral
    initialisation needs more points than components.
    """
    n = vectors.shape[0]
    k = max(2, min(n_components, n - 2))
    neighbours = max(2, min(n_neighbors, n - 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import umap

        cache_umap_compilations()
        model = umap.UMAP(
            n_components=k,
            n_neighbors=neighbours,
            min_dist=0.0,
            metric="cosine",
            random_state=seed,
            n_epochs=n_epochs,
            init="spectral" if n > k + 1 else "random",
            low_memory=True,
            verbose=False,
        )
        reduced = model.fit_transform(vectors)
    return np.asarray(reduced, dtype=np.float32)


def spectral_reduce(vectors: Vectors, n_components: int, n_neighbors: int, seed: int) -> Vectors:
    """The Laplacian eigenmap (normalised Laplacian, first eigenvector dropped) of the
    fragments' neighbour graph (`neighbour_graph.py`: UMAP's fuzzy graph, its pieces joined).

    scikit-learn's `spectral_embedding` rather than UMAP's own initial layout: UMAP rescales
    each dimension to [0, 10] before optimising, which, when the graph falls apart into
    separate pieces (distinct positions in a small round), stretches the coordinates inside
    each piece as wide as the gaps between them; without the optimisation HDBSCAN then found
    no group at all.
    """
    n = vectors.shape[0]
    if n < n_components + 3:
        raise ValueError(f"a spectral layout of {n_components} dimensions needs more than {n}")
    from sklearn.manifold import spectral_embedding

    graph = neighbour_graph(vectors, n_neighbors, seed)
    layout = spectral_embedding(
        graph, n_components=n_components, eigen_solver="arpack", random_state=seed
    )
    return np.asarray(layout, dtype=np.float32)


def reduce_vectors(
    vectors: Vectors,
    *,
    method: ReduceMethod = "auto",
    n_components: int = 10,
    n_neighbors: int = 15,
    seed: int = 42,
    umap_max_n: int = 1000,
    umap_n_epochs: int | None = None,
) -> tuple[Vectors, str]:
    """Reduce `vectors` and say which reducer ran ("umap", "spectral", "pca" or "none")."""
    n, dim = vectors.shape
    if method == "none" or dim <= n_components or n <= n_components + 2:
        return np.asarray(vectors, dtype=np.float32), "none"
    if method == "spectral":
        return spectral_reduce(vectors, n_components, n_neighbors, seed), "spectral"
    if method == "umap" or (method == "auto" and n <= umap_max_n):
        return umap_reduce(vectors, n_components, n_neighbors, seed, umap_n_epochs), "umap"
    return pca_reduce(vectors, n_components, seed), "pca"
