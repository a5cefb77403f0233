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
import umap.umap_
from symphonia.pipeline.jit_cache import cache_umap_compilations, jit_cache_dir
from symphonia.pipeline.reduce import reduce_vectors
vectors = np.random.default_rng(0).normal(size=(60, 32)).astype(np.float32)
reduced, method = reduce_vectors(vectors, method="umap", n_components=5, n_neighbors=10)
stats = umap.umap_.smooth_knn_dist.stats  # declared without cache=True by umap-learn
print(json.dumps({"method": method, "covered": cache_umap_compilations(),
                  "directory": str(jit_cache_dir()),
                  "hits": sum(stats.cache_hits.values()),
                  "misses": sum(stats.cache_misses.values()),
                  "reduced": np.round(reduced, 5).tolist()}))
"""


def reduce_in_fresh_process(cache_home: Path) -> dict[str, object]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
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


def test_umap_compilations_are_stored_then_loaded_with_the_same_result(tmp_path: Path) -> None:
    first = reduce_in_fresh_process(tmp_path)
    directory = Path(str(first["directory"]))
    assert directory.is_relative_to(tmp_path / "symphonia" / "numba")
    assert "umap-learn" in directory.name
    assert first["method"] == "umap"
    assert isinstance(first["covered"], int)
    assert first["covered"] > 100
    assert first["hits"] == 0  # compiled, then stored
    assert any(p.name.startswith("umap_.smooth_knn_dist-") for p in directory.rglob("*.nbi"))
    second = reduce_in_fresh_process(tmp_path)
    assert (second["hits"], second["misses"]) == (1, 0)  # loaded, not compiled
    assert second["reduced"] == first["reduced"]


def test_an_unusable_cache_directory_only_costs_the_compile(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache home should be")
    result = reduce_in_fresh_process(blocked)
    assert result["method"] == "umap"
    assert result["covered"] == 0
    assert result["hits"] == 0
