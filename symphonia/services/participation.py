"""Participation and attrition: who was invited, who signed in, who took part in each round,
per stakeholder group and in total.

A Delphi result is only as good as the panel that stayed: a consensus reached after half
of one group dropped out is not the panel's consensus. So each round shows, beside who
took part, how many of those who took part in the round before did not come back.

*Invited* and *signed in* count up to now (see :mod:`symphonia.services.panel_view`);
*took part* means at least one fragment in a contribution round, one rating in a rating
round. Counts are over experts (staff are not on the panel).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.db.enums import ParticipantRole, RoundKind, RoundStatus
from symphonia.db.models import Fragment, Participant, Rating, Round, StakeholderGroup
from symphonia.services.panel_view import InvitationState, invitation_state, links_by_participant
from symphonia.services.permissions import study_for
from symphonia.services.tx import transaction
from symphonia.services.views import RoundView, StudyView

NO_GROUP = "no stakeholder group"


@dataclass(frozen=True, slots=True)
class Turnout:
    """One line of a participation table: a group (or the whole panel) in one round."""

    label: str
    experts: int
    invited: int
    signed_in: int
    took_part: int
    came_before: int | None
    """Took part in the previous round (None for the first round)."""
    dropped: int | None
    """Took part in the previous round but not in this one (None for the first round)."""

    @property
    def share(self) -> float:
        return self.took_part / self.experts if self.experts else 0.0

    @property
    def attrition(self) -> float | None:
        """Dropped as a share of those who took part before (None: nobody to lose)."""
        if not self.came_before or self.dropped is None:
            return None
        return self.dropped / self.came_before


@dataclass(frozen=True, slots=True)
class RoundTurnout:
    round: RoundView
    total: Turnout
    by_group: tuple[Turnout, ...]


@dataclass(frozen=True, slots=True)
class Participation:
    study: StudyView
    rounds: tuple[RoundTurnout, ...]
    panel: Turnout
    """The panel as a whole, with no round: experts, invited, signed in."""
    panel_by_group: tuple[Turnout, ...]


@dataclass(frozen=True, slots=True)
class _Person:
    id: uuid.UUID
    group: str
    invited: bool
    signed_in: bool


def _turnout(
    label: str,
    people: list[_Person],
    took: set[uuid.UUID],
    before: set[uuid.UUID] | None,
) -> Turnout:
    ids = {p.id for p in people}
    came_before = len(ids & before) if before is not None else None
    dropped = len((ids & before) - took) if before is not None else None
    return Turnout(
        label,
        len(people),
        sum(p.invited for p in people),
        sum(p.signed_in for p in people),
        len(ids & took),
        came_before,
        dropped,
    )


async def took_part(
    session: AsyncSession, rounds: Iterable[Round]
) -> dict[uuid.UUID, set[uuid.UUID]]:
    """Who took part in each round: a fragment in a contribution round, a rating in a
    rating round."""
    out: dict[uuid.UUID, set[uuid.UUID]] = {}
    for rnd in rounds:
        if rnd.kind is RoundKind.CONTRIBUTE:
            query = select(Fragment.author_id).where(Fragment.round_id == rnd.id)
        else:
            query = select(Rating.rater_id).where(Rating.round_id == rnd.id)
        out[rnd.id] = set(await session.scalars(query.distinct()))
    return out


async def participation(
    session: AsyncSession, slug: str, *, actor: Actor, now: datetime.datetime | None = None
) -> Participation:
    """Participation per round and per stakeholder group (needs VIEW_PARTICIPATION)."""
    moment = now or datetime.datetime.now(datetime.UTC)
    async with transaction(session, write=False):
        study = await study_for(session, slug, actor, Permission.VIEW_PARTICIPATION)
        groups = {
            g.id: g.label
            for g in await session.scalars(
                select(StakeholderGroup)
                .where(StakeholderGroup.study_id == study.id)
                .order_by(StakeholderGroup.key)
            )
        }
        experts = list(
            await session.scalars(
                select(Participant).where(
                    Participant.study_id == study.id, Participant.role == ParticipantRole.EXPERT
                )
            )
        )
        links = await links_by_participant(session, [p.id for p in experts])
        rounds = list(
            await session.scalars(
                select(Round).where(Round.study_id == study.id).order_by(Round.number)
            )
        )
        by_round = await took_part(session, rounds)
    people = []
    for p in experts:
        state, invited_at, _ = invitation_state(p.email, links.get(p.id, []), moment)
        group = groups.get(p.group_id, NO_GROUP) if p.group_id else NO_GROUP
        people.append(
            _Person(p.id, group, invited_at is not None, state is InvitationState.SIGNED_IN)
        )
    order = [*groups.values(), NO_GROUP]
    by_group = {label: [p for p in people if p.group == label] for label in order}
    by_group = {
        label: members for label, members in by_group.items() if members or label != NO_GROUP
    }

    def lines(
        took: set[uuid.UUID], before: set[uuid.UUID] | None
    ) -> tuple[Turnout, tuple[Turnout, ...]]:
        total = _turnout("Whole panel", people, took, before)
        return total, tuple(
            _turnout(label, members, took, before) for label, members in by_group.items()
        )

    out = []
    previous: set[uuid.UUID] | None = None
    for rnd in rounds:
        took = by_round[rnd.id]
        opened = rnd.status is not RoundStatus.DRAFT
        total, per_group = lines(took, previous if opened else None)
        out.append(RoundTurnout(RoundView.of(rnd, study.slug), total, per_group))
        if opened:
            previous = took
    panel, panel_groups = lines(set(), None)
    return Participation(StudyView.of(study), tuple(out), panel, panel_groups)
