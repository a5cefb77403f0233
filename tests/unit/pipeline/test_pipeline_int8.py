"""The int8 copy of the embedding model, and the switch that uses it for very large rounds."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.pipeline.analyze import analyze_round
from symphonia.pipeline.contracts import embedder_for_round
from symphonia.pipeline.embed import resolve_model_path
from symphonia.pipeline.embed_by_size import BySize
from symphonia.pipeline.embed_onnx import OnnxEmbedder
from symphonia.pipeline.embedding_cache import CachedEmbedder, EmbeddingCache
from symphonia.pipeline.onnx_export import OnnxUnsupported, prepare_onnx_model
from symphonia.pipeline.onnx_quantize import (
    INT8_GRAPH,
    MIN_INT8_PROBE_COSINE,
    prepare_int8_graph,
    probe_agreement,
)
from symphonia.services.providers import build_embedder
from symphonia.settings import (
    DEFAULT_EMBEDDING_MODEL,
    DEFAULT_INT8_ABOVE,
    SettingsError,
    load_settings,
)

pytestmark = pytest.mark.model

MODEL_DIR = Path(resolve_model_path(DEFAULT_EMBEDDING_MODEL))
TEXTS = [
    "Schools should be full partners in local data sharing.",
    "Ringfenced funding for five years, not annual bids.",
    "Parents do not trust how their children's records are used.",
    "ok",
    "",
]


def _copy_of_export(model_cache: Path, into: Path) -> Path:
    """A private copy of the session's float32 export (without any int8 copy), so a test can
    damage or lock it without touching the shared one."""
    good = prepare_onnx_model(DEFAULT_EMBEDDING_MODEL, MODEL_DIR, model_cache)
    target = into / good.graph.parent.name
    shutil.copytree(good.graph.parent, target, ignore=shutil.ignore_patterns(INT8_GRAPH))
    return target


def test_int8_vectors_stay_close_to_float32_and_are_cached_apart(
    model_cache: Path, tmp_path: Path
) -> None:
    full = OnnxEmbedder(model_cache=model_cache)
    int8 = OnnxEmbedder(model_cache=model_cache, int8=True)
    with EmbeddingCache(tmp_path / "cache.sqlite3") as cache:
        small = CachedEmbedder(int8, cache).embed(TEXTS)
        large = CachedEmbedder(full, cache).embed(TEXTS)
        assert cache.count(full.model_id) == cache.count(int8.model_id) == len(TEXTS)
    assert int8.backend == "onnx-int8"
    assert full.backend == "onnx"
    assert int8.model_id == f"{DEFAULT_EMBEDDING_MODEL}@int8" != full.model_id
    assert int8.fallback_reason is None
    np.testing.assert_allclose(np.linalg.norm(small, axis=1), 1.0, atol=1e-5)
    cosines = np.sum(small * large, axis=1)
    assert cosines.min() >= MIN_INT8_PROBE_COSINE, cosines
    assert cosines.max() < 0.99999, "int8 vectors identical to float32: not quantised"


def test_the_int8_copy_is_made_once_beside_the_export_and_readable_by_all(
    model_cache: Path,
) -> None:
    exported = prepare_onnx_model(DEFAULT_EMBEDDING_MODEL, MODEL_DIR, model_cache)
    graph = prepare_int8_graph(exported)
    assert graph == exported.graph.with_name(INT8_GRAPH)
    assert graph.stat().st_size < exported.graph.stat().st_size / 3  # int8 weights
    assert graph.stat().st_mode & 0o777 == 0o644
    made = graph.stat().st_mtime_ns
    assert prepare_int8_graph(exported) == graph
    assert graph.stat().st_mtime_ns == made
    assert probe_agreement(exported, graph) >= MIN_INT8_PROBE_COSINE
    assert not [p for p in graph.parent.iterdir() if p.name.startswith(".int8-")]


def test_a_damaged_int8_copy_is_made_again(model_cache: Path, tmp_path: Path) -> None:
    export = _copy_of_export(model_cache, tmp_path / "cache")
    (export / INT8_GRAPH).write_bytes(b"bit rot")
    embedder = OnnxEmbedder(model_cache=tmp_path / "cache", int8=True)
    embedder.embed(["repaired"])
    assert embedder.backend == "onnx-int8"
    assert (export / INT8_GRAPH).stat().st_size > 1_000_000


def test_when_no_int8_copy_can_be_made_the_embedder_runs_at_float32_and_says_why(
    model_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import symphonia.pipeline.onnx_quantize as onnx_quantize

    def refuse(source: Path, destination: Path) -> None:
        raise RuntimeError("quantiser refuses this graph")

    export = _copy_of_export(model_cache, tmp_path / "cache")
    monkeypatch.setattr(onnx_quantize, "_quantise", refuse)
    embedder = OnnxEmbedder(model_cache=tmp_path / "cache", int8=True)
    vectors = embedder.embed(TEXTS[:2])
    assert embedder.backend == "onnx"
    assert embedder.fallback_reason is not None
    assert "quantiser refuses this graph" in embedder.fallback_reason
    assert vectors.shape == (2, 384)
    assert not (export / INT8_GRAPH).exists()
    assert not [p for p in export.iterdir() if p.name.startswith(".int8-")]


def test_an_int8_copy_that_strays_is_refused_and_leaves_nothing(
    model_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import symphonia.pipeline.onnx_quantize as onnx_quantize

    export = _copy_of_export(model_cache, tmp_path / "cache")
    exported = prepare_onnx_model(DEFAULT_EMBEDDING_MODEL, MODEL_DIR, tmp_path / "cache")
    monkeypatch.setattr(onnx_quantize, "probe_agreement", lambda *_: 0.5)
    with pytest.raises(OnnxUnsupported, match="stray"):
        prepare_int8_graph(exported)
    assert sorted(p.name for p in export.iterdir()) == ["meta.json", "model.onnx", "tokenizer.json"]


def test_rounds_above_the_threshold_are_analysed_with_the_int8_model(
    model_cache: Path, tmp_path: Path
) -> None:
    fragments = [
        Fragment(id=f"f{i}", author=f"E{i % 3}", kind=FragmentKind.CLAIM, text=text)
        for i, text in enumerate(
            [
                "Schools should be full partners in local data sharing.",
                "Schools must be equal partners when data are shared locally.",
                "Ringfenced funding for five years, not annual bids.",
                "Funding should be ringfenced for several years.",
                "Parents do not trust how their children's records are used.",
            ]
        )
    ]
    with EmbeddingCache(tmp_path / "cache.sqlite3") as cache:
        full = CachedEmbedder(OnnxEmbedder(model_cache=model_cache), cache)
        int8 = CachedEmbedder(OnnxEmbedder(model_cache=model_cache, int8=True), cache)
        by_size = BySize(full, int8, int8_above=4)
        assert embedder_for_round(by_size, 4) is full
        assert embedder_for_round(by_size, 5) is int8
        large = analyze_round(fragments, by_size)
        small = analyze_round(fragments[:4], by_size)
    assert large.run["model"] == f"{DEFAULT_EMBEDDING_MODEL}@int8"
    assert large.run["embedding_backend"] == "onnx-int8"
    assert small.run["model"] == DEFAULT_EMBEDDING_MODEL
    assert small.run["embedding_backend"] == "onnx"


def test_settings_choose_the_threshold_and_zero_turns_int8_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings().embedding_int8_above == DEFAULT_INT8_ABOVE
    assert isinstance(build_embedder(load_settings()), BySize)
    monkeypatch.setenv("SYMPHONIA_EMBEDDING_INT8_ABOVE", "500")
    assert load_settings().embedding_int8_above == 500
    monkeypatch.setenv("SYMPHONIA_EMBEDDING_INT8_ABOVE", "0")
    assert load_settings().embedding_int8_above is None
    assert isinstance(build_embedder(load_settings()), CachedEmbedder)
    monkeypatch.delenv("SYMPHONIA_EMBEDDING_INT8_ABOVE")
    monkeypatch.setenv("SYMPHONIA_EMBEDDING_BACKEND", "torch")  # int8 is an ONNX graph
    assert isinstance(build_embedder(load_settings()), CachedEmbedder)
    monkeypatch.setenv("SYMPHONIA_EMBEDDING_INT8_ABOVE", "-1")
    with pytest.raises(SettingsError, match="SYMPHONIA_EMBEDDING_INT8_ABOVE"):
        load_settings()
