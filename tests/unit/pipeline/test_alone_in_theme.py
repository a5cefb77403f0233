"""A member that shares next to nothing with the rest of its theme is a singular view."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from symphonia.pipeline.cluster import ClusterParams, cluster_fragments
from symphonia.pipeline.position_space import SINGULAR, position_space
from symphonia.pipeline.positions import alone_in_theme


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=0, max_value=2**32 - 1),
    st.lists(st.integers(min_value=-1, max_value=3), min_size=1, max_size=12),
)
def test_similarity_to_rest_of_group_is_the_cosine_to_the_others_mean(
    seed: int, raw: list[int]
) -> None:
    labels = np.asarray(raw, dtype=np.int64)
    vectors = _unit(np.random.default_rng(seed).normal(size=(labels.size, 6)))
    found = position_space(vectors, None, 0.0).similarity_to_rest_of_group(labels)
    for i, label in enumerate(labels):
        others = [j for j in range(labels.size) if j != i and labels[j] == label]
        if label == SINGULAR or not others:
            assert np.isnan(found[i])
            continue
        centre = vectors[others].sum(axis=0)
        norm = np.linalg.norm(centre)
        if norm < 1e-6:  # the others cancel out: no direction to compare with
            continue
        assert abs(found[i] - float(vectors[i] @ centre / norm)) < 1e-9


def test_an_unrelated_member_is_taken_out_and_a_loose_pair_kept() -> None:
    rng = np.random.default_rng(3)
    topic = rng.normal(size=16)
    theme = _unit(topic + 0.6 * rng.normal(size=(4, 16)))
    stray = _unit(rng.normal(size=(1, 16)) - 0.2 * topic)  # shares nothing with the theme
    pair_base = rng.normal(size=16)
    pair = _unit(pair_base + 0.9 * rng.normal(size=(2, 16)))  # alike, but loosely
    vectors = np.vstack([theme, stray, pair])
    labels = np.array([0, 0, 0, 0, 0, 1, 1])
    rest = position_space(vectors, None, 0.0).similarity_to_rest_of_group(labels)
    assert rest[4] < 0.2 < rest[5:].min(), "fixture: the pair is loose but above the line"
    assert alone_in_theme(vectors, labels, 0.2).tolist() == [0, 0, 0, 0, SINGULAR, 1, 1]
    same = alone_in_theme(vectors[[0, 1, 2, 3, 5, 6]], labels[[0, 1, 2, 3, 5, 6]], 0.2)
    assert same.tolist() == [0, 0, 0, 0, 1, 1]


def test_a_stray_fragment_does_not_stay_in_a_small_theme(
    fragments_factory: Any, blobs_factory: Any
) -> None:
    """Five positions of four and one fragment unrelated to all: the graph puts it in the
    community of its nearest neighbours, and a theme of five can hold it by its own share of
    the centre; the rest of the theme does not."""
    vectors = blobs_factory(4, 5, dim=24, noise=0.6, seed=7)
    centres = _unit(vectors.reshape(5, 4, -1).mean(axis=1))
    stray = np.random.default_rng(2).normal(size=(1, 24))
    stray -= 0.8 * (stray @ centres.T) @ centres  # mostly away from every position
    vectors = np.vstack([vectors, _unit(stray)]).astype(np.float32)
    fragments = fragments_factory(len(vectors))
    params = replace(ClusterParams(), lexical_weight=0.0)
    result = cluster_fragments(fragments, vectors, params)
    assert result.labels[-1] == SINGULAR
    assert result.n_clusters == 5
    kept = cluster_fragments(fragments, vectors, replace(params, alone_below=None))
    assert kept.labels[-1] != SINGULAR, "fixture too easy: without the check it stays"
