"""Guard check (b): does the cited evidence support the statement's text?

Support is the **maximum** cosine similarity between the statement's embedding and the
embeddings of its (valid) cited fragments. Max, not mean: a statement typically voices one
point that several fragments make in different words, and an extractive statement quotes one
fragment while citing all of its side, so the mean punishes exactly the faithful statements
(mean support of extractive statements citing 8 fragments fell to 0.44 in calibration, while
max stayed >= 0.64). Citation validity is checked separately (check a), so a statement cannot
borrow support from a fragment of another theme.

Threshold calibration (all-MiniLM-L6-v2, ArgKP dev, `benchmarks/llm_drafting.py
--calibrate` reproduces it): extractive statements citing 1/3/8 fragments scored max support
>= 0.53 (5th percentile 0.64-0.76); a key point against arguments of another topic scored at
most 0.33, and off-topic sentences ("ignore previous instructions...", recipes, revenue)
against real arguments at most 0.36. 0.40 sits between the two: every extractive statement
passes and every unrelated text fails. Human key-point paraphrases citing one matched
argument scored a 5th percentile of 0.35, so a few loose-but-faithful paraphrases are flagged
for an editor to look at, which is the intended direction of error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from symphonia.core.fragments import Fragment
from symphonia.pipeline.contracts import Embedder, Vectors

DEFAULT_SUPPORT_THRESHOLD = 0.40


class SupportScorer:
    """Embeds statements and fragments in one batch, then scores statements against evidence."""

    def __init__(self, embedder: Embedder, fragments: Mapping[str, Fragment]) -> None:
        self._embedder = embedder
        self._fragments = fragments
        self._vectors: dict[str, Vectors] = {}

    def prepare(self, texts: Sequence[str], fragment_ids: Sequence[str]) -> None:
        """Embed every text and fragment not yet embedded, in a single embedder call."""
        wanted = [t for t in dict.fromkeys(texts) if f"t:{t}" not in self._vectors]
        fids = [
            i
            for i in dict.fromkeys(fragment_ids)
            if i in self._fragments and f"f:{i}" not in self._vectors
        ]
        batch = wanted + [self._fragments[i].text for i in fids]
        if not batch:
            return
        vectors = self._embedder.embed(batch)
        keys = [f"t:{t}" for t in wanted] + [f"f:{i}" for i in fids]
        for key, vec in zip(keys, vectors, strict=True):
            arr = np.asarray(vec, dtype=np.float32)
            norm = float(np.linalg.norm(arr))
            self._vectors[key] = arr / norm if norm > 0 else arr

    def support(self, text: str, cited: Sequence[str]) -> float:
        """Max cosine similarity of the text to its cited fragments (0.0 if none are valid)."""
        cited = [i for i in cited if i in self._fragments]
        if not cited:
            return 0.0
        self.prepare([text], cited)
        statement = self._vectors[f"t:{text}"]
        sims = [float(statement @ self._vectors[f"f:{i}"]) for i in cited]
        return round(max(sims), 4)
