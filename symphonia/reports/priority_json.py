"""The prioritisation report as JSON, for machines and archives.

The shape is the read model's (:class:`symphonia.services.priority_views.PriorityReport`),
with ``priorities`` as the ranked list: each entry has its ``rank``, ``score``, ``interval``
(``{"low", "high", "confidence"}``), ``schulze_rank``, ``borda``, per-group ``group_ranks`` and,
after a first rating round, its ``previous_rank`` and shift. Numbers are rounded to four
decimals (small ones to four significant digits) so two exports of the same round are
identical on every machine. The figures' text alternatives are included (``figures``), so
a reader of the JSON has what the charts say.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from symphonia.reports.priority_charts import Chart
from symphonia.services.priority_views import PriorityReport, PriorityRow

DIGITS = 4


def _rounded(value: Any) -> Any:
    """Four decimals; a small number (a p-value of 5e-06) keeps four significant digits
    instead of becoming 0."""
    if isinstance(value, float):
        if value != 0 and abs(value) < 10**-DIGITS:
            return float(f"{value:.{DIGITS}g}")
        return round(value, DIGITS)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


def _priority(row: PriorityRow, confidence: float) -> dict[str, Any]:
    return {
        "rank": row.rank,
        "item": row.item,
        "title": row.title,
        "description": row.description,
        "score": row.score,
        "interval": (
            {"low": row.interval[0], "high": row.interval[1], "confidence": confidence}
            if row.interval
            else None
        ),
        "top_share": row.top_share,
        "schulze_rank": row.schulze_rank,
        "borda": {"points": row.borda_points, "rank": row.borda_rank},
        "raters": row.raters,
        "answered": row.answered,
        "cannot_judge": dict(row.cannot_judge),
        "criterion_means": dict(row.criterion_means),
        "group_ranks": dict(row.group_ranks),
        "fragment_ids": list(row.fragment_ids),
        "previous_rank": row.previous_rank,
        "rank_change": row.rank_change,
        "shift": {"p_value": row.shift_p_value, "significant": row.shifted}
        if row.shift_p_value is not None
        else None,
    }


def priorities_document(report: PriorityReport, charts: tuple[Chart, ...] = ()) -> dict[str, Any]:
    """The report as plain JSON-ready data."""
    whole = dataclasses.asdict(report)
    document = {
        "kind": "priorities",
        "study": whole["study"],
        "round": {"number": report.round_number, "status": report.round_status},
        "panel_size": report.panel_size,
        "raters": report.raters,
        "criteria": whole["criteria"],
        "method": whole["methods"],
        "priorities": [_priority(r, report.methods.confidence) for r in report.priorities],
        "agreement": whole["agreement"],
        "schulze_levels": [list(level) for level in report.schulze_levels],
        "groups": whole["groups"],
        "group_splits": whole["splits"],
        "sensitivity": whole["sensitivity"],
        "cannot_judge": whole["cannot_judge"],
        "stability": whole["stability"],
        "figures": [{"name": c.name, "title": c.title, "alt": c.alt} for c in charts],
    }
    rounded: dict[str, Any] = _rounded(document)
    return rounded


def render_priorities_json(report: PriorityReport, charts: tuple[Chart, ...] = ()) -> str:
    return json.dumps(priorities_document(report, charts), ensure_ascii=False, indent=2) + "\n"
