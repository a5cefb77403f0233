"""The theme map's 2-D projection: computed once per analysis, the same on every run, in
[0, 1], one point per fragment, and themes kept apart (issue 12 §4)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from symphonia.pipeline.projection import project_2d
from tests.unit.pipeline.conftest import blobs


def _ids(n: int) -> list[str]:
    return [f"f{i:04d}" for i in range(n)]


@pytest.mark.parametrize("umap_max_n", [1000, 10], ids=["umap", "pca"])
def test_the_same_vectors_give_the_same_map_in_bounds(umap_max_n: int) -> None:
    vectors = blobs(10, 3)
    first = project_2d(_ids(30), vectors, seed=7, umap_max_n=umap_max_n)
    second = project_2d(_ids(30), vectors.copy(), seed=7, umap_max_n=umap_max_n)
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert first["method"].startswith("UMAP" if umap_max_n == 1000 else "PCA")
    points = np.array(list(first["points"].values()))
    assert list(first["points"]) == _ids(30)
    assert points.min() >= 0.0
    assert points.max() <= 1.0
    assert points.min(axis=0).tolist() == [0.0, 0.0]
    assert points.max(axis=0).tolist() == [1.0, 1.0]


def test_separate_groups_stay_apart_on_the_map() -> None:
    points = np.array(list(project_2d(_ids(30), blobs(10, 3), umap_max_n=10)["points"].values()))
    centres = [points[i * 10 : (i + 1) * 10].mean(axis=0) for i in range(3)]
    spread = max(float(np.linalg.norm(p - centres[i // 10])) for i, p in enumerate(points))
    gaps = [float(np.linalg.norm(a - b)) for i, a in enumerate(centres) for b in centres[i + 1 :]]
    assert min(gaps) > spread


@pytest.mark.parametrize("n", [0, 1, 2])
def test_too_few_fragments_are_placed_on_a_line_and_say_so(n: int) -> None:
    result = project_2d(_ids(n), blobs(n, 1) if n else np.zeros((0, 32)))
    assert len(result["points"]) == n
    assert all(0.0 <= c <= 1.0 for xy in result["points"].values() for c in xy)
    assert result["method"].startswith("none")
