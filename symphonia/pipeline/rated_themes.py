"""Once the panel has rated, each rated item's call decides the status of the theme it sits in.

Rated items (statements put to the panel, or fragments rated directly as Polis comments are)
are mapped to the theme holding most of the fragments they stand for. A theme's status is the
call its items share; a theme whose items were called differently is divided into parts by
call (the rule and why: :mod:`symphonia.core.theme_verdicts`). Every theme, whole or part,
says in its reasons how many of its items got which call, and keeps the content call as a
reason so an editor sees both.

A rated theme's minority sentence (one group's view, or few confident authors) is dropped:
once rated, who holds a view is what the ratings say, and the per-group figures are in the
theme's statistics.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from symphonia.core.classify import opposing_positions, theme_stats
from symphonia.core.fragments import Fragment
from symphonia.core.protocol import Protocol
from symphonia.core.theme_verdicts import (
    ItemCounts,
    Part,
    ThemePart,
    count_calls,
    partition,
)
from symphonia.core.themes import Theme, ThemeStatus
from symphonia.core.verdicts import ItemCall, ItemVerdict
from symphonia.pipeline.rating_judge import Judge, RatingContext, judge_for

THEME_RULE = (
    "a theme's status is the call its rated items share, so items called differently "
    "are shown apart"
)
_PART_LABEL = {
    Part.AGREED: "agreed",
    Part.REJECTED: "rejected",
    Part.DIVIDED: "divided",
    Part.UNSETTLED: "unsettled",
}
_NAMED = 3
"""Items named one by one in a theme's reasons; the rest are counted."""


def map_items_to_themes(
    themes: Sequence[Theme], items: Mapping[str, Sequence[str]]
) -> tuple[dict[str, list[str]], list[str]]:
    """theme id → rated item ids; items whose fragments sit in no theme are returned apart."""
    owner = {fid: t.id for t in themes for fid in t.fragment_ids}
    per_theme: dict[str, list[str]] = {t.id: [] for t in themes}
    unmapped: list[str] = []
    for item, fragment_ids in items.items():
        votes = Counter(owner[f] for f in fragment_ids if f in owner)
        if not votes:
            unmapped.append(item)
            continue
        best = max(votes.values())
        theme_id = next(t.id for t in themes if votes.get(t.id) == best)
        per_theme[theme_id].append(item)
    return per_theme, unmapped


def item_verdicts(
    item_ids: Sequence[str], rating: RatingContext, protocol: Protocol, judge: Judge | None = None
) -> list[ItemVerdict]:
    """The pre-registered rule applied to each of `item_ids` that was rated, in order.

    Also used for rated items whose evidence sits only in singular views: a statement the
    panel rated still gets its verdict reported, even when no theme holds it.
    """
    return (judge or judge_for(rating, protocol)).verdicts(item_ids)


def _listed(verdicts: Sequence[ItemVerdict]) -> str:
    named = "; ".join(f"{v.item_id}: {v.headline}" for v in verdicts[:_NAMED])
    more = len(verdicts) - _NAMED
    return named + (f"; and {more} more" if more > 0 else "")


def _part_reason(tp: ThemePart) -> str:
    counts = count_calls(tp.verdicts)
    n = counts.items
    every = "the rated item" if n == 1 else f"all {n} rated items"
    tally = "" if n == 1 and len(counts.by_call) == 1 else f" ({counts.sentence()})"
    if tp.part is Part.AGREED:
        return f"the panel endorses {every} under the pre-registered rule{tally}"
    if tp.part is Part.REJECTED:
        return f"the panel rejects {every} under the pre-registered rule{tally}"
    if tp.part is Part.DIVIDED:
        return f"{counts.sentence()}; {_listed(tp.verdicts)}" if tally else _listed(tp.verdicts)
    if all(v.call is ItemCall.TOO_FEW for v in tp.verdicts):
        return f"too few ratings to judge{tally}; {_listed(tp.verdicts)}"
    return f"no agreement either way: ratings in the middle or too spread{tally}"


def _range(verdicts: Sequence[ItemVerdict], key: str) -> list[float] | None:
    values = [float(v.stats[key]) for v in verdicts if key in v.stats]
    return [min(values), max(values)] if values else None


def _ratings_summary(
    tp: ThemePart, whole: ItemCounts, theme_id: str, split: bool
) -> dict[str, Any]:
    """The theme's rating figures: its items' counts, raters and ranges; one item's own
    figures only when it is the theme's only item (no headline is borrowed from one item)."""
    verdicts = tp.verdicts
    raters = {r for v in verdicts for r in v.raters}
    summary: dict[str, Any] = {
        "rule": THEME_RULE,
        "part": tp.part.value,
        "counts": count_calls(verdicts).as_dict(),
        "raters": len(raters),
        "ratings": sum(int(v.stats.get("n", 0)) for v in verdicts),
        "items": [v.as_dict() for v in verdicts],
    }
    if split:
        summary["theme"] = {"id": theme_id, "counts": whole.as_dict()}
    if len(verdicts) == 1:
        (only,) = verdicts
        for key in ("n", "median", "iqr", "percent_agreement", "percent_disagreement"):
            if key in only.stats:
                summary[key] = only.stats[key]
        summary["direction"] = only.direction.value
        summary["call"] = only.call.value
    else:
        for key in ("percent_agreement", "percent_disagreement"):
            if (span := _range(verdicts, key)) is not None:
                summary[key.replace("percent_", "") + "_range"] = span
    return summary


def _representatives(
    tp: ThemePart, theme: Theme, item_fragments: Mapping[str, Sequence[str]]
) -> tuple[str, ...]:
    """The theme's own representatives in this part, then the evidence of its best-rated
    items: highest group-informed consensus for an agreed (or rejected) part, most ratings
    otherwise."""
    key = "disagree" if tp.part is Part.REJECTED else "agree"

    def strength(v: ItemVerdict) -> tuple[float, float]:
        gic = float((v.stats.get("group_consensus") or {}).get(key, 0.0))
        n = float(v.stats.get("n", 0))
        return (gic, n) if tp.part in (Part.AGREED, Part.REJECTED) else (n, 0.0)

    ranked = sorted(tp.verdicts, key=strength, reverse=True)
    mine = set(tp.fragment_ids)
    picks = [r for r in theme.representative_ids if r in mine]
    for v in ranked:
        picks += [f for f in item_fragments.get(v.item_id, ()) if f in mine]
    return tuple(dict.fromkeys(picks))[:3] or tp.fragment_ids[:1]


def _part_theme(
    theme: Theme,
    tp: ThemePart,
    whole: ItemCounts,
    split: bool,
    fragments: Mapping[str, Fragment],
    item_fragments: Mapping[str, Sequence[str]],
) -> Theme:
    members = [fragments[i] for i in tp.fragment_ids]
    status = tp.part.status
    reasons = [_part_reason(tp)]
    if split:
        reasons.append(
            f"{_PART_LABEL[tp.part]} part of theme {theme.id} ({whole.sentence()}): {THEME_RULE}"
        )
    reasons.append(f"before rating, the content suggested {theme.status.value}")
    mine = set(tp.fragment_ids)
    positions = {
        side: kept
        for side, ids in theme.positions.items()
        if (kept := tuple(i for i in ids if i in mine))
    }
    if len(positions) < 2:
        positions = {}
    if status is ThemeStatus.CONTESTED and not positions:
        positions = opposing_positions(members)
    stats = theme.stats if not split else theme_stats(members)
    return replace(
        theme,
        id=f"{theme.id}-{_PART_LABEL[tp.part]}" if split else theme.id,
        label=f"{theme.label} ({_PART_LABEL[tp.part]})"[:300] if split else theme.label,
        fragment_ids=tp.fragment_ids,
        representative_ids=_representatives(tp, theme, item_fragments),
        status=status,
        reasons=tuple(reasons),
        stats=replace(stats, ratings=_ratings_summary(tp, whole, theme.id, split)),
        positions=positions,
        minority=None,
    )


def apply_ratings(
    themes: Sequence[Theme],
    rating: RatingContext,
    protocol: Protocol,
    fragments: Mapping[str, Fragment],
    judge: Judge | None = None,
) -> tuple[list[Theme], list[str]]:
    """Re-call every rated theme by its items' calls; unrated themes keep their content call.

    Returns the themes (a mixed theme replaced by its parts, in place) and the rated items
    no theme holds.
    """
    judge = judge or judge_for(rating, protocol)
    per_theme, unmapped = map_items_to_themes(themes, rating.items)
    out: list[Theme] = []
    for theme in themes:
        verdicts = judge.verdicts(per_theme[theme.id])
        if not verdicts:
            out.append(theme)
            continue
        parts = partition(theme.fragment_ids, verdicts, rating.items)
        whole = count_calls(verdicts)
        split = len(parts) > 1
        out.extend(_part_theme(theme, tp, whole, split, fragments, rating.items) for tp in parts)
    return out, unmapped
