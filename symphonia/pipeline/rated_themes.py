"""Once the panel has rated, the pre-registered rule decides each theme's status.

Rated items (statements put to the panel, or fragments rated directly) are mapped to the theme
holding most of the fragments they stand for; the theme's call then follows the verdicts of its
items, with the content call kept as a reason so an editor sees both.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from symphonia.core.classify import opposing_positions
from symphonia.core.consensus import Direction, ItemVerdict, evaluate_item
from symphonia.core.fragments import Fragment, Rating
from symphonia.core.protocol import Protocol
from symphonia.core.themes import Theme, ThemeStats, ThemeStatus

if TYPE_CHECKING:
    from symphonia.pipeline.analyze import RatingContext

POLARISED_SHARE = 0.2
"""Both ends of the scale holding at least this share of the ratings is a split panel."""


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


def _group_split(verdict: ItemVerdict) -> bool:
    """Did the group rule (and only it) take this item's consensus away?"""
    return any(r.startswith("holds in only") for r in verdict.reasons)


def status_from_verdicts(
    verdicts: Sequence[ItemVerdict], content: Theme
) -> tuple[ThemeStatus, list[str]]:
    """All items agreed one way → consensus; a split → contested; else a gap.

    A theme whose rated statements reach consensus in *opposite* directions (one side
    endorsed, the other rejected) is shown side by side as contested, each side with its own
    evidence, so that no headline figure of one side is ever attached to the other's words.
    """
    reasons: list[str] = []
    directions = {v.direction for v in verdicts}
    if all(v.consensus for v in verdicts) and len(directions) == 1:
        verb = "endorses" if directions == {Direction.AGREE} else "rejects"
        reasons.append(f"the panel {verb} the rated statements under the pre-registered rule")
        return ThemeStatus.CONSENSUS, reasons
    if all(v.consensus for v in verdicts):
        agreed = ", ".join(v.item_id for v in verdicts if v.direction is Direction.AGREE)
        rejected = ", ".join(v.item_id for v in verdicts if v.direction is Direction.DISAGREE)
        reasons.append(f"the panel endorses {agreed} and rejects {rejected}: shown side by side")
        return ThemeStatus.CONTESTED, reasons
    for v in verdicts:
        if v.consensus:
            continue
        share_hi = float(v.stats.get("percent_agreement", 0.0))
        share_lo = float(v.stats.get("percent_disagreement", 0.0))
        split = share_hi >= POLARISED_SHARE and share_lo >= POLARISED_SHARE
        disagreement = bool(v.stats.get("rand_ucla", {}).get("disagreement", False))
        if split or disagreement:
            reasons.append(f"{v.item_id}: ratings split between both ends of the scale")
        elif _group_split(v):
            reasons.append(f"{v.item_id}: agreement overall but not in every stakeholder group")
    if reasons or content.status is ThemeStatus.CONTESTED:
        if not reasons:
            reasons.append("no consensus in the ratings, and the contributions oppose each other")
        return ThemeStatus.CONTESTED, reasons
    if not all(v.participation_ok for v in verdicts):
        return ThemeStatus.GAP, ["too few panellists rated this theme for the rule to apply"]
    return ThemeStatus.GAP, ["no agreement either way: ratings in the middle or too spread"]


def _ratings_summary(verdicts: Sequence[ItemVerdict]) -> dict[str, Any]:
    """The theme's headline figures come from its best-rated item; all items are listed."""
    primary = max(verdicts, key=lambda v: (v.stats.get("n", 0), -verdicts.index(v)))
    stats = primary.stats
    summary: dict[str, Any] = {
        "primary_item": primary.item_id,
        "items": [v.as_dict() for v in verdicts],
    }
    for key in ("n", "median", "iqr", "percent_agreement", "percent_disagreement"):
        if key in stats:
            summary[key] = stats[key]
    return summary


def item_verdicts(
    item_ids: Sequence[str], rating: RatingContext, protocol: Protocol
) -> list[ItemVerdict]:
    """The pre-registered rule applied to each of `item_ids` that has ratings, in order.

    Also used for rated items whose evidence sits only in singular views: a statement the
    panel rated still gets its verdict reported, even when no theme holds it.
    """
    by_item: dict[str, list[Rating]] = {}
    for r in rating.ratings:
        by_item.setdefault(r.item, []).append(r)
    panel_size = rating.panel_size or len({r.rater for r in rating.ratings})
    return [
        evaluate_item(i, by_item[i], protocol, rating.panel_groups, panel_size)
        for i in item_ids
        if i in by_item
    ]


def apply_ratings(
    themes: Sequence[Theme],
    rating: RatingContext,
    protocol: Protocol,
    fragments: Mapping[str, Fragment],
) -> tuple[list[Theme], list[str]]:
    """Re-call every rated theme by the protocol; unrated themes keep their content call."""
    per_theme, unmapped = map_items_to_themes(themes, rating.items)
    mapped = [i for ids in per_theme.values() for i in ids]
    verdict_of = {v.item_id: v for v in item_verdicts(mapped, rating, protocol)}
    out: list[Theme] = []
    for theme in themes:
        verdicts = [verdict_of[i] for i in per_theme[theme.id] if i in verdict_of]
        if not verdicts:
            out.append(theme)
            continue
        status, reasons = status_from_verdicts(verdicts, theme)
        content_note = f"before rating, the content suggested {theme.status.value}"
        stats: ThemeStats = replace(theme.stats, ratings=_ratings_summary(verdicts))
        positions = theme.positions
        if status is ThemeStatus.CONTESTED and not positions:
            positions = opposing_positions([fragments[f] for f in theme.fragment_ids])
        minority = theme.minority
        if status is ThemeStatus.CONSENSUS:
            minority = None  # the whole panel has now endorsed it: no longer a minority view
        out.append(
            replace(
                theme,
                status=status,
                reasons=(*reasons, content_note),
                stats=stats,
                positions=positions,
                minority=minority,
            )
        )
    return out, unmapped
