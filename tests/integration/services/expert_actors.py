"""The demo study with round 1 open, and some of its experts as the Actors they sign in as:
where the expert-side service tests start."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor
from symphonia.db.models import Participant
from symphonia.services.principals import actor_for_participant
from symphonia.services.rounds import open_round
from symphonia.services.studies import load_study
from symphonia.studyfiles import load_study as read_study_file

SLUG = "connected-icb"
OPERATOR = Actor.operator("test")


async def round_one_experts(
    sessionmaker: async_sessionmaker[AsyncSession], demo_study_dir: Path, pseudonyms: Iterable[str]
) -> dict[str, Actor]:
    """Load the demo study, open round 1, and sign in each of `pseudonyms` as themselves."""
    async with sessionmaker() as s:
        await load_study(s, read_study_file(demo_study_dir), actor=OPERATOR)
        await open_round(s, SLUG, 1, actor=OPERATOR)
        found = {}
        for pseudonym in pseudonyms:
            row = await s.scalar(select(Participant).where(Participant.pseudonym == pseudonym))
            assert row is not None
            found[pseudonym] = await actor_for_participant(s, row.id)
    return found
