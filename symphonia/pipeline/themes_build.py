"""Turn clusters into themes: pair opposing camps, describe, classify, attach rating verdicts.

Clustering runs per stance (pro and con arguments are cleaner apart), but a Delphi theme must
show both camps of one debate together, so clusters of opposite stance about the same matter
are paired into one contested theme whose positions are the two clusters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from symphonia.core.classify import classify_by_content, theme_stats
from symphonia.core.fragments import Fragment
from symphonia.core.themes import Theme, ThemeStatus
from symphonia.pipeline.contracts import Vectors
from symphonia.pipeline.describe import ClusterDescription

PAIR_SIMILARITY = 0.55
"""Centroid cosine above which a pro cluster and a con cluster are taken as one debate."""


@dataclass(frozen=True, slots=True)
class _Group:
    descriptions: tuple[ClusterDescription, ...]

    @property
    def fragment_ids(self) -> tuple[str, ...]:
        return tuple(i for d in self.descriptions for i in d.fragment_ids)


def _stance(desc: ClusterDescription, fragments: Mapping[str, Fragment]) -> int:
    total = sum(fragments[i].kind.stance for i in desc.fragment_ids)
    share = total / len(desc.fragment_ids)
    return 1 if share > 0.5 else -1 if share < -0.5 else 0


def pair_opposing(
    descriptions: Sequence[ClusterDescription],
    fragments: Mapping[str, Fragment],
    vectors: Vectors,
    index: Mapping[str, int],
    threshold: float = PAIR_SIMILARITY,
) -> list[tuple[ClusterDescription, ...]]:
    """Greedy one-to-one pairing of pro and con clusters by centroid similarity."""

    def centroid(d: ClusterDescription) -> Vectors:
        c: Vectors = vectors[[index[i] for i in d.fragment_ids]].mean(axis=0)
        norm = float(np.linalg.norm(c)) or 1.0
        return c / norm

    stances = [_stance(d, fragments) for d in descriptions]
    pros = [k for k, s in enumerate(stances) if s > 0]
    cons = [k for k, s in enumerate(stances) if s < 0]
    cents = {k: centroid(descriptions[k]) for k in pros + cons}
    candidates = sorted(
        ((float(cents[p] @ cents[c]), p, c) for p in pros for c in cons), reverse=True
    )
    partner: dict[int, int] = {}
    for sim, p, c in candidates:
        if sim < threshold:
            break
        if p not in partner and c not in partner:
            partner[p], partner[c] = c, p
    groups: list[tuple[ClusterDescription, ...]] = []
    for k, desc in enumerate(descriptions):
        if k in partner and partner[k] < k:
            continue
        groups.append((desc, descriptions[partner[k]]) if k in partner else (desc,))
    return groups


def build_themes(
    descriptions: Sequence[ClusterDescription],
    fragments: Mapping[str, Fragment],
    vectors: Vectors,
    index: Mapping[str, int],
    round_groups: Sequence[str],
) -> list[Theme]:
    """Themes with ids t01, t02… in cluster order, each with its content-based call."""
    themes = []
    for n, group in enumerate(pair_opposing(descriptions, fragments, vectors, index), start=1):
        ids = tuple(i for d in group for i in d.fragment_ids)
        members = [fragments[i] for i in ids]
        call = classify_by_content(members, round_groups)
        first = group[0]
        label = first.label if len(group) == 1 else f"{first.label} / {group[1].label}"
        keywords = tuple(dict.fromkeys(k for d in group for k in d.keywords))[:10]
        reps = tuple(r for d in group for r in d.representative_ids)
        positions = call.positions
        status, reasons = call.status, call.reasons
        if len(group) == 2:
            positions = {"for": group[0].fragment_ids, "against": group[1].fragment_ids}
            if _stance(group[0], fragments) < 0:
                positions = {"for": group[1].fragment_ids, "against": group[0].fragment_ids}
            status = ThemeStatus.CONTESTED
            reasons = ("opposing arguments about the same matter form two camps", *reasons[1:])
        themes.append(
            Theme(
                id=f"t{n:02d}",
                label=label,
                keywords=keywords,
                fragment_ids=ids,
                representative_ids=reps,
                status=status,
                stats=theme_stats(members),
                reasons=tuple(reasons),
                positions=dict(positions),
                minority=call.minority,
            )
        )
    return themes


def with_status(theme: Theme, status: ThemeStatus, reasons: Sequence[str]) -> Theme:
    return replace(theme, status=status, reasons=tuple(reasons))
