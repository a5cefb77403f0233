"""A study panel of many experts with addresses, for batches of emails (issue 14)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor
from symphonia.db.enums import ParticipantRole
from symphonia.db.models import Participant, Study
from symphonia.services.invitations import plan_invitations
from symphonia.services.mailings import create_mailing


async def add_experts(session: AsyncSession, slug: str, count: int) -> list[str]:
    """`count` experts X0001... with addresses x0001@example.org...; their addresses."""
    study_id = await session.scalar(select(Study.id).where(Study.slug == slug))
    assert study_id is not None
    emails = [f"x{i:04d}@example.org" for i in range(1, count + 1)]
    session.add_all(
        Participant(
            study_id=study_id,
            pseudonym=f"X{i:04d}",
            role=ParticipantRole.EXPERT,
            email=email,
        )
        for i, email in enumerate(emails, start=1)
    )
    await session.commit()
    return emails


async def invite_everyone(session: AsyncSession, slug: str, actor: Actor) -> uuid.UUID:
    """A stored batch of invitations to every expert not invited yet."""
    plan = await plan_invitations(session, slug, actor=actor)
    return await create_mailing(session, plan, actor=actor)
