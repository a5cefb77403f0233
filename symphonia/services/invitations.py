"""Invitations and reminders by email: who gets one, and revoking an invitation's link.

Two steps, so a batch of hundreds can be sent off the request (see
:mod:`symphonia.jobs.mailings`) while each message is still checked and recorded:

1. :func:`plan_invitations` / :func:`plan_reminders` (here) check the caller may manage the
   panel and decide who gets a message (and who is skipped, and why);
2. :mod:`symphonia.services.invitation_mail` sends each message of the plan and records it.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.db.enums import ParticipantRole, RoundStatus
from symphonia.db.models import MailKind, Participant, SignInLink, Study
from symphonia.services.errors import Conflict, NotFound, Problem, RejectedInput
from symphonia.services.lookup import get_round
from symphonia.services.panel_view import InvitationState, invitation_state, links_by_participant
from symphonia.services.participation import took_part
from symphonia.services.permissions import study_for
from symphonia.services.tokens import revoke_sign_in_link
from symphonia.services.tx import transaction
from symphonia.services.views import StudyView


@dataclass(frozen=True, slots=True)
class Recipient:
    participant_id: uuid.UUID
    pseudonym: str
    email: str


@dataclass(frozen=True, slots=True)
class MailPlan:
    """Who a batch goes to; `skipped` names each panellist left out and why."""

    kind: MailKind
    study: StudyView
    round_number: int | None
    recipients: tuple[Recipient, ...]
    skipped: tuple[tuple[str, str], ...] = ()


async def plan_invitations(
    session: AsyncSession,
    slug: str,
    *,
    pseudonyms: Sequence[str] | None = None,
    actor: Actor,
    now: datetime.datetime | None = None,
) -> MailPlan:
    """Invitations for the named panellists (a resend, for those invited already), or, with
    no names, for every expert with an address who has not been invited yet."""
    moment = now or datetime.datetime.now(datetime.UTC)
    async with transaction(session, write=False):
        study = await study_for(session, slug, actor, Permission.MANAGE_PANEL)
        people = await _experts(session, study)
        chosen = list(people.values())
        if pseudonyms is not None:
            unknown = [p for p in pseudonyms if p not in people]
            if unknown:
                raise RejectedInput(
                    "the invitations were not sent",
                    [
                        Problem("invitations", "pseudonyms", f"no expert {p!r} on the panel")
                        for p in unknown
                    ],
                )
            chosen = [people[p] for p in dict.fromkeys(pseudonyms)]
        everyone = pseudonyms is None
        recipients, skipped = await _choose(
            session,
            chosen,
            moment,
            wanted=lambda state: not everyone or state is InvitationState.NOT_INVITED,
        )
        return MailPlan(MailKind.INVITATION, StudyView.of(study), None, recipients, skipped)


async def plan_reminders(
    session: AsyncSession,
    slug: str,
    number: int,
    *,
    actor: Actor,
    now: datetime.datetime | None = None,
) -> MailPlan:
    """Reminders for round `number`, which must be open, to every invited expert with an
    address who has not taken part in it yet."""
    moment = now or datetime.datetime.now(datetime.UTC)
    async with transaction(session, write=False):
        study = await study_for(session, slug, actor, Permission.MANAGE_PANEL)
        rnd = await get_round(session, study, number)
        if rnd.status is not RoundStatus.OPEN:
            raise Conflict(
                f"round {number} of {slug!r} is {rnd.status.value}; "
                "reminders are for an open round",
                code="round_not_open",
                context={"study": slug, "round": number, "status": rnd.status.value},
            )
        done = (await took_part(session, [rnd]))[rnd.id]
        people = [p for p in (await _experts(session, study)).values() if p.id not in done]
        recipients, skipped = await _choose(
            session,
            people,
            moment,
            wanted=lambda state: state is not InvitationState.NOT_INVITED,
            unwanted="not invited yet",
        )
        return MailPlan(MailKind.REMINDER, StudyView.of(study), number, recipients, skipped)


async def _choose(
    session: AsyncSession,
    people: Sequence[Participant],
    moment: datetime.datetime,
    *,
    wanted: Callable[[InvitationState], bool],
    unwanted: str | None = None,
) -> tuple[tuple[Recipient, ...], tuple[tuple[str, str], ...]]:
    """(recipients, skipped with why): those `wanted` by their invitation state, if they have
    an address; the others are skipped with the reason `unwanted` (or left out, when None)."""
    links = await links_by_participant(session, [p.id for p in people])
    recipients: list[Recipient] = []
    skipped: list[tuple[str, str]] = []
    for person in people:
        state, _, _ = invitation_state(person.email, links.get(person.id, []), moment)
        if person.email is None:
            skipped.append((person.pseudonym, "no email address"))
        elif wanted(state):
            recipients.append(Recipient(person.id, person.pseudonym, person.email))
        elif unwanted is not None:
            skipped.append((person.pseudonym, unwanted))
    return tuple(recipients), tuple(skipped)


async def revoke_invitation(
    session: AsyncSession, slug: str, link_id: uuid.UUID, *, actor: Actor
) -> str:
    """Revoke a panellist's sign-in link (it stops working at once); the pseudonym. A link
    of anyone but this study's panellists is not found here."""
    async with transaction(session):
        study = await study_for(session, slug, actor, Permission.MANAGE_PANEL)
        pseudonym = await session.scalar(
            select(Participant.pseudonym)
            .join(SignInLink, SignInLink.participant_id == Participant.id)
            .where(SignInLink.id == link_id, Participant.study_id == study.id)
        )
        if pseudonym is None:
            raise NotFound(f"no such sign-in link in study {slug!r}", code="unknown_sign_in_link")
        await revoke_sign_in_link(session, link_id, actor=actor)
    return pseudonym


async def _experts(session: AsyncSession, study: Study) -> dict[str, Participant]:
    rows = await session.scalars(
        select(Participant)
        .where(Participant.study_id == study.id, Participant.role == ParticipantRole.EXPERT)
        .order_by(Participant.pseudonym)
    )
    return {p.pseudonym: p for p in rows}
