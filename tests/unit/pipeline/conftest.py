"""Shared fixtures for pipeline tests: fragments and fake embedders (no model needed)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from symphonia.core.classify import classify_by_content, theme_stats
from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.core.themes import Theme
from symphonia.pipeline.contracts import ProgressCallback, Vectors, no_progress


class CountingEmbedder:
    """Deterministic fake: a unit vector derived from the text's hash; counts what it embeds."""

    def __init__(self, dim: int = 16, model_id: str = "fake-model") -> None:
        self.dim = dim
        self._model_id = model_id
        self.calls: list[list[str]] = []

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def embedded(self) -> int:
        return sum(len(c) for c in self.calls)

    def embed(self, texts: Sequence[str], progress: ProgressCallback = no_progress) -> Vectors:
        self.calls.append(list(texts))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little")
            v = np.random.default_rng(seed).normal(size=self.dim)
            out[i] = v / np.linalg.norm(v)
        progress("embed", len(texts), len(texts))
        return out


def make_fragments(n: int, kinds: Sequence[FragmentKind] | None = None) -> list[Fragment]:
    kinds = kinds or [FragmentKind.CLAIM]
    return [
        Fragment(
            id=f"f{i:04d}",
            author=f"E{i % 7:02d}",
            kind=kinds[i % len(kinds)],
            text=f"fragment number {i}",
        )
        for i in range(n)
    ]


def blobs(n_per: int, centres: int, dim: int = 32, noise: float = 0.05, seed: int = 0) -> Vectors:
    """Unit vectors in `centres` well-separated groups, group-major order."""
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(centres, dim))
    pts = np.repeat(c, n_per, axis=0) + noise * rng.normal(size=(centres * n_per, dim))
    pts /= np.linalg.norm(pts, axis=1, keepdims=True)
    return pts.astype(np.float32)


@pytest.fixture
def counting_embedder() -> CountingEmbedder:
    return CountingEmbedder()


@pytest.fixture
def fragments_factory() -> Any:
    return make_fragments


@pytest.fixture
def blobs_factory() -> Any:
    return blobs


@pytest.fixture
def embedder_factory() -> Any:
    return CountingEmbedder


def classified_theme(tid: str, members: Sequence[Fragment], round_groups: Sequence[str]) -> Theme:
    """A theme as the pipeline would build it: content-classified, first member representative."""
    call = classify_by_content(members, round_groups)
    return Theme(
        id=tid,
        label=f"label {tid}",
        keywords=(),
        fragment_ids=tuple(f.id for f in members),
        representative_ids=(members[0].id,),
        status=call.status,
        stats=theme_stats(members),
        reasons=call.reasons,
        positions=call.positions,
        minority=call.minority,
    )
