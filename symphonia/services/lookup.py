"""Finding studies, rounds and participants by the names people use (slug, number, pseudonym)."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from symphonia.core.actors import Actor
from symphonia.core.protocol import MAX_ROUNDS
from symphonia.core.text_rules import MAX_INTEGER, clip, id_problem
from symphonia.db.models import Participant, Round, Study, SynthesisVersion
from symphonia.services.errors import NotFound


async def get_study(
    session: AsyncSession, slug: str, *, lock: bool = False, actor: Actor | None = None
) -> Study:
    """The study named `slug`, which `actor` (when given) must be able to see: a study the
    actor holds no role in is refused exactly as one that does not exist, and the hint lists
    only the studies the actor can see. Use :func:`symphonia.services.permissions.study_for`,
    which checks a permission too; this is its lookup.

    With `lock`, its row stays locked until the transaction ends
    (FOR NO KEY UPDATE on PostgreSQL; SQLite lets one writer in at a time anyway), so state
    changes of one study's rounds happen one after another: two facilitators opening the
    same draft round at once must not both succeed. NO KEY UPDATE, not UPDATE: inserts that
    reference the study (fragments, audit events) take FOR KEY SHARE on it, and an import
    holding its round while waiting on the study would deadlock with a close."""
    study = None
    if id_problem(slug) is None:  # no study has another id; a NUL would trouble PostgreSQL
        query = select(Study).where(Study.slug == slug)
        study = await session.scalar(query.with_for_update(key_share=True) if lock else query)
    if study is None or (actor is not None and not actor.sees(study.id)):
        known_query = select(Study.slug).order_by(Study.slug)
        if actor is not None and not actor.unrestricted:
            known_query = known_query.where(Study.id.in_(list(actor.roles)))
        known = (await session.scalars(known_query)).all()
        hint = f"; known studies: {', '.join(known)}" if known else "; no study is loaded yet"
        if actor is not None and not actor.unrestricted and not known:
            hint = ""
        raise NotFound(
            f"unknown study {clip(repr(slug))}{hint}",
            code="unknown_study",
            context={"study": slug},
        )
    return study


async def get_round(
    session: AsyncSession, study: Study, number: int, *, share_lock: bool = False
) -> Round:
    """Round `number` of `study`. With `share_lock`, its row is locked FOR SHARE until the
    transaction ends: imports into an open round run side by side, but a close waits for
    them (and they for it), so nothing lands in a round after it closed."""
    rnd = None
    if 1 <= number <= MAX_ROUNDS:  # beyond, no round can exist, and the driver would overflow
        query = select(Round).where(Round.study_id == study.id, Round.number == number)
        rnd = await session.scalar(query.with_for_update(read=True) if share_lock else query)
    if rnd is None:
        numbers = (
            await session.scalars(
                select(Round.number).where(Round.study_id == study.id).order_by(Round.number)
            )
        ).all()
        raise NotFound(
            f"study {study.slug!r} has no round {clip(str(number))}"
            f" (rounds: {', '.join(map(str, numbers)) or 'none'})",
            code="unknown_round",
            context={"study": study.slug, "round": number},
        )
    return rnd


async def participants_by_pseudonym(session: AsyncSession, study: Study) -> dict[str, Participant]:
    rows = await session.scalars(
        select(Participant)
        .where(Participant.study_id == study.id)
        .options(selectinload(Participant.group))
    )
    return {p.pseudonym: p for p in rows}


def version_query(rnd: Round, version_number: int | None) -> Select[SynthesisVersion] | None:
    """The query for version `version_number` of `rnd` (its latest when None), or None when
    no version can have that number (asking would overflow the driver's integer)."""
    if version_number is not None and not 1 <= version_number <= MAX_INTEGER:
        return None
    query = select(SynthesisVersion).where(SynthesisVersion.round_id == rnd.id)
    if version_number is not None:
        query = query.where(SynthesisVersion.number == version_number)
    return query.order_by(SynthesisVersion.number.desc()).limit(1)
