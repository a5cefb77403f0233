"""A stored study read back as a definition, to judge a new file against what happened.

The lock rule (:mod:`symphonia.core.study_lock`) compares two :class:`StudyDefinition`\\ s; this
module makes the first from the database (groups, panel with group keys, rounds with their
dates as days) and words the refusal when the rule finds changes it does not allow.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from symphonia.core.protocol import protocol_from_dict
from symphonia.core.study import (
    Panellist,
    RoundDefinition,
    StakeholderGroup,
    StudyDefinition,
)
from symphonia.core.text_rules import Problem
from symphonia.db.enums import RoundStatus
from symphonia.db.models import Participant, Round, Study
from symphonia.db.models import StakeholderGroup as GroupRow

_CLOSED = (RoundStatus.CLOSED, RoundStatus.ANALYSED, RoundStatus.PUBLISHED)


@dataclass(frozen=True, slots=True)
class RecordedStudy:
    definition: StudyDefinition
    opened: frozenset[int]
    """Numbers of the rounds that have opened (whatever their status now)."""
    any_closed: bool


async def recorded_study(session: AsyncSession, study: Study) -> RecordedStudy:
    """The study as the database holds it, in the terms of its study file."""
    groups = list(
        await session.scalars(
            select(GroupRow).where(GroupRow.study_id == study.id).order_by(GroupRow.key)
        )
    )
    people = list(
        await session.scalars(
            select(Participant)
            .where(Participant.study_id == study.id)
            .options(selectinload(Participant.group))
            .order_by(Participant.pseudonym)
        )
    )
    rounds = list(
        await session.scalars(
            select(Round).where(Round.study_id == study.id).order_by(Round.number)
        )
    )
    definition = StudyDefinition(
        id=study.slug,
        title=study.title,
        question=study.question,
        description=study.description,
        synthetic=study.synthetic,
        anonymity=study.anonymity,
        groups=tuple(StakeholderGroup(g.key, g.label) for g in groups),
        panel=tuple(
            Panellist(p.pseudonym, p.group.key if p.group else None, p.role, p.display_name)
            for p in people
        ),
        rounds=tuple(
            RoundDefinition(
                r.number,
                r.kind,
                r.opens_at.date() if r.opens_at else None,
                r.closes_at.date() if r.closes_at else None,
            )
            for r in rounds
        ),
        protocol=protocol_from_dict(study.protocol),
        check=False,
    )
    opened = frozenset(r.number for r in rounds if r.status is not RoundStatus.DRAFT)
    return RecordedStudy(definition, opened, any(r.status in _CLOSED for r in rounds))


def lock_refusal(study: Study, record: RecordedStudy, refused: list[Problem]) -> str:
    """The message of a load the lock rule refuses: when the study locked, then each change."""
    assert study.protocol_locked_at is not None
    when = f"{study.protocol_locked_at:%Y-%m-%d %H:%M} UTC"
    lines = [
        f"study {study.slug!r}: round 1 opened on {when}, and what people took part under is "
        f"fixed since; refusing {len(refused)} change(s), nothing was written:",
        *(f"  - {name}: {reason}" for name, reason in refused),
        "Restore these in the study file (or start a new study to change them).",
    ]
    return "\n".join(lines)
