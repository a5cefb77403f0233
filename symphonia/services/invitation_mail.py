"""Sending one invitation or reminder of a plan (:mod:`symphonia.services.invitations`
decides who gets one): the message's text, its link, and the record of what happened.

:func:`send_one` issues the recipient's single-use link, hands the message to the mailer
(in a thread: sending blocks), and records what was sent in the audit log: the kind, the
pseudonym, the link's id and where the message went, never the token. A message the mail
server refuses has its link revoked at once, so the panel page never counts an invitation
nobody received, and the failure is recorded with its reason.

A fresh invitation ends the recipient's earlier unused invitation links: one live link per
person is all that should be in anybody's inbox.
"""

from __future__ import annotations

import asyncio
import datetime
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor
from symphonia.db.audit import record_event
from symphonia.db.models import LinkPurpose, MailKind, SignInLink
from symphonia.mail import Mail, Mailer, MailError
from symphonia.services.invitations import MailPlan, Recipient
from symphonia.services.tokens import INVITATION_TTL, IssuedSecret, issue_sign_in_link
from symphonia.services.tx import transaction

REMINDER_LINK_TTL = datetime.timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message's fate: sent (`where` it went) or not (`error`)."""

    recipient: Recipient
    where: str | None = None
    error: str | None = None

    @property
    def sent(self) -> bool:
        return self.error is None


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
