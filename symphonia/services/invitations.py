"""Invitations and reminders by email: who gets one, and sending one.

Two steps, so a batch of hundreds can be sent off the request (see
:mod:`symphonia.jobs.mailings`) while each message is still checked and recorded here:

1. :func:`plan_invitations` / :func:`plan_reminders` check the caller may manage the panel
   and decide who gets a message (and who is skipped, and why);
2. :func:`send_one` issues the recipient's single-use link, hands the message to the mailer
   (in a thread: sending blocks), and records what was sent in the audit log: the kind, the
   pseudonym, the link's id and where the message went, never the token. A message the
   mail server refuses has its link revoked at once, so the panel page never counts an
   invitation nobody received, and the failure is recorded with its reason.

A fresh invitation ends the recipient's earlier unused invitation links: one live link per
person is all that should be in anybody's inbox.
"""

from __future__ import annotations

import asyncio
import datetime
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.db.audit import record_event
from symphonia.db.enums import ParticipantRole, RoundStatus
from symphonia.db.models import LinkPurpose, MailKind, Participant, SignInLink, Study
from symphonia.mail import Mail, Mailer, MailError
from symphonia.services.errors import Conflict, NotFound, Problem, RejectedInput
from symphonia.services.lookup import get_round
from symphonia.services.panel_view import InvitationState, invitation_state, links_by_participant
from symphonia.services.participation import took_part
from symphonia.services.permissions import study_for
from symphonia.services.tokens import (
    INVITATION_TTL,
    IssuedSecret,
    issue_sign_in_link,
    revoke_sign_in_link,
)
from symphonia.services.tx import transaction
from symphonia.services.views import StudyView

REMINDER_LINK_TTL = datetime.timedelta(days=7)


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


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message's fate: sent (`where` it went) or not (`error`)."""

    recipient: Recipient
    where: str | None = None
    error: str | None = None

    @property
    def sent(self) -> bool:
        return self.error is None


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


async def send_one(
    session: AsyncSession,
    plan: MailPlan,
    recipient: Recipient,
    *,
    mailer: Mailer,
    link_for: Callable[[str], str],
    actor: Actor,
) -> Delivery:
    """Issue the recipient's link and send their message (see the module docstring). A
    mail failure is returned, not raised: the batch decides whether to go on."""
    async with transaction(session):
        issued = await issue_link(session, plan, recipient, actor=actor)
    return await hand_over(
        session, plan, recipient, issued, mailer=mailer, link_for=link_for, actor=actor
    )


async def issue_link(
    session: AsyncSession, plan: MailPlan, recipient: Recipient, *, actor: Actor
) -> IssuedSecret:
    """The recipient's fresh link, in the caller's transaction (an invitation ends their
    earlier unused invitation links first)."""
    invitation = plan.kind is MailKind.INVITATION
    if invitation:
        await _end_earlier_invitations(session, recipient.participant_id)
    return await issue_sign_in_link(
        session,
        participant_id=recipient.participant_id,
        purpose=LinkPurpose.INVITATION if invitation else LinkPurpose.SIGN_IN,
        ttl=INVITATION_TTL if invitation else REMINDER_LINK_TTL,
        actor=actor,
    )


Outcome = Callable[[AsyncSession, Delivery], Awaitable[None]]
"""Writes a message's fate somewhere more, in the transaction that records it."""


async def hand_over(
    session: AsyncSession,
    plan: MailPlan,
    recipient: Recipient,
    issued: IssuedSecret,
    *,
    mailer: Mailer,
    link_for: Callable[[str], str],
    actor: Actor,
    key: str | None = None,
    outcome: Outcome | None = None,
) -> Delivery:
    """Send the message carrying `issued` and record what happened: the `.sent` event, or
    the `.failed` event with the link revoked; `outcome` is awaited in that transaction.
    `key` names the message for good (see :class:`symphonia.mail.Mail`)."""
    assert issued.expires_at is not None
    mail = compose(plan, recipient, link_for(issued.token), issued.expires_at, key=key)
    detail: dict[str, object] = {"pseudonym": recipient.pseudonym, "link": str(issued.id)}
    if plan.round_number is not None:
        detail["round"] = plan.round_number
    try:
        where = await asyncio.to_thread(mailer.send, mail)
    except MailError as exc:
        delivery = Delivery(recipient, error=str(exc))
        async with transaction(session):
            await session.execute(
                update(SignInLink)
                .where(SignInLink.id == issued.id)
                .values(revoked_at=datetime.datetime.now(datetime.UTC))
                .execution_options(synchronize_session=False)
            )
            record_event(
                session,
                actor,
                f"{plan.kind.value}.failed",
                "participant",
                recipient.participant_id,
                plan.study.id,
                {**detail, "error": str(exc)},
            )
            if outcome is not None:
                await outcome(session, delivery)
        return delivery
    delivery = Delivery(recipient, where=where)
    async with transaction(session):
        record_event(
            session,
            actor,
            f"{plan.kind.value}.sent",
            "participant",
            recipient.participant_id,
            plan.study.id,
            {**detail, "via": _via(where)},
        )
        if outcome is not None:
            await outcome(session, delivery)
    return delivery


def _via(where: str) -> str:
    """Where a message went, for the log: the outbox or the server, not the file's path
    (which holds the address)."""
    return "outbox" if where.endswith(".eml") else where


async def _end_earlier_invitations(session: AsyncSession, participant_id: uuid.UUID) -> None:
    now = datetime.datetime.now(datetime.UTC)
    await session.execute(
        update(SignInLink)
        .where(
            SignInLink.participant_id == participant_id,
            SignInLink.purpose == LinkPurpose.INVITATION,
            SignInLink.used_at.is_(None),
            SignInLink.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def compose(
    plan: MailPlan,
    recipient: Recipient,
    link: str,
    expires: datetime.datetime,
    *,
    key: str | None = None,
) -> Mail:
    study = plan.study
    until = f"{expires:%d %B %Y}"
    if plan.kind is MailKind.INVITATION:
        subject = f"Invitation to a Delphi panel: {study.title}"
        opening = (
            f"You are invited to take part, as panel member {recipient.pseudonym}, in the "
            f"Delphi study “{study.title}”.\n\nThe question the panel works on:\n\n"
            f"    {study.question}\n\n"
            "Other panel members see your contributions under your pseudonym only."
        )
    else:
        subject = f"Reminder: round {plan.round_number} of “{study.title}” is open"
        opening = (
            f"Round {plan.round_number} of the Delphi study “{study.title}” is open, and we "
            f"have not yet heard from you ({recipient.pseudonym}). Every view counts, "
            "including one that differs from the rest of the panel."
        )
    text = (
        f"{opening}\n\nSign in with this link (it works once, until {until}):\n\n{link}\n\n"
        "If it has expired or was used already, ask for a new one on the sign-in page "
        "with this email address.\n"
    )
    return Mail(recipient.email, subject, text, key=key)
