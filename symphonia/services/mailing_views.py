"""Mailings as the facilitator reads them: each batch's progress, who was sent what, who
failed and why, who was left out.

Kept apart from :mod:`symphonia.services.mailings` (storing and sending a batch): a runner
writes the rows one delivery at a time, and this only reads them back, the same on every
web process, for the pages, the API and the batch's caller.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.db.models import (
    DeliveryState,
    MailDelivery,
    Mailing,
    MailingState,
    MailKind,
    Participant,
    Study,
)
from symphonia.services.errors import NotFound
from symphonia.services.permissions import require
from symphonia.services.tx import transaction
from symphonia.services.views import StudyView

KEPT_PER_STUDY = 20
"""How many recent batches the panel page lists."""


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
    uncertain: tuple[str, ...]
    """Pseudonyms whose message was being handed to the mail server when its sender
    stopped: it may have gone out, so it is not sent again automatically."""
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


async def _views(session: AsyncSession, mailings: list[Mailing], study: Study) -> list[MailingView]:
    ids = [m.id for m in mailings]
    rows = (
        await session.execute(
            sa.select(
                MailDelivery.mailing_id,
                MailDelivery.state,
                MailDelivery.error,
                Participant.pseudonym,
            )
            .join(Participant, Participant.id == MailDelivery.participant_id)
            .where(MailDelivery.mailing_id.in_(ids))
            .order_by(MailDelivery.mailing_id, MailDelivery.position)
        )
    ).all()
    by_mailing: dict[uuid.UUID, list[tuple[DeliveryState, str | None, str]]] = {i: [] for i in ids}
    for mailing_id, state, error, pseudonym in rows:
        by_mailing[mailing_id].append((state, error, pseudonym))
    view = StudyView.of(study)

    def named(
        deliveries: list[tuple[DeliveryState, str | None, str]], s: DeliveryState
    ) -> tuple[str, ...]:
        return tuple(p for state, _, p in deliveries if state is s)

    out = []
    for m in mailings:
        ds = by_mailing[m.id]
        out.append(
            MailingView(
                m.id,
                view,
                m.kind,
                m.round_number,
                m.state,
                len(ds),
                named(ds, DeliveryState.SENT),
                tuple((p, e or "not sent") for s, e, p in ds if s is DeliveryState.FAILED),
                named(ds, DeliveryState.NOT_SENT),
                named(ds, DeliveryState.UNCERTAIN),
                tuple((str(a), str(b)) for a, b in m.skipped),
                m.error,
                m.created_at,
                m.finished_at,
            )
        )
    return out


async def mailing_view(
    session: AsyncSession, slug: str, mailing_id: uuid.UUID, *, actor: Actor
) -> MailingView:
    """One batch of the study, for someone who may manage its panel; a batch of another
    study is not found."""
    async with transaction(session, write=False):
        found = (
            await session.execute(
                sa.select(Mailing, Study)
                .join(Study, Study.id == Mailing.study_id)
                .where(Mailing.id == mailing_id, Study.slug == slug)
            )
        ).one_or_none()
        if found is None or not actor.sees(found[1].id):
            raise NotFound(f"no mailing {mailing_id} in study {slug!r}", code="unknown_mailing")
        mailing, study = found
        require(actor, study.id, Permission.MANAGE_PANEL, slug)
        return (await _views(session, [mailing], study))[0]


async def recent_mailings(session: AsyncSession, study: StudyView) -> tuple[MailingView, ...]:
    """The study's latest batches, newest first (the caller has checked who may see them)."""
    async with transaction(session, write=False):
        row = await session.get_one(Study, study.id)
        mailings = list(
            await session.scalars(
                sa.select(Mailing)
                .where(Mailing.study_id == study.id)
                .order_by(Mailing.created_at.desc(), Mailing.id.desc())
                .limit(KEPT_PER_STUDY)
            )
        )
        return tuple(await _views(session, mailings, row))
