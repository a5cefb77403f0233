"""API tokens: ``Authorization: Bearer <token>`` for one participant or one account.

Stored as the SHA-256 of the raw token (see :mod:`symphonia.services.tokens`); shown once.
Every refusal says the same thing, since which of unknown, expired or revoked it was is no
business of whoever holds the wrong token.
"""

from __future__ import annotations

import datetime
import uuid

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor
from symphonia.db.audit import record_event
from symphonia.db.models import ApiToken, Participant, Study
from symphonia.services.analysis_runs import Clock, utcnow
from symphonia.services.errors import AuthenticationFailed, NotFound
from symphonia.services.principals import actor_for_account, participant_actor
from symphonia.services.tokens import (
    IssuedSecret,
    hash_secret,
    holder_study,
    new_secret,
    revoke_secret,
)
from symphonia.services.tx import reading, transaction

LAST_USED_EVERY = datetime.timedelta(minutes=1)
"""`last_used_at` is written at most this often, not on every request."""


async def issue_api_token(
    session: AsyncSession,
    *,
    participant_id: uuid.UUID | None = None,
    account_id: uuid.UUID | None = None,
    label: str = "api",
    ttl: datetime.timedelta | None = None,
    actor: Actor,
    clock: Clock = utcnow,
) -> IssuedSecret:
    """A token for a panellist (needs MANAGE_PANEL in their study, or is theirs) or an
    account (the operator, or the account itself); `ttl` None: until revoked."""
    raw, hashed = new_secret()
    async with transaction(session):
        study_id = await holder_study(session, participant_id, account_id, actor)
        token = ApiToken(
            token_hash=hashed,
            participant_id=participant_id,
            account_id=account_id,
            label=label.strip()[:200] or "api",
            expires_at=clock() + ttl if ttl is not None else None,
        )
        session.add(token)
        await session.flush()
        detail = {"label": token.label}
        record_event(session, actor, "api_token.issued", "api_token", token.id, study_id, detail)
    return IssuedSecret(token.id, raw, token.expires_at)


_BY_HASH = (
    select(
        ApiToken.id,
        ApiToken.participant_id,
        ApiToken.account_id,
        ApiToken.revoked_at,
        ApiToken.expires_at,
        ApiToken.last_used_at,
        Participant.pseudonym,
        Participant.role,
        Study.id.label("study_id"),
        Study.slug,
    )
    .outerjoin(Participant, Participant.id == ApiToken.participant_id)
    .outerjoin(Study, Study.id == Participant.study_id)
    .where(ApiToken.token_hash == bindparam("hash"))
)
"""The token, its panellist and their study: made once, run on every API request."""


async def authenticate_token(session: AsyncSession, raw: str, *, clock: Clock = utcnow) -> Actor:
    """The Actor a bearer token stands for, or :class:`AuthenticationFailed`."""
    now = clock()
    refused = AuthenticationFailed("the API token is not valid", code="token_invalid")
    async with reading(session) as connection:  # Core: plain values, no ORM execution
        token = (await connection.execute(_BY_HASH, {"hash": hash_secret(raw)})).one_or_none()
        if token is None:
            raise refused
        if token.revoked_at is not None:
            raise refused
        if token.expires_at is not None and token.expires_at <= now:
            raise refused
    if token.participant_id is not None:  # read with the token: one query per request
        if token.study_id is None:  # the panellist is gone (their tokens go with them)
            raise refused
        actor = participant_actor(
            token.participant_id, token.pseudonym, token.role, token.study_id, token.slug
        )
    else:  # the holder's roles as they are now (a token carries no session epoch)
        assert token.account_id is not None
        try:
            actor = await actor_for_account(session, token.account_id)
        except NotFound:
            raise refused from None
    stale = token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY
    if stale:  # its own short write, conditional, so concurrent requests write it once
        async with transaction(session):
            await session.execute(
                update(ApiToken)
                .where(
                    ApiToken.id == token.id,
                    or_(
                        ApiToken.last_used_at.is_(None),
                        ApiToken.last_used_at < now - LAST_USED_EVERY,
                    ),
                )
                .values(last_used_at=now)
                .execution_options(synchronize_session=False)
            )
    return actor


async def revoke_api_token(session: AsyncSession, token_id: uuid.UUID, *, actor: Actor) -> None:
    await revoke_secret(session, ApiToken, token_id, actor=actor)
