"""Importing rating counts without voter identity: all or nothing, in one transaction.

Some sources publish how an item was rated but not by whom (a Polis export whose votes.csv
is empty still carries each comment's `agrees` and `disagrees`). Such counts are stored as
they are (:class:`symphonia.db.models.RatingTally`), never turned into invented raters; the
analysis judges them by the same rule with no group rule, and says so. An item is rated
either by raters or by counts, never both: mixing them would count the same people twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.core.fragments import InvalidInput
from symphonia.core.protocol import protocol_from_dict
from symphonia.core.ratings import RatingTally
from symphonia.db.audit import record_event
from symphonia.db.enums import RoundKind
from symphonia.db.models import Rating as RatingRow
from symphonia.db.models import RatingItem as RatingItemRow
from symphonia.db.models import RatingTally as TallyRow
from symphonia.db.models import Round
from symphonia.services.errors import Problem
from symphonia.services.lookup import get_round
from symphonia.services.permissions import study_for
from symphonia.services.rating_items import add_rating_items, known_items
from symphonia.services.submissions import ImportOutcome, refuse, refuse_empty, require_open
from symphonia.services.tx import transaction


async def tallied_items(session: AsyncSession, rnd: Round) -> set[str]:
    """The items of a round rated by counts."""
    rows = await session.scalars(
        select(TallyRow.item_external_id).where(TallyRow.round_id == rnd.id).distinct()
    )
    return set(rows)


async def load_tallies(session: AsyncSession, rnd: Round) -> list[RatingTally]:
    """A round's counts, one :class:`RatingTally` per item."""
    counts: dict[str, list[tuple[int, int]]] = {}
    unrecorded: dict[str, str | None] = {}
    for row in await session.scalars(
        select(TallyRow).where(TallyRow.round_id == rnd.id).order_by(TallyRow.item_external_id)
    ):
        counts.setdefault(row.item_external_id, []).append((row.score, row.count))
        unrecorded[row.item_external_id] = row.unrecorded
    return [RatingTally(item, tuple(sorted(c)), unrecorded[item]) for item, c in counts.items()]


async def import_tallies(
    session: AsyncSession,
    slug: str,
    number: int,
    tallies: Sequence[RatingTally],
    source: str = "",
    *,
    actor: Actor,
) -> ImportOutcome:
    """Add counts to an open rate round; their items are fragments of the evidence round
    (rated directly) or items the round declares. Returns the number of ratings counted."""
    if not tallies:
        raise refuse_empty(source, "rating counts")
    async with transaction(session):
        study = await study_for(session, slug, actor, Permission.IMPORT_DATA)
        rnd = await get_round(session, study, number, share_lock=True)
        require_open(study, rnd, RoundKind.RATE, "rating counts")
        scale = protocol_from_dict(study.protocol).scale
        declared = set(
            await session.scalars(
                select(RatingItemRow.external_id).where(RatingItemRow.round_id == rnd.id)
            )
        )
        known = await known_items(session, study, rnd)
        rated = set(
            await session.scalars(
                select(RatingRow.item_external_id).where(RatingRow.round_id == rnd.id)
            )
        )
        counted = await tallied_items(session, rnd)
        problems: list[Problem] = []
        seen: set[str] = set()
        for tally in tallies:
            where = f"{source or 'counts'}: item {tally.item!r}"
            if tally.item not in declared and known.evidence.get(tally.item) is None:
                problems.append(
                    Problem(where, "", "not a fragment of the evidence round nor an item")
                )
            if tally.item in rated:
                problems.append(
                    Problem(where, "", "already rated by raters; counts would count twice")
                )
            if tally.item in counted or tally.item in seen:
                problems.append(Problem(where, "", "counts given twice"))
            seen.add(tally.item)
            try:
                tally.scores(scale)
            except InvalidInput as exc:
                problems.append(Problem(where, "", exc.reason))
        if problems:
            raise refuse(source, problems)
        new_items = [known.evidence[t.item] for t in tallies if t.item not in declared]
        await add_rating_items(session, rnd, new_items, len(declared))
        for tally in tallies:
            for score, count in tally.counts:
                session.add(
                    TallyRow(
                        round_id=rnd.id,
                        item_external_id=tally.item,
                        score=score,
                        count=count,
                        unrecorded=tally.unrecorded,
                        source=source,
                    )
                )
        total = sum(t.n for t in tallies)
        record_event(
            session,
            actor,
            "rating_counts.imported",
            "round",
            f"{slug}/{number}",
            study_id=study.id,
            detail={"items": len(tallies), "ratings": total, "source": source},
        )
    return ImportOutcome(total, number)
