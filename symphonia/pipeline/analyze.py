"""One round, end to end: embed → reduce/cluster → describe → classify → draft → guard.

This is the single entry point the CLI, the services and the benchmarks share, so a round
analysed from a JSONL file and one analysed from the database go through the same code.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from symphonia.core.fragments import Fragment, InvalidInput, Rating
from symphonia.core.protocol import Protocol
from symphonia.core.ratings import RatingTally
from symphonia.core.synthesis import Synthesis
from symphonia.core.themes import Theme
from symphonia.pipeline.cluster import ClusterParams, cluster_fragments
from symphonia.pipeline.contracts import (
    Drafter,
    Embedder,
    ProgressCallback,
    embedder_for_round,
    embedding_backend,
    no_progress,
)
from symphonia.pipeline.describe import describe_clusters
from symphonia.pipeline.draft_extractive import ExtractiveDrafter
from symphonia.pipeline.guard import guard_synthesis
from symphonia.pipeline.projection import project_2d
from symphonia.pipeline.rated_themes import apply_ratings
from symphonia.pipeline.rating_judge import RatingContext, judge_for
from symphonia.pipeline.singular_rated import promote_rated_singulars
from symphonia.pipeline.theme_labels import (
    METHOD,
    MODEL_METHOD,
    apply_model_labels,
    readable_labels,
)
from symphonia.pipeline.themes_build import build_themes

__all__ = ["AnalysisResult", "RatingContext", "analyze_round", "input_hash", "theme_as_dict"]


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    themes: tuple[Theme, ...]
    singular_views: tuple[str, ...]
    synthesis: Synthesis
    run: dict[str, Any]
    projection: dict[str, Any] = field(default_factory=dict)
    """The fragments' 2-D map for the report (`projection.project_2d`), stored with the run."""

    def as_dict(self) -> dict[str, Any]:
        """The interchange shape of DESIGN.md §6."""
        return {
            "themes": [theme_as_dict(t) for t in self.themes],
            "singular_views": list(self.singular_views),
            "synthesis": self.synthesis.as_dict(),
            "run": self.run,
        }


def theme_as_dict(theme: Theme) -> dict[str, Any]:
    return {
        "id": theme.id,
        "label": theme.label,
        "keywords": list(theme.keywords),
        "status": theme.status.value,
        "reasons": list(theme.reasons),
        "fragment_ids": list(theme.fragment_ids),
        "representative_ids": list(theme.representative_ids),
        "positions": {k: list(v) for k, v in theme.positions.items()},
        "minority": theme.minority,
        "contributors": theme.stats.contributors,
        "stats": theme.stats.as_dict(),
    }


def input_hash(
    fragments: Sequence[Fragment],
    ratings: Sequence[Rating] = (),
    tallies: Sequence[RatingTally] = (),
) -> str:
    """A stable fingerprint of what was analysed, so a report can prove which input it used."""
    digest = hashlib.sha256()
    for f in sorted(fragments, key=lambda f: f.id):
        row = [f.id, f.author, f.kind.value, f.text, f.confidence, f.group, list(f.sources)]
        digest.update(json.dumps(row, ensure_ascii=False).encode())
    for r in sorted(ratings, key=lambda r: (r.item, r.rater)):
        digest.update(json.dumps([r.item, r.rater, r.score]).encode())
    for t in sorted(tallies, key=lambda t: t.item):
        digest.update(json.dumps(["tally", t.item, sorted(t.counts), t.unrecorded]).encode())
    return digest.hexdigest()


def check_unique_ids(fragments: Sequence[Fragment]) -> None:
    seen: set[str] = set()
    for f in fragments:
        if f.id in seen:
            raise InvalidInput("id", f"duplicate fragment id {f.id!r}")
        seen.add(f.id)


def analyze_round(
    fragments: Sequence[Fragment],
    embedder: Embedder,
    *,
    protocol: Protocol = Protocol(),
    rating: RatingContext | None = None,
    drafter: Drafter | None = None,
    params: ClusterParams = ClusterParams(),
    question: str | None = None,
    title: str | None = None,
    progress: ProgressCallback = no_progress,
) -> AnalysisResult:
    """Analyse one round; every input fragment ends in exactly one theme or the singular views.

    `question` (and the study's `title`) say what the round is about: their words are the
    subject every fragment shares, so they link no two fragments into a theme.
    """
    if not fragments:
        raise InvalidInput("fragments", "the round has no fragments to analyse")
    check_unique_ids(fragments)
    embedder = embedder_for_round(embedder, len(fragments))
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    by_id = {f.id: f for f in fragments}
    index = {f.id: n for n, f in enumerate(fragments)}
    vectors = embedder.embed([f.text for f in fragments], progress)
    lap("embed")
    about = [text for text in (question, title) if text]
    clusters = cluster_fragments(fragments, vectors, params, about=about)
    labels = list(clusters.labels)
    rated = rating is not None and bool(rating.ratings or rating.tallies)
    judge = judge_for(rating, protocol) if rating is not None and rated else None
    promoted: list[str] = []
    if rating is not None and judge is not None:
        labels, promoted = promote_rated_singulars(fragments, labels, rating.items, judge)
    lap("cluster")
    projection = project_2d([f.id for f in fragments], vectors, seed=params.seed)
    lap("project")
    descriptions = describe_clusters(fragments, vectors, labels, about)
    singular = tuple(f.id for f, label in zip(fragments, labels, strict=True) if label < 0)
    round_groups = sorted({f.group for f in fragments if f.group})
    themes = readable_labels(build_themes(descriptions, by_id, vectors, index, round_groups), by_id)
    lap("describe")
    unmapped: list[str] = []
    outside_themes: list[dict[str, Any]] = []
    groups_record: dict[str, Any] | None = None
    if rating is not None and judge is not None:
        themes, unmapped = apply_ratings(themes, rating, protocol, by_id, judge)
        outside_themes = [v.as_dict() for v in judge.verdicts(unmapped)]
        groups_record = judge.record()
    lap("classify")
    progress("draft", 0, 1)
    synthesis = (drafter or ExtractiveDrafter()).draft(themes, singular, by_id, question)
    progress("draft", 1, 1)
    lap("draft")
    themes, label_record = apply_model_labels(themes, synthesis.meta.get("labels") or {}, by_id)
    synthesis = guard_synthesis(synthesis, themes, singular, by_id, embedder)
    lap("guard")
    accounted = sum(len(t.fragment_ids) for t in themes) + len(singular)
    if accounted != len(fragments):
        raise AssertionError(f"{len(fragments)} fragments in, {accounted} accounted for")
    run = {
        "model": embedder.model_id,
        "embedding_backend": embedding_backend(embedder),
        "params": clusters.params_used,
        "input_hash": input_hash(
            fragments, rating.ratings if rating else (), rating.tallies if rating else ()
        ),
        "timings": timings,
        "fragments": len(fragments),
        "themes": len(themes),
        "singular_views": len(singular),
        "drafter": synthesis.drafter,
        "unmapped_rating_items": unmapped,
        "rated_items_outside_themes": outside_themes,
        "promoted_singular_items": promoted,
        "theme_labels": {
            "method": METHOD + (MODEL_METHOD if label_record else ""),
            "themes": label_record,
        },
    }
    if groups_record is not None:
        run["groups"] = groups_record
    return AnalysisResult(tuple(themes), singular, synthesis, run, projection)
