"""Running a whole round from data already in hand: open it, import, close it.

The demo study and a Polis import both carry every round's records in files, so each round
is the same three steps; one helper keeps them the same three service calls (with their
checks, locks and audit events), in one transaction, instead of each caller repeating them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor
from symphonia.core.fragments import Fragment, Rating
from symphonia.core.ratings import RatingTally
from symphonia.core.study import RatingItem
from symphonia.services.rounds import close_round, open_round
from symphonia.services.submissions import SourceLines, import_fragments, import_ratings
from symphonia.services.tallies import import_tallies
from symphonia.services.tx import transaction
from symphonia.services.views import RoundView


@dataclass(frozen=True, slots=True)
class RoundRecords:
    """What a round receives, and where each kind of record was read (for refusals)."""

    fragments: Sequence[Fragment] = ()
    fragments_from: SourceLines = field(default_factory=SourceLines)
    ratings: Sequence[Rating] = ()
    ratings_from: SourceLines = field(default_factory=SourceLines)
    items: Sequence[RatingItem] = ()
    items_from: SourceLines = field(default_factory=SourceLines)
    tallies: Sequence[RatingTally] = ()
    """Rating counts without voters (see :mod:`symphonia.services.tallies`)."""
    tallies_from: str = ""


@dataclass(frozen=True, slots=True)
class RoundRunOutcome:
    round: RoundView
    fragments: int
    ratings: int


async def run_round(
    session: AsyncSession, slug: str, number: int, records: RoundRecords, *, actor: Actor
) -> RoundRunOutcome:
    """Open round `number`, import its records, close it: all or nothing."""
    fragments = ratings = 0
    async with transaction(session):
        await open_round(session, slug, number, actor=actor)
        if records.fragments:
            source = records.fragments_from
            done = await import_fragments(
                session,
                slug,
                number,
                records.fragments,
                source.file,
                lines=source.lines,
                actor=actor,
            )
            fragments = done.imported
        if records.ratings:
            source = records.ratings_from
            done = await import_ratings(
                session,
                slug,
                number,
                records.ratings,
                records.items,
                source.file,
                lines=source.lines,
                items_from=records.items_from,
                actor=actor,
            )
            ratings = done.imported
        if records.tallies:
            done = await import_tallies(
                session, slug, number, records.tallies, records.tallies_from, actor=actor
            )
            ratings += done.imported
        closed = await close_round(session, slug, number, actor=actor)
    return RoundRunOutcome(closed, fragments, ratings)
