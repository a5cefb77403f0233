"""Mailings in the database: a batch of invitations or reminders and each message's state.

Why rows: a batch must survive the process that started it (a web process behind a load
balancer, a worker that is killed), its progress must read the same on every web process,
and a job retried or resumed must never send a message twice. So a request stores the
batch (:func:`create_mailing`), any runner sends it (:mod:`symphonia.jobs.mailings`) one
delivery at a time through :func:`claim_delivery` and :func:`record_delivery`, and the
pages read it back (:mod:`symphonia.services.mailing_views`).

A delivery goes pending -> sending (claimed: its link issued, `attempts` + 1) -> sent or
failed. The claim commits before the message is handed over, so a later attempt that finds
a delivery still `sending` knows it was interrupted mid-hand-over, and either hands it over
again under the same key (only where that replaces the first copy: the outbox) or marks it
`uncertain` for the facilitator (SMTP: the message may have gone). `attempts` fences the
outcome: only the attempt that claimed a delivery records its fate.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor
from symphonia.db.audit import record_event
from symphonia.db.models import (
    DeliveryState,
    MailDelivery,
    Mailing,
    MailingState,
    Participant,
    SignInLink,
    Study,
)
from symphonia.services.errors import NotFound
from symphonia.services.invitation_mail import Delivery, Outcome, issue_link
from symphonia.services.invitations import MailPlan, Recipient
from symphonia.services.principals import actor_on_record
from symphonia.services.tokens import IssuedSecret
from symphonia.services.tx import transaction
from symphonia.services.views import StudyView


@dataclass(frozen=True, slots=True)
class Batch:
    """What a runner needs to send a stored mailing: its plan, in whose name, and the
    deliveries still to do (pending, or interrupted while `sending`)."""

    id: uuid.UUID
    plan: MailPlan
    actor: Actor
    state: MailingState
    to_do: tuple[tuple[uuid.UUID, Recipient], ...]


@dataclass(frozen=True, slots=True)
class Claim:
    delivery_id: uuid.UUID
    attempt: int
    recipient: Recipient
    link: IssuedSecret
    """The link the message carries."""


class Superseded(RuntimeError):
    """Another attempt claimed this delivery since: its outcome is that attempt's to record."""


async def create_mailing(session: AsyncSession, plan: MailPlan, *, actor: Actor) -> uuid.UUID:
    """Store `plan` as a batch to send (the plan was checked when made), in `actor`'s name."""
    async with transaction(session):
        mailing = Mailing(
            study_id=plan.study.id,
            kind=plan.kind,
            round_number=plan.round_number,
            skipped=[list(s) for s in plan.skipped],
            requested_by=actor.label,
            requested_by_kind=actor.kind.value,
            requested_by_id=actor.id,
        )
        session.add(mailing)
        await session.flush()
        session.add_all(
            MailDelivery(mailing_id=mailing.id, participant_id=r.participant_id, position=i)
            for i, r in enumerate(plan.recipients)
        )
        record_event(
            session,
            actor,
            "mailing.started",
            "mailing",
            mailing.id,
            plan.study.id,
            {"kind": plan.kind.value, "recipients": len(plan.recipients)},
        )
        return mailing.id


async def unfinished_mailings(session: AsyncSession) -> list[uuid.UUID]:
    """Batches still sending, oldest first: what a runner that (re)starts picks up."""
    async with transaction(session, write=False):
        rows = await session.scalars(
            sa.select(Mailing.id)
            .where(Mailing.state == MailingState.SENDING)
            .order_by(Mailing.created_at)
        )
        return list(rows)


async def load_batch(session: AsyncSession, mailing_id: uuid.UUID) -> Batch:
    async with transaction(session, write=False):
        mailing = await session.get(Mailing, mailing_id)
        if mailing is None:
            raise NotFound(f"no mailing {mailing_id}", code="unknown_mailing")
        study = await session.get_one(Study, mailing.study_id)
        rows = (
            await session.execute(
                sa.select(MailDelivery, Participant)
                .join(Participant, Participant.id == MailDelivery.participant_id)
                .where(MailDelivery.mailing_id == mailing_id)
                .order_by(MailDelivery.position)
            )
        ).all()
        recipients = [(d, Recipient(p.id, p.pseudonym, p.email or "")) for d, p in rows if p.email]
        plan = MailPlan(
            mailing.kind,
            StudyView.of(study),
            mailing.round_number,
            tuple(r for _, r in recipients),
            tuple((str(a), str(b)) for a, b in mailing.skipped),
        )
        to_do = tuple(
            (d.id, r)
            for d, r in recipients
            if d.state in (DeliveryState.PENDING, DeliveryState.SENDING)
        )
        actor = await actor_on_record(
            session, mailing.requested_by_kind, mailing.requested_by_id, mailing.requested_by
        )
        return Batch(mailing.id, plan, actor, mailing.state, to_do)


async def claim_delivery(
    session: AsyncSession,
    batch: Batch,
    delivery_id: uuid.UUID,
    recipient: Recipient,
    *,
    resend_interrupted: bool,
) -> Claim | None:
    """Take the delivery for this attempt and issue the link its message carries; None when
    it is no longer to do (done by another attempt, or interrupted and now `uncertain`)."""
    async with transaction(session):
        row = await session.get(MailDelivery, delivery_id, with_for_update=True)
        if row is None or row.state not in (DeliveryState.PENDING, DeliveryState.SENDING):
            return None
        if row.state is DeliveryState.SENDING:
            if not resend_interrupted:
                row.state = DeliveryState.UNCERTAIN
                row.error = (
                    "interrupted while being handed to the mail server: it may have gone "
                    "out; send it again from the panel page if it did not arrive"
                )
                return None
            if row.link_id is not None:  # in no message that will be kept: end it
                await session.execute(
                    sa.update(SignInLink)
                    .where(SignInLink.id == row.link_id, SignInLink.revoked_at.is_(None))
                    .values(revoked_at=datetime.datetime.now(datetime.UTC))
                    .execution_options(synchronize_session=False)
                )
        issued = await issue_link(session, batch.plan, recipient, actor=batch.actor)
        row.state = DeliveryState.SENDING
        row.attempts += 1
        row.link_id = issued.id
        return Claim(delivery_id, row.attempts, recipient, issued)


def record_delivery(claim: Claim) -> Outcome:
    """The outcome hook for :func:`symphonia.services.invitation_mail.hand_over`: the delivery
    is sent or failed in the transaction that records the event, by its claiming attempt
    only (:class:`Superseded` rolls the record back otherwise)."""

    async def record(session: AsyncSession, delivery: Delivery) -> None:
        result = await session.execute(
            sa.update(MailDelivery)
            .where(
                MailDelivery.id == claim.delivery_id,
                MailDelivery.attempts == claim.attempt,
                MailDelivery.state == DeliveryState.SENDING,
            )
            .values(
                state=DeliveryState.SENT if delivery.sent else DeliveryState.FAILED,
                error=delivery.error,
                sent_at=datetime.datetime.now(datetime.UTC) if delivery.sent else None,
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 1) != 1:
            raise Superseded(f"delivery {claim.delivery_id} was claimed by a later attempt")

    return record


async def finish_mailing(
    session: AsyncSession, batch: Batch, *, error: str | None = None
) -> MailingState:
    """End the batch: what was never attempted is `not_sent`; stopped if anything was."""
    async with transaction(session):
        mailing = await session.get_one(Mailing, batch.id, with_for_update=True)
        if mailing.state is not MailingState.SENDING:
            return mailing.state
        left = await session.execute(
            sa.update(MailDelivery)
            .where(
                MailDelivery.mailing_id == batch.id,
                MailDelivery.state.in_((DeliveryState.PENDING, DeliveryState.SENDING)),
            )
            .values(state=DeliveryState.NOT_SENT)
            .execution_options(synchronize_session=False)
        )
        stopped = bool(getattr(left, "rowcount", 0)) or error is not None
        mailing.state = MailingState.STOPPED if stopped else MailingState.FINISHED
        mailing.error = error
        mailing.finished_at = datetime.datetime.now(datetime.UTC)
        record_event(
            session,
            batch.actor,
            f"mailing.{mailing.state.value}",
            "mailing",
            batch.id,
            batch.plan.study.id,
            {"error": error} if error else None,
        )
        return mailing.state
