"""A Polis open-data export becomes a study: comments are fragments, votes are ratings.

Round 1 (contribute) holds the comments, round 2 (rate) the votes on a 3-point scale
(1 disagree, 2 pass, 3 agree). Everything happens in one transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.protocol import Protocol, RatingScale
from symphonia.core.study import (
    Panellist,
    RoundDefinition,
    RoundKind,
    StakeholderGroup,
    StudyDefinition,
)
from symphonia.db.models import Study
from symphonia.polis import PolisConversation
from symphonia.services.errors import Conflict
from symphonia.services.rounds import close_round, open_round
from symphonia.services.studies import load_study
from symphonia.services.submissions import import_fragments, import_ratings
from symphonia.services.tx import transaction

POLIS_GROUP = "polis-participants"

POLIS_PROTOCOL = Protocol(
    scale=RatingScale(1, 3),
    agreement_threshold=0.7,
    max_iqr=1.0,
    min_participation=0.05,
)
"""Polis is not a Delphi panel: each participant votes on a sample of the comments, so a
comment seen by 5% of participants has a real verdict (vTaiwan: ~400 votes per comment from
1,900 people). On a 3-point scale an IQR above 1 already means votes at both ends."""


def slug_for(directory: Path) -> str:
    """A study id from the export's folder name (e.g. `vtaiwan.uberx` → `polis-vtaiwan.uberx`)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", directory.resolve().name).strip("-.") or "export"
    return f"polis-{name}"[:64]


def polis_definition(conversation: PolisConversation, slug: str, source: Path) -> StudyDefinition:
    people = sorted(
        {f.author for f in conversation.fragments} | {r.rater for r in conversation.ratings}
    )
    question = conversation.question or f"Polis conversation {source.name}"
    return StudyDefinition(
        id=slug,
        title=f"Polis conversation: {source.name}",
        question=question,
        description=(
            "Imported from a Polis open-data export. Data was gathered using the Polis software "
            "(compdemocracy.org/polis); see the export's licence."
        ),
        groups=(StakeholderGroup(POLIS_GROUP, "Polis participants"),),
        panel=tuple(Panellist(p, POLIS_GROUP) for p in people),
        rounds=(
            RoundDefinition(1, RoundKind.CONTRIBUTE),
            RoundDefinition(2, RoundKind.RATE),
        ),
        protocol=POLIS_PROTOCOL,
    )


@dataclass(frozen=True, slots=True)
class PolisImportOutcome:
    slug: str
    fragments: int
    ratings: int
    participants: int


async def import_polis(
    session: AsyncSession, conversation: PolisConversation, source: Path, actor: str
) -> PolisImportOutcome:
    slug = slug_for(source)
    definition = polis_definition(conversation, slug, source)
    async with transaction(session):
        existing = await session.scalar(select(Study.id).where(Study.slug == slug))
        if existing is not None:
            raise Conflict(f"{source} was already imported as study {slug!r}; nothing was changed")
        await load_study(session, definition, actor)
        await open_round(session, slug, 1, actor)
        await import_fragments(session, slug, 1, conversation.fragments, actor, str(source))
        await close_round(session, slug, 1, actor)
        await open_round(session, slug, 2, actor)
        await import_ratings(session, slug, 2, conversation.ratings, actor, source=str(source))
        await close_round(session, slug, 2, actor)
    return PolisImportOutcome(
        slug, len(conversation.fragments), len(conversation.ratings), len(definition.panel)
    )
