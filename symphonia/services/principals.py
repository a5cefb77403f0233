"""Turning who signed in (an account or a panellist) into the Actor services check.

The web app calls these on every request (one query each), so a role granted or revoked
takes effect on the next request, and a session made before the holder's `auth_epoch` went
up (a new password, a deactivation) is refused. Each reads in its own short transaction
(or the caller's): a request's session must not be left inside an implicit one, or the
service the request then calls would join it and never commit.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, ActorKind, StudyRole
from symphonia.db.enums import ParticipantRole
from symphonia.db.models import Account, Participant, Study, StudyMembership
from symphonia.services.errors import NotFound
from symphonia.services.tx import transaction


def _signed_out() -> NotFound:
    return NotFound("the session no longer signs anyone in", code="signed_out")


async def actor_for_account(
    session: AsyncSession, account_id: uuid.UUID, *, epoch: int | None = None
) -> Actor:
    """The Actor for a signed-in account, with its roles (one query). Refused when the
    account is gone, inactive, or (`epoch` given) its sessions were ended since."""
    async with transaction(session, write=False):
        rows = (
            await session.execute(
                select(Account, StudyMembership.study_id, StudyMembership.role)
                .outerjoin(StudyMembership, StudyMembership.account_id == Account.id)
                .where(Account.id == account_id)
            )
        ).all()
    if not rows:
        raise _signed_out()
    account = rows[0][0]
    if not account.is_active or (epoch is not None and epoch != account.auth_epoch):
        raise _signed_out()
    roles = {study: frozenset({StudyRole(role.value)}) for _, study, role in rows if study}
    return Actor(
        ActorKind.ACCOUNT,
        account.id,
        f"account:{account.email}",
        roles,
        may_create_studies=account.may_create_studies,
    )


async def actor_for_participant(
    session: AsyncSession, participant_id: uuid.UUID, *, epoch: int | None = None
) -> Actor:
    """The Actor for a signed-in panellist (one query): an expert of their one study.
    Panel members recorded as facilitators or editors hold no role through it (staff act
    through accounts)."""
    async with transaction(session, write=False):
        row = (
            await session.execute(
                select(
                    Participant.pseudonym,
                    Participant.role,
                    Participant.auth_epoch,
                    Study.id,
                    Study.slug,
                )
                .join(Study, Study.id == Participant.study_id)
                .where(Participant.id == participant_id)
            )
        ).one_or_none()
    if row is None or (epoch is not None and epoch != row.auth_epoch):
        raise _signed_out()
    return participant_actor(participant_id, row.pseudonym, row.role, row.id, row.slug)


def participant_actor(
    participant_id: uuid.UUID,
    pseudonym: str,
    role: ParticipantRole,
    study_id: uuid.UUID,
    study_slug: str,
) -> Actor:
    """The Actor of a panellist, from their row and their study's (for callers that read
    those with something else, as API authentication does with the token)."""
    roles = {study_id: frozenset({StudyRole.EXPERT})} if role is ParticipantRole.EXPERT else {}
    return Actor(
        ActorKind.PARTICIPANT, participant_id, f"participant:{study_slug}/{pseudonym}", roles
    )


async def actor_on_record(
    session: AsyncSession, kind: str, actor_id: uuid.UUID | None, label: str
) -> Actor:
    """Who a job acts for, from what its row recorded when it was requested: the account
    as it is now (one that lost its role since can no longer do what needs it), or the
    operator or the system by their label."""
    if kind == ActorKind.ACCOUNT.value and actor_id is not None:
        return await actor_for_account(session, actor_id)
    if kind == ActorKind.OPERATOR.value:
        return Actor.operator(label)
    return Actor.system(label)
