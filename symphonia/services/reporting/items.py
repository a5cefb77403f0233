"""Rated items in the report: the statistics the analysis stored, the distribution of the
stored ratings, and each item's agreement in every rating round so far.

The figures of a call (median, IQR, agreement, per-group shares) are read from the run, not
recomputed: they are the figures the guard checked every statement's numbers against. What
the run does not keep (how many ratings each score got, earlier rounds' agreement) is
counted from the stored ratings with the same protocol, so a chart can never disagree with
the table beside it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from symphonia.core.protocol import Protocol
from symphonia.core.stats import median, percent_agreement
from symphonia.services.reporting.model import GroupAgreement, ItemStatistics, RoundItemAgreement
from symphonia.services.reporting.records import ReportRecords


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _band(value: Any) -> tuple[int, int] | None:
    if isinstance(value, list | tuple) and len(value) == 2:
        return (int(value[0]), int(value[1]))
    return None


def stored_verdicts(records: ReportRecords) -> list[tuple[str | None, dict[str, Any]]]:
    """(theme key, stored verdict) of every rated item: theme order, then the outsiders."""
    out: list[tuple[str | None, dict[str, Any]]] = []
    seen: set[str] = set()
    for theme in records.themes:
        for verdict in (theme.stats.get("ratings") or {}).get("items") or []:
            item = str(verdict.get("item_id"))
            if item not in seen:
                seen.add(item)
                out.append((theme.key, verdict))
    run = (records.run.params.get("run") or {}) if records.run else {}
    for verdict in run.get("rated_items_outside_themes") or []:
        item = str(verdict.get("item_id"))
        if item not in seen:
            seen.add(item)
            out.append((None, verdict))
    return out


def _distribution(
    item: str, records: ReportRecords, protocol: Protocol
) -> tuple[tuple[int, int], ...]:
    counts: Counter[int] = Counter()
    for rated, _rater, score in records.ratings.get(records.round.number, ()):
        if rated == item:
            counts[score] += 1
    for rated, score, count in records.tallies:
        if rated == item:
            counts[score] += count
    scale = protocol.scale
    return tuple((s, counts.get(s, 0)) for s in range(scale.minimum, scale.maximum + 1))


def _groups(stats: Mapping[str, Any]) -> tuple[GroupAgreement, ...]:
    groups = stats.get("groups") or {}
    return tuple(
        GroupAgreement(
            group=str(name),
            n=int(g.get("n", 0)),
            percent_agreement=float(g.get("percent_agreement", 0.0)),
            percent_disagreement=float(g.get("percent_disagreement", 0.0)),
        )
        for name, g in sorted(groups.items())
        if isinstance(g, Mapping)
    )


def item_statistics(records: ReportRecords, protocol: Protocol) -> tuple[ItemStatistics, ...]:
    out = []
    for theme_key, verdict in stored_verdicts(records):
        stats: Mapping[str, Any] = verdict.get("stats") or {}
        item = str(verdict.get("item_id"))
        out.append(
            ItemStatistics(
                item_id=item,
                text=records.items.get(item, ""),
                theme_key=theme_key,
                call=str(verdict.get("call", "")),
                consensus=bool(verdict.get("consensus")),
                direction=verdict.get("direction"),
                headline=str(verdict.get("headline", "")),
                n=int(stats.get("n", 0)),
                median=_float(stats.get("median")),
                iqr=_float(stats.get("iqr")),
                mean=_float(stats.get("mean")),
                sd=_float(stats.get("sd")),
                cv=_float(stats.get("cv")),
                percent_agreement=_float(stats.get("percent_agreement")),
                percent_disagreement=_float(stats.get("percent_disagreement")),
                agreement_band=_band(stats.get("agreement_band")),
                participation=_float(verdict.get("participation")),
                distribution=_distribution(item, records, protocol),
                groups=_groups(stats),
                reasons=tuple(str(r) for r in verdict.get("reasons") or ()),
            )
        )
    return tuple(out)


def agreement_history(
    records: ReportRecords, protocol: Protocol, items: Iterable[str]
) -> tuple[RoundItemAgreement, ...]:
    """Each of `items`' agreement in every rating round up to this one that rated it."""
    wanted = set(items)
    band = protocol.scale.agreement_band()
    out = []
    for number in sorted(records.ratings):
        scores: dict[str, list[int]] = {}
        for item, _rater, score in records.ratings[number]:
            if item in wanted:
                scores.setdefault(item, []).append(score)
        for item in sorted(scores):
            values = scores[item]
            out.append(
                RoundItemAgreement(
                    round=number,
                    item_id=item,
                    n=len(values),
                    percent_agreement=round(percent_agreement(values, band), 4),
                    median=float(median(values)),
                )
            )
    return tuple(out)
