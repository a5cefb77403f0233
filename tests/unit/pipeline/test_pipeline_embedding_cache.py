"""Embedding cache: a re-run embeds nothing new; identical texts are embedded once."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from symphonia.pipeline.embed import SentenceTransformerEmbedder
from symphonia.pipeline.embedding_cache import CachedEmbedder, EmbeddingCache, text_key


def test_second_run_embeds_nothing_new(tmp_path: Path, counting_embedder: Any) -> None:
    texts = ["alpha", "beta", "gamma"]
    with EmbeddingCache(tmp_path / "c.sqlite3") as cache:
        cached = CachedEmbedder(counting_embedder, cache)
        first = cached.embed(texts)
        assert counting_embedder.embedded == 3
        second = cached.embed(texts)
        assert counting_embedder.embedded == 3
        assert cached.last_misses == 0
        np.testing.assert_array_equal(first, second)
        assert second.dtype == np.float32


def test_only_new_texts_are_embedded_in_one_batch(tmp_path: Path, counting_embedder: Any) -> None:
    with EmbeddingCache(tmp_path / "c.sqlite3") as cache:
        cached = CachedEmbedder(counting_embedder, cache)
        cached.embed(["a", "b"])
        out = cached.embed(["a", "c", "b", "d", "c"])
        assert counting_embedder.calls == [["a", "b"], ["c", "d"]]
        np.testing.assert_array_equal(out[1], out[4])
        assert out.shape == (5, counting_embedder.dim)


def test_duplicates_embedded_once(tmp_path: Path, counting_embedder: Any) -> None:
    with EmbeddingCache(tmp_path / "c.sqlite3") as cache:
        out = CachedEmbedder(counting_embedder, cache).embed(["same", "same", "same"])
    assert counting_embedder.calls == [["same"]]
    assert out.shape[0] == 3


def test_cache_persists_across_processes_and_is_keyed_by_model(
    tmp_path: Path, embedder_factory: Any
) -> None:
    path = tmp_path / "c.sqlite3"
    a = embedder_factory(model_id="model-a")
    with EmbeddingCache(path) as cache:
        CachedEmbedder(a, cache).embed(["x", "y"])
    a2 = embedder_factory(model_id="model-a")
    b = embedder_factory(model_id="model-b")
    with EmbeddingCache(path) as cache:
        CachedEmbedder(a2, cache).embed(["x", "y"])
        CachedEmbedder(b, cache).embed(["x", "y"])
        assert cache.count("model-a") == 2
        assert cache.count() == 4
    assert a2.embedded == 0
    assert b.embedded == 2


def test_text_key_is_exact() -> None:
    assert text_key("a") != text_key("a ")
    assert len(text_key("a")) == 32


def test_empty_input(tmp_path: Path, counting_embedder: Any) -> None:
    with EmbeddingCache(tmp_path / "c.sqlite3") as cache:
        out = CachedEmbedder(counting_embedder, cache).embed([])
    assert out.shape[0] == 0
    assert counting_embedder.calls == []


def test_fully_cached_run_never_loads_the_model(tmp_path: Path, counting_embedder: Any) -> None:
    texts = ["one fragment", "another fragment"]
    path = tmp_path / "c.sqlite3"
    real = SentenceTransformerEmbedder()
    with EmbeddingCache(path) as cache:
        # Populate under the real model's id with fake vectors: no model needed.
        cache.put_many(
            real.model_id,
            dict(zip([text_key(t) for t in texts], counting_embedder.embed(texts), strict=True)),
        )

    def boom() -> None:
        raise AssertionError("the model must not be loaded on a fully cached run")

    real._load = boom  # type: ignore[method-assign]
    with EmbeddingCache(path) as cache:
        out = CachedEmbedder(real, cache).embed(texts)
    assert out.shape == (2, counting_embedder.dim)
    assert not real.loaded


def test_fifty_thousand_lookups_are_fast(tmp_path: Path) -> None:
    n, dim = 50_000, 384
    rng = np.random.default_rng(0)
    keys = [text_key(f"text {i}") for i in range(n)]
    vecs = rng.normal(size=(n, dim)).astype(np.float32)
    with EmbeddingCache(tmp_path / "c.sqlite3") as cache:
        cache.put_many("m", dict(zip(keys, vecs, strict=True)))
        start = time.perf_counter()
        found = cache.get_many("m", keys)
        elapsed = time.perf_counter() - start
    assert len(found) == n
    np.testing.assert_array_equal(found[keys[123]], vecs[123])
    assert elapsed < 5.0, f"50k lookups took {elapsed:.2f}s"


@pytest.mark.parametrize("batch_size", [0, -1])
def test_embedder_rejects_bad_batch_size(batch_size: int) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        SentenceTransformerEmbedder(batch_size=batch_size)


def test_an_unreadable_cache_file_is_set_aside_and_rebuilt(
    tmp_path: Path, counting_embedder: Any
) -> None:
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"garbage, not SQLite" * 200)
    with EmbeddingCache(path) as cache:
        assert cache.recovered is not None
        assert "file is not a database" in cache.recovered
        cached = CachedEmbedder(counting_embedder, cache)
        cached.embed(["a", "b"])
        assert cache.count() == 2
    assert (tmp_path / "c.sqlite3.corrupt").read_bytes().startswith(b"garbage")


class _Malformed:
    """A connection to a file damaged after it was opened: every query fails as SQLite's do
    (real damage is not reliably seen by an open WAL connection, which keeps its pages)."""

    def __init__(self, real: sqlite3.Connection) -> None:
        self.real = real

    def execute(self, *args: object) -> None:
        raise sqlite3.DatabaseError("database disk image is malformed")

    executemany = execute

    def close(self) -> None:
        self.real.close()


def test_a_cache_damaged_while_open_is_rebuilt_on_the_next_query(
    tmp_path: Path, counting_embedder: Any
) -> None:
    path = tmp_path / "c.sqlite3"
    texts = [f"text {i}" for i in range(20)]
    with EmbeddingCache(path) as cache:
        cached = CachedEmbedder(counting_embedder, cache)
        cached.embed(texts)
        cache._conn = _Malformed(cache._conn)  # type: ignore[assignment]
        again = cached.embed(texts)
        assert cache.recovered is not None
        assert "malformed" in cache.recovered
        assert again.shape == (20, counting_embedder.dim)
        assert counting_embedder.embedded == 40, "everything was embedded again"
        cache._conn = _Malformed(cache._conn)  # type: ignore[assignment]
        cache.put_many("m", {text_key("x"): np.ones(3, dtype=np.float32)})  # a write, too
        assert cache.count("m") == 1
    assert (tmp_path / "c.sqlite3.corrupt").exists()


def test_non_finite_or_wrong_length_vectors_count_as_missing(tmp_path: Path) -> None:
    with EmbeddingCache(tmp_path / "c.sqlite3") as cache:
        key_nan, key_short = text_key("nan"), text_key("short")
        cache.put_many("m", {key_nan: np.array([np.nan, 1.0], dtype=np.float32)})
        cache._conn.execute(
            "INSERT INTO embeddings VALUES (?, ?, ?, ?)", ("m", key_short, 4, b"\0" * 8)
        )
        assert cache.get_many("m", [key_nan, key_short]) == {}


def test_a_cache_path_that_cannot_be_opened_is_an_os_error_not_damage(tmp_path: Path) -> None:
    folder = tmp_path / "cache-is-a-folder"
    folder.mkdir()
    with pytest.raises(OSError, match="cannot open the embedding cache"):
        EmbeddingCache(folder)
    assert folder.is_dir(), "nothing was moved aside"
