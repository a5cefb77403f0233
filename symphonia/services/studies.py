"""Loading a study definition into the database, and keeping its protocol honest.

Loading is idempotent, so a facilitator can fix a typo in the study file and load it again;
loading an unchanged file writes nothing at all (no `study.updated` event for a non-event).
The protocol is the exception: once round 1 has opened, a changed protocol is refused, because
a consensus rule chosen after seeing the ratings is not a pre-registered rule.

A definition is checked here as the study file is, whoever built it (the file loader, the
Polis import, a future API): an incoherent one, or one whose texts hold a character the
database or a report cannot take, is refused with every problem listed and nothing written.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.core.protocol import protocol_to_dict
from symphonia.core.study import StudyDefinition, study_problems
from symphonia.core.text_rules import refusal_summary, study_text_problems
from symphonia.db.audit import record_event
from symphonia.db.enums import RoundStatus
from symphonia.db.models import (
    MembershipRole,
    Participant,
    Round,
    StakeholderGroup,
    Study,
    StudyMembership,
)
from symphonia.services.errors import Conflict, PermissionDenied, Problem, RejectedInput
from symphonia.services.permissions import require
from symphonia.services.tx import transaction
from symphonia.services.views import StudyView


@dataclass(frozen=True, slots=True)
class LoadOutcome:
    study: StudyView
    created: bool
    added_groups: int
    added_participants: int
    added_rounds: int
    changed: bool = True
    """False when the definition matched the database exactly, and nothing was written."""


def _update(row: Any, **values: Any) -> bool:
    """Set the attributes that differ; True if any did. Assigning an equal value is not
    written either, but counting it as a change would audit an update that never was."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _protocol_change(study: Study, definition: StudyDefinition) -> str | None:
    new = protocol_to_dict(definition.protocol)
    if study.protocol == new:
        return None
    changed = sorted(
        k for k in set(new) | set(study.protocol) if new.get(k) != study.protocol.get(k)
    )
    return ", ".join(changed)


def _may_load(actor: Actor, study: Study | None, slug: str) -> None:
    """Creating needs the account-level right; updating, the study's MANAGE_STUDY. A study
    id taken by a study the actor cannot see is refused as taken, without its details."""
    if study is None:
        if not actor.may_create_studies:
            raise PermissionDenied(
                f"{actor.label} may not create studies",
                code="may_not_create_studies",
                context={"study": slug},
            )
    elif not actor.sees(study.id):
        raise Conflict(
            f"the study id {slug!r} is taken; choose another",
            code="study_id_taken",
            context={"study": slug},
        )
    else:
        require(actor, study.id, Permission.MANAGE_STUDY, slug)


async def load_study(
    session: AsyncSession, definition: StudyDefinition, *, actor: Actor
) -> LoadOutcome:
    """Create the study, or bring an existing one up to date with its definition.

    An account that creates a study becomes its facilitator, so it can see what it made.
    """
    problems = study_problems(definition) + study_text_problems(definition)
    if problems:
        summary = refusal_summary(f"study {definition.id!r}", len(problems), "nothing was written")
        raise RejectedInput(summary, [Problem("", name, reason) for name, reason in problems])
    async with transaction(session):
        study = await session.scalar(select(Study).where(Study.slug == definition.id))
        _may_load(actor, study, definition.id)
        created = study is None
        changed: str | None = None
        if study is None:
            study = Study(slug=definition.id, protocol=protocol_to_dict(definition.protocol))
            session.add(study)
        else:
            changed = _protocol_change(study, definition)
            if changed and study.protocol_locked_at is not None:
                raise Conflict(
                    f"study {definition.id!r}: the protocol was locked when round 1 opened "
                    f"({study.protocol_locked_at:%Y-%m-%d %H:%M} UTC); refusing to change "
                    f"{changed}. Start a new study to use a different protocol.",
                    code="protocol_locked",
                    context={"study": definition.id, "fields": changed},
                )
            if changed:
                study.protocol = protocol_to_dict(definition.protocol)
            if study.protocol_locked_at is not None and study.anonymity != definition.anonymity:
                raise Conflict(
                    f"study {definition.id!r}: anonymity was {study.anonymity.value} when "
                    f"contributors took part; refusing to change it to "
                    f"{definition.anonymity.value}"
                )
        touched = created or changed is not None
        touched |= _update(
            study,
            title=definition.title,
            question=definition.question,
            description=definition.description,
            synthetic=definition.synthetic,
            anonymity=definition.anonymity,
        )
        await session.flush()
        if created and actor.account_id is not None:
            session.add(
                StudyMembership(
                    account_id=actor.account_id, study_id=study.id, role=MembershipRole.FACILITATOR
                )
            )
        groups, added_groups, relabelled = await _sync_groups(session, study, definition)
        added_people, updated_people = await _sync_panel(session, study, definition, groups)
        added_rounds, rescheduled = await _sync_rounds(session, study, definition)
        await session.flush()
        touched |= relabelled or updated_people or rescheduled
        touched |= bool(added_groups or added_people or added_rounds)
        if not touched:
            return LoadOutcome(StudyView.of(study), False, 0, 0, 0, changed=False)
        record_event(
            session,
            actor,
            "study.created" if created else "study.updated",
            "study",
            study.slug,
            study_id=study.id,
            detail={
                "groups_added": added_groups,
                "participants_added": added_people,
                "rounds_added": added_rounds,
            },
        )
    return LoadOutcome(StudyView.of(study), created, added_groups, added_people, added_rounds)


async def _sync_groups(
    session: AsyncSession, study: Study, definition: StudyDefinition
) -> tuple[dict[str, StakeholderGroup], int, bool]:
    """Add new stakeholder groups and relabel existing ones; groups are never removed.
    Returns the groups by key, how many were added, and whether any was relabelled."""
    rows = await session.scalars(
        select(StakeholderGroup).where(StakeholderGroup.study_id == study.id)
    )
    groups = {g.key: g for g in rows}
    added = 0
    relabelled = False
    for g in definition.groups:
        if g.id in groups:
            relabelled |= _update(groups[g.id], label=g.name)
            continue
        groups[g.id] = StakeholderGroup(study_id=study.id, key=g.id, label=g.name)
        session.add(groups[g.id])
        added += 1
    await session.flush()
    return groups, added, relabelled


async def _sync_panel(
    session: AsyncSession,
    study: Study,
    definition: StudyDefinition,
    groups: dict[str, StakeholderGroup],
) -> tuple[int, bool]:
    """Add new panellists and update the role, group and name of existing ones; returns how
    many were added and whether any existing one changed.

    Once round 1 has opened, a panellist's stakeholder group is fixed: their contributions
    and ratings are attributed, and group agreement computed, through it, so moving them
    would silently rewrite every past round.
    """
    rows = await session.scalars(select(Participant).where(Participant.study_id == study.id))
    people = {p.pseudonym: p for p in rows}
    group_id = {p.pseudonym: groups[p.group].id if p.group else None for p in definition.panel}
    if study.protocol_locked_at is not None:
        key_of: dict[uuid.UUID | None, str] = {g.id: key for key, g in groups.items()}
        moved = [
            f"{p.pseudonym} ({key_of.get(people[p.pseudonym].group_id, 'no group')} → "
            f"{p.group or 'no group'})"
            for p in definition.panel
            if p.pseudonym in people and people[p.pseudonym].group_id != group_id[p.pseudonym]
        ]
        if moved:
            raise Conflict(
                f"study {definition.id!r}: stakeholder groups are fixed once round 1 has "
                f"opened; refusing to move {', '.join(moved)}. Add them under a new "
                "pseudonym to record a change of role."
            )
    added = 0
    updated = False
    for p in definition.panel:
        existing = people.get(p.pseudonym)
        values = {"role": p.role, "group_id": group_id[p.pseudonym], "display_name": p.name}
        if existing is None:
            session.add(Participant(study_id=study.id, pseudonym=p.pseudonym, **values))
            added += 1
        else:
            updated |= _update(existing, **values)
    return added, updated


async def _sync_rounds(
    session: AsyncSession, study: Study, definition: StudyDefinition
) -> tuple[int, bool]:
    """Add new rounds; a round that has opened keeps its schedule as it ran. Returns how
    many rounds were added and whether a draft round's kind or dates changed."""
    rows = await session.scalars(select(Round).where(Round.study_id == study.id))
    rounds = {r.number: r for r in rows}
    added = 0
    rescheduled = False
    for r in definition.rounds:
        existing = rounds.get(r.number)
        values = {"kind": r.kind, "opens_at": _midnight(r.opens), "closes_at": _midnight(r.closes)}
        if existing is None:
            session.add(
                Round(study_id=study.id, number=r.number, status=RoundStatus.DRAFT, **values)
            )
            added += 1
        elif existing.status is RoundStatus.DRAFT:
            rescheduled |= _update(existing, **values)
    return added, rescheduled


def _midnight(day: datetime.date | None) -> datetime.datetime | None:
    """Round dates are days in the study file; the database keeps UTC instants."""
    if day is None:
        return None
    return datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)
