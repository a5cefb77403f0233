"""Stage 4: describe each theme — label, keywords, representative fragments (DESIGN.md §4.4).

* Keywords are class-based TF-IDF (as in BERTopic): each theme is one "document" and the
  singular views together form one more, so words shared by the whole round (the topic
  itself) score low and words that set a theme apart score high.
* The label is the top keywords joined, not one fragment's wording: a label in a single
  contributor's voice would quietly privilege that contributor.
* Representatives are picked by maximal marginal relevance over similarity to the theme
  centroid: the first is the most central fragment, the next ones are central but unlike
  those already picked, so an editor sees the theme's range, not three near-duplicates.

Kind/stance mix, contributors and confidence are plain counts over `fragment_ids` and are
left to the classification stage, which owns `ThemeStats`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from symphonia.core.fragments import Fragment
from symphonia.pipeline.cluster import SINGULAR
from symphonia.pipeline.contracts import Vectors

N_KEYWORDS = 8
N_LABEL_WORDS = 3
N_REPRESENTATIVES = 3
_WORD = r"(?u)\b[a-zA-Z][a-zA-Z]+\b"
"""Words of two or more letters: digits and stray letters make poor keywords."""
MMR_LAMBDA = 0.7
"""Weight of centrality against novelty when picking representatives."""


@dataclass(frozen=True, slots=True)
class ClusterDescription:
    """What an editor first sees of a theme."""

    cluster: int
    fragment_ids: tuple[str, ...]
    """In input order."""
    label: str
    keywords: tuple[str, ...]
    representative_ids: tuple[str, ...]
    """Most central first; at most three."""

    @property
    def size(self) -> int:
        return len(self.fragment_ids)


def _ctfidf_keywords(
    texts: Sequence[str], doc_class: Sequence[int], classes: Sequence[int], top: int
) -> dict[int, tuple[str, ...]]:
    """Top c-TF-IDF terms per class; the singular views count as background only."""
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(
        stop_words="english",
        ngram_range=(1, 2),
        token_pattern=_WORD,
    )
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # only stop words / no tokens anywhere
        return {c: () for c in classes}
    vocab = np.asarray(vectorizer.get_feature_names_out())
    from scipy.sparse import csr_matrix

    all_classes = [*classes, SINGULAR]
    row_of = {c: r for r, c in enumerate(all_classes)}
    rows = np.fromiter((row_of[c] for c in doc_class), dtype=np.int64, count=len(texts))
    membership = csr_matrix(
        (np.ones(len(texts)), (rows, np.arange(len(texts)))),
        shape=(len(all_classes), len(texts)),
    )
    tf = csr_matrix(membership @ counts, dtype=np.float64)  # classes × terms, kept sparse
    term_totals = np.asarray(tf.sum(axis=0)).ravel()
    avg_words = max(float(term_totals.sum()) / len(all_classes), 1.0)
    idf = np.log1p(avg_words / np.maximum(term_totals, 1.0))
    row_sums = np.maximum(np.asarray(tf.sum(axis=1)).ravel(), 1.0)
    out: dict[int, tuple[str, ...]] = {}
    for c in classes:
        r = row_of[c]
        start, end = tf.indptr[r], tf.indptr[r + 1]
        terms = tf.indices[start:end]
        score = tf.data[start:end] / row_sums[r] * idf[terms]
        ranked = sorted(
            zip(score.tolist(), terms.tolist(), strict=True), key=lambda x: (-x[0], vocab[x[1]])
        )
        picked: list[str] = []
        covered: set[str] = set()
        for _, t in ranked:
            words = set(str(vocab[t]).split())
            if words <= covered:
                continue  # "suicide" after "assisted suicide" adds no new word
            picked.append(str(vocab[t]))
            covered |= words
            if len(picked) >= top:
                break
        out[c] = tuple(picked)
    return out


def _mmr(vecs: npt.NDArray[np.float32], k: int, lam: float) -> list[int]:
    """Indices into `vecs`: most central first, then central-but-different (MMR)."""
    centroid = vecs.mean(axis=0)
    centroid = centroid / (np.linalg.norm(centroid) or 1.0)
    central = vecs @ centroid
    chosen = [int(np.argmax(central))]
    while len(chosen) < min(k, len(vecs)):
        redundancy = (vecs @ vecs[chosen].T).max(axis=1)
        score = lam * central - (1 - lam) * redundancy
        score[chosen] = -np.inf
        chosen.append(int(np.argmax(score)))
    return chosen


def describe_clusters(
    fragments: Sequence[Fragment], vectors: Vectors, labels: Sequence[int]
) -> list[ClusterDescription]:
    """Describe every theme (label ≥ 0); singular views (-1) are not themes and are skipped.

    Order: by size (desc), then by the input position of the theme's first fragment.
    """
    if not (len(fragments) == len(labels) == vectors.shape[0]):
        raise ValueError("fragments, vectors and labels must be aligned")
    members: dict[int, list[int]] = {}
    for i, lab in enumerate(labels):
        if lab != SINGULAR:
            members.setdefault(int(lab), []).append(i)
    order = sorted(members, key=lambda c: (-len(members[c]), members[c][0]))
    if not order:
        return []
    keywords = _ctfidf_keywords([f.text for f in fragments], labels, order, N_KEYWORDS)
    out: list[ClusterDescription] = []
    for c in order:
        idx = members[c]
        sub = np.asarray(vectors[idx], dtype=np.float32)
        reps = _mmr(sub, N_REPRESENTATIVES, MMR_LAMBDA)
        words = keywords[c]
        label = (
            ", ".join(words[:N_LABEL_WORDS])
            if words
            else _leading_words(fragments[idx[reps[0]]].text)
        )
        out.append(
            ClusterDescription(
                cluster=c,
                fragment_ids=tuple(fragments[i].id for i in idx),
                label=label,
                keywords=words,
                representative_ids=tuple(fragments[idx[r]].id for r in reps),
            )
        )
    return out


def _leading_words(text: str, n: int = 8) -> str:
    """Fallback label when a theme has no content words (e.g. all stop words or digits)."""
    words = text.split()
    return " ".join(words[:n]) + ("…" if len(words) > n else "")
