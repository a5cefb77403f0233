"""UMAP's numba compilations are kept on disk, and a process that loads them reduces alike."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.model

REDUCE_IN_A_FRESH_PROCESS = """
import json
import numpy as np
from symphonia.pipeline.jit_cache import cache_umap_compilations
from symphonia.pipeline.reduce import reduce_vectors
vectors = np.random.default_rng(0).normal(size=(60, 32)).astype(np.float32)
reduced, method = reduce_vectors(vectors, method="umap", n_components=5, n_neighbors=10)
print(json.dumps({"method": method, "covered": cache_umap_compilations(),
                  "reduced": np.round(reduced, 5).tolist()}))
"""


def reduce_in_fresh_process(cache_dir: Path) -> dict[str, object]:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir)}
    done = subprocess.run(
        [sys.executable, "-c", REDUCE_IN_A_FRESH_PROCESS],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        env=env,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def umap_entries(cache_dir: Path) -> set[str]:
    return {p.name for p in cache_dir.rglob("*.nbi") if "umap" in str(p.relative_to(cache_dir))}


def test_umap_compilations_are_stored_and_reused_with_the_same_result(tmp_path: Path) -> None:
    cache_dir = tmp_path / "numba"
    first = reduce_in_fresh_process(cache_dir)
    stored = umap_entries(cache_dir)
    assert first["method"] == "umap"
    assert isinstance(first["covered"], int)
    assert first["covered"] > 100
    # umap-learn declares these without cache=True: stored only because we turned caching on
    for function in ("umap_.smooth_knn_dist", "umap_.compute_membership_strengths"):
        assert any(name.startswith(function + "-") for name in stored), sorted(stored)
    second = reduce_in_fresh_process(cache_dir)
    assert umap_entries(cache_dir) == stored  # loaded, nothing new compiled and stored
    assert second["reduced"] == first["reduced"]
