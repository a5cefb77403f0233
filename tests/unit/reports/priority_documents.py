"""A prioritisation report made by hand, for the renderers' unit tests: two items, two
groups that disagree, a hostile title (link, markup and heading syntax) that every format
must keep as text."""

from __future__ import annotations

from symphonia.services.priority_views import (
    Agreement,
    CannotJudge,
    CriterionInfo,
    GroupInfo,
    GroupSplit,
    Methods,
    PriorityReport,
    PriorityRow,
    Scenario,
    Stability,
    StudyHeader,
    WeightSensitivity,
)

HOSTILE = "Passport [click](http://evil) <script>alert(1)</script> # heading"


def row(
    rank: int, item: str, title: str, score: float, groups: dict[str, int | None]
) -> PriorityRow:
    return PriorityRow(
        rank=rank,
        item=item,
        title=title,
        description="",
        score=score,
        interval=(score - 4.0, score + 3.5),
        top_share=1.0 if rank == 1 else 0.25,
        schulze_rank=rank,
        borda_points=10.0 - rank,
        borda_rank=rank,
        raters=3,
        answered=3,
        cannot_judge={"impact": 0, "cost": 1 if item == "b" else 0},
        criterion_means={"impact": 6.0, "cost": 3.0},
        group_ranks=groups,
        fragment_ids=(),
        previous_rank=rank + 1 if item == "a" else rank,
        rank_change=1 if item == "a" else 0,
        shift_p_value=0.03 if item == "a" else 0.6,
        shifted=item == "a",
    )


REPORT = PriorityReport(
    study=StudyHeader("s", "Study <b>", "Which first?", synthetic=True),
    round_number=2,
    round_status="closed",
    panel_size=4,
    raters=3,
    criteria=(
        CriterionInfo("impact", "Impact", 0.7, "benefit", 1, 9, ""),
        CriterionInfo("cost", "Cost", 0.3, "cost", 1, 5, ""),
    ),
    groups=(GroupInfo("analyst", "Analysts", 2), GroupInfo("parent", "Parent representatives", 1)),
    methods=Methods("weighted_mean", 1.0, 0.5, 0.95, 2000, 7, 1),
    priorities=(
        row(1, "a", HOSTILE, 71.25, {"analyst": 1, "parent": 2}),
        row(2, "b", "Oral health", 60.0, {"analyst": 2, "parent": 1}),
    ),
    agreement=Agreement(0.61, 5.5, 1, 0.019, 3, 0, None),
    schulze_levels=(("a",), ("b",)),
    splits=(GroupSplit("a", HOSTILE, 1, ("analyst",), 1, ("parent",), 2),),
    sensitivity=WeightSensitivity(
        1, ("a",), (), (Scenario("impact", 0.5, ("b",), ("b",), ("a",)),)
    ),
    cannot_judge=(CannotJudge("b", "Oral health", "cost", 1, 3),),
    stability=Stability(1, 1.0, 0.3, 1, 1, 0.4),
)
