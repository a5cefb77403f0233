"""Two saves at once of an expert's first answer to the same item (a double click, the autosave
beside "Save my ratings", a retried API call), on SQLite and PostgreSQL: both succeed, one
answer is stored (the last one committed), never a unique-constraint error. On PostgreSQL
the two really race (both find no row and insert); SQLite queues its writers, so there the
test checks the same outcome without the race."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import select

from symphonia.db.models import PriorityScore as ScoreRow
from symphonia.db.models import Rating as RatingRow
from symphonia.services.priority_scores import ScoreEntry, submit_priority_sheet
from symphonia.services.priority_sheet import priority_sheet
from symphonia.services.rating_entry import RatingEntry, save_ratings
from symphonia.services.rating_sheet import Answer, rating_sheet
from tests.integration import priority_rounds
from tests.integration.priority_rounds import Maker, expert, priorities_at_round_2
from tests.integration.rating_rounds import SLUG, demo_at_round_3, panellist

ITEMS = ("s01", "s02", "s03", "s04", "s05")
"""Several items, each raced once: more chances for the two saves to interleave."""


async def test_two_first_ratings_at_once_store_one_answer(sessionmaker: Maker) -> None:
    async with sessionmaker() as s:
        await demo_at_round_3(s)
        e01 = await panellist(s, "E01")

    async def save(item: str, answer: Answer) -> int:
        async with sessionmaker() as s:
            return await save_ratings(s, SLUG, 3, [RatingEntry(item, answer)], actor=e01)

    for item in ITEMS:
        done = await asyncio.gather(save(item, Answer(4, "first")), save(item, Answer(None)))
        assert done == [1, 1]
    async with sessionmaker() as s:
        rows = list(
            await s.scalars(select(RatingRow).where(RatingRow.rater_id == e01.participant_id))
        )
        sheet = await rating_sheet(s, SLUG, 3, actor=e01)
    stored = Counter((r.round_id, r.item_external_id) for r in rows)  # rounds 2 and 3
    assert set(stored.values()) == {1}
    mine = {i.id: i.mine for i in sheet.items if i.mine is not None}
    assert set(mine) == set(ITEMS)
    assert all(a in (Answer(4, "first"), Answer(None)) for a in mine.values())


async def test_two_first_scores_at_once_store_one_score(sessionmaker: Maker) -> None:
    await priorities_at_round_2(sessionmaker)
    e12 = await expert(sessionmaker, "E12")

    async def save(item: str, score: int | None) -> int:
        async with sessionmaker() as s:
            cells = [ScoreEntry(item, "impact", score), ScoreEntry(item, "cost", score)]
            return await submit_priority_sheet(s, priority_rounds.SLUG, 2, cells, actor=e12)

    items = ("passport", "readiness", "post16", "ehcp-model")
    for item in items:
        assert await asyncio.gather(save(item, 2), save(item, None)) == [2, 2]
    async with sessionmaker() as s:
        rows = list(
            await s.scalars(select(ScoreRow).where(ScoreRow.rater_id == e12.participant_id))
        )
        sheet = await priority_sheet(s, priority_rounds.SLUG, 2, actor=e12)
    assert set(Counter((r.round_id, r.item_id, r.criterion) for r in rows).values()) == {1}
    assert set(sheet.mine) == set(items)
    for cells in sheet.mine.values():
        assert set(cells) == {"impact", "cost"}
        assert cells["impact"] == cells["cost"]  # both cells of one save: never mixed
