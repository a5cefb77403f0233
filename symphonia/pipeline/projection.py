"""Stage 2b: a 2-D map of the fragments for the report's theme map, made once per analysis.

The map is drawn at export time, but computed here, from the vectors the analysis already
has, and stored with the run: an export must not load the embedding model, and the same run
must always draw the same map. Seeded UMAP (2-D, cosine) keeps neighbourhoods, so themes show
as groups; above `umap_max_n` points a fixed-seed PCA keeps it quick (UMAP would dominate a
large analysis). Coordinates are scaled to [0, 1] and rounded, so the stored JSON is small
and identical on every machine that computes the same projection.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from symphonia.pipeline.contracts import Vectors
from symphonia.pipeline.jit_cache import cache_umap_compilations

UMAP_MAX_N = 2000
DECIMALS = 4


def _umap(vectors: Vectors, seed: int) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import umap

        cache_umap_compilations()
        n = vectors.shape[0]
        model = umap.UMAP(
            n_components=2,
            n_neighbors=max(2, min(15, n - 1)),
            min_dist=0.1,
            metric="cosine",
            random_state=seed,
            init="spectral" if n > 3 else "random",
            low_memory=True,
            verbose=False,
        )
        return model.fit_transform(vectors)


def _pca(vectors: Vectors, seed: int) -> Any:
    from sklearn.decomposition import PCA

    solver = "randomized" if vectors.shape[0] > 2000 else "full"
    return PCA(n_components=2, svd_solver=solver, random_state=seed).fit_transform(vectors)


def project_2d(
    ids: Sequence[str], vectors: Vectors, *, seed: int = 42, umap_max_n: int = UMAP_MAX_N
) -> dict[str, Any]:
    """``{"method": ..., "points": {fragment id: [x, y]}}`` with x, y in [0, 1]."""
    n = len(ids)
    if n == 0:
        return {"method": "none", "points": {}}
    if n < 3 or vectors.shape[1] < 2:
        coords = np.zeros((n, 2))
        coords[:, 0] = np.linspace(0.0, 1.0, n) if n > 1 else 0.5
        method = "none (too few fragments to project)"
    elif n <= umap_max_n:
        coords = np.asarray(_umap(vectors, seed), dtype=np.float64)
        method = f"UMAP (2 dimensions, cosine, seed {seed})"
    else:
        coords = np.asarray(_pca(vectors, seed), dtype=np.float64)
        method = f"PCA (2 components, seed {seed})"
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    scaled = np.round((coords - low) / span, DECIMALS)
    points = {fid: [float(x), float(y)] for fid, (x, y) in zip(ids, scaled, strict=True)}
    return {"method": method, "points": points}
