"""Loading a study definition into the database, and keeping what has happened true.

Loading is idempotent, so a facilitator can fix a typo in the study file and load it again;
loading an unchanged file writes nothing at all (no `study.updated` event for a non-event).
Until round 1 opens, the database follows the file: groups, panellists and rounds are added,
changed and removed as the file says. From then on, what people took part under is fixed:
the rule of what may still change is :mod:`symphonia.core.study_lock` (in short: the study's
texts, protocol, anonymity, groups and panel as they stood, and the rounds that have opened,
are refused with every refused change listed and nothing written; new groups, new panellists
while no round has closed, and the schedule of draft rounds may still change). Nothing a file
leaves out is ever silently kept or silently dropped.

Loading and opening round 1 take the same lock on the study's row (FOR NO KEY UPDATE on
PostgreSQL; SQLite admits one writer at a time), so a load racing the open either finishes
first (and the lock records the protocol it wrote) or waits and is judged by the lock.

A definition is checked here as the study file is, whoever built it (the file loader, the
Polis import, a future API): an incoherent one, or one whose texts hold a character the
database or a report cannot take, is refused with every problem listed and nothing written.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.core.protocol import protocol_to_dict
from symphonia.core.study import StudyDefinition, study_problems
from symphonia.core.study_lock import locked_study_changes
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
from symphonia.services.study_record import lock_refusal, recorded_study
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
    removed_groups: int = 0
    removed_participants: int = 0
    removed_rounds: int = 0
    """What the file no longer holds and the database let go: before round 1 opens, anything;
    after, only draft rounds (everything else is refused, see the module docstring)."""


def _update(row: Any, **values: Any) -> bool:
    """Set the attributes that differ; True if any did. Assigning an equal value is not
    written either, but counting it as a change would audit an update that never was."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


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
        query = select(Study).where(Study.slug == definition.id)
        study = await session.scalar(query.with_for_update(key_share=True))
        _may_load(actor, study, definition.id)
        created = study is None
        if study is None:
            study = Study(slug=definition.id, protocol=protocol_to_dict(definition.protocol))
            session.add(study)
        elif study.protocol_locked_at is not None:
            record = await recorded_study(session, study)
            refused = locked_study_changes(
                record.definition,
                definition,
                opened_rounds=record.opened,
                any_closed=record.any_closed,
            )
            if refused:
                raise Conflict(
                    lock_refusal(study, record, refused),
                    code="protocol_locked",
                    context={"study": definition.id, "fields": tuple(f for f, _ in refused)},
                )
        locked = study.protocol_locked_at is not None
        touched = _update(
            study,
            title=definition.title,
            question=definition.question,
            description=definition.description,
            synthetic=definition.synthetic,
            anonymity=definition.anonymity,
            protocol=protocol_to_dict(definition.protocol),
        )
        touched |= created
        await session.flush()
        if created and actor.account_id is not None:
            session.add(
                StudyMembership(
                    account_id=actor.account_id, study_id=study.id, role=MembershipRole.FACILITATOR
                )
            )
        groups, added_groups, relabelled = await _sync_groups(session, study, definition)
        people = await _sync_panel(session, study, definition, groups, locked)
        groups_gone = await _drop_groups(session, groups, definition, locked)
        rounds = await _sync_rounds(session, study, definition)
        await session.flush()
        touched |= relabelled or people.updated or rounds.rescheduled
        touched |= bool(added_groups or people.added or rounds.added)
        touched |= bool(people.removed or groups_gone or rounds.removed)
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
                "participants_added": people.added,
                "rounds_added": rounds.added,
                "groups_removed": groups_gone,
                "participants_removed": people.removed,
                "rounds_removed": rounds.removed,
            },
        )
    return LoadOutcome(
        StudyView.of(study),
        created,
        added_groups,
        people.added,
        rounds.added,
        removed_groups=groups_gone,
        removed_participants=people.removed,
        removed_rounds=rounds.removed,
    )


async def _sync_groups(
    session: AsyncSession, study: Study, definition: StudyDefinition
) -> tuple[dict[str, StakeholderGroup], int, bool]:
    """Add new stakeholder groups and relabel existing ones (removal is `_drop_groups`).
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


async def _drop_groups(
    session: AsyncSession,
    groups: dict[str, StakeholderGroup],
    definition: StudyDefinition,
    locked: bool,
) -> int:
    """Before round 1 opens, delete the groups the file no longer declares (after, the lock
    rule has refused such a file already)."""
    if locked:
        return 0
    declared = {g.id for g in definition.groups}
    gone = [g for key, g in groups.items() if key not in declared]
    for g in gone:
        await session.delete(g)
    return len(gone)


@dataclass(frozen=True, slots=True)
class _PanelSync:
    added: int
    updated: bool
    removed: int


async def _sync_panel(
    session: AsyncSession,
    study: Study,
    definition: StudyDefinition,
    groups: dict[str, StakeholderGroup],
    locked: bool,
) -> _PanelSync:
    """Add new panellists and update the role, group and name of existing ones; before
    round 1 opens, delete the panellists the file no longer lists (nobody has contributed
    yet). After, the lock rule has refused any change to existing panellists already."""
    rows = await session.scalars(select(Participant).where(Participant.study_id == study.id))
    people = {p.pseudonym: p for p in rows}
    added = 0
    updated = False
    for p in definition.panel:
        existing = people.pop(p.pseudonym, None)
        values = {
            "role": p.role,
            "group_id": groups[p.group].id if p.group else None,
            "display_name": p.name,
        }
        if existing is None:
            session.add(Participant(study_id=study.id, pseudonym=p.pseudonym, **values))
            added += 1
        else:
            updated |= _update(existing, **values)
    if locked:
        return _PanelSync(added, updated, 0)
    for gone in people.values():
        await session.delete(gone)
    return _PanelSync(added, updated, len(people))


@dataclass(frozen=True, slots=True)
class _RoundSync:
    added: int
    rescheduled: bool
    removed: int


async def _sync_rounds(
    session: AsyncSession, study: Study, definition: StudyDefinition
) -> _RoundSync:
    """Add new rounds, reschedule draft ones and delete draft ones the file no longer lists;
    a round that has opened keeps its schedule as it ran (the lock rule refuses a file that
    changes it)."""
    rows = await session.scalars(select(Round).where(Round.study_id == study.id))
    rounds = {r.number: r for r in rows}
    added = 0
    rescheduled = False
    for r in definition.rounds:
        existing = rounds.pop(r.number, None)
        values = {"kind": r.kind, "opens_at": _midnight(r.opens), "closes_at": _midnight(r.closes)}
        if existing is None:
            session.add(
                Round(study_id=study.id, number=r.number, status=RoundStatus.DRAFT, **values)
            )
            added += 1
        elif existing.status is RoundStatus.DRAFT:
            rescheduled |= _update(existing, **values)
    dropped = [row for row in rounds.values() if row.status is RoundStatus.DRAFT]
    for row in dropped:
        await session.delete(row)
    return _RoundSync(added, rescheduled, len(dropped))


def _midnight(day: datetime.date | None) -> datetime.datetime | None:
    """Round dates are days in the study file; the database keeps UTC instants."""
    if day is None:
        return None
    return datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)
