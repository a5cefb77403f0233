"""Stage 1 on ONNX Runtime: the default embedding backend (DESIGN.md §4.1).

The same model as `SentenceTransformerEmbedder`, run from a verified ONNX export
(`onnx_export`): the vectors agree with PyTorch's to a cosine of 0.9999995 or better, which is
below the noise that batch padding already causes, so both backends share one embedding cache
key (the model name). On 2 CPU cores it embeds in about 0.6 of PyTorch's time (50k texts:
142-152 s against 241 s), and embedding is nearly all of a cold analysis. A model that cannot
be exported falls back to PyTorch, with the reason logged and kept in `fallback_reason`,
unless the ONNX backend was asked for explicitly.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from symphonia.pipeline.contracts import Embedder, ProgressCallback, Vectors, no_progress
from symphonia.pipeline.embed import (
    SentenceTransformerEmbedder,
    embed_by_length,
    ensure_offline,
    resolve_model_path,
)
from symphonia.pipeline.onnx_encoder import OnnxEncoder
from symphonia.pipeline.onnx_export import OnnxModel, OnnxUnsupported, prepare_onnx_model
from symphonia.pipeline.onnx_quantize import INT8_SUFFIX, prepare_int8_graph
from symphonia.settings import DEFAULT_EMBEDDING_MODEL, EMBEDDING_BACKENDS

ONNX_BATCH_SIZE = 32
"""Texts per ONNX Runtime call. Smaller batches pad less: on 2 cores, 2000 texts took 5.6 s
at 16 or 32, 6.3 s at 64 and 6.6 s at 128 (PyTorch is flat across these sizes)."""

BACKENDS = EMBEDDING_BACKENDS
"""`auto` uses ONNX Runtime where the model exports and PyTorch otherwise (the values of
SYMPHONIA_EMBEDDING_BACKEND, defined once in :mod:`symphonia.settings`)."""

logger = logging.getLogger(__name__)


def resolve_model_dir(model_name: str) -> Path:
    """The local directory holding the model's files, without touching the network."""
    resolved = Path(resolve_model_path(model_name))
    if resolved.is_dir():
        return resolved
    ensure_offline()
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(model_name, local_files_only=True))
    except Exception as exc:  # not in the local cache, or not a valid repository name
        raise OnnxUnsupported(f"model {model_name!r} is not a local directory: {exc}") from exc


def _open_encoder(exported: OnnxModel, graph: Path | None = None) -> OnnxEncoder:
    """An encoder on `graph` (the float32 export unless given), with the export's tokenizer."""
    graph = graph or exported.graph
    try:
        return OnnxEncoder(graph, exported.tokenizer, exported.max_seq_length)
    except Exception as exc:  # onnxruntime raises its own types for unreadable graphs
        raise OnnxUnsupported(f"cannot open {graph}: {exc}") from exc


def _open_int8_encoder(exported: OnnxModel) -> OnnxEncoder:
    """The int8 encoder, quantised on first use; a copy that will not open (damaged after
    it was checked) is made once more."""
    graph = prepare_int8_graph(exported)
    try:
        return _open_encoder(exported, graph)
    except OnnxUnsupported as exc:
        logger.warning("quantising %s again: %s", exported.graph, exc)
        graph.unlink(missing_ok=True)
        return _open_encoder(exported, prepare_int8_graph(exported))


class OnnxEmbedder:
    """`Embedder` on ONNX Runtime, exporting the model into `model_cache` on first use.

    With `int8`, the export's int8 copy runs instead (`onnx_quantize`; made on first use),
    and the vectors are cached under their own key. If no int8 copy can be made, the float32
    export runs, with the reason in `fallback_reason`: slower, never worse.
    """

    def __init__(
        self,
        model_name: str = DEFAULT_EMBEDDING_MODEL,
        *,
        model_cache: Path,
        batch_size: int = ONNX_BATCH_SIZE,
        fallback: bool = True,
        int8: bool = False,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._model_name = model_name
        self._model_cache = model_cache
        self._batch_size = batch_size
        self._fallback = fallback
        self._int8 = int8
        self._int8_running = False
        self._encoder: OnnxEncoder | None = None
        self._torch: SentenceTransformerEmbedder | None = None
        self._dim: int | None = None
        self._lock = threading.Lock()
        self.fallback_reason: str | None = None

    @property
    def model_id(self) -> str:
        """The key of this model's vectors in the cache: the configured model name, with
        `INT8_SUFFIX` for the int8 copy."""
        return self._model_name + (INT8_SUFFIX if self._int8 else "")

    @property
    def loaded(self) -> bool:
        """Whether a model has been loaded (tests check a cached run never loads one)."""
        return self._encoder is not None or self._torch is not None

    @property
    def backend(self) -> str | None:
        """`onnx`, `onnx-int8` or `torch` once loaded; None before the first embedding."""
        if self._encoder is not None:
            return "onnx-int8" if self._int8_running else "onnx"
        return "torch" if self._torch is not None else None

    def _load(self, progress: ProgressCallback) -> None:
        with self._lock:
            if self.loaded:
                return
            progress("prepare model", 0, 1)
            try:
                self._encoder, self._dim = self._open_onnx()
            except OnnxUnsupported as exc:
                if not self._fallback:
                    raise OnnxUnsupported(
                        f"{exc}; set SYMPHONIA_EMBEDDING_BACKEND=auto or torch to use PyTorch"
                    ) from exc
                self.fallback_reason = str(exc)
                logger.warning("embedding with PyTorch: %s", exc)
                self._torch = SentenceTransformerEmbedder(self._model_name)
            finally:
                progress("prepare model", 1, 1)

    def _open_onnx(self) -> tuple[OnnxEncoder, int]:
        """The verified export, opened; an export that will not open is made once more
        (its metadata said it was whole, so its graph was damaged after the fact)."""
        model_dir = resolve_model_dir(self._model_name)
        exported = prepare_onnx_model(self._model_name, model_dir, self._model_cache)
        if self._int8:
            try:
                encoder = _open_int8_encoder(exported)
                self._int8_running = True
                return encoder, exported.dimension
            except OnnxUnsupported as exc:
                self.fallback_reason = f"no int8 copy: {exc}"
                logger.warning("embedding at float32 precision: %s", exc)
        try:
            return _open_encoder(exported), exported.dimension
        except OnnxUnsupported as exc:
            logger.warning("exporting %s again: %s", self._model_name, exc)
            shutil.rmtree(exported.graph.parent, ignore_errors=True)
            exported = prepare_onnx_model(self._model_name, model_dir, self._model_cache)
            return _open_encoder(exported), exported.dimension

    def embed(self, texts: Sequence[str], progress: ProgressCallback = no_progress) -> Vectors:
        """Embed `texts` in order; an empty input returns a (0, dim) array without loading
        the model (dim is 0 when the model has never been loaded)."""
        if not texts:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        self._load(progress)
        if self._torch is not None:
            return self._torch.embed(texts, progress)
        assert self._encoder is not None
        return embed_by_length(texts, self._encoder.encode, self._batch_size, progress)


def make_embedder(
    model_name: str = DEFAULT_EMBEDDING_MODEL,
    *,
    backend: str = "auto",
    model_cache: Path,
) -> Embedder:
    """The embedder for a configured backend, each with its own best batch size; an unknown
    backend is refused by name."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown embedding backend {backend!r}; expected one of {BACKENDS}")
    if backend == "torch":
        return SentenceTransformerEmbedder(model_name)
    return OnnxEmbedder(model_name, model_cache=model_cache, fallback=backend == "auto")
