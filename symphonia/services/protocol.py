"""Reading and changing a study's pre-registered protocol, until round 1 opens.

The protocol decides how ratings become a consensus call, so it must be fixed before anyone
sees a rating: once round 1 has opened (`protocol_locked_at`, set by
:func:`symphonia.services.rounds.open_round`) a change is refused, whoever asks. Before
that a facilitator may change it as often as they like; every change is an audit event
naming the fields and their values before and after.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.core.protocol import (
    Protocol,
    protocol_from_dict,
    protocol_problems,
    protocol_to_dict,
)
from symphonia.db.audit import record_event
from symphonia.db.models import Round, StakeholderGroup, Study
from symphonia.services.errors import Conflict, Problem, RejectedInput
from symphonia.services.permissions import study_for
from symphonia.services.tx import transaction
from symphonia.services.views import StudyView


@dataclass(frozen=True, slots=True)
class ProtocolView:
    study: StudyView
    protocol: Protocol
    locked_at: datetime.datetime | None
    """When round 1 opened and the protocol locked (None: it may still change)."""
    rounds: int
    """Rounds the study declares (the stopping rule's cap may not be below it)."""
    may_edit: bool
    """The caller may change it now (a facilitator, before the lock)."""


async def _rounds(session: AsyncSession, study: Study) -> int:
    count = await session.scalar(
        select(func.count()).select_from(Round).where(Round.study_id == study.id)
    )
    return int(count or 0)


def _view(study: Study, rounds: int, actor: Actor) -> ProtocolView:
    return ProtocolView(
        StudyView.of(study),
        protocol_from_dict(study.protocol),
        study.protocol_locked_at,
        rounds,
        study.protocol_locked_at is None and actor.can(study.id, Permission.MANAGE_STUDY),
    )


async def protocol_view(session: AsyncSession, slug: str, *, actor: Actor) -> ProtocolView:
    """The study's protocol: pre-registered, so everyone in the study may read it."""
    async with transaction(session, write=False):
        study = await study_for(session, slug, actor, Permission.VIEW_STUDY)
        return _view(study, await _rounds(session, study), actor)


async def editable_protocol(session: AsyncSession, slug: str, *, actor: Actor) -> ProtocolView:
    """The protocol, for someone who may change it now; refused otherwise (a form checks
    this before reading what was sent, so a refusal never depends on the values)."""
    async with transaction(session, write=False):
        study = await study_for(session, slug, actor, Permission.MANAGE_STUDY)
        _refuse_locked(study)
        return _view(study, await _rounds(session, study), actor)


async def _has_groups(session: AsyncSession, study: Study) -> bool:
    found = await session.scalar(
        select(StakeholderGroup.id).where(StakeholderGroup.study_id == study.id).limit(1)
    )
    return found is not None


def _refuse_locked(study: Study) -> None:
    if study.protocol_locked_at is not None:
        raise Conflict(
            f"the protocol of {study.slug!r} was locked when round 1 opened "
            f"({study.protocol_locked_at:%Y-%m-%d %H:%M} UTC); it can no longer change",
            code="protocol_locked",
            context={"study": study.slug},
        )


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


async def set_protocol(
    session: AsyncSession, slug: str, protocol: Protocol, *, actor: Actor
) -> ProtocolView:
    """Replace the study's protocol; refused once round 1 has opened, and refused with
    every problem listed when a rule is broken (`protocol` may be built unchecked)."""
    async with transaction(session):
        study = await study_for(session, slug, actor, Permission.MANAGE_STUDY, lock=True)
        _refuse_locked(study)
        rounds = await _rounds(session, study)
        problems = [
            Problem("protocol", name, reason) for name, reason in protocol_problems(protocol)
        ]
        if protocol.stopping.max_rounds < rounds:
            reason = f"the study declares {rounds} rounds; the cap may not be below that"
            problems.append(Problem("protocol", "stopping.max_rounds", reason))
        if protocol.feedback.by_group and not await _has_groups(session, study):
            reason = "splits feedback by stakeholder group, but the study declares no groups"
            problems.append(Problem("protocol", "feedback.by_group", reason))
        if problems:
            raise RejectedInput("the protocol was not changed", problems, code="protocol_refused")
        after = protocol_to_dict(protocol)
        changed = _changes(dict(study.protocol), after)
        if changed:
            study.protocol = after
            record_event(
                session,
                actor,
                "protocol.updated",
                "study",
                study.slug,
                study_id=study.id,
                detail={"changed": changed},
            )
        await session.flush()
        return _view(study, rounds, actor)
