"""What an expert reads back of a round (their history: submitted, edited, withdrawn; their
drafts), and the rules the web and the API lean on: a reused idempotency key with other
content is refused, an edit made twice stores one version, a late autosave cannot revive a
submitted draft, an interchange object may not speak for someone else; and the panel's
credentials, issued at once for every expert."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor, StudyRole
from symphonia.db.models import ApiToken, Fragment, SignInLink
from symphonia.services.accounts import create_account, grant_role
from symphonia.services.api_tokens import authenticate_token
from symphonia.services.contributions import (
    FragmentDraftInput,
    edit_fragment,
    store_fragment,
    withdraw_fragment,
)
from symphonia.services.drafts import save_draft
from symphonia.services.errors import Conflict, NotFound, PermissionDenied, RejectedInput
from symphonia.services.expert_round import (
    VersionState,
    expert_round,
    my_contribution,
    my_contributions,
)
from symphonia.services.panel_links import issue_panel_credentials
from symphonia.services.principals import actor_for_account
from symphonia.services.rounds import close_round
from symphonia.services.tokens import redeem_sign_in_link
from tests.integration.services.expert_actors import round_one_experts

SLUG = "connected-icb"
OPERATOR = Actor.operator("test")
Maker = async_sessionmaker[AsyncSession]
CLAIM = FragmentDraftInput("claim", "Shared care records cut repeat tests.", 4, ["doi:10/x"])
BARRIER = FragmentDraftInput("barrier", "Consent rules differ between councils.", 3)


@pytest.fixture
async def experts(sessionmaker: Maker, demo_study_dir: Path) -> dict[str, Actor]:
    """Round 1 open; E01 (clinician) and E03 (local-authority analyst) as themselves."""
    return await round_one_experts(sessionmaker, demo_study_dir, ("E01", "E03"))


async def test_the_history_shows_each_fragment_once_with_where_it_stands(
    sessionmaker: Maker, experts: dict[str, Actor]
) -> None:
    e01 = experts["E01"]
    async with sessionmaker() as s:
        first = (await store_fragment(s, SLUG, 1, CLAIM, idempotency_key="a", actor=e01)).fragment
        dropped = (await store_fragment(s, SLUG, 1, BARRIER, actor=e01)).fragment
        kept = await store_fragment(s, SLUG, 1, FragmentDraftInput("example", "Leeds."), actor=e01)
        second = await edit_fragment(
            s, SLUG, 1, first.id, FragmentDraftInput("claim", "Records cut tests."), actor=e01
        )
        third = await edit_fragment(
            s,
            SLUG,
            1,
            second.id,
            FragmentDraftInput("claim", "Records cut tests a lot."),
            actor=e01,
        )
        await withdraw_fragment(s, SLUG, 1, dropped.id, "said twice", actor=e01)
        await store_fragment(s, SLUG, 1, CLAIM, actor=experts["E03"])
        mine = await my_contributions(s, SLUG, 1, actor=e01)
        view = await expert_round(s, SLUG, 1, actor=e01)
        old = await my_contribution(s, SLUG, 1, first.id, actor=e01)
        with pytest.raises(NotFound):  # another expert's fragment is no fragment of theirs
            await my_contribution(s, SLUG, 1, kept.fragment.id, actor=experts["E03"])
    assert [(c.fragment.id, c.state, c.versions) for c in mine] == [
        (third.id, VersionState.EDITED, 3),
        (dropped.id, VersionState.WITHDRAWN, 1),
        (kept.fragment.id, VersionState.SUBMITTED, 1),
    ]
    assert mine[1].withdrawal_reason == "said twice"
    assert mine[0].fragment.supersedes == second.id
    assert (old.state, old.superseded_by) == (VersionState.SUPERSEDED, second.id)
    assert view.contributions == mine
    assert (view.pseudonym, view.accepting) == ("E01", True)
    assert view.group == "Clinicians (paediatrics, primary care, CAMHS)"


async def test_a_closed_round_is_read_but_takes_nothing(
    sessionmaker: Maker, experts: dict[str, Actor]
) -> None:
    e01 = experts["E01"]
    async with sessionmaker() as s:
        await store_fragment(s, SLUG, 1, CLAIM, actor=e01)
        await save_draft(s, SLUG, 1, "d", {"text": "half"}, actor=e01)
        await close_round(s, SLUG, 1, actor=OPERATOR)
        view = await expert_round(s, SLUG, 1, actor=e01)
        rate = await expert_round(s, SLUG, 2, actor=e01)
    assert (view.accepting, len(view.contributions), view.drafts) == (False, 1, ())
    assert (rate.accepting, rate.contributions) == (False, ())


async def test_only_the_studys_panellists_have_a_round_to_read(
    sessionmaker: Maker, experts: dict[str, Actor]
) -> None:
    async with sessionmaker() as s:
        made = await create_account(s, "fa@example.org", actor=OPERATOR)
        await grant_role(s, made.email, SLUG, StudyRole.FACILITATOR, actor=OPERATOR)
        facilitator = await actor_for_account(s, made.id)
        with pytest.raises(PermissionDenied, match="only as a panellist"):
            await expert_round(s, SLUG, 1, actor=facilitator)
        with pytest.raises(NotFound):
            await expert_round(s, SLUG, 9, actor=experts["E01"])


async def test_a_key_used_for_other_words_is_refused_and_stores_nothing(
    sessionmaker: Maker, experts: dict[str, Actor]
) -> None:
    e01 = experts["E01"]
    async with sessionmaker() as s:
        first = await store_fragment(s, SLUG, 1, CLAIM, idempotency_key="k", actor=e01)
        again = await store_fragment(s, SLUG, 1, CLAIM, idempotency_key="k", actor=e01)
        with pytest.raises(Conflict) as refused:
            await store_fragment(s, SLUG, 1, BARRIER, idempotency_key="k", actor=e01)
    assert (first.created, again.created, again.fragment) == (True, False, first.fragment)
    assert refused.value.code == "idempotency_key_reused"
    assert await count(sessionmaker) == 1


async def test_the_same_edit_twice_stores_one_version(
    sessionmaker: Maker, experts: dict[str, Actor]
) -> None:
    e01 = experts["E01"]
    changed = FragmentDraftInput("claim", "Records cut repeat tests by a third.", 4)
    async with sessionmaker() as s:
        first = (await store_fragment(s, SLUG, 1, CLAIM, actor=e01)).fragment
        edited = await edit_fragment(s, SLUG, 1, first.id, changed, actor=e01)
        twice = await edit_fragment(s, SLUG, 1, first.id, changed, actor=e01)
        unchanged = await edit_fragment(s, SLUG, 1, edited.id, changed, actor=e01)
        with pytest.raises(Conflict, match="edited since"):  # a different edit of the old one
            await edit_fragment(s, SLUG, 1, first.id, BARRIER, actor=e01)
    assert twice == unchanged == edited
    assert await count(sessionmaker) == 2


async def test_a_late_autosave_does_not_revive_a_submitted_draft(
    sessionmaker: Maker, experts: dict[str, Actor]
) -> None:
    e01 = experts["E01"]
    async with sessionmaker() as s:
        await save_draft(s, SLUG, 1, "form-1", {"text": "Shared"}, actor=e01)
        await store_fragment(
            s, SLUG, 1, CLAIM, idempotency_key="form-1", draft_key="form-1", actor=e01
        )
        with pytest.raises(Conflict) as refused:
            await save_draft(s, SLUG, 1, "form-1", {"text": "Shared care"}, actor=e01)
        view = await expert_round(s, SLUG, 1, actor=e01)
    assert refused.value.code == "draft_submitted"
    assert view.drafts == ()


async def test_an_interchange_object_may_not_speak_for_someone_else(
    sessionmaker: Maker, experts: dict[str, Actor]
) -> None:
    e01 = experts["E01"]
    own = FragmentDraftInput("claim", "Mine.", 3, (), None, "E01", "clinician")
    other = FragmentDraftInput("claim", " ", 7, (), None, "E02", "ig_lead")
    async with sessionmaker() as s:
        stored = await store_fragment(s, SLUG, 1, own, actor=e01)
        with pytest.raises(RejectedInput) as refused:
            await store_fragment(s, SLUG, 1, other, actor=e01)
        with pytest.raises(RejectedInput):
            await edit_fragment(s, SLUG, 1, stored.fragment.id, other, actor=e01)
    assert [p.field for p in refused.value.problems] == ["text", "confidence", "author", "group"]
    assert stored.fragment.author == "E01"
    assert await count(sessionmaker) == 1


async def test_panel_credentials_sign_each_expert_in_and_need_the_panel_permission(
    sessionmaker: Maker, experts: dict[str, Actor]
) -> None:
    async with sessionmaker() as s:
        issued = await issue_panel_credentials(s, SLUG, actor=OPERATOR)
        with pytest.raises(PermissionDenied):
            await issue_panel_credentials(s, SLUG, actor=experts["E01"])
        made = await create_account(s, "ed@example.org", actor=OPERATOR)
        await grant_role(s, made.email, SLUG, StudyRole.EDITOR, actor=OPERATOR)
        with pytest.raises(PermissionDenied):
            await issue_panel_credentials(s, SLUG, actor=await actor_for_account(s, made.id))
    assert [c.pseudonym for c in issued] == [f"E{n:02d}" for n in range(1, 16)]  # no F01
    assert issued[0].group == "clinician"
    async with sessionmaker() as s:
        by_link = await redeem_sign_in_link(s, issued[2].invitation_token)
        by_token = await authenticate_token(s, issued[2].api_token)
        links = await s.scalar(select(func.count()).select_from(SignInLink))
        tokens = await s.scalar(select(func.count()).select_from(ApiToken))
    assert by_link.actor.label == by_token.label == "participant:connected-icb/E03"
    assert links == tokens == 15
    assert len({c.api_token for c in issued}) == 15


async def count(maker: Maker) -> int:
    async with maker() as s:
        return int(await s.scalar(select(func.count()).select_from(Fragment)) or 0)
