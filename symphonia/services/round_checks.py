"""What a facilitator should know before opening or closing a round: what the step will do,
who has taken part, and whether the step is possible now (and if not, why).

Read only: the step itself is :func:`symphonia.services.rounds.open_round` or
:func:`~symphonia.services.rounds.close_round`, which check again when asked.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.db.enums import RoundStatus
from symphonia.services.lookup import get_round
from symphonia.services.participation import Turnout, participation
from symphonia.services.permissions import study_for
from symphonia.services.tx import transaction
from symphonia.services.views import RoundView, StudyView


class RoundStep(enum.StrEnum):
    OPEN = "open"
    CLOSE = "close"


@dataclass(frozen=True, slots=True)
class RoundCheck:
    study: StudyView
    round: RoundView
    step: RoundStep
    turnout: Turnout
    """The whole panel in this round: experts, invited, signed in, took part."""
    locks_protocol: bool
    """Opening this round locks the protocol (it is the first to open)."""
    blocked: str | None
    """Why the step cannot be taken now (None: it can)."""


def _blocked(step: RoundStep, rnd: RoundView, rounds: tuple[RoundView, ...]) -> str | None:
    if step is RoundStep.CLOSE:
        if rnd.status is not RoundStatus.OPEN:
            return f"round {rnd.number} is {rnd.status.value}; only an open round can close"
        return None
    if rnd.status is not RoundStatus.DRAFT:
        return f"round {rnd.number} is {rnd.status.value}; only a draft round can open"
    waiting = [r for r in rounds if r.number < rnd.number and r.status is RoundStatus.DRAFT]
    still_open = [r for r in rounds if r.status is RoundStatus.OPEN]
    if still_open:
        return f"round {still_open[0].number} is still open: close it first"
    if waiting:
        return f"rounds run in order: round {waiting[0].number} has not run yet"
    return None


async def round_check(
    session: AsyncSession,
    slug: str,
    number: int,
    step: RoundStep,
    *,
    actor: Actor,
    now: datetime.datetime | None = None,
) -> RoundCheck:
    """The facts behind the confirmation of `step` for round `number` (needs RUN_ROUNDS)."""
    async with transaction(session, write=False):
        study = await study_for(session, slug, actor, Permission.RUN_ROUNDS)
        await get_round(session, study, number)  # a missing round is refused by its number
        seen = await participation(session, slug, actor=actor, now=now)
    this = next(r for r in seen.rounds if r.round.number == number)
    return RoundCheck(
        seen.study,
        this.round,
        step,
        this.total,
        step is RoundStep.OPEN and study.protocol_locked_at is None,
        _blocked(step, this.round, tuple(r.round for r in seen.rounds)),
    )
