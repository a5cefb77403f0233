"""One small protocol per pipeline stage, so stages can be swapped and tested alone."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from symphonia.core.fragments import Fragment
from symphonia.core.synthesis import Synthesis
from symphonia.core.themes import Theme

Vectors = npt.NDArray[np.float32]

ProgressCallback = Callable[[str, int, int], None]
"""progress(step_name, done, total): long steps report through this; the CLI draws bars."""


def no_progress(step: str, done: int, total: int) -> None:
    """The default progress sink: report nothing."""


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors. `model_id` keys the embedding cache."""

    @property
    def model_id(self) -> str: ...

    def embed(self, texts: Sequence[str], progress: ProgressCallback = no_progress) -> Vectors: ...


@runtime_checkable
class RoundSized(Protocol):
    """An embedder that embeds large rounds differently (`embed_by_size.BySize`): the
    analysis asks it, once per round, which embedder that round's size calls for."""

    def for_round(self, size: int) -> Embedder: ...


def embedder_for_round(embedder: Embedder, size: int) -> Embedder:
    """The embedder for a round of `size` fragments: `embedder` itself unless it chooses by
    size. One choice per round, so the fragments and the drafted sentences the guard
    compares with them share one vector space."""
    return embedder.for_round(size) if isinstance(embedder, RoundSized) else embedder


def embedding_backend(embedder: Embedder) -> str:
    """What computed this run's vectors, for the run record: "onnx" or "torch" when the
    model ran (the two differ by ~1e-7, enough to move a UMAP layout), "cache only" when
    every vector came from the embedding cache, or "other" for embedders that do not say."""
    backend = getattr(embedder, "backend", "other")
    return "cache only" if backend is None else str(backend)


class Drafter(Protocol):
    """Writes a synthesis of classified themes; every statement cites fragments."""

    @property
    def name(self) -> str: ...

    def draft(
        self,
        themes: Sequence[Theme],
        singular_views: Sequence[str],
        fragments: Mapping[str, Fragment],
        question: str | None = None,
    ) -> Synthesis: ...
