"""An expert's fragments from the web: submitted as themselves, once per idempotency key,
edited and withdrawn append-only until the round closes, drafts autosaved; analysis reads
only the current version of each."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor, StudyRole
from symphonia.db.errors import ImmutableRecordError
from symphonia.db.models import Fragment, FragmentWithdrawal
from symphonia.services.accounts import create_account, grant_role
from symphonia.services.analysis import analyse_round
from symphonia.services.contributions import (
    FragmentDraftInput,
    edit_fragment,
    my_fragments,
    submit_fragment,
    withdraw_fragment,
)
from symphonia.services.drafts import discard_draft, my_drafts, save_draft
from symphonia.services.errors import Conflict, NotFound, PermissionDenied, RejectedInput
from symphonia.services.principals import actor_for_account
from symphonia.services.rounds import close_round
from tests.integration.services.expert_actors import round_one_experts
from tests.unit.pipeline.conftest import CountingEmbedder

SLUG = "connected-icb"
OPERATOR = Actor.operator("test")
Maker = async_sessionmaker[AsyncSession]
CLAIM = FragmentDraftInput("claim", "Shared care records cut repeat tests.", 4, ["doi:10/x"])


@pytest.fixture
async def experts(sessionmaker: Maker, demo_study_dir: Path) -> dict[str, Actor]:
    """Round 1 open; E01 and E02 signed in as themselves."""
    return await round_one_experts(sessionmaker, demo_study_dir, ("E01", "E02"))


async def test_a_submission_is_the_experts_own_and_listed_back(
    sessionmaker: Maker, experts: dict[str, Actor]
) -> None:
    async with sessionmaker() as s:
        stored = await submit_fragment(s, SLUG, 1, CLAIM, actor=experts["E01"])
        mine = await my_fragments(s, SLUG, 1, actor=experts["E01"])
        theirs = await my_fragments(s, SLUG, 1, actor=experts["E02"])
    assert stored.author == "E01"
    assert stored.id.startswith("E01-")
    assert (stored.kind.value, stored.confidence, stored.sources) == ("claim", 4, ("doi:10/x",))
    assert mine == (stored,)
    assert theirs == ()


async def test_every_problem_is_named_by_field(
    sessionmaker: Maker, experts: dict[str, Actor]
) -> None:
    bad = FragmentDraftInput("opinion", "  ", "nine", ["ok", "x" * 600], "why\x00")
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as refused:
            await submit_fragment(s, SLUG, 1, bad, actor=experts["E01"])
    assert [p.field for p in refused.value.problems] == [
        "kind",
        "text",
        "confidence",
        "sources[1]",
        "question",
    ]
    assert await count(sessionmaker, Fragment) == 0


async def test_one_idempotency_key_stores_one_fragment_even_at_once(
    sessionmaker: Maker, experts: dict[str, Actor]
) -> None:
    async def submit() -> object:
        async with sessionmaker() as s:
            return await submit_fragment(
                s, SLUG, 1, CLAIM, idempotency_key="k-1", actor=experts["E01"]
            )

    first, second = await asyncio.gather(submit(), submit())
    again = await submit()
    assert first == second == again
    assert await count(sessionmaker, Fragment) == 1
    async with sessionmaker() as s:  # another expert's same key is their own
        await submit_fragment(s, SLUG, 1, CLAIM, idempotency_key="k-1", actor=experts["E02"])
    assert await count(sessionmaker, Fragment) == 2


async def test_edits_and_withdrawals_keep_history_and_analysis_reads_the_current(
    sessionmaker: Maker, experts: dict[str, Actor]
) -> None:
    e01 = experts["E01"]
    async with sessionmaker() as s:
        first = await submit_fragment(s, SLUG, 1, CLAIM, actor=e01)
        dropped = await submit_fragment(
            s, SLUG, 1, FragmentDraftInput("barrier", "Consent differs."), actor=e01
        )
        edited = await edit_fragment(
            s, SLUG, 1, first.id, FragmentDraftInput("claim", "Records cut tests."), actor=e01
        )
        await withdraw_fragment(s, SLUG, 1, dropped.id, "I was wrong", actor=e01)
        with pytest.raises(Conflict, match="was edited since") as stale:
            await edit_fragment(s, SLUG, 1, first.id, CLAIM, actor=e01)
        with pytest.raises(Conflict, match="was withdrawn"):
            await withdraw_fragment(s, SLUG, 1, dropped.id, actor=e01)
        with pytest.raises(NotFound):  # not E02's to edit
            await edit_fragment(s, SLUG, 1, edited.id, CLAIM, actor=experts["E02"])
        other = await submit_fragment(
            s, SLUG, 1, FragmentDraftInput("example", "A pilot in Leeds."), actor=experts["E02"]
        )
        mine = await my_fragments(s, SLUG, 1, actor=e01)
    assert stale.value.context["latest"] == edited.id
    assert edited.supersedes == first.id
    assert [f.id for f in mine] == [edited.id]
    assert await count(sessionmaker, Fragment) == 4  # nothing deleted, nothing overwritten
    async with sessionmaker() as s:
        await close_round(s, SLUG, 1, actor=OPERATOR)
        with pytest.raises(Conflict, match="takes no contributions"):
            await edit_fragment(s, SLUG, 1, edited.id, CLAIM, actor=e01)
        outcome = await analyse_round(s, SLUG, 1, CountingEmbedder(), None, actor=OPERATOR)
    placed = [f for t in outcome.result.themes for f in t.fragment_ids]
    assert sorted([*placed, *outcome.result.singular_views]) == sorted([edited.id, other.id])
    async with sessionmaker() as s:
        with pytest.raises(ImmutableRecordError):
            await s.execute(text("DELETE FROM fragment_withdrawal"))
    async with sessionmaker() as s:
        assert await s.scalar(select(FragmentWithdrawal.reason)) == "I was wrong"


async def test_only_panellists_of_the_study_contribute(
    sessionmaker: Maker, experts: dict[str, Actor]
) -> None:
    async with sessionmaker() as s:
        made = await create_account(s, "fa@example.org", actor=OPERATOR)
        await grant_role(s, made.email, SLUG, StudyRole.FACILITATOR, actor=OPERATOR)
        facilitator = await actor_for_account(s, made.id)
        with pytest.raises(PermissionDenied, match="only as a panellist"):
            await submit_fragment(s, SLUG, 1, CLAIM, actor=facilitator)
        with pytest.raises(NotFound):
            await submit_fragment(s, "other-study", 1, CLAIM, actor=experts["E01"])
        with pytest.raises(Conflict, match="rate round"):
            await submit_fragment(s, SLUG, 2, CLAIM, actor=experts["E01"])


async def test_drafts_autosave_survive_and_go_when_submitted(
    sessionmaker: Maker, experts: dict[str, Actor]
) -> None:
    e01 = experts["E01"]
    async with sessionmaker() as s:
        await save_draft(s, SLUG, 1, "d1", {"kind": "claim", "text": "Half a thou"}, actor=e01)
        await save_draft(s, SLUG, 1, "d1", {"kind": "claim", "text": "Half a thought"}, actor=e01)
        await save_draft(s, SLUG, 1, "d2", {"text": "Another"}, actor=e01)
        with pytest.raises(RejectedInput, match="not saved"):
            await save_draft(s, SLUG, 1, "d3", {"colour": "red"}, actor=e01)
    async with sessionmaker() as s:  # a new session: the browser was closed
        drafts = await my_drafts(s, SLUG, 1, actor=e01)
        assert [(d.key, d.content.get("text")) for d in drafts] == [
            ("d1", "Half a thought"),
            ("d2", "Another"),
        ]
        assert await my_drafts(s, SLUG, 1, actor=experts["E02"]) == ()
        await submit_fragment(s, SLUG, 1, CLAIM, draft_key="d1", actor=e01)
        await discard_draft(s, SLUG, 1, "d2", actor=e01)
        assert await my_drafts(s, SLUG, 1, actor=e01) == ()


async def count(maker: Maker, model: type) -> int:
    async with maker() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)
