"""Sign-in links and API tokens: shown once, stored hashed, single-use, expiring, revocable."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor, ActorKind, StudyRole
from symphonia.db.models import LinkPurpose, Participant
from symphonia.services.accounts import create_account, grant_role
from symphonia.services.api_tokens import authenticate_token, issue_api_token, revoke_api_token
from symphonia.services.errors import AuthenticationFailed, Conflict, NotFound, PermissionDenied
from symphonia.services.principals import actor_for_account
from symphonia.services.studies import load_study
from symphonia.services.tokens import (
    hash_secret,
    issue_sign_in_link,
    redeem_sign_in_link,
    revoke_sign_in_link,
)
from symphonia.studyfiles import load_study as read_study_file

SLUG = "connected-icb"
OPERATOR = Actor.operator("test")
Maker = async_sessionmaker[AsyncSession]
NOW = datetime.datetime(2026, 12, 1, 9, tzinfo=datetime.UTC)


@pytest.fixture
async def panel(sessionmaker: Maker, demo_study_dir: Path) -> dict[str, Participant]:
    async with sessionmaker() as s:
        await load_study(s, read_study_file(demo_study_dir), actor=OPERATOR)
        return {p.pseudonym: p for p in await s.scalars(select(Participant))}


async def stored_secrets(maker: Maker) -> str:
    """Everything the two secret tables hold, as text."""
    async with maker() as s:
        rows = [
            *(await s.execute(text("SELECT * FROM sign_in_link"))).all(),
            *(await s.execute(text("SELECT * FROM api_token"))).all(),
        ]
    return repr(rows)


async def test_an_invitation_signs_its_expert_in_once(
    sessionmaker: Maker, panel: dict[str, Participant]
) -> None:
    expert = panel["E01"]
    async with sessionmaker() as s:
        link = await issue_sign_in_link(
            s,
            participant_id=expert.id,
            purpose=LinkPurpose.INVITATION,
            actor=OPERATOR,
            clock=lambda: NOW,
        )
    assert link.expires_at == NOW + datetime.timedelta(days=14)
    held = await stored_secrets(sessionmaker)
    assert link.token not in held
    assert hash_secret(link.token) in held
    async with sessionmaker() as s:
        signed_in = await redeem_sign_in_link(s, link.token, clock=lambda: NOW)
    assert signed_in.actor.kind is ActorKind.PARTICIPANT
    assert signed_in.actor.id == expert.id
    assert signed_in.actor.roles_in(expert.study_id) == {StudyRole.EXPERT}
    assert signed_in.auth_epoch == 0
    async with sessionmaker() as s:
        with pytest.raises(AuthenticationFailed) as again:
            await redeem_sign_in_link(s, link.token, clock=lambda: NOW)
    assert again.value.code == "link_used"


@pytest.mark.parametrize(
    ("case", "code"),
    [("expired", "link_expired"), ("revoked", "link_revoked"), ("unknown", "link_unknown")],
)
async def test_an_expired_revoked_or_unknown_link_is_refused(
    sessionmaker: Maker, panel: dict[str, Participant], case: str, code: str
) -> None:
    async with sessionmaker() as s:
        link = await issue_sign_in_link(
            s, participant_id=panel["E02"].id, actor=OPERATOR, clock=lambda: NOW
        )
        if case == "revoked":
            await revoke_sign_in_link(s, link.id, actor=OPERATOR)
    token = link.token if case != "unknown" else link.token[:-2] + "xx"
    later = NOW + datetime.timedelta(hours=2) if case == "expired" else NOW
    async with sessionmaker() as s:
        with pytest.raises(AuthenticationFailed) as refused:
            await redeem_sign_in_link(s, token, clock=lambda: later)
    assert refused.value.code == code


async def test_two_redemptions_at_once_sign_in_once(
    sessionmaker: Maker, panel: dict[str, Participant]
) -> None:
    import asyncio

    async with sessionmaker() as s:
        link = await issue_sign_in_link(s, participant_id=panel["E03"].id, actor=OPERATOR)

    async def redeem() -> object:
        async with sessionmaker() as s:
            return await redeem_sign_in_link(s, link.token)

    results = await asyncio.gather(redeem(), redeem(), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["AuthenticationFailed", "SignedIn"]


async def test_who_may_issue_links(sessionmaker: Maker, panel: dict[str, Participant]) -> None:
    async with sessionmaker() as s:
        reader = await create_account(s, "reader@example.org", actor=OPERATOR)
        await grant_role(s, reader.email, SLUG, StudyRole.READER, actor=OPERATOR)
        stranger = await create_account(s, "stranger@example.org", actor=OPERATOR)
        as_reader = await actor_for_account(s, reader.id)
        as_stranger = await actor_for_account(s, stranger.id)
        with pytest.raises(PermissionDenied):  # a reader sees the study, may not invite
            await issue_sign_in_link(s, participant_id=panel["E01"].id, actor=as_reader)
        with pytest.raises(NotFound):  # a stranger may not learn the panellist exists
            await issue_sign_in_link(s, participant_id=panel["E01"].id, actor=as_stranger)
        with pytest.raises(Conflict, match="only experts"):
            await issue_sign_in_link(s, participant_id=panel["F01"].id, actor=OPERATOR)
        with pytest.raises(PermissionDenied):  # nor sign in as someone else
            await issue_sign_in_link(s, account_id=reader.id, actor=as_stranger)
        own = await issue_sign_in_link(s, account_id=stranger.id, actor=as_stranger)
        signed_in = await redeem_sign_in_link(s, own.token)
    assert signed_in.actor.kind is ActorKind.ACCOUNT
    assert signed_in.actor.label == "account:stranger@example.org"


async def test_api_tokens_authenticate_until_revoked_or_expired(
    sessionmaker: Maker, panel: dict[str, Participant]
) -> None:
    expert = panel["E04"]
    async with sessionmaker() as s:
        forever = await issue_api_token(s, participant_id=expert.id, label="laptop", actor=OPERATOR)
        brief = await issue_api_token(
            s,
            participant_id=expert.id,
            ttl=datetime.timedelta(minutes=5),
            actor=OPERATOR,
            clock=lambda: NOW,
        )
    assert forever.token not in await stored_secrets(sessionmaker)
    async with sessionmaker() as s:
        actor = await authenticate_token(s, forever.token)
        assert (actor.kind, actor.id) == (ActorKind.PARTICIPANT, expert.id)
        assert (await authenticate_token(s, brief.token, clock=lambda: NOW)).id == expert.id
        refusals = set()
        for token, when in [
            (brief.token, NOW + datetime.timedelta(minutes=6)),
            ("not-a-token", NOW),
        ]:
            with pytest.raises(AuthenticationFailed) as refused:
                await authenticate_token(s, token, clock=lambda when=when: when)
            refusals.add((str(refused.value), refused.value.code))
        await revoke_api_token(s, forever.id, actor=OPERATOR)
        with pytest.raises(AuthenticationFailed) as revoked:
            await authenticate_token(s, forever.token)
        refusals.add((str(revoked.value), revoked.value.code))
    assert refusals == {("the API token is not valid", "token_invalid")}
