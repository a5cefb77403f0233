"""Sign-in links and API tokens: issued once, stored hashed, single-use or revocable.

A token is ``secrets.token_urlsafe(32)`` (256 random bits); only its SHA-256 is stored, so
a copy of the database signs nobody in. A fast hash is enough for secrets this random (a
slow one is for passwords people choose). The raw token is returned once, when it is
issued, and never stored or logged.

- A **sign-in link** (an invitation, or a fresh link for a lost session) is single-use:
  redeeming it is one conditional UPDATE, so two clicks on one link sign in once. It
  expires, and can be revoked.
- An **API token** (:mod:`symphonia.services.api_tokens`) authenticates
  ``Authorization: Bearer`` requests until it expires or is revoked.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.db.audit import record_event
from symphonia.db.enums import ParticipantRole
from symphonia.db.models import Account, ApiToken, LinkPurpose, Participant, SignInLink, Study
from symphonia.services.analysis_runs import Clock, utcnow
from symphonia.services.errors import AuthenticationFailed, Conflict, NotFound, PermissionDenied
from symphonia.services.permissions import require
from symphonia.services.principals import actor_for_account, actor_for_participant
from symphonia.services.tx import transaction

Secret = TypeVar("Secret", SignInLink, ApiToken)

INVITATION_TTL = datetime.timedelta(days=14)
SIGN_IN_TTL = datetime.timedelta(hours=1)


def new_secret() -> tuple[str, str]:
    """(raw token, its stored hash)."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_secret(raw)


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedSecret:
    """A link or token just issued: `token` is shown once and never again."""

    id: uuid.UUID
    token: str
    expires_at: datetime.datetime | None


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Who a redeemed link signs in, and the epoch the web session must carry."""

    actor: Actor
    auth_epoch: int


async def holder_study(
    session: AsyncSession,
    participant_id: uuid.UUID | None,
    account_id: uuid.UUID | None,
    actor: Actor,
) -> uuid.UUID | None:
    """Check `actor` may issue a secret for the holder; the participant's study id."""
    if (participant_id is None) == (account_id is None):
        raise ValueError("a link or token belongs to exactly one participant or one account")
    if account_id is not None:
        if not (actor.unrestricted or actor.account_id == account_id):
            raise PermissionDenied(
                f"{actor.label} may not issue sign-in secrets for another account",
                code="permission_denied",
            )
        return None
    row = (
        await session.execute(
            select(Participant.role, Study.id, Study.slug)
            .join(Study, Study.id == Participant.study_id)
            .where(Participant.id == participant_id)
        )
    ).one_or_none()
    if row is None or not actor.sees(row.id):
        raise NotFound("no such panellist", code="unknown_participant")
    if actor.participant_id != participant_id:
        require(actor, row.id, Permission.MANAGE_PANEL, row.slug)
    if row.role is not ParticipantRole.EXPERT:
        raise Conflict(
            f"panellist is a {row.role.value}: only experts sign in as panellists "
            "(staff sign in with an account)",
            code="not_an_expert",
        )
    study_id: uuid.UUID = row.id
    return study_id


async def issue_sign_in_link(
    session: AsyncSession,
    *,
    participant_id: uuid.UUID | None = None,
    account_id: uuid.UUID | None = None,
    purpose: LinkPurpose = LinkPurpose.SIGN_IN,
    ttl: datetime.timedelta | None = None,
    actor: Actor,
    clock: Clock = utcnow,
) -> IssuedSecret:
    """A single-use link for a panellist (needs MANAGE_PANEL in their study) or an account
    (the operator, or the account itself)."""
    raw, hashed = new_secret()
    lifetime = ttl or (INVITATION_TTL if purpose is LinkPurpose.INVITATION else SIGN_IN_TTL)
    async with transaction(session):
        study_id = await holder_study(session, participant_id, account_id, actor)
        link = SignInLink(
            token_hash=hashed,
            participant_id=participant_id,
            account_id=account_id,
            purpose=purpose,
            expires_at=clock() + lifetime,
        )
        session.add(link)
        await session.flush()
        detail = {"purpose": purpose.value, "expires_at": link.expires_at.isoformat()}
        record_event(
            session, actor, "sign_in_link.issued", "sign_in_link", link.id, study_id, detail
        )
    return IssuedSecret(link.id, raw, link.expires_at)


async def redeem_sign_in_link(
    session: AsyncSession, token: str, *, clock: Clock = utcnow
) -> SignedIn:
    """Use a link: who it signs in, once. Refused (with the reason) when unknown, used,
    expired or revoked."""
    now = clock()
    hashed = hash_secret(token)
    async with transaction(session):
        # The write comes first: it takes the row (SQLite: the database) before anything is
        # read, so of two redemptions racing, one marks the link used and the other waits,
        # then finds it used. A read first would let both read it unused.
        used = (
            await session.execute(
                update(SignInLink)
                .where(
                    SignInLink.token_hash == hashed,
                    SignInLink.used_at.is_(None),
                    SignInLink.revoked_at.is_(None),
                    SignInLink.expires_at > now,
                )
                .values(used_at=now)
                .returning(SignInLink.id)
                .execution_options(synchronize_session=False)
            )
        ).scalar_one_or_none()
        link = await session.scalar(
            select(SignInLink)
            .where(SignInLink.token_hash == hashed)
            .execution_options(populate_existing=True)
        )
        if link is None:
            raise AuthenticationFailed("this sign-in link is not valid", code="link_unknown")
        if used is None:
            if link.revoked_at is not None:
                raise AuthenticationFailed("this sign-in link was revoked", code="link_revoked")
            if link.used_at is not None:
                raise AuthenticationFailed("this sign-in link was used already", code="link_used")
            raise AuthenticationFailed("this sign-in link has expired", code="link_expired")
        signed_in = await signed_in_holder(session, link.participant_id, link.account_id)
        study_id = next(iter(signed_in.actor.roles), None) if link.participant_id else None
        detail = {"purpose": link.purpose.value}
        record_event(
            session, signed_in.actor, "sign_in_link.used", "sign_in_link", link.id, study_id, detail
        )
    return signed_in


async def signed_in_holder(
    session: AsyncSession, participant_id: uuid.UUID | None, account_id: uuid.UUID | None
) -> SignedIn:
    """The Actor a link or token's holder acts as, with their current auth epoch; refused
    as an invalid secret when the holder is gone or inactive."""
    try:
        if account_id is not None:
            actor = await actor_for_account(session, account_id)
            epoch = await session.scalar(select(Account.auth_epoch).where(Account.id == account_id))
        else:
            assert participant_id is not None
            actor = await actor_for_participant(session, participant_id)
            epoch = await session.scalar(
                select(Participant.auth_epoch).where(Participant.id == participant_id)
            )
    except NotFound:
        raise AuthenticationFailed("this sign-in link is not valid", code="link_unknown") from None
    return SignedIn(actor, int(epoch or 0))


async def revoke_secret(
    session: AsyncSession,
    kind: type[Secret],
    secret_id: uuid.UUID,
    *,
    actor: Actor,
) -> None:
    """Revoke a link or a token (who may issue it may revoke it); revoking twice is no-op."""
    name = kind.__tablename__
    async with transaction(session):
        secret = await session.get(kind, secret_id)
        if secret is None:
            raise NotFound(f"no such {name.replace('_', ' ')}", code=f"unknown_{name}")
        study_id = await holder_study(session, secret.participant_id, secret.account_id, actor)
        if secret.revoked_at is None:
            secret.revoked_at = utcnow()
            record_event(session, actor, f"{name}.revoked", name, secret.id, study_id)


async def revoke_sign_in_link(session: AsyncSession, link_id: uuid.UUID, *, actor: Actor) -> None:
    await revoke_secret(session, SignInLink, link_id, actor=actor)
