"""A fresh invitation link and API token for every expert of a study's panel, at once.

For facilitators who hand out links themselves (or mail them with their own tools) and for
tests and benchmarks that act as the whole panel. Each call issues NEW secrets (the raw
tokens exist only in what this returns; the database keeps their hashes), so earlier links
and tokens stay valid until they expire or are revoked. All are issued in one transaction:
a panel gets all its credentials or none.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.db.enums import ParticipantRole
from symphonia.db.models import LinkPurpose, Participant, StakeholderGroup
from symphonia.services.api_tokens import issue_api_token
from symphonia.services.permissions import study_for
from symphonia.services.tokens import issue_sign_in_link
from symphonia.services.tx import transaction


@dataclass(frozen=True, slots=True)
class PanelCredentials:
    """One expert's new secrets: shown once, never stored in the clear."""

    pseudonym: str
    email: str | None
    group: str | None
    """The stakeholder group's key (the interchange `group`)."""
    invitation_token: str
    invitation_expires_at: datetime.datetime | None
    api_token: str


async def issue_panel_credentials(
    session: AsyncSession,
    slug: str,
    *,
    actor: Actor,
    label: str = "panel links",
    ttl: datetime.timedelta | None = None,
) -> tuple[PanelCredentials, ...]:
    """An invitation link and an API token for each expert of the study, by pseudonym
    (needs MANAGE_PANEL: issuing a secret is handing someone the panellist's voice)."""
    async with transaction(session):
        study = await study_for(session, slug, actor, Permission.MANAGE_PANEL)
        experts = (
            await session.execute(
                select(
                    Participant.id, Participant.pseudonym, Participant.email, StakeholderGroup.key
                )
                .outerjoin(StakeholderGroup, StakeholderGroup.id == Participant.group_id)
                .where(Participant.study_id == study.id, Participant.role == ParticipantRole.EXPERT)
                .order_by(Participant.pseudonym)
            )
        ).all()
        issued = []
        for participant_id, pseudonym, email, group in experts:
            link = await issue_sign_in_link(
                session,
                participant_id=participant_id,
                purpose=LinkPurpose.INVITATION,
                actor=actor,
            )
            token = await issue_api_token(
                session,
                participant_id=participant_id,
                label=label,
                ttl=ttl,
                actor=actor,
            )
            issued.append(
                PanelCredentials(
                    pseudonym=pseudonym,
                    email=email,
                    group=group,
                    invitation_token=link.token,
                    invitation_expires_at=link.expires_at,
                    api_token=token.token,
                )
            )
    return tuple(issued)
