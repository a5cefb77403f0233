"""Guard check (b): does the cited evidence support the statement's text?

Support is the **maximum** cosine similarity between the statement's embedding and the
embeddings of its (valid) cited fragments. Max, not mean: a statement typically voices one
point that several fragments make in different words, and an extractive statement quotes one
fragment while citing all of its side, so the mean punishes exactly the faithful statements
(mean support of extractive statements citing 8 fragments fell to 0.44 in calibration, while
max stayed >= 0.64). Citation validity is checked separately (check a), so a statement cannot
borrow support from a fragment of another theme.

Threshold calibration (all-MiniLM-L6-v2 on ArgKP dev; reproduce with
``.venv/bin/python benchmarks/llm_drafting.py --calibrate``):

- extractive statements of the real pipeline's themes (72): min 0.776, 5th pct 0.816;
- a key point against 1/3/8 arguments of *another topic* (108): max 0.413, 95th pct <= 0.29;
- off-topic sentences (recipes, revenue, "ignore previous instructions...") against real
  arguments: max 0.358 (exploratory run);
- human key points against 1 matched argument: 5th pct 0.36, median 0.71.

0.45 sits above every unrelated score and far below every extractive one, so extractive
statements always pass and unrelated text always fails. Loose-but-faithful paraphrases
citing a single fragment are flagged some of the time (~8 % of ArgKP key points), which is
the intended direction of error: flagged means "an editor looks", never "dropped".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from symphonia.core.fragments import Fragment
from symphonia.pipeline.contracts import Embedder, Vectors

DEFAULT_SUPPORT_THRESHOLD = 0.45

QUOTATION = re.compile(r"\u201c([^\u201d]+)\u201d|\"([^\"]+)\"")
"""A quotation in curly or straight double quotes."""

FRAMING_WORDS = frozenset(
    [
        "a",
        "also",
        "against",
        "agreement",
        "an",
        "and",
        "arguments",
        "as",
        "band",
        "by",
        "candidate",
        "concerns",
        "confidence",
        "contributor",
        "contributors",
        "debate",
        "disagreement",
        "disputed",
        "evidence",
        "for",
        "from",
        "gap",
        "group",
        "groups",
        "held",
        "high",
        "iqr",
        "in",
        "median",
        "minority",
        "of",
        "one",
        "only",
        "panel",
        "position",
        "raised",
        "rated",
        "rating",
        "reservations",
        "singular",
        "stakeholder",
        "support",
        "the",
        "theme",
        "this",
        "view",
        "with",
        "within",
        "action",
        "argument",
        "caveat",
        "claim",
        "example",
        "barrier",
        "uncertainty",
        "mean",
        "consensus",
        "divisive",
        "split",
        "no",
        "too",
        "few",
        "item",
        "items",
        "ratings",
        "rater",
        "raters",
        "rejected",
        "rejecting",
        "judge",
        "to",
    ]
)
"""The report's own framing vocabulary (sections, counts, rating figures). Words around a
verbatim quotation drawn only from here add no claim of substance: the figures in them are
checked by the number check, and agreement wording by the agreement check."""


def _unquoted(text: str, cited_texts: Sequence[str]) -> tuple[str, bool]:
    """The text with verbatim quotations of cited fragments removed, and whether there were any."""
    verbatim = {t.strip() for t in cited_texts}
    found = False

    def drop(match: re.Match[str]) -> str:
        nonlocal found
        quoted = (match.group(1) or match.group(2) or "").strip()
        if quoted in verbatim:
            found = True
            return " "
        return match.group(0)

    return QUOTATION.sub(drop, text), found


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.lower())


def substantive_words(text: str, also_framing: frozenset[str] = frozenset()) -> list[str]:
    """Words outside the framing vocabulary (plus `also_framing`), ignoring numbers."""
    return [w for w in _words(text) if w not in FRAMING_WORDS and w not in also_framing]


class SupportScorer:
    """Embeds statements and fragments in one batch, then scores statements against evidence."""

    def __init__(self, embedder: Embedder, fragments: Mapping[str, Fragment]) -> None:
        self._embedder = embedder
        self._fragments = fragments
        self._vectors: dict[str, Vectors] = {}
        self._group_words = frozenset(
            w for f in fragments.values() if f.group for w in _words(f.group)
        )
        """Stakeholder group names are framing too ("held only by the researcher group")."""

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
        """How well the cited fragments support the text (0.0 if none are valid).

        Quoted parts are checked by identity, the rest semantically: a verbatim quotation of
        a cited fragment is supported by definition, so it is set aside; if only framing
        words remain, support is 1.0; otherwise the remaining words must be supported on
        their own (max cosine to the cited fragments). Without a verbatim quotation this is
        simply the max cosine of the whole text. Why: the embedding model is English-only and
        short, so a faithful quote of a short or non-English contribution inside our framing
        scored just under the threshold (vTaiwan, London youth policing) while an invented
        claim wrapped around a real quote must still be caught.
        """
        cited = [i for i in cited if i in self._fragments]
        if not cited:
            return 0.0
        rest, quoted = _unquoted(text, [self._fragments[i].text for i in cited])
        if quoted and not substantive_words(rest, self._group_words):
            return 1.0
        probe = rest if quoted else text
        self.prepare([probe], cited)
        statement = self._vectors[f"t:{probe}"]
        sims = [float(statement @ self._vectors[f"f:{i}"]) for i in cited]
        return round(max(sims), 4)
