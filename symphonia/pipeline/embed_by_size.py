"""One embedder for the process that embeds very large rounds with the int8 model.

Why a switch by size rather than one precision for all: int8 vectors (`onnx_quantize`)
cost 0.61 of the float32 time but differ from them by up to 0.02 in cosine, which moves
the themes of a small round about as much as any other perturbation of the embedding does
(benchmarks/argkp_themes.py --precision int8). A Delphi round of hundreds or a few thousand
fragments embeds in seconds to a couple of minutes at full precision, so it keeps it; a round
of tens of thousands is where the minutes decide whether the analysis is usable, and there
int8 is chosen (`Settings.embedding_int8_above`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from symphonia.pipeline.contracts import Embedder, ProgressCallback, Vectors, no_progress


class BySize:
    """`full` for rounds up to `int8_above` fragments, `int8` above; used directly (not
    through `for_round`), it is `full`, so callers that embed a few texts keep the usual
    vectors. Both usually share one embedding cache, under different keys."""

    def __init__(self, full: Embedder, int8: Embedder, *, int8_above: int) -> None:
        if int8_above < 1:
            raise ValueError("int8_above must be at least 1")
        self.full = full
        self.int8 = int8
        self.int8_above = int8_above

    def for_round(self, size: int) -> Embedder:
        return self.int8 if size > self.int8_above else self.full

    @property
    def model_id(self) -> str:
        return self.full.model_id

    @property
    def backend(self) -> str | None:
        return getattr(self.full, "backend", "other")

    @property
    def cache(self) -> Any:
        """The full-precision embedder's cache, for the CLI's "cache rebuilt" warning."""
        return getattr(self.full, "cache", None)

    def embed(self, texts: Sequence[str], progress: ProgressCallback = no_progress) -> Vectors:
        return self.full.embed(texts, progress)
