"""A round's editing history, checked: the stored amendments, replayed from the version the
editors started from, must give the latest version exactly (statements, their order, texts,
sections, citations, revisions, accepted flags, and the dissent ledger).

The starting point is the newest version no editor made (a drafted one); every later
version was made by one amendment. A report, an export or a test can ask this to show
that nothing changed in a synthesis without a recorded reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from symphonia.core.actors import Actor, Permission
from symphonia.core.amending import replay
from symphonia.core.amendments import Change, DraftState
from symphonia.db.enums import Origin
from symphonia.db.models import Amendment, Citation, Statement, SynthesisVersion
from symphonia.services.draft_evidence import load_evidence
from symphonia.services.editing import draft_state, no_version
from symphonia.services.lookup import get_round
from symphonia.services.permissions import study_for
from symphonia.services.tx import transaction


@dataclass(frozen=True, slots=True)
class History:
    draft: int
    """The number of the drafted version the editors started from."""
    latest: int
    amendments: int
    replayed: DraftState
    stored: DraftState

    @property
    def consistent(self) -> bool:
        return self.replayed == self.stored


async def editing_history(
    session: AsyncSession, slug: str, number: int, *, actor: Actor
) -> History:
    async with transaction(session, write=False):
        study = await study_for(session, slug, actor, Permission.VIEW_DRAFTS)
        rnd = await get_round(session, study, number)
        versions = list(
            await session.scalars(
                select(SynthesisVersion)
                .where(SynthesisVersion.round_id == rnd.id)
                .options(
                    selectinload(SynthesisVersion.statements)
                    .selectinload(Statement.citations)
                    .selectinload(Citation.fragment)
                )
                .order_by(SynthesisVersion.number)
            )
        )
        if not versions:
            raise no_version(study, number)
        start = max((v for v in versions if v.origin is not Origin.EDITOR), key=lambda v: v.number)
        later = [v for v in versions if v.number > start.number]
        rows = {
            a.version_id: a
            for a in await session.scalars(
                select(Amendment).where(Amendment.version_id.in_([v.id for v in later]))
            )
        }
        changes = [(Change.from_dict(rows[v.id].change or {}), rows[v.id].reason) for v in later]
        evidence = await load_evidence(session, start.run_id)
        replayed = replay(draft_state(start), changes, evidence.fragments)
        return History(
            start.number, versions[-1].number, len(changes), replayed, draft_state(versions[-1])
        )
