"""The panel as a facilitator manages it: who is on it, their addresses, where their
invitation stands; and the staff who hold a role in the study.

An expert's invitation state is read from their sign-in links (no separate flag to drift):

- *invited* means an invitation link went out: one that was used, or is not revoked (a
  message the mail server refused has its link revoked, so it does not count, and neither
  does an invitation the facilitator withdrew);
- *signed in* means they used a link (an invitation or a fresh one) at least once.
"""

from __future__ import annotations

import datetime
import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission, StudyRole
from symphonia.db.enums import ParticipantRole, RoundStatus
from symphonia.db.models import (
    Account,
    LinkPurpose,
    Participant,
    Round,
    SignInLink,
    StakeholderGroup,
    Study,
    StudyMembership,
)
from symphonia.services.permissions import study_for
from symphonia.services.tx import transaction
from symphonia.services.views import RoundView, StudyView


class InvitationState(enum.StrEnum):
    NO_EMAIL = "no_email"
    NOT_INVITED = "not_invited"
    INVITED = "invited"
    EXPIRED = "expired"
    """Invited, the link ran out unused, and they never signed in."""
    SIGNED_IN = "signed_in"


@dataclass(frozen=True, slots=True)
class LinkView:
    id: uuid.UUID
    purpose: LinkPurpose
    created_at: datetime.datetime
    expires_at: datetime.datetime
    used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None

    def live(self, now: datetime.datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > now

    @property
    def sent(self) -> bool:
        """The link went out (see the module docstring)."""
        return self.used_at is not None or self.revoked_at is None


@dataclass(frozen=True, slots=True)
class PanellistView:
    id: uuid.UUID
    pseudonym: str
    group_key: str | None
    group_label: str | None
    email: str | None
    name: str | None
    state: InvitationState
    invited_at: datetime.datetime | None
    """When the latest invitation that went out was made."""
    signed_in_at: datetime.datetime | None
    """When they last used a link."""
    live_link: LinkView | None
    """The newest usable invitation, which the facilitator may revoke."""


@dataclass(frozen=True, slots=True)
class StaffView:
    account_id: uuid.UUID
    email: str
    name: str
    role: StudyRole
    active: bool


@dataclass(frozen=True, slots=True)
class PanelView:
    study: StudyView
    groups: tuple[tuple[str, str], ...]
    """(key, label) of each stakeholder group."""
    panellists: tuple[PanellistView, ...]
    """Experts, by pseudonym."""
    staff: tuple[StaffView, ...]
    open_round: RoundView | None

    def count(self, state: InvitationState) -> int:
        return sum(p.state is state for p in self.panellists)

    @property
    def invited(self) -> int:
        """Experts whose invitation went out (whether or not they have signed in since)."""
        return sum(p.invited_at is not None for p in self.panellists)


async def links_by_participant(
    session: AsyncSession, participant_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[LinkView]]:
    """Every sign-in link of the panellists, oldest first."""
    rows = await session.scalars(
        select(SignInLink)
        .where(SignInLink.participant_id.in_(list(participant_ids)))
        .order_by(SignInLink.created_at, SignInLink.id)
    )
    out: dict[uuid.UUID, list[LinkView]] = {}
    for link in rows:
        assert link.participant_id is not None
        out.setdefault(link.participant_id, []).append(
            LinkView(
                link.id,
                link.purpose,
                link.created_at,
                link.expires_at,
                link.used_at,
                link.revoked_at,
            )
        )
    return out


def invitation_state(
    email: str | None, links: list[LinkView], now: datetime.datetime
) -> tuple[InvitationState, datetime.datetime | None, datetime.datetime | None]:
    """(state, invited at, last signed in) from a panellist's links."""
    invitations = [k for k in links if k.purpose is LinkPurpose.INVITATION and k.sent]
    invited_at = invitations[-1].created_at if invitations else None
    used = [k.used_at for k in links if k.used_at is not None]
    signed_in_at = max(used) if used else None
    if signed_in_at is not None:
        return InvitationState.SIGNED_IN, invited_at, signed_in_at
    if invitations and any(k.live(now) for k in invitations):
        return InvitationState.INVITED, invited_at, None
    if invitations:
        return InvitationState.EXPIRED, invited_at, None
    if email is None:
        return InvitationState.NO_EMAIL, None, None
    return InvitationState.NOT_INVITED, None, None


async def panel_view(
    session: AsyncSession, slug: str, *, actor: Actor, now: datetime.datetime | None = None
) -> PanelView:
    """The panel and staff of the study (needs MANAGE_PANEL: it shows addresses)."""
    moment = now or datetime.datetime.now(datetime.UTC)
    async with transaction(session, write=False):
        study = await study_for(session, slug, actor, Permission.MANAGE_PANEL)
        groups = list(
            await session.scalars(
                select(StakeholderGroup)
                .where(StakeholderGroup.study_id == study.id)
                .order_by(StakeholderGroup.key)
            )
        )
        labels = {g.id: (g.key, g.label) for g in groups}
        people = list(
            await session.scalars(
                select(Participant)
                .where(Participant.study_id == study.id, Participant.role == ParticipantRole.EXPERT)
                .order_by(Participant.pseudonym)
            )
        )
        links = await links_by_participant(session, [p.id for p in people])
        staff = await _staff(session, study)
        open_round = await session.scalar(
            select(Round).where(Round.study_id == study.id, Round.status == RoundStatus.OPEN)
        )
        panellists = []
        for p in people:
            mine = links.get(p.id, [])
            state, invited_at, signed_in_at = invitation_state(p.email, mine, moment)
            live = [k for k in mine if k.purpose is LinkPurpose.INVITATION and k.live(moment)]
            key, label = labels.get(p.group_id, (None, None)) if p.group_id else (None, None)
            panellists.append(
                PanellistView(
                    p.id,
                    p.pseudonym,
                    key,
                    label,
                    p.email,
                    p.display_name,
                    state,
                    invited_at,
                    signed_in_at,
                    live[-1] if live else None,
                )
            )
        return PanelView(
            StudyView.of(study),
            tuple((g.key, g.label) for g in groups),
            tuple(panellists),
            staff,
            RoundView.of(open_round, study.slug) if open_round is not None else None,
        )


async def _staff(session: AsyncSession, study: Study) -> tuple[StaffView, ...]:
    rows = await session.execute(
        select(Account, StudyMembership.role)
        .join(StudyMembership, StudyMembership.account_id == Account.id)
        .where(StudyMembership.study_id == study.id)
        .order_by(StudyMembership.role, Account.email)
    )
    return tuple(
        StaffView(a.id, a.email, a.display_name, StudyRole(role.value), a.is_active)
        for a, role in rows
    )
