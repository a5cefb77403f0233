"""Finding studies, rounds and participants by the names people use (slug, number, pseudonym)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from symphonia.db.models import Participant, Round, Study
from symphonia.services.errors import NotFound


async def get_study(session: AsyncSession, slug: str) -> Study:
    study = await session.scalar(select(Study).where(Study.slug == slug))
    if study is None:
        known = (await session.scalars(select(Study.slug).order_by(Study.slug))).all()
        hint = f"; known studies: {', '.join(known)}" if known else "; no study is loaded yet"
        raise NotFound(f"unknown study {slug!r}{hint}")
    return study


async def get_round(session: AsyncSession, study: Study, number: int) -> Round:
    rnd = await session.scalar(
        select(Round).where(Round.study_id == study.id, Round.number == number)
    )
    if rnd is None:
        numbers = (
            await session.scalars(
                select(Round.number).where(Round.study_id == study.id).order_by(Round.number)
            )
        ).all()
        raise NotFound(
            f"study {study.slug!r} has no round {number}"
            f" (rounds: {', '.join(map(str, numbers)) or 'none'})"
        )
    return rnd


async def participants_by_pseudonym(session: AsyncSession, study: Study) -> dict[str, Participant]:
    rows = await session.scalars(
        select(Participant)
        .where(Participant.study_id == study.id)
        .options(selectinload(Participant.group))
    )
    return {p.pseudonym: p for p in rows}
