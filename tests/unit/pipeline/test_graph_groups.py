"""Graph communities: the density groups of round-sized stance groups."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from symphonia.pipeline.cluster import ClusterParams, cluster_fragments
from symphonia.pipeline.density_groups import density_groups, graph_resolution_for
from symphonia.pipeline.graph_groups import exact_neighbours, graph_communities
from symphonia.pipeline.position_space import SINGULAR


def _with_noise(vecs: np.ndarray, seed: int) -> np.ndarray:
    noisy = vecs + np.random.default_rng(seed).normal(0.0, 1e-6, vecs.shape)
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def test_no_community_mixes_two_positions(blobs_factory: Any) -> None:
    """A resolution above 1 may cut a position in pieces (the positions pass joins them
    again), but never joins two."""
    vecs = blobs_factory(10, 4)
    labels = graph_communities(vecs, n_neighbors=5, resolution=3.0, seed=42, min_size=3)
    blob_of = np.repeat(np.arange(4), 10)
    found = sorted(set(labels.tolist()) - {SINGULAR})
    assert len(found) >= 4
    for community in found:
        assert len(set(blob_of[labels == community].tolist())) == 1
    firsts = [int(np.flatnonzero(labels == c)[0]) for c in found]
    assert firsts == sorted(firsts), "numbered by first member"


def test_communities_smaller_than_min_size_are_singular(blobs_factory: Any) -> None:
    vecs = blobs_factory(10, 4)
    labels = graph_communities(vecs, n_neighbors=5, resolution=3.0, seed=42, min_size=11)
    assert (labels == SINGULAR).all()


@pytest.mark.parametrize("n", [0, 1])
def test_no_pair_no_community(n: int) -> None:
    vecs = np.eye(max(n, 1), 8, dtype=np.float32)[:n]
    labels = graph_communities(vecs, n_neighbors=5, resolution=3.0, seed=42, min_size=1)
    assert labels.tolist() == [SINGULAR] * n


def test_density_groups_do_not_move_with_the_last_digits(
    fragments_factory: Any, blobs_factory: Any
) -> None:
    """Before any positions pass: the groups of overlapping positions are the same under
    noise of 1e-6 (one UMAP layout moved them on this fixture; see test_pipeline_cluster)."""
    vecs = blobs_factory(12, 8, noise=0.5, seed=11)
    frags = fragments_factory(96)
    params = replace(ClusterParams(), settle_positions=False)
    base = cluster_fragments(frags, vecs, params)
    assert base.params_used["groups"]["neutral"]["path"] == "graph"
    for seed in range(3):
        assert cluster_fragments(frags, _with_noise(vecs, seed), params).labels == base.labels


def test_resolution_is_full_from_graph_full_n_and_never_below_one() -> None:
    params = ClusterParams()
    assert graph_resolution_for(params.graph_full_n, params) == params.graph_resolution
    assert graph_resolution_for(10 * params.graph_full_n, params) == params.graph_resolution
    assert graph_resolution_for(1, params) == 1.0
    sizes = range(1, 3 * params.graph_full_n)
    resolutions = [graph_resolution_for(n, params) for n in sizes]
    assert resolutions == sorted(resolutions), "a larger group never gets a lower resolution"


def test_a_small_group_keeps_its_positions_whole(blobs_factory: Any) -> None:
    """18 fragments, three positions of six: at the full resolution Louvain cuts them into
    pieces and leaves some out; scaled to the group's size it finds the three."""
    vecs = blobs_factory(6, 3, noise=0.5, seed=1)
    truth = np.repeat(np.arange(3), 6)
    labels = density_groups(vecs, ClusterParams(), {})
    assert SINGULAR not in labels
    assert _same_partition(labels, truth)
    full = density_groups(vecs, replace(ClusterParams(), graph_full_n=1), {})
    assert not _same_partition(full, truth), "fixture too easy: the full resolution must cut"


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len({x for x, _ in pairs}) == len({y for _, y in pairs})


def test_exact_neighbours_are_the_nearest_by_cosine_itself_first() -> None:
    rng = np.random.default_rng(5)
    vecs = rng.normal(size=(40, 12)).astype(np.float32)
    vecs[7] = vecs[3]  # a duplicate: each is the other's nearest, after itself
    indices, dists = exact_neighbours(vecs, 6)
    unit = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
    cosine = 1.0 - unit.astype(np.float64) @ unit.T.astype(np.float64)
    assert indices[:, 0].tolist() == list(range(40))
    assert (dists[:, 0] == 0.0).all()
    assert indices[3, 1] == 7
    assert indices[7, 1] == 3
    for row in range(40):
        others = np.delete(np.arange(40), row)
        best = others[np.argsort(cosine[row, others], kind="stable")[:5]]
        assert indices[row, 1:].tolist() == best.tolist()
        assert np.allclose(dists[row, 1:], np.maximum(cosine[row, best], 0.0), atol=1e-6)
    assert (np.diff(dists, axis=1) >= -1e-7).all(), "nearest first"
