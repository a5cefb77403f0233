"""Loading what a report is built from: one read transaction, a handful of queries.

`ReportRecords` holds ORM rows and plain values for the builder's use only; nothing of it
leaves the service (the document is made of frozen values). Who may read what is decided
here: staff who may read drafts get any version, everyone else with a role in the study
gets published versions only, as though the drafts did not exist.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from symphonia.core.actors import Actor, Permission
from symphonia.core.text_rules import clip
from symphonia.db.enums import ParticipantRole, RoundKind
from symphonia.db.models import (
    Account,
    Amendment,
    AnalysisRun,
    Citation,
    Participant,
    Publication,
    Rating,
    RatingItem,
    RatingTally,
    Round,
    SingularView,
    StakeholderGroup,
    Statement,
    Study,
    StudyMembership,
    SynthesisVersion,
    Theme,
    ThemeMember,
)
from symphonia.db.models import Fragment as FragmentRow
from symphonia.services.errors import NotFound
from symphonia.services.lookup import get_round, version_query
from symphonia.services.permissions import require, study_for
from symphonia.services.rating_items import contribute_round_before


@dataclass(slots=True)
class ReportRecords:
    """Everything the builder reads, loaded once."""

    study: Study
    round: Round
    evidence_round: Round
    version: SynthesisVersion
    chain: list[SynthesisVersion]
    """This version and its ancestors, newest first."""
    publication: Publication | None
    run: AnalysisRun | None
    themes: list[Theme]
    members: dict[uuid.UUID, list[tuple[str, bool]]]
    """Theme id -> (fragment interchange id, representative), sorted by fragment id."""
    singular: list[str]
    fragments: list[FragmentRow]
    participants: dict[uuid.UUID, Participant]
    groups: list[StakeholderGroup]
    staff: dict[str, int]
    rounds: list[Round]
    took_part: dict[uuid.UUID, set[uuid.UUID]]
    contributions: dict[uuid.UUID, int]
    ratings: dict[int, list[tuple[str, uuid.UUID, int]]]
    """Rating round number -> (item, rater id, score), for this and earlier rating rounds."""
    tallies: list[tuple[str, int, int]]
    """This round's rating counts without raters: (item, score, count)."""
    items: dict[str, str]
    """This round's rating items: id -> text."""
    amendments: list[tuple[int, Amendment]]
    editors: dict[uuid.UUID, str]
    cited: dict[uuid.UUID, list[str]] = field(default_factory=dict)
    """Statement id -> cited fragment interchange ids, in citation order."""


def _refuse(slug: str, number: int, version_number: int | None, drafts: bool) -> NotFound:
    context = {"study": slug, "round": number}
    if version_number is not None:
        return NotFound(
            f"round {number} of {slug!r} has no version {clip(str(version_number))}",
            code="unknown_version",
            context={**context, "version": version_number},
        )
    if not drafts:
        return NotFound(
            f"round {number} of {slug!r} has no published synthesis yet",
            code="nothing_published",
            context=context,
        )
    return NotFound(
        f"round {number} of {slug!r} has no synthesis yet", code="no_synthesis", context=context
    )


async def _version(
    session: AsyncSession, rnd: Round, slug: str, version_number: int | None, drafts: bool
) -> SynthesisVersion:
    query = version_query(rnd, version_number)
    if query is not None and not drafts:
        query = query.where(SynthesisVersion.published_at.is_not(None))
    loads = selectinload(SynthesisVersion.statements).selectinload(Statement.citations)
    version = await session.scalar(query.options(loads)) if query is not None else None
    if version is None:
        raise _refuse(slug, rnd.number, version_number, drafts)
    return version


async def _chain(session: AsyncSession, version: SynthesisVersion) -> list[SynthesisVersion]:
    chain = [version]
    while chain[-1].parent_id is not None and len(chain) < 10_000:
        parent = await session.get(SynthesisVersion, chain[-1].parent_id)
        if parent is None:
            break
        chain.append(parent)
    return chain


async def _themes(
    session: AsyncSession, run: AnalysisRun | None
) -> tuple[list[Theme], dict[uuid.UUID, list[tuple[str, bool]]], list[str]]:
    if run is None:
        return [], {}, []
    themes = list(
        await session.scalars(select(Theme).where(Theme.run_id == run.id).order_by(Theme.position))
    )
    members: dict[uuid.UUID, list[tuple[str, bool]]] = {t.id: [] for t in themes}
    rows = await session.execute(
        select(ThemeMember.theme_id, FragmentRow.external_id, ThemeMember.representative)
        .join(FragmentRow, FragmentRow.id == ThemeMember.fragment_id)
        .where(ThemeMember.theme_id.in_(list(members)))
    )
    for theme_id, external_id, representative in rows:
        members[theme_id].append((external_id, representative))
    for entries in members.values():
        entries.sort()  # membership rows carry no order: by fragment id, on every database
    singular = list(
        await session.scalars(
            select(FragmentRow.external_id)
            .join(SingularView, SingularView.fragment_id == FragmentRow.id)
            .where(SingularView.run_id == run.id)
            .order_by(FragmentRow.external_id)
        )
    )
    return themes, members, singular


async def _fragments(
    session: AsyncSession, run: AnalysisRun | None, version: SynthesisVersion
) -> list[FragmentRow]:
    """The run's fragments (in a theme or singular) and every fragment the version cites."""
    cited = select(Citation.fragment_id).join(Statement).where(Statement.version_id == version.id)
    wanted: ColumnElement[bool] = FragmentRow.id.in_(cited)
    if run is not None:
        in_themes = select(ThemeMember.fragment_id).join(Theme).where(Theme.run_id == run.id)
        singular = select(SingularView.fragment_id).where(SingularView.run_id == run.id)
        wanted = or_(wanted, FragmentRow.id.in_(in_themes), FragmentRow.id.in_(singular))
    query = select(FragmentRow).where(wanted).order_by(FragmentRow.external_id)
    return list(await session.scalars(query))


async def _participation(
    session: AsyncSession, rounds: list[Round]
) -> tuple[dict[uuid.UUID, set[uuid.UUID]], dict[uuid.UUID, int]]:
    """Who took part in each round (a fragment in a contribution round, a rating in a rating
    round) and how many fragments or ratings the round received."""
    took: dict[uuid.UUID, set[uuid.UUID]] = {}
    counts: dict[uuid.UUID, int] = {}
    for rnd in rounds:
        if rnd.kind is RoundKind.CONTRIBUTE:
            who, where = FragmentRow.author_id, FragmentRow.round_id
        else:
            who, where = Rating.rater_id, Rating.round_id
        rows = (
            await session.execute(select(who, func.count()).where(where == rnd.id).group_by(who))
        ).all()
        took[rnd.id] = {row[0] for row in rows}
        counts[rnd.id] = sum(int(row[1]) for row in rows)
    return took, counts


async def _ratings(
    session: AsyncSession, rounds: list[Round], number: int
) -> dict[int, list[tuple[str, uuid.UUID, int]]]:
    out: dict[int, list[tuple[str, uuid.UUID, int]]] = {}
    for rnd in rounds:
        if rnd.kind is not RoundKind.RATE or rnd.number > number:
            continue
        rows = await session.execute(
            select(Rating.item_external_id, Rating.rater_id, Rating.score)
            .where(Rating.round_id == rnd.id, Rating.score.is_not(None))  # not "cannot judge"
            .order_by(Rating.item_external_id, Rating.rater_id)
        )
        out[rnd.number] = [(str(i), r, int(s)) for i, r, s in rows if s is not None]
    return out


async def _amendments(
    session: AsyncSession, chain: list[SynthesisVersion]
) -> tuple[list[tuple[int, Amendment]], dict[uuid.UUID, str]]:
    numbers = {v.id: v.number for v in chain}
    rows = list(
        await session.scalars(
            select(Amendment)
            .where(Amendment.version_id.in_(list(numbers)))
            .options(
                selectinload(Amendment.before_statement), selectinload(Amendment.after_statement)
            )
            .order_by(Amendment.created_at, Amendment.id)
        )
    )
    editor_ids = {a.editor_id for a in rows if a.editor_id is not None}
    editors: dict[uuid.UUID, str] = {}
    if editor_ids:
        for account in await session.scalars(select(Account).where(Account.id.in_(editor_ids))):
            editors[account.id] = account.display_name
    return [(numbers[a.version_id], a) for a in rows], editors


async def load_records(
    session: AsyncSession,
    slug: str,
    number: int,
    version_number: int | None,
    *,
    actor: Actor,
) -> ReportRecords:
    """Everything a report of round `number` needs (call inside a read transaction)."""
    study = await study_for(session, slug, actor, Permission.VIEW_STUDY)
    drafts = actor.can(study.id, Permission.VIEW_DRAFTS)
    if not drafts:
        require(actor, study.id, Permission.VIEW_PUBLISHED, slug)
    rnd = await get_round(session, study, number)
    version = await _version(session, rnd, slug, version_number, drafts)
    evidence = await contribute_round_before(session, study, number) or rnd
    run = await session.get(AnalysisRun, version.run_id) if version.run_id else None
    themes, members, singular = await _themes(session, run)
    fragments = await _fragments(session, run, version)
    people = list(
        await session.scalars(select(Participant).where(Participant.study_id == study.id))
    )
    groups = list(
        await session.scalars(
            select(StakeholderGroup)
            .where(StakeholderGroup.study_id == study.id)
            .order_by(StakeholderGroup.key)
        )
    )
    staff_rows = await session.execute(
        select(StudyMembership.role, func.count())
        .where(StudyMembership.study_id == study.id)
        .group_by(StudyMembership.role)
    )
    rounds = list(
        await session.scalars(
            select(Round)
            .where(Round.study_id == study.id, Round.number <= number)
            .order_by(Round.number)
        )
    )
    took, contributions = await _participation(session, rounds)
    items = {
        r.external_id: r.text
        for r in await session.scalars(
            select(RatingItem).where(RatingItem.round_id == rnd.id).order_by(RatingItem.position)
        )
    }
    tallies = [
        (t.item_external_id, t.score, t.count)
        for t in await session.scalars(
            select(RatingTally)
            .where(RatingTally.round_id == rnd.id)
            .order_by(RatingTally.item_external_id, RatingTally.score)
        )
    ]
    chain = await _chain(session, version)
    amendments, editors = await _amendments(session, chain)
    publication = await session.scalar(
        select(Publication).where(Publication.version_id == version.id)
    )
    by_id = {f.id: f.external_id for f in fragments}
    cited = {
        s.id: [by_id[c.fragment_id] for c in s.citations if c.fragment_id in by_id]
        for s in version.statements
    }
    return ReportRecords(
        study=study,
        round=rnd,
        evidence_round=evidence,
        version=version,
        chain=chain,
        publication=publication,
        run=run,
        themes=themes,
        members=members,
        singular=singular,
        fragments=fragments,
        participants={p.id: p for p in people},
        groups=groups,
        staff={str(role.value): int(n) for role, n in staff_rows},
        rounds=rounds,
        took_part=took,
        contributions=contributions,
        ratings=await _ratings(session, rounds, number),
        tallies=tallies,
        items=items,
        amendments=amendments,
        editors=editors,
        cited=cited,
    )


def experts(records: ReportRecords) -> list[Participant]:
    """The panel: experts only (staff are not panellists)."""
    return sorted(
        (p for p in records.participants.values() if p.role is ParticipantRole.EXPERT),
        key=lambda p: p.pseudonym,
    )
