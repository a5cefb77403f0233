"""What an expert sees of a round: its question, whether it takes contributions, and their
own contributions with their history (edited, withdrawn) and unsubmitted drafts.

Only the expert's own fragments are read here; nobody else's, whatever the caller asks for
(another expert's fragment is refused as one that does not exist). A chain of edits shows as
one contribution, its latest version, with how many versions it has; a withdrawn one stays
listed as withdrawn, since the expert should see what they took back.
"""

from __future__ import annotations

import datetime
import enum
import uuid
from collections import Counter
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor
from symphonia.db.enums import RoundKind, RoundStatus
from symphonia.db.models import (
    Fragment,
    FragmentDraft,
    FragmentWithdrawal,
    Participant,
    Round,
    StakeholderGroup,
)
from symphonia.services.contributing import own_fragment, panellist_of
from symphonia.services.drafts import DraftView
from symphonia.services.lookup import get_round
from symphonia.services.submission_rules import FragmentView
from symphonia.services.tx import transaction
from symphonia.services.views import RoundView, StudyView


class VersionState(enum.StrEnum):
    """Where one version of a fragment stands."""

    SUBMITTED = "submitted"
    """Current, as first submitted."""
    EDITED = "edited"
    """Current, and an edit of an earlier version."""
    SUPERSEDED = "superseded"
    """Replaced by a later edit (kept on record)."""
    WITHDRAWN = "withdrawn"
    """Taken back by its author (kept on record, left out of the analysis)."""


@dataclass(frozen=True, slots=True)
class Contribution:
    """One version of one of the expert's fragments, with where it stands."""

    fragment: FragmentView
    state: VersionState
    versions: int
    """How many versions its chain of edits has (1: never edited)."""
    superseded_by: str | None
    withdrawn_at: datetime.datetime | None
    withdrawal_reason: str | None

    @property
    def current(self) -> bool:
        return self.state in (VersionState.SUBMITTED, VersionState.EDITED)


@dataclass(frozen=True, slots=True)
class ExpertRound:
    """A round as the expert taking part in it sees it."""

    study: StudyView
    round: RoundView
    pseudonym: str
    group: str | None
    """The label of the expert's stakeholder group."""
    accepting: bool
    """Whether the round takes fragments now (a contribute round that is open)."""
    contributions: tuple[Contribution, ...]
    """The latest version of each of the expert's fragments, oldest first."""
    drafts: tuple[DraftView, ...]
    """Unsubmitted drafts, most recently saved first (none unless `accepting`)."""


def _roots(rows: list[Fragment]) -> dict[uuid.UUID, Fragment]:
    """Each fragment's first version (the start of its chain of edits), by row id."""
    by_id = {r.id: r for r in rows}
    roots: dict[uuid.UUID, Fragment] = {}
    for row in rows:
        first = row
        while first.supersedes_id in by_id:
            first = by_id[first.supersedes_id]
        roots[row.id] = first
    return roots


def _contributions(
    rows: list[Fragment], withdrawals: dict[uuid.UUID, FragmentWithdrawal], pseudonym: str
) -> dict[uuid.UUID, Contribution]:
    """Every version of the given fragments (one author, one round), by row id."""
    by_id = {r.id: r for r in rows}
    newer = {r.supersedes_id: r for r in rows if r.supersedes_id is not None}
    roots = _roots(rows)
    lengths = Counter(root.id for root in roots.values())
    out: dict[uuid.UUID, Contribution] = {}
    for row in rows:
        previous = by_id.get(row.supersedes_id) if row.supersedes_id else None
        withdrawal = withdrawals.get(row.id)
        successor = newer.get(row.id)
        if withdrawal is not None:
            state = VersionState.WITHDRAWN
        elif successor is not None:
            state = VersionState.SUPERSEDED
        else:
            state = VersionState.EDITED if previous is not None else VersionState.SUBMITTED
        view = FragmentView.of_row(
            row, pseudonym, previous.external_id if previous is not None else None
        )
        out[row.id] = Contribution(
            fragment=view,
            state=state,
            versions=lengths[roots[row.id].id],
            superseded_by=successor.external_id if successor is not None else None,
            withdrawn_at=withdrawal.created_at if withdrawal is not None else None,
            withdrawal_reason=withdrawal.reason if withdrawal is not None else None,
        )
    return out


async def _all_versions(
    session: AsyncSession, rnd: Round, author: Participant
) -> tuple[list[Fragment], dict[uuid.UUID, Contribution]]:
    rows = list(
        await session.scalars(
            select(Fragment)
            .where(Fragment.round_id == rnd.id, Fragment.author_id == author.id)
            .order_by(Fragment.created_at, Fragment.external_id)
        )
    )
    withdrawals = {
        w.fragment_id: w
        for w in await session.scalars(
            select(FragmentWithdrawal).where(
                FragmentWithdrawal.fragment_id.in_([r.id for r in rows])
            )
        )
    }
    return rows, _contributions(rows, withdrawals, author.pseudonym)


def _heads(rows: list[Fragment], every: dict[uuid.UUID, Contribution]) -> list[Contribution]:
    """The last version of each chain, ordered by when the chain began."""
    roots = _roots(rows)
    heads = [r for r in rows if every[r.id].state is not VersionState.SUPERSEDED]
    heads.sort(key=lambda r: (roots[r.id].created_at, roots[r.id].external_id))
    return [every[r.id] for r in heads]


async def expert_round(
    session: AsyncSession, slug: str, number: int, *, actor: Actor
) -> ExpertRound:
    """Round `number` of the study as the acting panellist sees it (see the module
    docstring); refused for anyone who is not a panellist of the study."""
    async with transaction(session, write=False):
        study, author = await panellist_of(session, slug, actor)
        rnd = await get_round(session, study, number)
        group = None
        if author.group_id is not None:
            group = await session.scalar(
                select(StakeholderGroup.label).where(StakeholderGroup.id == author.group_id)
            )
        rows, every = await _all_versions(session, rnd, author)
        accepting = rnd.kind is RoundKind.CONTRIBUTE and rnd.status is RoundStatus.OPEN
        drafts: tuple[DraftView, ...] = ()
        if accepting:
            saved = await session.scalars(
                select(FragmentDraft)
                .where(FragmentDraft.participant_id == author.id, FragmentDraft.round_id == rnd.id)
                .order_by(FragmentDraft.updated_at.desc(), FragmentDraft.draft_key)
            )
            drafts = tuple(
                DraftView(d.draft_key, MappingProxyType(dict(d.content)), d.updated_at)
                for d in saved
            )
        return ExpertRound(
            study=StudyView.of(study),
            round=RoundView.of(rnd, study.slug),
            pseudonym=author.pseudonym,
            group=group,
            accepting=accepting,
            contributions=tuple(_heads(rows, every)),
            drafts=drafts,
        )


async def my_contributions(
    session: AsyncSession, slug: str, number: int, *, actor: Actor
) -> tuple[Contribution, ...]:
    """The latest version of each of the panellist's fragments in the round, withdrawn ones
    included (as withdrawn), oldest first."""
    async with transaction(session, write=False):
        study, author = await panellist_of(session, slug, actor)
        rnd = await get_round(session, study, number)
        rows, every = await _all_versions(session, rnd, author)
        return tuple(_heads(rows, every))


async def my_contribution(
    session: AsyncSession, slug: str, number: int, fragment_id: str, *, actor: Actor
) -> Contribution:
    """One version of one of the panellist's fragments; another expert's, or an unknown id,
    is :class:`NotFound`."""
    async with transaction(session, write=False):
        study, author = await panellist_of(session, slug, actor)
        rnd = await get_round(session, study, number)
        row = await own_fragment(session, rnd.id, author.id, fragment_id)
        _, every = await _all_versions(session, rnd, author)
        return every[row.id]
