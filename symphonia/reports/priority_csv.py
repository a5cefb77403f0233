"""The prioritisation report's numbers as CSV, for analysts: the ranked list (with each
group's rank of each item), what the panel could not judge, and the weight sensitivity.

From the report model, as every format is; the cells go through the synthesis CSV's
writer, so a title starting with ``=`` can never become a spreadsheet formula. Written as a
directory of files or as one deterministic zip (entries dated 1980-01-01: the round's
records carry no date to take).
"""

from __future__ import annotations

from symphonia.reports.csv_export import table_csv
from symphonia.services.priority_views import PriorityReport


def _priorities_csv(report: PriorityReport) -> str:
    groups = [g.id for g in report.groups]
    return table_csv(
        (
            "rank",
            "item",
            "title",
            "score",
            "interval_low",
            "interval_high",
            "confidence",
            "top_share",
            "schulze_rank",
            "borda_points",
            "borda_rank",
            "raters",
            "answered",
            "previous_rank",
            "rank_change",
            "shift_p_value",
            "shifted",
            *(f"rank_in_{g}" for g in groups),
        ),
        (
            (
                r.rank,
                r.item,
                r.title,
                r.score,
                r.interval[0] if r.interval else None,
                r.interval[1] if r.interval else None,
                report.methods.confidence,
                r.top_share,
                r.schulze_rank,
                r.borda_points,
                r.borda_rank,
                r.raters,
                r.answered,
                r.previous_rank,
                r.rank_change,
                r.shift_p_value,
                r.shifted,
                *(r.group_ranks.get(g) for g in groups),
            )
            for r in report.priorities
        ),
    )


def _cannot_judge_csv(report: PriorityReport) -> str:
    return table_csv(
        ("item", "title", "criterion", "cannot_judge", "answered"),
        ((c.item, c.title, c.criterion, c.count, c.answered) for c in report.cannot_judge),
    )


def _sensitivity_csv(report: PriorityReport) -> str:
    """One row per weight halved or doubled, after the registered weights' own top (factor
    1); items are space-separated ids, in rank order."""
    s = report.sensitivity
    return table_csv(
        ("criterion", "factor", "top", "entered", "left", "robust"),
        [
            ("", 1.0, " ".join(s.baseline), "", "", " ".join(s.robust)),
            *(
                (
                    sc.criterion,
                    sc.factor,
                    " ".join(sc.top),
                    " ".join(sc.entered),
                    " ".join(sc.left),
                    "",
                )
                for sc in s.scenarios
            ),
        ],
    )


def priority_csv_files(report: PriorityReport) -> dict[str, str]:
    """File name -> content, in the order they are written."""
    return {
        "priorities.csv": _priorities_csv(report),
        "cannot_judge.csv": _cannot_judge_csv(report),
        "sensitivity.csv": _sensitivity_csv(report),
    }
