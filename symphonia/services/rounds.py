"""Opening and closing rounds: the Delphi schedule as a small state machine.

draft → open → closed → analysed → published. Rounds run in the Delphi sequence: a round opens
only once every earlier round of its study has closed (closed, analysed or published count),
so no round is skipped and at most one is open at a time. Opening the first round locks the
protocol.
"""

from __future__ import annotations

import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.db.audit import record_event
from symphonia.db.enums import RoundStatus
from symphonia.db.models import Round
from symphonia.services.errors import Conflict
from symphonia.services.lookup import get_round
from symphonia.services.permissions import study_for
from symphonia.services.tx import transaction
from symphonia.services.views import RoundView

_NOT_YET_CLOSED = (RoundStatus.DRAFT, RoundStatus.OPEN)


def _out_of_order(slug: str, number: int, earlier: Round) -> Conflict:
    head = f"round {number} of {slug!r} cannot open before round {earlier.number} is closed"
    context = {"study": slug, "round": earlier.number}
    if earlier.status is RoundStatus.OPEN:
        return Conflict(
            f"{head} (round {earlier.number} is still open)",
            code="earlier_round_open",
            context=context,
        )
    return Conflict(
        f"{head} (round {earlier.number} is still {earlier.status.value}); rounds run in order: "
        f"open and close round {earlier.number} first",
        code="earlier_round_not_run",
        context=context,
    )


async def open_round(session: AsyncSession, slug: str, number: int, *, actor: Actor) -> RoundView:
    """Open a draft round once every earlier round of the study has closed."""
    async with transaction(session):
        study = await study_for(session, slug, actor, Permission.RUN_ROUNDS, lock=True)
        rnd = await get_round(session, study, number)
        if rnd.status is not RoundStatus.DRAFT:
            raise Conflict(
                f"round {number} of {slug!r} is {rnd.status.value}; only a draft round can open",
                code="round_not_draft",
                context={"study": slug, "round": number, "status": rnd.status.value},
            )
        earlier = await session.scalar(
            select(Round)
            .where(
                Round.study_id == study.id,
                Round.number < number,
                Round.status.in_(_NOT_YET_CLOSED),
            )
            .order_by(Round.number)
            .limit(1)
        )
        if earlier is not None:
            raise _out_of_order(slug, number, earlier)
        other = await session.scalar(
            select(Round).where(Round.study_id == study.id, Round.status == RoundStatus.OPEN)
        )
        if other is not None:
            raise Conflict(
                f"round {other.number} of {slug!r} is still open",
                code="another_round_open",
                context={"study": slug, "round": other.number},
            )
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
    return RoundView.of(rnd, slug)


async def close_round(session: AsyncSession, slug: str, number: int, *, actor: Actor) -> RoundView:
    """Close an open round: no more fragments or ratings are accepted into it."""
    async with transaction(session):
        study = await study_for(session, slug, actor, Permission.RUN_ROUNDS, lock=True)
        rnd = await get_round(session, study, number)
        if rnd.status is not RoundStatus.OPEN:
            raise Conflict(
                f"round {number} of {slug!r} is {rnd.status.value}; only an open round can close",
                code="round_not_open",
                context={"study": slug, "round": number, "status": rnd.status.value},
            )
        rnd.status = RoundStatus.CLOSED
        await session.flush()  # take the round's row lock now: imports in flight wait for us
        record_event(session, actor, "round.closed", "round", f"{slug}/{number}", study_id=study.id)
    return RoundView.of(rnd, slug)
