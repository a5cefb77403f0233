"""Clustering: every fragment in exactly one theme or singular; deterministic; tiny rounds."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.pipeline.cluster import (
    SINGULAR,
    ClusterParams,
    cluster_fragments,
    counterpart_of,
)
from symphonia.pipeline.evidence_accumulation import combined_labels

FOR, AGAINST, CLAIM = FragmentKind.ARGUMENT_FOR, FragmentKind.ARGUMENT_AGAINST, FragmentKind.CLAIM


def assert_partition(labels: tuple[int, ...], n: int) -> None:
    assert len(labels) == n
    themes = sorted(set(labels) - {SINGULAR})
    assert themes == list(range(len(themes))), "theme labels are 0..k-1"
    assert all(lab >= SINGULAR for lab in labels)


def test_separated_blobs_are_recovered(fragments_factory: Any, blobs_factory: Any) -> None:
    vecs = blobs_factory(20, 3)
    frags = fragments_factory(60)
    result = cluster_fragments(frags, vecs)
    assert_partition(result.labels, 60)
    truth = np.repeat(np.arange(3), 20)
    for t in range(3):
        mine = {result.labels[i] for i in np.flatnonzero(truth == t)} - {SINGULAR}
        assert len(mine) == 1, "each blob maps to one theme"
    assert result.n_clusters == 3
    assert result.params_used["groups"]["neutral"]["path"] == "graph"


@pytest.mark.parametrize("method", ["auto", "spectral", "umap", "pca"])
def test_same_input_same_labels(method: str, fragments_factory: Any, blobs_factory: Any) -> None:
    vecs = blobs_factory(15, 4, noise=0.3, seed=3)
    frags = fragments_factory(60, [FOR, AGAINST, CLAIM])
    params = replace(ClusterParams(), reduce_method=method)  # type: ignore[arg-type]
    first = cluster_fragments(frags, vecs, params)
    second = cluster_fragments(frags, vecs.copy(), params)
    assert first.labels == second.labels
    assert first.params_used == second.params_used


def test_input_order_does_not_change_the_partition(
    fragments_factory: Any, blobs_factory: Any
) -> None:
    vecs = blobs_factory(15, 3, noise=0.3, seed=5)
    frags = fragments_factory(45)
    perm = np.random.default_rng(1).permutation(45)
    a = cluster_fragments(frags, vecs).labels
    b = cluster_fragments([frags[i] for i in perm], vecs[perm]).labels
    groups_a = {frozenset(frags[i].id for i in range(45) if a[i] == lab) for lab in set(a)}
    groups_b = {frozenset(frags[perm[j]].id for j in range(45) if b[j] == lab) for lab in set(b)}
    assert groups_a == groups_b


def test_stances_never_share_a_theme(fragments_factory: Any, blobs_factory: Any) -> None:
    vecs = blobs_factory(20, 2)
    frags = fragments_factory(40, [FOR, AGAINST])  # same topic blobs, alternating stance
    labels = cluster_fragments(frags, vecs).labels
    for lab in set(labels) - {SINGULAR}:
        assert len({frags[i].kind for i in range(40) if labels[i] == lab}) == 1
    merged = cluster_fragments(frags, vecs, replace(ClusterParams(), split_by_stance=False))
    assert merged.n_clusters == 2
    pairs = counterpart_of(labels, frags, vecs)
    assert pairs
    assert all(labels.count(a) and labels.count(b) for a, b in pairs.items())


@pytest.mark.parametrize("n", [0, 1, 2])
def test_very_small_rounds(n: int, fragments_factory: Any) -> None:
    frags = fragments_factory(n)
    vecs = np.eye(max(n, 1), 8, dtype=np.float32)[:n]
    result = cluster_fragments(frags, vecs)
    assert result.labels == (SINGULAR,) * n


def test_tiny_round_groups_near_duplicates(fragments_factory: Any) -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=(3, 16))
    vecs = np.vstack([base[0], base[0] + 0.01, base[1], base[2], base[1] + 0.02]).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    result = cluster_fragments(fragments_factory(5), vecs)
    assert result.labels[0] == result.labels[1] != SINGULAR
    assert result.labels[2] == result.labels[4] != SINGULAR
    assert result.labels[3] == SINGULAR
    assert result.params_used["groups"]["neutral"]["path"] == "agglomerative"


def test_misaligned_input_is_refused(fragments_factory: Any) -> None:
    with pytest.raises(ValueError, match="vectors"):
        cluster_fragments(fragments_factory(3), np.zeros((2, 4), dtype=np.float32))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(min_value=0, max_value=80),
    dim=st.integers(min_value=2, max_value=24),
    seed=st.integers(min_value=0, max_value=2**31 - 1),
    kinds=st.lists(st.sampled_from(list(FragmentKind)), min_size=1, max_size=4),
    method=st.sampled_from(["pca", "none", "spectral"]),
)
def test_every_fragment_in_exactly_one_place(
    n: int, dim: int, seed: int, kinds: list[FragmentKind], method: str
) -> None:
    rng = np.random.default_rng(seed)
    vecs = rng.normal(size=(n, dim)).astype(np.float32)
    if n and rng.random() < 0.3:
        vecs[: n // 2] = vecs[0]  # many exact duplicates
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
    frags = [
        Fragment(id=f"f{i}", author="E01", kind=kinds[i % len(kinds)], text="t") for i in range(n)
    ]
    params = replace(ClusterParams(), reduce_method=method)  # type: ignore[arg-type]
    result = cluster_fragments(frags, vecs, params)
    assert_partition(result.labels, n)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(min_value=15, max_value=60), seed=st.integers(0, 1000))
def test_partition_property_with_umap(n: int, seed: int) -> None:
    vecs = np.random.default_rng(seed).normal(size=(n, 12)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    frags = [Fragment(id=f"f{i}", author="E01", kind=CLAIM, text="t") for i in range(n)]
    result = cluster_fragments(frags, vecs, replace(ClusterParams(), reduce_method="umap"))
    assert_partition(result.labels, n)


def _with_noise(vecs: np.ndarray, seed: int, scale: float = 1e-6) -> np.ndarray:
    noisy = vecs + np.random.default_rng(seed).normal(0.0, scale, vecs.shape)
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def test_themes_do_not_move_with_the_last_digits_of_the_vectors(
    fragments_factory: Any, blobs_factory: Any
) -> None:
    """ONNX and PyTorch vectors of one text differ by ~1e-7; the themes must not feel it."""
    vecs = blobs_factory(12, 8, noise=0.5, seed=11)
    frags = fragments_factory(96)
    base = cluster_fragments(frags, vecs)
    assert base.n_clusters == 8
    for seed in range(3):
        assert cluster_fragments(frags, _with_noise(vecs, seed)).labels == base.labels


def test_density_groups_are_what_several_umap_layouts_agree_on(
    fragments_factory: Any, blobs_factory: Any
) -> None:
    """Five layouts with successive seeds, combined by evidence accumulation; PCA, which has
    no randomness, runs once."""
    vecs = blobs_factory(12, 8, noise=0.5, seed=11)
    frags = fragments_factory(96)
    params = replace(ClusterParams(), settle_positions=False, grouping="layout")
    combined = cluster_fragments(frags, vecs, params)
    assert combined.params_used["groups"]["neutral"]["layouts"] == 5
    singles = [
        np.asarray(
            cluster_fragments(
                frags, vecs, replace(params, umap_runs=1, seed=params.seed + run)
            ).labels
        )
        for run in range(5)
    ]
    mcs = combined.params_used["groups"]["neutral"]["min_cluster_size"]
    expected = combined_labels(singles, distance_threshold=params.umap_runs_distance, min_size=mcs)
    assert _same_partition(np.asarray(combined.labels), expected)
    assert any(not _same_partition(single, expected) for single in singles), "fixture too easy"
    pca = cluster_fragments(frags, vecs, replace(params, reduce_method="pca"))
    assert pca.params_used["groups"]["neutral"]["layouts"] == 1


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    if not np.array_equal(a == SINGULAR, b == SINGULAR):
        return False
    pairs = {(int(x), int(y)) for x, y in zip(a, b, strict=True) if x != SINGULAR}
    return len(pairs) == len({x for x, _ in pairs}) == len({y for _, y in pairs})


@pytest.mark.parametrize("grouping", ["graph", "layout"])
def test_one_tight_position_stays_one_theme(
    grouping: str, fragments_factory: Any, blobs_factory: Any
) -> None:
    """The density step cuts a dense majority into several groups (HDBSCAN by its size cap,
    Louvain by its resolution); the positions pass joins it again, because its parts make
    one point, and never joins it with the smaller positions beside it."""
    vectors = np.vstack([blobs_factory(70, 1, seed=1, noise=0.2), blobs_factory(10, 3, seed=2)])
    fragments = fragments_factory(len(vectors))
    params = replace(ClusterParams(), grouping=grouping)  # type: ignore[arg-type]
    result = cluster_fragments(fragments, vectors, params)
    majority = {result.labels[i] for i in range(70)}
    assert len(majority) == 1
    assert SINGULAR not in majority
    assert not majority & {result.labels[i] for i in range(70, 100)}
    assert result.n_clusters >= 3, "the small positions are not all lumped together"
    unsettled = cluster_fragments(fragments, vectors, replace(params, settle_positions=False))
    cut = {unsettled.labels[i] for i in range(70)} - {SINGULAR}
    assert len(cut) > 1, "fixture too easy: the density step must cut the majority"


def test_a_round_without_structure_is_not_one_giant_theme(fragments_factory: Any) -> None:
    vecs = np.random.default_rng(4).normal(size=(100, 32)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    labels = cluster_fragments(fragments_factory(100), vecs).labels
    sizes = np.bincount([x for x in labels if x >= 0]) if any(x >= 0 for x in labels) else [0]
    assert max(sizes) <= 50


def test_small_positions_in_a_large_round_are_themes_not_singular_views(
    fragments_factory: Any, blobs_factory: Any
) -> None:
    """The smallest theme no longer grows with the round: 3% of 1,500 would be 45, so 50
    positions of 30 fragments each became hundreds of singular views; the cap keeps it at 25."""
    vectors = blobs_factory(30, 50, dim=64, seed=7)
    result = cluster_fragments(fragments_factory(len(vectors)), vectors)
    assert result.params_used["groups"]["neutral"]["min_cluster_size"] == 25
    assert result.singular_indices == ()
    assert result.n_clusters >= 45
    uncapped = cluster_fragments(
        fragments_factory(len(vectors)),
        vectors,
        replace(ClusterParams(), min_cluster_size_cap=None),
    )
    assert len(uncapped.singular_indices) > 300, "the fixture shows what the cap changes"
