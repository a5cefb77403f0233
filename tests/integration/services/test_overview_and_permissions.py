"""What each actor sees and may do through the services: the study page's read models, and
the boundary between studies (another study's existence never leaks)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor, StudyRole
from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.core.study import StudyDefinition
from symphonia.db.enums import RoundStatus
from symphonia.db.models import Participant
from symphonia.services.accounts import create_account, grant_role
from symphonia.services.analysis import request_analysis
from symphonia.services.errors import NotFound, PermissionDenied, SymphoniaError
from symphonia.services.exports import build_report
from symphonia.services.overview import list_studies, round_view, study_overview
from symphonia.services.principals import actor_for_account, actor_for_participant
from symphonia.services.round_runs import RoundRecords, run_round
from symphonia.services.rounds import open_round
from symphonia.services.studies import load_study
from symphonia.services.submissions import import_fragments
from symphonia.studyfiles import load_study as read_study_file

A, B = "study-a", "study-b"
OPERATOR = Actor.operator("test")
Maker = async_sessionmaker[AsyncSession]
FRAGMENTS = [
    Fragment("f001", "E01", FragmentKind.CLAIM, "Budgets are ringfenced."),
    Fragment("f002", "E02", FragmentKind.BARRIER, "Consent rules differ by council."),
    Fragment("f003", "E01", FragmentKind.EXAMPLE, "A pilot in Leeds shared data."),
]


@pytest.fixture
async def actors(sessionmaker: Maker, demo_study_dir: Path) -> dict[str, Actor]:
    """Two copies of the demo study; round 1 of A run with three fragments by two experts.
    Actors: a facilitator, an editor and a reader of A, a facilitator of B, an expert of A,
    an expert of B."""
    demo: StudyDefinition = read_study_file(demo_study_dir)
    async with sessionmaker() as s:
        for slug in (A, B):
            await load_study(s, replace(demo, id=slug), actor=OPERATOR)
        await run_round(s, A, 1, RoundRecords(fragments=FRAGMENTS), actor=OPERATOR)
        found: dict[str, Actor] = {}
        for name, slug, role in [
            ("facilitator A", A, StudyRole.FACILITATOR),
            ("editor A", A, StudyRole.EDITOR),
            ("reader A", A, StudyRole.READER),
            ("facilitator B", B, StudyRole.FACILITATOR),
        ]:
            email = name.replace(" ", ".").lower() + "@example.org"
            made = await create_account(s, email, actor=OPERATOR)
            await grant_role(s, email, slug, role, actor=OPERATOR)
            found[name] = await actor_for_account(s, made.id)
        for name, slug in [("expert A", A), ("expert B", B)]:
            expert = await s.scalar(
                select(Participant)
                .join(Participant.study)
                .where(Participant.pseudonym == "E01", Participant.study.has(slug=slug))
            )
            assert expert is not None
            found[name] = await actor_for_participant(s, expert.id)
    return found


async def test_each_actor_lists_only_its_studies(
    sessionmaker: Maker, actors: dict[str, Actor]
) -> None:
    async with sessionmaker() as s:
        assert [x.study.slug for x in await list_studies(s, actor=OPERATOR)] == [A, B]
        for name, actor in actors.items():
            listed = await list_studies(s, actor=actor)
            assert [x.study.slug for x in listed] == [
                name.split()[-1].replace("A", A).replace("B", B)
            ]
            assert listed[0].roles == next(iter(actor.roles.values()))
            assert [r.number for r in listed[0].rounds] == [1, 2, 3]


async def test_another_studys_existence_never_leaks(
    sessionmaker: Maker, actors: dict[str, Actor]
) -> None:
    """For someone with no role in A, A answers exactly like a study that does not exist."""
    outsider = actors["facilitator B"]
    async with sessionmaker() as s:
        for slug in (A, "no-such-study"):
            for call in (
                lambda slug=slug: study_overview(s, slug, actor=outsider),
                lambda slug=slug: round_view(s, slug, 1, actor=outsider),
                lambda slug=slug: open_round(s, slug, 2, actor=outsider),
                lambda slug=slug: build_report(s, slug, 1, actor=outsider),
                lambda slug=slug: request_analysis(s, slug, 1, actor=outsider),
            ):
                with pytest.raises(NotFound) as refused:
                    await call()
                assert str(refused.value) == f"unknown study {slug!r}; known studies: {B}"
                assert not isinstance(refused.value, PermissionDenied)


async def answer(call: Awaitable[object]) -> str:
    """'done', or the code of the refusal."""
    try:
        await call
    except SymphoniaError as exc:
        return exc.code or type(exc).__name__
    return "done"


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("facilitator A", {"overview", "participation", "round", "import", "analysis", "report"}),
        ("editor A", {"overview", "participation", "round", "report"}),
        ("reader A", {"overview", "round"}),
        ("expert A", {"overview", "round"}),
    ],
)
async def test_roles_in_a_study_allow_what_the_table_says(
    sessionmaker: Maker, actors: dict[str, Actor], name: str, allowed: set[str]
) -> None:
    actor = actors[name]
    async with sessionmaker() as s:
        overview = await study_overview(s, A, actor=actor)
        detail = await round_view(s, A, 1, actor=actor)
        done = {"overview", "round"}
        if overview.rounds[0].contributors is not None:
            done.add("participation")
            assert detail.by_group
        else:
            assert detail.by_group == ()
        late = [Fragment(f"x{uuid.uuid4().hex[:6]}", "E03", FragmentKind.CLAIM, "Late.")]
        answers = {
            "import": await answer(import_fragments(s, A, 1, late, actor=actor)),
            "analysis": await answer(request_analysis(s, A, 1, actor=actor)),
            "report": await answer(build_report(s, A, 1, actor=actor)),
        }
    # Allowed: done, or refused for the state of the round (closed, nothing drafted yet).
    # A reader or an expert reads published versions only: none exists, as far as they know.
    allowed_answers = {"done", "round_not_open", "no_synthesis"}
    done |= {what for what, said in answers.items() if said in allowed_answers}
    assert done == allowed
    assert set(answers.values()) <= allowed_answers | {"permission_denied", "nothing_published"}


async def test_the_study_page_counts_rounds_groups_and_participation(
    sessionmaker: Maker, actors: dict[str, Actor]
) -> None:
    async with sessionmaker() as s:
        overview = await study_overview(s, A, actor=actors["facilitator A"])
        detail = await round_view(s, A, 1, actor=actors["editor A"])
        expert_view = await study_overview(s, A, actor=actors["expert A"])
    assert overview.study.slug == A
    assert overview.roles == {StudyRole.FACILITATOR}
    assert overview.panel_size == 15
    assert sum(g.experts for g in overview.groups) == 15
    first = overview.rounds[0]
    assert (first.round.status, first.contributors, first.records, first.runs) == (
        RoundStatus.CLOSED,
        2,
        3,
        0,
    )
    assert [r.round.status for r in overview.rounds[1:]] == [RoundStatus.DRAFT] * 2
    assert detail.summary == first
    took_part = {g.key: (g.experts, g.took_part) for g in detail.by_group}
    assert sum(n for n, _ in took_part.values()) == 15
    assert sum(done for _, done in took_part.values()) == 2
    assert expert_view.rounds[0].contributors is None  # experts see status, not who took part
    assert expert_view.roles == {StudyRole.EXPERT}
