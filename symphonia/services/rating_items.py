"""What a rating round may ask the panel to rate, and which evidence each item stands for.

Items are statements of the previous synthesis (the usual Delphi round 2), statements a
facilitator wrote, or fragments rated directly (as Polis votes are). Each maps to fragments,
which is how ratings reach themes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from symphonia.core.study import RatingItem
from symphonia.db.enums import RoundKind
from symphonia.db.models import Citation, Fragment, Round, Statement, Study, SynthesisVersion
from symphonia.db.models import RatingItem as RatingItemRow


async def contribute_round_before(session: AsyncSession, study: Study, number: int) -> Round | None:
    """The latest contribute round at or before `number`: the evidence a rate round rates."""
    return await session.scalar(
        select(Round)
        .where(
            Round.study_id == study.id,
            Round.kind == RoundKind.CONTRIBUTE,
            Round.number <= number,
        )
        .order_by(Round.number.desc())
        .limit(1)
    )


async def latest_version_before(
    session: AsyncSession, study: Study, number: int
) -> SynthesisVersion | None:
    """The synthesis a round after it rates: of the latest earlier round with one, its
    newest *published* version (editors may have amended it since; the panel rates what
    readers read), or its newest version when none is published."""
    return await session.scalar(
        select(SynthesisVersion)
        .join(Round, SynthesisVersion.round_id == Round.id)
        .where(Round.study_id == study.id, Round.number < number)
        .order_by(
            Round.number.desc(),
            SynthesisVersion.published_at.is_(None),
            SynthesisVersion.number.desc(),
        )
        .options(
            selectinload(SynthesisVersion.statements)
            .selectinload(Statement.citations)
            .selectinload(Citation.fragment)
        )
        .limit(1)
    )


@dataclass(frozen=True, slots=True)
class KnownItems:
    """What a rate round may accept without declaring it first, kept in two namespaces.

    Fragment ids and statement keys are chosen by different people (contributors' import
    files, the drafter), so one id can name both; such an id is ambiguous and must be
    declared in an items file before it is rated, rather than silently meaning one of them.
    """

    evidence: dict[str, RatingItem]
    """Fragments of the evidence round, rated directly (as Polis votes are)."""
    statements: dict[str, RatingItem]
    """Statements of the latest synthesis before the round."""
    ambiguous: frozenset[str] = field(init=False)
    """Ids in both namespaces (computed once: imports look up every rating)."""

    def __post_init__(self) -> None:
        both = frozenset(self.evidence.keys() & self.statements.keys())
        object.__setattr__(self, "ambiguous", both)

    def get(self, item_id: str) -> RatingItem | None:
        if item_id in self.ambiguous:
            return None
        return self.statements.get(item_id) or self.evidence.get(item_id)


async def known_items(session: AsyncSession, study: Study, rnd: Round) -> KnownItems:
    """Items a rate round may accept without declaring them first."""
    evidence: dict[str, RatingItem] = {}
    statements: dict[str, RatingItem] = {}
    source = await contribute_round_before(session, study, rnd.number)
    if source is not None:
        for f in await session.scalars(select(Fragment).where(Fragment.round_id == source.id)):
            evidence[f.external_id] = RatingItem(f.external_id, f.text, (f.external_id,))
    version = await latest_version_before(session, study, rnd.number)
    if version is not None:
        for s in version.statements:
            cited = tuple(c.fragment.external_id for c in s.citations)
            statements[s.key] = RatingItem(s.key, s.text, cited, s.theme_key)
    return KnownItems(evidence, statements)


async def item_fragments(session: AsyncSession, rnd: Round) -> dict[str, list[str]]:
    """Rated item id → the fragment ids it stands for, for one rate round."""
    rows = await session.scalars(select(RatingItemRow).where(RatingItemRow.round_id == rnd.id))
    return {r.external_id: list(r.fragment_ids) for r in rows}


async def add_rating_items(
    session: AsyncSession, rnd: Round, items: Iterable[RatingItem], position: int
) -> None:
    """Declare `items` in round `rnd`, numbered from `position`, and flush them (ratings and
    counts refer to them by a foreign key)."""
    for offset, item in enumerate(items):
        session.add(
            RatingItemRow(
                round_id=rnd.id,
                external_id=item.id,
                text=item.text,
                fragment_ids=list(item.fragment_ids),
                position=position + offset,
            )
        )
    await session.flush()
