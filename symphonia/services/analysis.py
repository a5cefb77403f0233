"""Analysing a round: load its evidence and ratings, run the pipeline, store what it found.

The heavy work (embedding, clustering) runs in a worker thread, never on the event loop;
the results are stored in one transaction: the run, its themes, its singular views and the
first (or next) synthesis version with every statement's citations.
"""

from __future__ import annotations

import asyncio
import datetime
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from symphonia.core.consensus import evaluate_stability
from symphonia.core.fragments import Fragment, Rating
from symphonia.core.protocol import Protocol, protocol_from_dict
from symphonia.db.audit import record_event
from symphonia.db.enums import ParticipantRole, RoundKind, RoundStatus, RunStatus
from symphonia.db.models import AnalysisRun, Round, Study
from symphonia.db.models import Fragment as FragmentRow
from symphonia.db.models import Rating as RatingRow
from symphonia.pipeline.analyze import AnalysisResult, RatingContext, analyze_round
from symphonia.pipeline.contracts import Drafter, Embedder, ProgressCallback, no_progress
from symphonia.services.errors import Conflict
from symphonia.services.lookup import get_round, get_study, participants_by_pseudonym
from symphonia.services.rating_items import contribute_round_before, item_fragments
from symphonia.services.store_results import store_run, store_version
from symphonia.services.tallies import load_tallies
from symphonia.services.tx import transaction


@dataclass(frozen=True, slots=True)
class RoundInput:
    """Everything the pipeline needs about one round, loaded from the database."""

    study: Study
    round: Round
    evidence_round: Round
    fragments: list[Fragment]
    rows: dict[str, FragmentRow]
    protocol: Protocol
    rating: RatingContext | None
    stability: dict[str, object] | None


async def _ratings(session: AsyncSession, rnd: Round) -> list[Rating]:
    rows = await session.scalars(
        select(RatingRow).where(RatingRow.round_id == rnd.id).options(selectinload(RatingRow.rater))
    )
    return [Rating(r.item_external_id, r.rater.pseudonym, r.score) for r in rows]


async def _previous_rate_round(session: AsyncSession, study: Study, number: int) -> Round | None:
    return await session.scalar(
        select(Round)
        .where(Round.study_id == study.id, Round.kind == RoundKind.RATE, Round.number < number)
        .order_by(Round.number.desc())
        .limit(1)
    )


async def load_round_input(session: AsyncSession, slug: str, number: int) -> RoundInput:
    study = await get_study(session, slug)
    rnd = await get_round(session, study, number)
    if rnd.status is RoundStatus.DRAFT:
        raise Conflict(f"round {number} of {slug!r} has not opened yet; nothing to analyse")
    if rnd.status is RoundStatus.OPEN:
        raise Conflict(
            f"round {number} of {slug!r} is still open and accepting submissions, so its "
            f"synthesis would go stale; close round {number} first "
            f"(`symphonia round close {slug} {number}`), then synthesize it"
        )
    evidence = await contribute_round_before(session, study, number)
    if evidence is None:
        raise Conflict(f"study {slug!r} has no contribute round up to round {number}")
    if evidence.status is RoundStatus.OPEN:
        raise Conflict(
            f"round {evidence.number} of {slug!r}, whose fragments round {number} is analysed "
            f"on, is still open; close round {evidence.number} first: "
            f"`symphonia round close {slug} {evidence.number}`"
        )
    people = await participants_by_pseudonym(session, study)
    by_id = {p.id: p for p in people.values()}
    rows = {
        r.external_id: r
        for r in await session.scalars(
            select(FragmentRow)
            .where(FragmentRow.round_id == evidence.id)
            .order_by(FragmentRow.created_at, FragmentRow.external_id)
        )
    }
    if not rows:
        raise Conflict(f"round {evidence.number} of {slug!r} has no fragments to analyse")
    fragments = []
    for row in rows.values():
        author = by_id[row.author_id]
        fragments.append(
            Fragment(
                id=row.external_id,
                author=author.pseudonym,
                kind=row.kind,
                text=row.text,
                confidence=row.confidence,
                group=author.group.key if author.group else None,
                question=row.question,
                sources=tuple(row.sources),
            )
        )
    protocol = protocol_from_dict(study.protocol)
    rating = None
    stability = None
    if rnd.kind is RoundKind.RATE:
        current = await _ratings(session, rnd)
        experts = [p for p in people.values() if p.role is ParticipantRole.EXPERT]
        rating = RatingContext(
            ratings=current,
            items=await item_fragments(session, rnd),
            panel_groups={p.pseudonym: p.group.key for p in experts if p.group},
            panel_size=len(experts) or None,
            tallies=await load_tallies(session, rnd),
        )
        previous = await _previous_rate_round(session, study, number)
        if previous is not None and current:
            result = evaluate_stability(
                await _ratings(session, previous), current, protocol, round_number=number
            )
            stability = {"previous_round": previous.number, **result.as_dict()}
    return RoundInput(study, rnd, evidence, fragments, rows, protocol, rating, stability)


@dataclass(frozen=True, slots=True)
class AnalysisOutcome:
    run_id: str
    version_number: int
    result: AnalysisResult


async def analyse_round(
    session: AsyncSession,
    slug: str,
    number: int,
    embedder: Embedder,
    drafter: Drafter | None,
    actor: str,
    progress: ProgressCallback = no_progress,
) -> AnalysisOutcome:
    """Analyse round `number` and store a new synthesis version for it.

    Only a round that has closed is analysed: an open one still accepts submissions, so a
    version stored from it would silently go stale (DESIGN.md §3: versions are never rewritten).
    """
    async with transaction(session):
        data = await load_round_input(session, slug, number)
    result = await asyncio.to_thread(
        analyze_round,
        data.fragments,
        embedder,
        protocol=data.protocol,
        rating=data.rating,
        drafter=drafter,
        question=data.study.question,
        progress=progress,
    )
    if data.stability is not None:
        result = replace(result, run={**result.run, "stability": data.stability})
    try:
        return await _store_outcome(session, data, result, slug, number, actor)
    except IntegrityError as exc:
        # Two analyses of one round finishing together both claim the next version number;
        # the database keeps the first, and this one is refused whole (nothing half-written).
        raise Conflict(
            f"another analysis of round {number} of {slug!r} was saved while this one ran; "
            "nothing from this run was stored: run it again to add a new version"
        ) from exc


async def _store_outcome(
    session: AsyncSession,
    data: RoundInput,
    result: AnalysisResult,
    slug: str,
    number: int,
    actor: str,
) -> AnalysisOutcome:
    async with transaction(session):
        rnd = await session.get_one(Round, data.round.id)
        run = await store_run(session, rnd, result, data.rows)
        run.status = RunStatus.SUCCEEDED
        run.finished_at = datetime.datetime.now(datetime.UTC)
        existing = await session.scalar(
            select(func.count()).select_from(AnalysisRun).where(AnalysisRun.round_id == rnd.id)
        )
        version = await store_version(session, rnd, run, result, data.rows)
        if rnd.status is RoundStatus.CLOSED:
            rnd.status = RoundStatus.ANALYSED
        record_event(
            session,
            actor,
            "analysis.completed",
            "round",
            f"{slug}/{number}",
            study_id=data.study.id,
            detail={
                "run": str(run.id),
                "runs_for_round": existing,
                "version": version.number,
                "themes": len(result.themes),
                "singular_views": len(result.singular_views),
                "drafter": result.synthesis.drafter,
            },
        )
    return AnalysisOutcome(str(run.id), version.number, result)
