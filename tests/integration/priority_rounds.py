"""The prioritisation demo (`rounds/connected-icb-priorities`) up to an open second round, set
up through the services and the demo's own files: round 1's scores imported and closed,
round 2 opened. An expert scoring round 2 then sees round 1 as feedback."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor
from symphonia.core.priorities.scores import PriorityScore
from symphonia.core.study import StudyDefinition
from symphonia.db.models import Participant, Study
from symphonia.interchange.priorities import read_priority_scores, try_read_priority_scores
from symphonia.services.principals import actor_for_participant
from symphonia.services.round_runs import RoundRecords, run_round
from symphonia.services.rounds import open_round
from symphonia.services.studies import load_study
from symphonia.services.submissions import SourceLines
from symphonia.studyfiles import load_study as read_study_file
from symphonia.studyfiles import round_file

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "rounds" / "connected-icb-priorities"
SLUG = "connected-icb-priorities"
OPERATOR = Actor.operator("test")
Maker = async_sessionmaker[AsyncSession]


def demo_scores(definition: StudyDefinition, number: int) -> list[PriorityScore]:
    """Round `number`'s scores as the demo's file holds them."""
    return read_priority_scores(round_file(definition, definition.round(number).scores or ""))


async def run_demo_round(maker: Maker, definition: StudyDefinition, number: int) -> None:
    """Open, import the demo's file and close round `number`."""
    read = try_read_priority_scores(round_file(definition, definition.round(number).scores or ""))
    records = RoundRecords(
        priority_scores=read.unwrap(), priority_scores_from=SourceLines(read.file, read.lines)
    )
    async with maker() as s:
        await run_round(s, SLUG, number, records, actor=OPERATOR)


async def priorities_at_round_2(maker: Maker) -> StudyDefinition:
    definition = read_study_file(DEMO)
    async with maker() as s:
        await load_study(s, definition, actor=OPERATOR)
    await run_demo_round(maker, definition, 1)
    async with maker() as s:
        await open_round(s, SLUG, 2, actor=OPERATOR)
    return definition


async def expert(maker: Maker, pseudonym: str) -> Actor:
    async with maker() as s:
        row = await s.scalar(
            select(Participant)
            .join(Study, Participant.study_id == Study.id)
            .where(Participant.pseudonym == pseudonym, Study.slug == SLUG)
        )
        assert row is not None
        return await actor_for_participant(s, row.id)
