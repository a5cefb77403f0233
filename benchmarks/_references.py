"""Reference clusterers for `argkp_themes.py`: what the product's themes are compared with.

* `keypoint_selection`: the idea of the ArgKP paper (Bar-Haim et al. 2020), key points chosen
  from the arguments themselves. Per stance: pick the argument whose neighbourhood (cosine ≥
  `radius`) covers most arguments not yet covered, repeat while a pick covers at least
  `min_cover`; then every argument goes to its most similar pick. `radius` 0.7 was the best
  train setting of a small sweep (0.45–0.8).
* `themes_as_shown`: the product's themes after contested pairing (`build_themes`), so a
  contested theme's two camps count as one predicted theme, as a user sees it listed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from symphonia.core.fragments import Fragment
from symphonia.pipeline.cluster import ClusterParams, cluster_fragments
from symphonia.pipeline.contracts import Vectors
from symphonia.pipeline.describe import describe_clusters
from symphonia.pipeline.themes_build import build_themes

Clusterer = Callable[[Sequence[Fragment], Vectors], Sequence[int]]


def _select(vectors: Vectors, radius: float, min_cover: int) -> list[int]:
    if len(vectors) == 0:
        return []
    near = (vectors @ vectors.T) >= radius
    open_ = np.ones(len(vectors), dtype=bool)
    picks: list[int] = []
    while True:
        cover = (near & open_[None, :]).sum(axis=1)
        best = int(np.argmax(cover))
        if cover[best] < min_cover:
            return picks
        picks.append(best)
        open_ &= ~near[best]


def keypoint_selection(radius: float = 0.7, min_cover: int = 3) -> Clusterer:
    def assign(fragments: Sequence[Fragment], vectors: Vectors) -> list[int]:
        labels = [-1] * len(fragments)
        offset = 0
        for side in (1, -1, 0):
            idx = [i for i, f in enumerate(fragments) if f.kind.stance == side]
            picks = _select(vectors[idx], radius, min_cover)
            if not picks:
                continue
            nearest = np.argmax(vectors[idx] @ vectors[idx][picks].T, axis=1)
            for i, p in zip(idx, nearest.tolist(), strict=True):
                labels[i] = offset + p
            offset += len(picks)
        return labels

    return assign


def themes_as_shown(params: ClusterParams) -> Clusterer:
    def assign(fragments: Sequence[Fragment], vectors: Vectors) -> list[int]:
        labels = cluster_fragments(fragments, vectors, params).labels
        by_id = {f.id: f for f in fragments}
        index = {f.id: i for i, f in enumerate(fragments)}
        described = describe_clusters(fragments, vectors, labels)
        out = [-1] * len(fragments)
        for n, theme in enumerate(build_themes(described, by_id, vectors, index, [])):
            for fid in theme.fragment_ids:
                out[index[fid]] = n
        return out

    return assign
