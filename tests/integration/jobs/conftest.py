"""A study whose round 1 is closed with a few fragments: ready to analyse."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor
from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.services.round_runs import RoundRecords, run_round
from symphonia.services.studies import load_study
from symphonia.studyfiles import load_study as read_study_file

SLUG = "connected-icb"
OPERATOR = Actor.operator("test")
FRAGMENTS = [
    Fragment("f001", "E01", FragmentKind.CLAIM, "Budgets are ringfenced."),
    Fragment("f002", "E02", FragmentKind.BARRIER, "Consent rules differ by council."),
    Fragment("f003", "E03", FragmentKind.EXAMPLE, "A pilot in Leeds shared data."),
]


@pytest.fixture
async def closed_round(sessionmaker: async_sessionmaker[AsyncSession], demo_study_dir: Path) -> int:
    """Round 1 of the demo study, holding three fragments, closed; returns its number."""
    async with sessionmaker() as s:
        await load_study(s, read_study_file(demo_study_dir), actor=OPERATOR)
        await run_round(s, SLUG, 1, RoundRecords(fragments=FRAGMENTS), actor=OPERATOR)
    return 1
