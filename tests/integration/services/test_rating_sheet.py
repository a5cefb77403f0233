"""An expert's rating round through the services, on SQLite and PostgreSQL: the sheet with
the previous round's feedback (checked against figures computed here from the demo's file),
answers with "cannot judge" and comments saved and replaced, bad answers refused whole, and
nothing changed once the round closes."""

from __future__ import annotations

import statistics

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.errors import Conflict, PermissionDenied, RejectedInput
from symphonia.db.models import Rating as RatingRow
from symphonia.db.models import Study
from symphonia.services.lookup import get_round
from symphonia.services.rating_entry import RatingEntry, save_ratings
from symphonia.services.rating_sheet import Answer, rating_sheet
from symphonia.services.round_input import load_round_input
from symphonia.services.rounds import close_round
from tests.integration.rating_rounds import (
    ITEMS,
    OPERATOR,
    ROUND_2,
    SLUG,
    demo_at_round_3,
    panellist,
)

Maker = async_sessionmaker[AsyncSession]


def quartiles(scores: list[int]) -> tuple[float, float, float]:
    """Q1, median, Q3 the way R's default (type 7) computes them, independently of numpy."""
    q1, q2, q3 = statistics.quantiles(scores, n=4, method="inclusive")
    return q1, q2, q3


async def test_an_expert_sees_last_rounds_feedback_and_rates(sessionmaker: Maker) -> None:
    async with sessionmaker() as s:
        await demo_at_round_3(s)
        e01 = await panellist(s, "E01")
        sheet = await rating_sheet(s, SLUG, 3, actor=e01)
    assert sheet.open
    assert sheet.previous_round == 2
    assert [i.id for i in sheet.items] == [i.id for i in ITEMS]
    for item in sheet.items:
        given = [r.score for r in ROUND_2 if r.item == item.id]
        assert item.feedback is not None
        fb = item.feedback.panel
        assert (fb.q1, fb.median, fb.q3) == pytest.approx(quartiles(given))
        assert fb.scored + fb.cannot_judge == len(given)
        assert dict(fb.counts) == {p: given.count(p) for p in range(1, 10)}
        own = next(r.score for r in ROUND_2 if r.item == item.id and r.rater == "E01")
        assert item.feedback.mine == Answer(own, None)
        assert item.mine is None
    async with sessionmaker() as s:
        sent = [
            RatingEntry("s01", Answer(6, "Needs a legal basis first")),
            RatingEntry("s02", Answer(None)),
        ]
        assert await save_ratings(s, SLUG, 3, sent, actor=e01) == 2
        await save_ratings(s, SLUG, 3, [RatingEntry("s01", Answer(7, "  "))], actor=e01)
        sheet = await rating_sheet(s, SLUG, 3, actor=e01)
        mine = {i.id: i.mine for i in sheet.items if i.mine}
        assert mine == {"s01": Answer(7, None), "s02": Answer(None, None)}
        rows = (await s.scalars(select(RatingRow).where(RatingRow.item_external_id == "s02"))).all()
        assert [r.score for r in rows if r.comment is None and r.score is None] == [None]
        # "cannot judge" takes part but is no score: the analysis never reads it
        study = await s.scalar(select(Study).where(Study.slug == SLUG))
        assert study is not None
        await close_round(s, SLUG, 3, actor=OPERATOR)
        data = await load_round_input(s, study, await get_round(s, study, 3))
        assert data.rating is not None
        assert not [r for r in data.rating.ratings if r.item == "s02" and r.rater == "E01"]
        assert ("s01", "E01", 7) in {(r.item, r.rater, r.score) for r in data.rating.ratings}
        with pytest.raises(Conflict, match="is closed; ratings can only be given or changed"):
            await save_ratings(s, SLUG, 3, [RatingEntry("s01", Answer(3))], actor=e01)
        assert not (await rating_sheet(s, SLUG, 3, actor=e01)).open


async def test_bad_answers_are_refused_whole(sessionmaker: Maker) -> None:
    async with sessionmaker() as s:
        await demo_at_round_3(s)
        e01 = await panellist(s, "E01")
        bad = [
            RatingEntry("s01", Answer(5)),
            RatingEntry("s02", Answer(0)),
            RatingEntry("nope", Answer(5)),
            RatingEntry("s03", Answer(5, "x" * 2001)),
            RatingEntry("s01", Answer(4)),
        ]
        with pytest.raises(RejectedInput, match="nothing was stored") as refused:
            await save_ratings(s, SLUG, 3, bad, actor=e01)
        assert [(p.location, p.field) for p in refused.value.problems] == [
            ("s02", "score"),
            ("nope", "item"),
            ("s03", "comment"),
            ("s01", ""),
        ]
        sheet = await rating_sheet(s, SLUG, 3, actor=e01)
        assert [i.mine for i in sheet.items if i.mine is not None] == []


async def test_only_the_panel_rates_and_only_in_rating_rounds(sessionmaker: Maker) -> None:
    async with sessionmaker() as s:
        await demo_at_round_3(s)
        e01 = await panellist(s, "E01")
        with pytest.raises(Conflict, match="asks for evidence, not ratings"):
            await rating_sheet(s, SLUG, 1, actor=e01)
        with pytest.raises(PermissionDenied):
            await save_ratings(s, SLUG, 3, [RatingEntry("s01", Answer(5))], actor=OPERATOR)
