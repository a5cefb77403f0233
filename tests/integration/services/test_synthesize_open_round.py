"""A round still open is not synthesized: its synthesis would go stale as submissions arrive."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor
from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.db.enums import RoundStatus
from symphonia.db.models import AnalysisRun, AuditEvent, Round, SynthesisVersion
from symphonia.services.analysis import analyse_round
from symphonia.services.errors import Conflict
from symphonia.services.rounds import close_round, open_round
from symphonia.services.studies import load_study
from symphonia.services.submissions import import_fragments
from symphonia.studyfiles import load_study as read_study_file
from tests.unit.pipeline.conftest import CountingEmbedder

SLUG = "connected-icb"
OPERATOR = Actor.operator("test")
Maker = async_sessionmaker[AsyncSession]
FRAGMENTS = [
    Fragment("f001", "E01", FragmentKind.CLAIM, "Budgets are ringfenced."),
    Fragment("f002", "E02", FragmentKind.BARRIER, "Consent rules differ by council."),
]


async def stored(maker: Maker) -> tuple[int, int, int]:
    """Analysis runs, synthesis versions and `analysis.completed` events in the database."""
    async with maker() as s:
        runs = await s.scalar(select(func.count()).select_from(AnalysisRun))
        versions = await s.scalar(select(func.count()).select_from(SynthesisVersion))
        done = await s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "analysis.completed")
        )
    return int(runs or 0), int(versions or 0), int(done or 0)


async def round_one(maker: Maker) -> RoundStatus:
    async with maker() as s:
        rnd = await s.scalar(select(Round).where(Round.number == 1))
        assert rnd is not None
        return rnd.status


async def test_an_open_round_is_refused_until_it_closes(
    sessionmaker: Maker, demo_study_dir: Path
) -> None:
    async with sessionmaker() as s:
        await load_study(s, read_study_file(demo_study_dir), actor=OPERATOR)
        await open_round(s, SLUG, 1, actor=OPERATOR)
        await import_fragments(s, SLUG, 1, FRAGMENTS, actor=OPERATOR)
    embedder = CountingEmbedder()
    async with sessionmaker() as s:
        with pytest.raises(Conflict) as refused:
            await analyse_round(s, SLUG, 1, embedder, None, actor=OPERATOR)
    assert str(refused.value) == (
        "round 1 of 'connected-icb' is still open and accepting submissions, so its synthesis "
        "would go stale"
    )
    assert (refused.value.code, dict(refused.value.context)) == (
        "round_still_open",
        {"study": SLUG, "round": 1},
    )
    # Refused before any work: nothing embedded, nothing stored, nothing audited.
    assert embedder.embedded == 0
    assert await stored(sessionmaker) == (0, 0, 0)
    assert await round_one(sessionmaker) is RoundStatus.OPEN
    # The round still takes submissions, then closes and is synthesized as version 1.
    late = Fragment("f003", "E03", FragmentKind.EXAMPLE, "A pilot in Leeds shared data.")
    async with sessionmaker() as s:
        await import_fragments(s, SLUG, 1, [late], actor=OPERATOR)
        await close_round(s, SLUG, 1, actor=OPERATOR)
        outcome = await analyse_round(s, SLUG, 1, CountingEmbedder(), None, actor=OPERATOR)
    assert outcome.version_number == 1
    members = [f for t in outcome.result.themes for f in t.fragment_ids]
    assert sorted([*members, *outcome.result.singular_views]) == ["f001", "f002", "f003"]
    assert await stored(sessionmaker) == (1, 1, 1)
    assert await round_one(sessionmaker) is RoundStatus.ANALYSED


async def test_a_rate_round_whose_evidence_round_is_open_is_refused(
    sessionmaker: Maker, demo_study_dir: Path
) -> None:
    """A database written before rounds had to run in order may hold a closed rating round
    after a contribute round that is still open; its evidence could still change."""
    async with sessionmaker() as s:
        await load_study(s, read_study_file(demo_study_dir), actor=OPERATOR)
        await open_round(s, SLUG, 1, actor=OPERATOR)
        await import_fragments(s, SLUG, 1, FRAGMENTS, actor=OPERATOR)
    async with sessionmaker() as s, s.begin():
        rnd = await s.scalar(select(Round).where(Round.number == 2))
        assert rnd is not None
        rnd.status = RoundStatus.CLOSED
    async with sessionmaker() as s:
        with pytest.raises(Conflict) as refused:
            await analyse_round(s, SLUG, 2, CountingEmbedder(), None, actor=OPERATOR)
    assert str(refused.value) == (
        "round 1 of 'connected-icb', whose fragments round 2 is analysed on, is still open"
    )
    assert (refused.value.code, refused.value.context["round"]) == ("evidence_round_open", 1)
    assert await stored(sessionmaker) == (0, 0, 0)
