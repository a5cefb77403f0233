"""Batches of invitations and reminders as jobs: sent in the background, each message once.

Sending is slow (an SMTP server takes a second or more per message), so a request only
plans a batch (:mod:`symphonia.services.invitations`), stores it with one delivery row per
message (:func:`symphonia.services.mailings.create_mailing`) and hands it to
:class:`Mailings`, which runs it where jobs run: on the SAQ queue with
SYMPHONIA_QUEUE=saq (any `symphonia worker` takes it), else as a task in this process.
Either way :class:`MailingJobs` does the sending, and the pages read progress from the rows,
so it shows the same on every web process.

Exactly once: each delivery is claimed (its link issued) in one commit, handed over, then
recorded in another; a job retried or resumed skips what is recorded, and a delivery whose
hand-over was interrupted is handed over again only where that cannot make a second copy
(the outbox, keyed by the delivery), else marked uncertain
(:mod:`symphonia.services.mailings`). One runner holds a batch at a time: the SAQ job's
key is the batch, and the in-process runner keeps one task per batch.

A mail server that fails several messages in a row is taken to be down: the batch stops,
and its page lists what was sent, what failed (with the server's reason) and what was not
attempted.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.composition import Container
from symphonia.core.actors import Actor
from symphonia.db.models import MailingState
from symphonia.jobs.background import HandOver
from symphonia.mail import repeats_safely
from symphonia.services.invitation_mail import hand_over
from symphonia.services.invitations import MailPlan
from symphonia.services.mailing_views import MailingView, mailing_view
from symphonia.services.mailings import (
    Batch,
    Superseded,
    claim_delivery,
    create_mailing,
    finish_mailing,
    load_batch,
    record_delivery,
    unfinished_mailings,
)

logger = logging.getLogger(__name__)

STOP_AFTER_FAILURES = 3
"""Consecutive failures after which the mail server is taken to be down."""

__all__ = ["STOP_AFTER_FAILURES", "MailingJobs", "MailingView", "Mailings"]


class MailingJobs:
    """The job body: bring a stored batch to an end; safe to run again at any point."""

    def __init__(self, container: Container, *, stop_after_failures: int = STOP_AFTER_FAILURES):
        self.container = container
        self.stop_after_failures = stop_after_failures

    async def run(
        self,
        mailing_id: uuid.UUID,
        *,
        stopping: Callable[[], bool] = lambda: False,
        last_attempt: bool = True,
    ) -> MailingState:
        """Send what is left of the batch. `stopping` is asked before each message (True:
        leave the rest for the next runner); an unexpected error ends the batch as stopped
        on the `last_attempt`, and is raised for a retry otherwise."""
        async with self.container.session() as session:
            batch = await load_batch(session, mailing_id)
            if batch.state is not MailingState.SENDING:
                return batch.state
            try:
                error = await self._send(session, batch, stopping)
                if stopping():
                    return MailingState.SENDING
                state = await finish_mailing(session, batch, error=error)
            except Exception as exc:
                logger.exception("mailing %s stopped", mailing_id)
                if last_attempt:
                    await finish_mailing(session, batch, error=f"sending stopped: {exc}")
                raise
        logger.info("mailing %s (%s): %s", mailing_id, batch.plan.study.slug, state.value)
        return state

    async def _send(
        self, session: AsyncSession, batch: Batch, stopping: Callable[[], bool]
    ) -> str | None:
        """Each delivery still to do; the reason the batch stops early, if it does."""
        mailer = self.container.mailer()
        resend = repeats_safely(mailer)
        failures: list[str] = []
        for delivery_id, recipient in batch.to_do:
            if stopping():
                return None
            if len(failures) >= self.stop_after_failures:
                return (
                    f"stopped after {len(failures)} failures in a row; the mail server "
                    f"seems to be down ({failures[-1]})"
                )
            claim = await claim_delivery(
                session, batch, delivery_id, recipient, resend_interrupted=resend
            )
            if claim is None:
                continue
            try:
                delivery = await hand_over(
                    session,
                    batch.plan,
                    recipient,
                    claim.link,
                    mailer=mailer,
                    link_for=self.container.sign_in_url,
                    actor=batch.actor,
                    key=str(delivery_id),
                    outcome=record_delivery(claim),
                )
            except Superseded:
                logger.warning("mailing %s: delivery %s taken over", batch.id, delivery_id)
                continue
            if delivery.sent:
                failures.clear()
            else:
                failures.append(delivery.error or "not sent")
        return None


class Mailings(HandOver):
    """The web app's side: store a batch and hand it over (:class:`HandOver`: a SAQ job
    keyed ``mailing:<id>`` for any worker, or a task here)."""

    kind = "mailings"

    async def start(self, session: AsyncSession, plan: MailPlan, *, actor: Actor) -> MailingView:
        """Store `plan` (checked when made) and have it sent; its view as stored."""
        mailing_id = await create_mailing(session, plan, actor=actor)
        self.hand_over(mailing_id)
        return await mailing_view(session, plan.study.slug, mailing_id, actor=actor)

    async def run_here(self, job_id: uuid.UUID) -> MailingState:
        return await MailingJobs(self.container).run(job_id, stopping=lambda: self.tasks.stopping)

    async def unfinished(self, session: AsyncSession) -> list[uuid.UUID]:
        return await unfinished_mailings(session)
