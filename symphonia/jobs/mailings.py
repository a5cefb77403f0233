"""Batches of invitations and reminders, sent in the background while a page shows the count.

Sending is slow (an SMTP server takes a second or more per message), so a request only
plans a batch (:mod:`symphonia.services.invitations`) and hands it to :class:`Mailings`,
which sends it message by message on the event loop (each send in a thread) and keeps the
running count for the page that follows it.

The count lives in this process only; what was sent lives in the database: each message's
link and its `invitation.sent` / `reminder.sent` (or `.failed`) audit event. A batch
interrupted by a restart therefore loses nothing: the panel page shows who was invited,
and "everyone not yet invited" picks up the rest.

A mail server that fails several messages in a row is taken to be down: the batch stops,
and its page lists what was sent, what failed (with the server's reason) and what was not
attempted.
"""

from __future__ import annotations

import asyncio
import datetime
import enum
import logging
import uuid
from collections import deque
from dataclasses import dataclass, field

from symphonia.composition import Container
from symphonia.core.actors import Actor, Permission
from symphonia.mail import Mailer
from symphonia.services.errors import NotFound
from symphonia.services.invitations import MailKind, MailPlan, Recipient, send_one
from symphonia.services.permissions import require
from symphonia.services.views import StudyView

logger = logging.getLogger(__name__)

STOP_AFTER_FAILURES = 3
"""Consecutive failures after which the mail server is taken to be down."""
KEPT_PER_STUDY = 20


class MailingState(enum.StrEnum):
    SENDING = "sending"
    FINISHED = "finished"
    STOPPED = "stopped"
    """Stopped early: the mail server kept failing, or the app shut down."""


@dataclass(frozen=True, slots=True)
class MailingView:
    id: uuid.UUID
    study: StudyView
    kind: MailKind
    round_number: int | None
    state: MailingState
    total: int
    sent: tuple[str, ...]
    """Pseudonyms whose message went out."""
    failed: tuple[tuple[str, str], ...]
    """(pseudonym, the mail server's reason)."""
    not_sent: tuple[str, ...]
    """Pseudonyms not attempted because the batch stopped."""
    skipped: tuple[tuple[str, str], ...]
    """(pseudonym, why) for panellists the plan left out."""
    error: str | None
    started_at: datetime.datetime
    finished_at: datetime.datetime | None

    @property
    def done(self) -> bool:
        return self.state is not MailingState.SENDING

    @property
    def attempted(self) -> int:
        return len(self.sent) + len(self.failed)


@dataclass
class _Mailing:
    plan: MailPlan
    actor: Actor
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    state: MailingState = MailingState.SENDING
    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    not_sent: list[str] = field(default_factory=list)
    error: str | None = None
    started_at: datetime.datetime = field(
        default_factory=lambda: datetime.datetime.now(datetime.UTC)
    )
    finished_at: datetime.datetime | None = None

    def view(self) -> MailingView:
        return MailingView(
            self.id,
            self.plan.study,
            self.plan.kind,
            self.plan.round_number,
            self.state,
            len(self.plan.recipients),
            tuple(self.sent),
            tuple(self.failed),
            tuple(self.not_sent),
            self.plan.skipped,
            self.error,
            self.started_at,
            self.finished_at,
        )


class Mailings:
    """The process's batches: start one, follow one, list a study's recent ones."""

    def __init__(self, container: Container, *, stop_after_failures: int = STOP_AFTER_FAILURES):
        self.container = container
        self.stop_after_failures = stop_after_failures
        self._batches: dict[uuid.UUID, _Mailing] = {}
        self._by_study: dict[uuid.UUID, deque[uuid.UUID]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False

    def start(self, plan: MailPlan, *, actor: Actor) -> MailingView:
        """Send `plan` in the background (the plan was checked when made)."""
        batch = _Mailing(plan, actor)
        self._batches[batch.id] = batch
        recent = self._by_study.setdefault(plan.study.id, deque())
        recent.appendleft(batch.id)
        while len(recent) > KEPT_PER_STUDY:
            self._batches.pop(recent.pop(), None)
        task = asyncio.create_task(self._send(batch), name=f"mailing {batch.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return batch.view()

    def get(self, slug: str, mailing_id: uuid.UUID, *, actor: Actor) -> MailingView:
        """One batch of the study, for someone who may manage its panel; a batch of another
        study, or one this process does not know (it restarted), is not found."""
        batch = self._batches.get(mailing_id)
        if batch is None or batch.plan.study.slug != slug or not actor.sees(batch.plan.study.id):
            raise NotFound(f"no mailing {mailing_id} in study {slug!r}", code="unknown_mailing")
        require(actor, batch.plan.study.id, Permission.MANAGE_PANEL, slug)
        return batch.view()

    def recent(self, study_id: uuid.UUID) -> tuple[MailingView, ...]:
        """The study's batches, newest first (the caller has checked who may see them)."""
        return tuple(
            self._batches[i].view() for i in self._by_study.get(study_id, ()) if i in self._batches
        )

    async def _send(self, batch: _Mailing) -> None:
        mailer = self.container.mailer()
        failures_in_a_row = 0
        pending = list(batch.plan.recipients)
        try:
            while pending:
                if self._stopping:
                    batch.error = "the server was shut down before every message was sent"
                    break
                if failures_in_a_row >= self.stop_after_failures:
                    batch.error = (
                        f"stopped after {failures_in_a_row} failures in a row; the mail server "
                        f"seems to be down ({batch.failed[-1][1]})"
                    )
                    break
                recipient = pending.pop(0)
                if await self._deliver(batch, recipient, mailer):
                    failures_in_a_row = 0
                else:
                    failures_in_a_row += 1
        except Exception as exc:  # the database went away, say: say so on the page
            logger.exception("mailing %s stopped", batch.id)
            batch.error = f"sending stopped: {exc}"
        finally:
            batch.not_sent = [r.pseudonym for r in pending]
            batch.state = MailingState.STOPPED if batch.not_sent else MailingState.FINISHED
            batch.finished_at = datetime.datetime.now(datetime.UTC)
            logger.info(
                "mailing %s (%s, %s): %d sent, %d failed, %d not sent",
                batch.id,
                batch.plan.kind.value,
                batch.plan.study.slug,
                len(batch.sent),
                len(batch.failed),
                len(batch.not_sent),
            )

    async def _deliver(self, batch: _Mailing, recipient: Recipient, mailer: Mailer) -> bool:
        async with self.container.session() as session:
            delivery = await send_one(
                session,
                batch.plan,
                recipient,
                mailer=mailer,
                link_for=self.container.sign_in_url,
                actor=batch.actor,
            )
        if delivery.sent:
            batch.sent.append(recipient.pseudonym)
            return True
        batch.failed.append((recipient.pseudonym, delivery.error or "not sent"))
        return False

    async def aclose(self, grace_s: float = 10.0) -> None:
        """Give the batches running on this loop `grace_s` to finish, then stop every batch
        after the message in hand (what is left is listed as not sent) and cancel any
        still waiting on the mail server. (A test client may run requests on another loop
        than the app's lifespan: those batches are stopped, not awaited.)"""
        loop = asyncio.get_running_loop()
        mine = {task for task in self._tasks if task.get_loop() is loop}
        if mine:
            await asyncio.wait(mine, timeout=grace_s)
        self._stopping = True
        for task in list(self._tasks):
            if task.get_loop() is loop:
                task.cancel()
            else:
                task.get_loop().call_soon_threadsafe(task.cancel)
        if mine:
            await asyncio.gather(*mine, return_exceptions=True)
