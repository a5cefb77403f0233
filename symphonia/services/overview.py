"""What a study page shows: the studies an actor can see, one study at a glance, one round.

Counts come from a few grouped queries per page, never one query per row. Participation
(who took part, per round and per stakeholder group) is shown to those who may see it
(facilitators and editors); experts and readers see the study and its rounds' status.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission, StudyRole
from symphonia.db.enums import ParticipantRole, RoundKind
from symphonia.db.models import AnalysisRun, Participant, Rating, Round, StakeholderGroup, Study
from symphonia.db.models import Fragment as FragmentRow
from symphonia.services.lookup import get_round
from symphonia.services.permissions import study_for
from symphonia.services.tx import transaction
from symphonia.services.views import RoundView, StudyView


@dataclass(frozen=True, slots=True)
class StudySummary:
    """A line of the actor's study list."""

    study: StudyView
    roles: frozenset[StudyRole]
    """The actor's roles in the study (empty for the operator, who needs none)."""
    rounds: tuple[RoundView, ...]


@dataclass(frozen=True, slots=True)
class GroupView:
    key: str
    label: str
    experts: int


@dataclass(frozen=True, slots=True)
class RoundSummary:
    round: RoundView
    contributors: int | None
    """Experts who contributed (fragments in a contribute round, ratings in a rate round);
    None when the actor may not see participation."""
    records: int | None
    """Fragments or ratings received; None as above."""
    runs: int
    """Analysis runs requested for the round (any status)."""


@dataclass(frozen=True, slots=True)
class StudyOverview:
    study: StudyView
    roles: frozenset[StudyRole]
    groups: tuple[GroupView, ...]
    panel_size: int
    """Experts on the panel."""
    rounds: tuple[RoundSummary, ...]


@dataclass(frozen=True, slots=True)
class GroupParticipation:
    key: str | None
    """None for experts in no stakeholder group."""
    label: str
    experts: int
    took_part: int


@dataclass(frozen=True, slots=True)
class RoundDetail:
    study: StudyView
    round: RoundView
    summary: RoundSummary
    by_group: tuple[GroupParticipation, ...]
    """Participation per stakeholder group (empty when the actor may not see it)."""


async def list_studies(session: AsyncSession, *, actor: Actor) -> tuple[StudySummary, ...]:
    """Every study the actor holds a role in (every study, for the operator), by id."""
    async with transaction(session, write=False):
        query = select(Study).order_by(Study.slug)
        if not actor.unrestricted:
            query = query.where(Study.id.in_(list(actor.roles)))
        studies = list(await session.scalars(query))
        rounds = await session.scalars(
            select(Round).where(Round.study_id.in_([s.id for s in studies])).order_by(Round.number)
        )
        by_study: dict[uuid.UUID, list[Round]] = {}
        for r in rounds:
            by_study.setdefault(r.study_id, []).append(r)
    return tuple(
        StudySummary(
            StudyView.of(s),
            actor.roles_in(s.id),
            tuple(RoundView.of(r, s.slug) for r in by_study.get(s.id, [])),
        )
        for s in studies
    )


async def _counts(
    session: AsyncSession, rounds: Iterable[Round]
) -> dict[uuid.UUID, tuple[int, int]]:
    """(contributors, records) per round: fragments for contribute rounds, ratings for rate."""
    ids = [r.id for r in rounds]
    fragments = await session.execute(
        select(FragmentRow.round_id, func.count(distinct(FragmentRow.author_id)), func.count())
        .where(FragmentRow.round_id.in_(ids))
        .group_by(FragmentRow.round_id)
    )
    ratings = await session.execute(
        select(Rating.round_id, func.count(distinct(Rating.rater_id)), func.count())
        .where(Rating.round_id.in_(ids))
        .group_by(Rating.round_id)
    )
    return {row[0]: (int(row[1]), int(row[2])) for row in [*fragments, *ratings]}


async def _runs(session: AsyncSession, rounds: Iterable[Round]) -> dict[uuid.UUID, int]:
    rows = await session.execute(
        select(AnalysisRun.round_id, func.count())
        .where(AnalysisRun.round_id.in_([r.id for r in rounds]))
        .group_by(AnalysisRun.round_id)
    )
    return {round_id: int(n) for round_id, n in rows}


def _summaries(
    study: Study,
    rounds: list[Round],
    counts: dict[uuid.UUID, tuple[int, int]],
    runs: dict[uuid.UUID, int],
    visible: bool,
) -> tuple[RoundSummary, ...]:
    out = []
    for r in rounds:
        contributors, records = counts.get(r.id, (0, 0))
        out.append(
            RoundSummary(
                RoundView.of(r, study.slug),
                contributors if visible else None,
                records if visible else None,
                runs.get(r.id, 0),
            )
        )
    return tuple(out)


async def study_overview(session: AsyncSession, slug: str, *, actor: Actor) -> StudyOverview:
    """The study, its stakeholder groups and its rounds with their status and counts."""
    async with transaction(session, write=False):
        study = await study_for(session, slug, actor, Permission.VIEW_STUDY)
        visible = actor.can(study.id, Permission.VIEW_PARTICIPATION)
        groups = list(
            await session.scalars(
                select(StakeholderGroup)
                .where(StakeholderGroup.study_id == study.id)
                .order_by(StakeholderGroup.key)
            )
        )
        per_group = await session.execute(
            select(Participant.group_id, func.count())
            .where(Participant.study_id == study.id, Participant.role == ParticipantRole.EXPERT)
            .group_by(Participant.group_id)
        )
        experts = {group_id: int(n) for group_id, n in per_group}
        rounds = list(
            await session.scalars(
                select(Round).where(Round.study_id == study.id).order_by(Round.number)
            )
        )
        counts = await _counts(session, rounds)
        runs = await _runs(session, rounds)
    return StudyOverview(
        study=StudyView.of(study),
        roles=actor.roles_in(study.id),
        groups=tuple(GroupView(g.key, g.label, experts.get(g.id, 0)) for g in groups),
        panel_size=sum(experts.values()),
        rounds=_summaries(study, rounds, counts, runs, visible),
    )


async def round_view(session: AsyncSession, slug: str, number: int, *, actor: Actor) -> RoundDetail:
    """One round: its status and counts, and participation per stakeholder group."""
    async with transaction(session, write=False):
        study = await study_for(session, slug, actor, Permission.VIEW_STUDY)
        rnd = await get_round(session, study, number)
        visible = actor.can(study.id, Permission.VIEW_PARTICIPATION)
        counts = await _counts(session, [rnd])
        runs = await _runs(session, [rnd])
        by_group: tuple[GroupParticipation, ...] = ()
        if visible:
            by_group = await _participation(session, study, rnd)
    (summary,) = _summaries(study, [rnd], counts, runs, visible)
    return RoundDetail(StudyView.of(study), RoundView.of(rnd, slug), summary, by_group)


async def _participation(
    session: AsyncSession, study: Study, rnd: Round
) -> tuple[GroupParticipation, ...]:
    if rnd.kind is RoundKind.CONTRIBUTE:
        took_part = select(FragmentRow.author_id).where(FragmentRow.round_id == rnd.id)
    else:
        took_part = select(Rating.rater_id).where(Rating.round_id == rnd.id)
    rows = await session.execute(
        select(
            StakeholderGroup.key,
            StakeholderGroup.label,
            func.count(Participant.id),
            func.count(distinct(Participant.id)).filter(Participant.id.in_(took_part)),
        )
        .select_from(Participant)
        .outerjoin(StakeholderGroup, StakeholderGroup.id == Participant.group_id)
        .where(Participant.study_id == study.id, Participant.role == ParticipantRole.EXPERT)
        .group_by(StakeholderGroup.key, StakeholderGroup.label)
    )
    groups = [
        GroupParticipation(key, label or "no stakeholder group", int(n), int(done))
        for key, label, n, done in rows
    ]
    return tuple(sorted(groups, key=lambda g: (g.key is None, g.key or "")))
