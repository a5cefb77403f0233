"""The groups a stance group starts from, before the positions pass (`positions.py`).

Two paths, chosen by `ClusterParams.grouping` and the group's size:

* **graph** (the default for round-sized groups, up to `umap_max_n` fragments): Louvain
  communities of the fragments' neighbour graph (`graph_groups.py`). No layout, so the groups
  do not move with the embedding's last digits. The resolution is scaled down for small
  groups (`graph_resolution_for`), where a fixed high resolution cut a position of five
  arguments into pairs.
* **layout**: the group is reduced (UMAP, PCA or spectral, `reduce.py`) and clustered with
  HDBSCAN, whose min_cluster_size scales with the group. UMAP runs `umap_runs` times with
  successive seeds and the groups of all runs are combined (`evidence_accumulation.py`).
  Groups above `umap_max_n` always come here (PCA), so the 10k and 50k budgets hold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from symphonia.pipeline.contracts import Vectors
from symphonia.pipeline.evidence_accumulation import combined_labels
from symphonia.pipeline.graph_groups import graph_communities
from symphonia.pipeline.reduce import reduce_vectors

if TYPE_CHECKING:
    from symphonia.pipeline.cluster import ClusterParams

__all__ = ["density_groups", "graph_resolution_for", "min_cluster_size"]


def min_cluster_size(n: int, params: ClusterParams) -> int:
    """The smallest group kept for a stance group of `n` fragments (at least 2, at most n)."""
    mcs = round(params.min_cluster_fraction * n)
    if params.min_cluster_size_cap is not None:
        mcs = min(mcs, params.min_cluster_size_cap)
    return min(max(2, params.min_cluster_size_floor, mcs), n)


def graph_resolution_for(n: int, params: ClusterParams) -> float:
    """Louvain's resolution for a group of `n` fragments: `graph_resolution` from
    `graph_full_n` fragments up, proportionally less below, never under 1 (plain modularity).

    Modularity's resolution acts on the graph's total weight, so the same value cuts a small
    graph into smaller pieces: at 3.0 the demo round's 16 arguments for fell into pairs, and
    the five that say "teachers see children first" were left singular.
    """
    full = params.graph_resolution
    return max(1.0, min(full, full * n / max(1, params.graph_full_n)))


def density_groups(
    vectors: Vectors, params: ClusterParams, notes: dict[str, Any]
) -> npt.NDArray[np.int64]:
    """Labels 0..k-1 and -1 for one stance group (rows of `vectors`, canonical order);
    `notes` gets the path taken and its sizes."""
    n = vectors.shape[0]
    if params.grouping == "graph" and n <= params.umap_max_n:
        mcs = min_cluster_size(n, params)
        resolution = graph_resolution_for(n, params)
        notes.update({"path": "graph", "min_cluster_size": mcs, "resolution": resolution})
        return graph_communities(
            vectors,
            n_neighbors=params.graph_neighbors,
            resolution=resolution,
            seed=params.seed,
            min_size=mcs,
        )
    notes["path"] = "hdbscan"
    return _hdbscan_labels(vectors, params, notes)


def _hdbscan_labels(
    vectors: Vectors, params: ClusterParams, notes: dict[str, Any]
) -> npt.NDArray[np.int64]:
    """HDBSCAN groups of one stance group, on its reduced vectors. A UMAP reduction runs
    `umap_runs` times with successive seeds and the groups of all runs are combined
    (`evidence_accumulation.py`); the other reducers have no randomness and run once."""
    n = vectors.shape[0]
    mcs = min_cluster_size(n, params)
    cap = 0  # no cap
    if params.max_cluster_fraction is not None:
        cap = max(2 * mcs, int(params.max_cluster_fraction * n))
    runs: list[npt.NDArray[np.int64]] = []
    method = "none"
    for run in range(max(1, params.umap_runs)):
        reduced, method = reduce_vectors(
            vectors,
            method=params.reduce_method,
            n_components=params.n_components,
            n_neighbors=min(params.n_neighbors, max(5, n // 6)),
            seed=params.seed + run,
            umap_max_n=params.umap_max_n,
            umap_n_epochs=params.umap_n_epochs,
        )
        runs.append(_hdbscan_on(reduced, params, mcs, cap))
        if method != "umap":
            break
    notes.update(
        {"reducer": method, "min_cluster_size": mcs, "max_cluster_size": cap, "layouts": len(runs)}
    )
    if len(runs) == 1:
        return runs[0]
    return combined_labels(runs, distance_threshold=params.umap_runs_distance, min_size=mcs)


def _hdbscan_on(
    reduced: Vectors, params: ClusterParams, mcs: int, cap: int
) -> npt.NDArray[np.int64]:
    import hdbscan

    n = reduced.shape[0]
    min_samples = None if params.min_samples is None else min(params.min_samples, n - 1)
    labels = hdbscan.HDBSCAN(
        min_cluster_size=mcs,
        max_cluster_size=cap,
        min_samples=min_samples,
        cluster_selection_method=params.cluster_selection_method,
        metric="euclidean",
        core_dist_n_jobs=1,
    ).fit_predict(np.asarray(reduced, dtype=np.float64))
    return np.asarray(labels, dtype=np.int64)
