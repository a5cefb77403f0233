"""The neighbour graph: pieces that share no edge are joined, weakly, by their closest members."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from symphonia.pipeline.neighbour_graph import BRIDGE_SHARE, join_pieces, neighbour_graph


def _unit(rows: list[list[float]]) -> np.ndarray:
    v = np.asarray(rows, dtype=np.float64)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_two_pieces_are_joined_by_their_most_similar_members() -> None:
    vectors = _unit([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0.2, 0.9, 0]])
    graph = sp.csr_matrix(
        np.array([[0, 0.8, 0, 0], [0.8, 0, 0, 0], [0, 0, 0, 0.6], [0, 0, 0.6, 0]])
    )
    joined = join_pieces(graph, vectors)
    bridges = (joined - graph).tocoo()
    assert sorted(zip(bridges.row.tolist(), bridges.col.tolist(), strict=True)) == [(1, 3), (3, 1)]
    cosine = float(vectors[1] @ vectors[3])
    assert np.allclose(bridges.data, BRIDGE_SHARE * 0.6 * (1 + cosine) / 2)
    assert bridges.data.max() < 0.6, "a bridge is weaker than any edge inside a piece"
    assert connected_components(joined, directed=False)[0] == 1


def test_every_two_pieces_get_one_bridge() -> None:
    rng = np.random.default_rng(0)
    vectors = _unit(rng.normal(size=(5, 4)).tolist())
    graph = sp.csr_matrix((5, 5))  # five pieces of one fragment each, no edge at all
    joined = join_pieces(graph, vectors)
    assert joined.nnz == 5 * 4, "one edge each way for each of the 10 pairs"
    assert (abs(joined - joined.T) > 0).nnz == 0, "symmetric"


def test_a_connected_graph_is_left_as_it_is() -> None:
    graph = sp.csr_matrix(np.array([[0, 0.5, 0], [0.5, 0, 0.7], [0, 0.7, 0]]))
    assert join_pieces(graph, _unit([[1, 0], [1, 1], [0, 1]])) is graph


def test_the_graph_of_separate_positions_is_connected(blobs_factory: Any) -> None:
    vectors = blobs_factory(10, 3)
    graph = neighbour_graph(vectors, n_neighbors=5, seed=42)
    assert graph.shape == (30, 30)
    assert connected_components(graph, directed=False)[0] == 1
    again = neighbour_graph(vectors.copy(), n_neighbors=5, seed=42)
    assert (abs(graph - again) > 0).nnz == 0, "deterministic"
