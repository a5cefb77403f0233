"""What the pipeline needs about one round, loaded from the database, and whether the round
can be analysed at all (checked when an analysis is requested, and again when it runs)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from symphonia.core.consensus import evaluate_stability
from symphonia.core.fragments import Fragment, Rating
from symphonia.core.protocol import Protocol, protocol_from_dict
from symphonia.db.enums import ParticipantRole, RoundKind, RoundStatus
from symphonia.db.models import Fragment as FragmentRow
from symphonia.db.models import Participant, Round, Study
from symphonia.db.models import Rating as RatingRow
from symphonia.pipeline.analyze import RatingContext
from symphonia.services.errors import Conflict
from symphonia.services.lookup import participants_by_pseudonym
from symphonia.services.rating_items import contribute_round_before, item_fragments
from symphonia.services.submission_rules import current_fragments
from symphonia.services.tallies import load_tallies


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
    """The round's scores; "cannot judge" answers (no score) are no rating to analyse."""
    rows = await session.scalars(
        select(RatingRow)
        .where(RatingRow.round_id == rnd.id, RatingRow.score.is_not(None))
        .options(selectinload(RatingRow.rater))
    )
    return [
        Rating(r.item_external_id, r.rater.pseudonym, r.score) for r in rows if r.score is not None
    ]


async def _previous_rate_round(session: AsyncSession, study: Study, number: int) -> Round | None:
    return await session.scalar(
        select(Round)
        .where(Round.study_id == study.id, Round.kind == RoundKind.RATE, Round.number < number)
        .order_by(Round.number.desc())
        .limit(1)
    )


async def _fragment_rows(session: AsyncSession, evidence: Round) -> dict[str, FragmentRow]:
    """The round's current fragments: an edited one as its latest version, none withdrawn."""
    rows = await session.scalars(
        select(FragmentRow)
        .where(FragmentRow.round_id == evidence.id, current_fragments())
        .order_by(FragmentRow.created_at, FragmentRow.external_id)
    )
    return {r.external_id: r for r in rows}


async def check_analysable(session: AsyncSession, study: Study, rnd: Round) -> Round:
    """Refuse a round that cannot be analysed now; return the round whose fragments it is
    analysed on. Only a closed round is analysed: an open one still accepts submissions, so
    a version stored from it would silently go stale (versions are never rewritten)."""
    slug, number = study.slug, rnd.number
    context = {"study": slug, "round": number}
    if rnd.status is RoundStatus.DRAFT:
        raise Conflict(
            f"round {number} of {slug!r} has not opened yet; nothing to analyse",
            code="round_not_opened",
            context=context,
        )
    if rnd.status is RoundStatus.OPEN:
        raise Conflict(
            f"round {number} of {slug!r} is still open and accepting submissions, so its "
            "synthesis would go stale",
            code="round_still_open",
            context=context,
        )
    evidence = await contribute_round_before(session, study, number)
    if evidence is None:
        raise Conflict(
            f"study {slug!r} has no contribute round up to round {number}",
            code="no_contribute_round",
            context=context,
        )
    if evidence.status is RoundStatus.OPEN:
        raise Conflict(
            f"round {evidence.number} of {slug!r}, whose fragments round {number} is analysed "
            "on, is still open",
            code="evidence_round_open",
            context={"study": slug, "round": evidence.number, "analysed_round": number},
        )
    has_fragments = await session.scalar(
        select(FragmentRow.id)
        .where(FragmentRow.round_id == evidence.id, current_fragments())
        .limit(1)
    )
    if has_fragments is None:
        raise Conflict(
            f"round {evidence.number} of {slug!r} has no fragments to analyse",
            code="no_fragments",
            context={"study": slug, "round": evidence.number},
        )
    return evidence


def core_fragment(row: FragmentRow, author: Participant) -> Fragment:
    """A stored fragment as the pipeline takes it (`author` with its group loaded)."""
    return Fragment(
        id=row.external_id,
        author=author.pseudonym,
        kind=row.kind,
        text=row.text,
        confidence=row.confidence,
        group=author.group.key if author.group else None,
        question=row.question,
        sources=tuple(row.sources),
    )


async def load_round_input(session: AsyncSession, study: Study, rnd: Round) -> RoundInput:
    evidence = await check_analysable(session, study, rnd)
    number = rnd.number
    people = await participants_by_pseudonym(session, study)
    by_id = {p.id: p for p in people.values()}
    rows = await _fragment_rows(session, evidence)
    fragments = []
    for row in rows.values():
        author = by_id[row.author_id]
        fragments.append(core_fragment(row, author))
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
