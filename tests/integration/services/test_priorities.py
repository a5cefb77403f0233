"""Prioritisation studies through the services, on SQLite and PostgreSQL: the demo's two
rounds ranked (with the group split it was built to show), bad scores refused whole, an
expert's own sheet, and the report's refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from symphonia.core.actors import StudyRole
from symphonia.core.priorities.scores import PriorityScore
from symphonia.core.study import StudyDefinition
from symphonia.db.models import PriorityScore as ScoreRow
from symphonia.services.accounts import create_account, grant_role
from symphonia.services.errors import Conflict, NotFound, PermissionDenied, RejectedInput
from symphonia.services.principals import actor_for_account
from symphonia.services.priority_report import build_priority_report
from symphonia.services.priority_scores import (
    ScoreEntry,
    import_priority_scores,
    submit_priority_sheet,
)
from symphonia.services.priority_sheet import priority_sheet
from symphonia.services.rounds import close_round, open_round
from symphonia.services.studies import load_study
from symphonia.studyfiles import load_study as read_study_file
from tests.integration.priority_rounds import DEMO, OPERATOR, SLUG, Maker, expert, run_demo_round

E12_ROUND_1_MODEL_IMPACT = 3
"""What the synthetic round-1 file says parent representative E12 gave the EHCP model's impact."""


@pytest.fixture
def definition() -> StudyDefinition:
    return read_study_file(DEMO)


async def test_the_demo_ranked_round_by_round_with_its_group_split(
    sessionmaker: Maker, definition: StudyDefinition
) -> None:
    async with sessionmaker() as s:
        await load_study(s, definition, actor=OPERATOR)
    await run_demo_round(sessionmaker, definition, 1)
    await run_demo_round(sessionmaker, definition, 2)
    async with sessionmaker() as s:
        first = await build_priority_report(s, SLUG, 1, actor=OPERATOR)
        second = await build_priority_report(s, SLUG, 2, actor=OPERATOR)
    assert [r.item for r in first.priorities[:4]] == [
        "care-leavers", "oral-health", "asthma-absence", "speech-language",
    ]  # fmt: skip
    assert [r.item for r in second.priorities[:4]] == [
        "oral-health", "care-leavers", "asthma-absence", "speech-language",
    ]  # fmt: skip
    assert second.priorities[-1].item == "early-help-flags"
    assert (first.raters, second.raters, second.panel_size) == (15, 14, 15)
    for row in second.priorities:
        assert row.interval is not None
        assert row.score is not None
        assert row.interval[0] <= row.score <= row.interval[1]
    # the split: school leaders and parents rank the predictive EHCP model far below analysts
    model = second.row("ehcp-model")
    assert model.group_ranks["la_analyst"] <= 2
    assert model.group_ranks["parent_rep"] == 12
    assert model.group_ranks["school_leader"] >= 10  # type: ignore[operator]
    assert second.splits[0].item == "ehcp-model"
    assert "parent_rep" in second.splits[0].lowest
    assert model.schulze_rank < model.rank  # type: ignore[operator]  # the mean is pulled down
    # movement: oral health up, the passport down and shifted, the panel agreeing more
    assert (second.row("oral-health").previous_rank, second.row("oral-health").rank) == (2, 1)
    assert second.row("passport").shifted
    assert first.stability is None
    assert second.stability is not None
    assert second.stability.moved >= 5
    assert second.agreement.w is not None
    assert first.agreement.w is not None
    assert second.agreement.w > first.agreement.w
    assert (
        second.sensitivity.baseline[:1] == ("post16",) or "oral-health" in second.sensitivity.robust
    )
    assert {c.criterion for c in second.cannot_judge} <= {"cost", "data_readiness"}


async def test_bad_scores_are_refused_whole_with_their_lines(
    sessionmaker: Maker, definition: StudyDefinition
) -> None:
    async with sessionmaker() as s:
        await load_study(s, definition, actor=OPERATOR)
        await open_round(s, SLUG, 1, actor=OPERATOR)
    scores = [
        PriorityScore("passport", "impact", "E01", 7),
        PriorityScore("teleport", "impact", "E01", 7),
        PriorityScore("passport", "beauty", "E01", 7),
        PriorityScore("passport", "cost", "E01", 10),
        PriorityScore("passport", "cost", "E99", None),
        PriorityScore("passport", "cost", "F01", 3),
        PriorityScore("passport", "impact", "E01", 5),
    ]
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as refused:
            await import_priority_scores(
                s, SLUG, 1, scores, "s.jsonl", lines=[1, 2, 3, 4, 5, 6, 7], actor=OPERATOR
            )
    assert [str(p) for p in refused.value.problems] == [
        "s.jsonl:2: score of 'teleport' on 'impact' by 'E01': item: unknown item 'teleport'",
        "s.jsonl:3: score of 'passport' on 'beauty' by 'E01': criterion: unknown criterion "
        "'beauty'; expected one of impact, feasibility, data_readiness, trust, cost",
        "s.jsonl:4: score of 'passport' on 'cost' by 'E01': score: 10 is outside criterion "
        "'cost''s scale 1–9",
        "s.jsonl:5: score of 'passport' on 'cost' by 'E99': rater: 'E99' is not on the panel",
        "s.jsonl:6: score of 'passport' on 'cost' by 'F01': rater: 'F01' is a facilitator; "
        "only experts score",
        "s.jsonl:7: score of 'passport' on 'impact' by 'E01': duplicate score in this import",
    ]
    assert "nothing was imported" in str(refused.value)
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(ScoreRow)) == 0
        done = await import_priority_scores(s, SLUG, 1, scores[:1], "s.jsonl", actor=OPERATOR)
        assert done.imported == 1
        with pytest.raises(RejectedInput, match="already scored this in round 1"):
            await import_priority_scores(s, SLUG, 1, scores[:1], "s.jsonl", actor=OPERATOR)


async def test_an_expert_scores_their_own_sheet_and_sees_last_rounds_distribution(
    sessionmaker: Maker, definition: StudyDefinition
) -> None:
    async with sessionmaker() as s:
        await load_study(s, definition, actor=OPERATOR)
    await run_demo_round(sessionmaker, definition, 1)
    async with sessionmaker() as s:
        await open_round(s, SLUG, 2, actor=OPERATOR)
    e12 = await expert(sessionmaker, "E12")
    async with sessionmaker() as s:
        sent = [ScoreEntry("ehcp-model", "impact", 2), ScoreEntry("ehcp-model", "cost", None)]
        assert await submit_priority_sheet(s, SLUG, 2, sent, actor=e12) == 2
        again = [ScoreEntry("ehcp-model", "impact", 3)]
        await submit_priority_sheet(s, SLUG, 2, again, actor=e12)
        sheet = await priority_sheet(s, SLUG, 2, actor=e12)
    assert sheet.open
    assert sheet.previous_round == 1
    assert sheet.mine == {"ehcp-model": {"impact": 3, "cost": None}}
    assert len(sheet.items) == 12
    assert sheet.criteria[0].id == "impact"
    feedback = sheet.feedback["ehcp-model"]["impact"]
    assert feedback.answered == 15
    assert feedback.iqr is not None
    assert feedback.q1 <= feedback.median <= feedback.q3  # type: ignore[operator]
    assert sheet.my_previous["ehcp-model"]["impact"] == sheet.my_previous["ehcp-model"].get(
        "impact"
    )
    async with sessionmaker() as s:
        bad = [ScoreEntry("ehcp-model", "impact", 0), ScoreEntry("nope", "impact", 5)]
        with pytest.raises(RejectedInput) as refused:
            await submit_priority_sheet(s, SLUG, 2, bad, actor=e12)
    assert [(p.location, p.field) for p in refused.value.problems] == [
        ("ehcp-model/impact", "score"),
        ("nope/impact", "item"),
    ]


async def test_who_may_score_and_read(
    sessionmaker: Maker, definition: StudyDefinition, demo_study_dir: Path
) -> None:
    async with sessionmaker() as s:
        await load_study(s, read_study_file(demo_study_dir), actor=OPERATOR)  # another study
        await load_study(s, definition, actor=OPERATOR)
        await open_round(s, SLUG, 1, actor=OPERATOR)
        account = await create_account(s, "ed@example.org", actor=OPERATOR)
        await grant_role(s, "ed@example.org", SLUG, StudyRole.READER, actor=OPERATOR)
        reader = await actor_for_account(s, account.id)
    entry = [ScoreEntry("passport", "impact", 5)]
    async with sessionmaker() as s:
        with pytest.raises(PermissionDenied):
            await submit_priority_sheet(s, SLUG, 1, entry, actor=reader)
        with pytest.raises(PermissionDenied):
            await build_priority_report(s, SLUG, 1, actor=reader)
        with pytest.raises(NotFound):
            await submit_priority_sheet(
                s, "connected-icb", 1, entry, actor=await expert(sessionmaker, "E01")
            )
        with pytest.raises(Conflict, match="its ranking is reported once it has closed"):
            await build_priority_report(s, SLUG, 1, actor=OPERATOR)
        await close_round(s, SLUG, 1, actor=OPERATOR)
        with pytest.raises(
            Conflict, match="is closed; scores can only be given or changed in an open round"
        ):
            await submit_priority_sheet(s, SLUG, 1, entry, actor=await expert(sessionmaker, "E01"))
