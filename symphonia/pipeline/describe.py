"""Stage 4: describe each theme — label, keywords, representative fragments (DESIGN.md §4.4).

* Keywords are class-based TF-IDF (as in BERTopic): each theme is one "document" and the
  singular views together form one more, so words shared by the whole round (the topic
  itself) score low and words that set a theme apart score high. Words of the round's
  question and title (`about`) are never keywords: "connected icb" names the study, not a
  theme of it.
* The label is the top keywords joined, not one fragment's wording: a label in a single
  contributor's voice would quietly privilege that contributor.
* The first representative is the theme's lead, the fragment the synthesis quotes for it: the
  one other contributors' fragments in the theme are most alike to on average, so the quote
  stands for what several people said, not for one voice the clustering happened to place
  there (an off-topic fragment in a theme is alike to no one). The next ones are picked by
  maximal marginal relevance over similarity to the theme centroid: central but unlike
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
from symphonia.pipeline.lexical import content_words, stem

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
    """The lead (best supported, see `lead_index`) first; at most three."""

    @property
    def size(self) -> int:
        return len(self.fragment_ids)


def _ctfidf_keywords(
    texts: Sequence[str],
    doc_class: Sequence[int],
    classes: Sequence[int],
    top: int,
    subject: frozenset[str] = frozenset(),
) -> dict[int, tuple[str, ...]]:
    """Top c-TF-IDF terms per class; the singular views count as background only; a term
    made only of `subject` words (stemmed) is never picked."""
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
            if {stem(w) for w in words} <= subject:
                continue  # the round's own subject: it sets no theme apart
            if words <= covered:
                continue  # "suicide" after "assisted suicide" adds no new word
            picked.append(str(vocab[t]))
            covered |= words
            if len(picked) >= top:
                break
        out[c] = tuple(picked)
    return out


def lead_index(vecs: npt.NDArray[np.float32], authors: Sequence[str]) -> int:
    """The best-supported member: highest mean similarity to the fragments of *other*
    contributors in the theme. Ties, and themes of a single contributor, go to the member
    most alike to the centroid; then to the earlier member. O(n·d): the sum over other
    contributors is the theme's sum less the member's own contributor's sum."""
    data = np.asarray(vecs, dtype=np.float64)
    total = data.sum(axis=0)
    central = data @ (total / (np.linalg.norm(total) or 1.0))
    _, owner = np.unique(np.asarray(authors, dtype=str), return_inverse=True)
    own_sum = np.zeros((int(owner.max()) + 1, data.shape[1]))
    np.add.at(own_sum, owner, data)
    own_count = np.bincount(owner)
    others = len(data) - own_count[owner]
    to_others = data @ total - np.einsum("ij,ij->i", data, own_sum[owner])
    support = np.where(others > 0, to_others / np.maximum(others, 1), -np.inf)
    order = np.lexsort((np.arange(len(data)), -central, -support))
    return int(order[0])


def _mmr(vecs: npt.NDArray[np.float32], k: int, lam: float, first: int) -> list[int]:
    """Indices into `vecs`: `first`, then central-but-different (MMR)."""
    centroid = vecs.mean(axis=0)
    centroid = centroid / (np.linalg.norm(centroid) or 1.0)
    central = vecs @ centroid
    chosen = [first]
    while len(chosen) < min(k, len(vecs)):
        redundancy = (vecs @ vecs[chosen].T).max(axis=1)
        score = lam * central - (1 - lam) * redundancy
        score[chosen] = -np.inf
        chosen.append(int(np.argmax(score)))
    return chosen


def describe_clusters(
    fragments: Sequence[Fragment],
    vectors: Vectors,
    labels: Sequence[int],
    about: Sequence[str] = (),
) -> list[ClusterDescription]:
    """Describe every theme (label ≥ 0); singular views (-1) are not themes and are skipped.
    `about`: the round's question and title, whose words (and those of each fragment's own
    `question`) are never keywords.

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
    texts = [*about, *sorted({f.question for f in fragments if f.question})]
    subject = frozenset(word for text in texts for word in content_words(text))
    keywords = _ctfidf_keywords([f.text for f in fragments], labels, order, N_KEYWORDS, subject)
    out: list[ClusterDescription] = []
    for c in order:
        idx = members[c]
        sub = np.asarray(vectors[idx], dtype=np.float32)
        lead = lead_index(sub, [fragments[i].author for i in idx])
        reps = _mmr(sub, N_REPRESENTATIVES, MMR_LAMBDA, lead)
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
