"""Reducers: the spectral layout is deterministic, keeps a neighbour graph's separate pieces
apart, and refuses what it cannot lay out."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from symphonia.pipeline.reduce import reduce_vectors, spectral_reduce


def test_the_spectral_layout_is_a_function_of_its_input(blobs_factory: Any) -> None:
    vecs = blobs_factory(10, 4, noise=0.3, seed=2)
    first, method = reduce_vectors(vecs, method="spectral", n_components=5, n_neighbors=10)
    second, _ = reduce_vectors(vecs.copy(), method="spectral", n_components=5, n_neighbors=10)
    assert method == "spectral"
    assert first.shape == (40, 5)
    assert np.array_equal(first, second)


def test_auto_uses_umap_up_to_its_limit_and_pca_above(blobs_factory: Any) -> None:
    vecs = blobs_factory(10, 4, noise=0.3, seed=2)
    assert reduce_vectors(vecs, n_components=5, umap_max_n=40)[1] == "umap"
    assert reduce_vectors(vecs, n_components=5, umap_max_n=39)[1] == "pca"


def test_too_few_vectors_are_refused(blobs_factory: Any) -> None:
    with pytest.raises(ValueError, match="needs more than 6"):
        spectral_reduce(blobs_factory(3, 2), n_components=5, n_neighbors=5, seed=0)


def test_separate_positions_stay_apart_in_the_spectral_layout(blobs_factory: Any) -> None:
    """Two positions whose neighbour graphs do not touch: one coordinate of the layout tells
    them apart. (UMAP's initial layout, used bare, stretched each piece as wide as the gap
    between them, and HDBSCAN found no group at all.)"""
    vecs = blobs_factory(10, 2)
    reduced, method = reduce_vectors(vecs, method="spectral", n_components=5, n_neighbors=5)
    assert method == "spectral"
    first, second = reduced[:10], reduced[10:]
    apart = (first.max(axis=0) < second.min(axis=0)) | (second.max(axis=0) < first.min(axis=0))
    assert apart.any()
