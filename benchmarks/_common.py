"""Shared benchmark helpers: ArgKP loading and the embedding cache location.

The ArgKP data is read in place (default ../shared/data/argkp beside the checkout, or
--data); it is never copied into the repository. Embeddings go to a cache outside it too.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.pipeline.contracts import Embedder
from symphonia.pipeline.embedding_cache import CachedEmbedder, EmbeddingCache

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "argkp"
"""../shared/data/argkp beside the checkout, as the project guide lays it out."""
NO_KEY_POINT = "<no key point>"


def default_cache_path(backend: str = "torch") -> Path:
    """The benchmarks' embedding cache for one backend. One file per backend, because ONNX
    and PyTorch vectors share a cache key in the product (they agree to 1e-7) and a UMAP
    layout still moves with that difference: a shared file would make one backend's figures
    silently the other's."""
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    name = "bench-embeddings" if backend == "torch" else f"bench-embeddings-{backend}"
    return base / "symphonia" / f"{name}.sqlite3"


def bench_embedder(backend: str, cache: Path | None = None) -> CachedEmbedder:
    """The benchmarks' embedder: `torch` (plain sentence-transformers), `onnx` (the
    product's default backend) or `onnx-int8` (its int8 copy, for rounds above
    SYMPHONIA_EMBEDDING_INT8_ABOVE), behind that backend's own cache file."""
    from symphonia.pipeline.embed import SentenceTransformerEmbedder
    from symphonia.pipeline.embed_onnx import OnnxEmbedder
    from symphonia.settings import load_settings

    model: Embedder
    if backend == "torch":
        model = SentenceTransformerEmbedder()
    else:
        model_cache = load_settings().model_cache
        model = OnnxEmbedder(model_cache=model_cache, fallback=False, int8=backend == "onnx-int8")
    return CachedEmbedder(model, EmbeddingCache(cache or default_cache_path(backend)))


BENCH_BACKENDS = ("onnx", "onnx-int8", "torch")
"""What `bench_embedder` takes; `onnx` is what the product embeds a Delphi-sized round with."""


@dataclass(frozen=True)
class Round:
    topic: str
    fragments: list[Fragment]
    gold: list[str]
    """Gold key point id per fragment (NO_KEY_POINT when it matches none)."""


def load_split(data: Path, split: str, *, single_match_only: bool = True) -> list[Round]:
    """One round per topic; one fragment per argument, kind from its stance.

    Gold theme = the key point the argument matches (label == 1). With `single_match_only`
    (the benchmark's own convention, the default) an argument that matches no key point or
    several is left out of the round altogether: it has no single true theme. Without it
    (the older reading, kept for `argkp_bounds.py`'s oracles), an argument matching several
    key points takes the first in key_points_<split>.csv order and one matching none gets
    NO_KEY_POINT.
    """
    with (data / f"key_points_{split}.csv").open(newline="", encoding="utf-8") as fh:
        kp_order = {row["key_point_id"]: i for i, row in enumerate(csv.DictReader(fh))}
    matches: dict[str, list[str]] = {}
    with (data / f"labels_{split}.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["label"].strip() == "1":
                matches.setdefault(row["arg_id"], []).append(row["key_point_id"])
    rounds: dict[str, Round] = {}
    with (data / f"arguments_{split}.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            topic = row["topic"]
            if single_match_only and len(matches.get(row["arg_id"], [])) != 1:
                continue
            r = rounds.setdefault(topic, Round(topic, [], []))
            kind = (
                FragmentKind.ARGUMENT_FOR
                if row["stance"].strip() == "1"
                else FragmentKind.ARGUMENT_AGAINST
            )
            r.fragments.append(
                Fragment(
                    id=row["arg_id"],
                    author="anon",
                    kind=kind,
                    text=row["argument"].strip() or "(empty)",
                    question=topic,
                )
            )
            kps = sorted(matches.get(row["arg_id"], []), key=lambda k: kp_order.get(k, 1 << 30))
            r.gold.append(kps[0] if kps else NO_KEY_POINT)
    return list(rounds.values())
