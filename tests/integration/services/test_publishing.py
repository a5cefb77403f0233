"""Publishing a version, and what the services promise about stored versions, on SQLite and
PostgreSQL: a version is stored whole and frozen at once; it is published once, with a
Publication row and an audit event; a stored report never changes after the fact."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor, StudyRole
from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.db.enums import RoundStatus
from symphonia.db.errors import ImmutableRecordError
from symphonia.db.models import AuditEvent, Publication, Round, Statement, SynthesisVersion
from symphonia.services.accounts import create_account, grant_role
from symphonia.services.analysis import analyse_round
from symphonia.services.approving import approve_version
from symphonia.services.errors import Conflict, NotFound, PermissionDenied
from symphonia.services.exports import build_report
from symphonia.services.principals import actor_for_account
from symphonia.services.publishing import publish_version
from symphonia.services.rounds import close_round, open_round
from symphonia.services.studies import load_study
from symphonia.services.submissions import import_fragments
from symphonia.studyfiles import load_study as read_study_file
from tests.unit.pipeline.conftest import CountingEmbedder

SLUG = "connected-icb"
OPERATOR = Actor.operator("cli")
Maker = async_sessionmaker[AsyncSession]
TEXTS = (
    "Ringfence the budget for five years.",
    "Ringfenced budgets for five years would help.",
    "Consent rules differ between trusts.",
    "Trusts apply consent rules differently.",
)


@pytest.fixture
async def analysed(sessionmaker: Maker, demo_study_dir: Path) -> Maker:
    """Round 1 of the demo study with four fragments, closed and analysed twice."""
    async with sessionmaker() as s:
        await load_study(s, read_study_file(demo_study_dir), actor=OPERATOR)
        await open_round(s, SLUG, 1, actor=OPERATOR)
        fragments = [
            Fragment(f"f{i}", f"E0{i + 1}", FragmentKind.CLAIM, t) for i, t in enumerate(TEXTS)
        ]
        await import_fragments(s, SLUG, 1, fragments, actor=OPERATOR)
        await close_round(s, SLUG, 1, actor=OPERATOR)
    for _ in range(2):
        async with sessionmaker() as s:
            await analyse_round(s, SLUG, 1, CountingEmbedder(), None, actor=OPERATOR)
    return sessionmaker


async def test_the_latest_version_is_published_once(analysed: Maker) -> None:
    async with analysed() as s:
        done = await publish_version(s, SLUG, 1, actor=OPERATOR)
    assert done.version == 2
    async with analysed() as s:
        with pytest.raises(Conflict, match="version 2 of round 1 of 'connected-icb' was published"):
            await publish_version(s, SLUG, 1, actor=OPERATOR)
    async with analysed() as s:
        publication = await s.scalar(select(Publication))
        version = await s.scalar(select(SynthesisVersion).where(SynthesisVersion.number == 2))
        rnd = await s.scalar(select(Round).where(Round.number == 1))
        event = await s.scalar(select(AuditEvent).where(AuditEvent.action == "version.published"))
    assert publication is not None
    assert version is not None
    assert publication.version_id == version.id
    assert publication.actor == "cli"
    assert version.published_at == publication.published_at
    assert rnd is not None
    assert rnd.status is RoundStatus.PUBLISHED
    assert event is not None
    assert event.detail == {"version": 2}


async def test_an_earlier_version_may_be_published_by_number(analysed: Maker) -> None:
    async with analysed() as s:
        assert (await publish_version(s, SLUG, 1, 1, actor=OPERATOR)).version == 1
    async with analysed() as s:
        assert (await publish_version(s, SLUG, 1, 2, actor=OPERATOR)).version == 2
    for missing in (3, 2**63):
        async with analysed() as s:
            with pytest.raises(NotFound, match=f"has no version {missing}"):
                await publish_version(s, SLUG, 1, missing, actor=OPERATOR)
    async with analysed() as s:
        with pytest.raises(NotFound, match="has no round"):
            await publish_version(s, SLUG, 2**63, actor=OPERATOR)


async def test_a_stored_report_never_changes_after_the_fact(analysed: Maker) -> None:
    """Unpublished or published, the version's statements refuse every rewrite."""
    async with analysed() as s:
        before = await build_report(s, SLUG, 1, 1, actor=OPERATOR)
    async with analysed() as s:
        with pytest.raises(ImmutableRecordError):
            await s.execute(text("UPDATE statement SET text = 'rewritten'"))
    async with analysed() as s:
        statement = await s.scalar(select(Statement).limit(1))
        assert statement is not None
        await s.delete(statement)
        with pytest.raises(ImmutableRecordError):
            await s.flush()
    async with analysed() as s:
        assert await build_report(s, SLUG, 1, 1, actor=OPERATOR) == before
        counted = await s.scalar(
            select(func.count())
            .select_from(SynthesisVersion)
            .where(SynthesisVersion.statement_count > 0)
        )
    assert counted == 2, "each analysis stored its version whole, counts declared"


async def test_publishing_before_any_synthesis_is_refused(
    sessionmaker: Maker, demo_study_dir: Path
) -> None:
    async with sessionmaker() as s:
        await load_study(s, read_study_file(demo_study_dir), actor=OPERATOR)
    async with sessionmaker() as s:
        with pytest.raises(NotFound, match="round 1 of 'connected-icb' has no synthesis"):
            await publish_version(s, SLUG, 1, actor=OPERATOR)


async def test_only_a_facilitator_publishes_and_the_publication_names_the_account(
    analysed: Maker,
) -> None:
    """Editors approve but do not publish (two people see a text before it goes out), and a
    facilitator publishes only what an editor approved; a study the actor holds no role in
    is not there at all; the facilitator's publication names their account."""
    async with analysed() as s:
        people = {}
        for role in (StudyRole.FACILITATOR, StudyRole.EDITOR):
            email = f"{role.value}@example.org"
            made = await create_account(s, email, actor=OPERATOR)
            await grant_role(s, email, SLUG, role, actor=OPERATOR)
            people[role] = (made.id, await actor_for_account(s, made.id))
        outsider = await create_account(s, "outsider@example.org", actor=OPERATOR)
        stranger = await actor_for_account(s, outsider.id)
    async with analysed() as s:
        with pytest.raises(PermissionDenied, match="may not publish"):
            await publish_version(s, SLUG, 1, actor=people[StudyRole.EDITOR][1])
    async with analysed() as s:
        with pytest.raises(NotFound, match="unknown study 'connected-icb'"):
            await publish_version(s, SLUG, 1, actor=stranger)
    facilitator_id, facilitator = people[StudyRole.FACILITATOR]
    async with analysed() as s:
        with pytest.raises(Conflict, match="is not approved"):
            await publish_version(s, SLUG, 1, actor=facilitator)
    async with analysed() as s:
        await approve_version(s, SLUG, 1, 2, actor=people[StudyRole.EDITOR][1])
    async with analysed() as s:
        assert (await publish_version(s, SLUG, 1, actor=facilitator)).version == 2
    async with analysed() as s:
        publication = await s.scalar(select(Publication))
    assert publication is not None
    assert publication.published_by_id == facilitator_id
    assert publication.actor == facilitator.label
