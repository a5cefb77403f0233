"""Opening and closing rounds: the Delphi schedule as a small state machine.

draft → open → closed → analysed → published. Opening the first round locks the protocol.
"""

from __future__ import annotations

import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.db.audit import record_event
from symphonia.db.enums import RoundStatus
from symphonia.db.models import Round
from symphonia.services.errors import Conflict
from symphonia.services.lookup import get_round, get_study
from symphonia.services.tx import transaction


async def open_round(session: AsyncSession, slug: str, number: int, actor: str) -> Round:
    """Open a draft round; only one round of a study may be open at a time."""
    async with transaction(session):
        study = await get_study(session, slug)
        rnd = await get_round(session, study, number)
        if rnd.status is not RoundStatus.DRAFT:
            raise Conflict(
                f"round {number} of {slug!r} is {rnd.status.value}; only a draft round can open"
            )
        other = await session.scalar(
            select(Round).where(Round.study_id == study.id, Round.status == RoundStatus.OPEN)
        )
        if other is not None:
            raise Conflict(f"round {other.number} of {slug!r} is still open; close it first")
        rnd.status = RoundStatus.OPEN
        now = datetime.datetime.now(datetime.UTC)
        if study.protocol_locked_at is None:
            study.protocol_locked_at = now
            record_event(
                session,
                actor,
                "protocol.locked",
                "study",
                study.slug,
                study_id=study.id,
                detail={"protocol": study.protocol},
            )
        record_event(session, actor, "round.opened", "round", f"{slug}/{number}", study_id=study.id)
    return rnd


async def close_round(session: AsyncSession, slug: str, number: int, actor: str) -> Round:
    """Close an open round: no more fragments or ratings are accepted into it."""
    async with transaction(session):
        study = await get_study(session, slug)
        rnd = await get_round(session, study, number)
        if rnd.status is not RoundStatus.OPEN:
            raise Conflict(
                f"round {number} of {slug!r} is {rnd.status.value}; only an open round can close"
            )
        rnd.status = RoundStatus.CLOSED
        record_event(session, actor, "round.closed", "round", f"{slug}/{number}", study_id=study.id)
    return rnd
