"""A prioritisation study's setup in the database: written by `study load`, read back for the
lock rule and the analysis.

`load_study` calls :func:`sync_prioritisation` after the rest of the study: the criteria,
weights and rule follow the file until round 1 opens (after that the lock rule has refused
any change already, so writing them again changes nothing), and the items the file declares
follow it until the first rating round opens. Items promoted from fragments are the
facilitator's, not the file's: a load never touches them, and a file item may not take the id
of one.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.errors import Problem, RejectedInput
from symphonia.core.priorities.definition import (
    Prioritisation,
    PriorityItem,
    settings_from_dict,
    settings_to_dict,
)
from symphonia.core.study import StudyDefinition
from symphonia.core.text_rules import refusal_summary
from symphonia.db.enums import RoundKind, RoundStatus
from symphonia.db.models import ItemOrigin, PrioritySetup, Round, Study
from symphonia.db.models import PriorityItem as ItemRow


async def setup_of(session: AsyncSession, study: Study) -> PrioritySetup | None:
    return await session.scalar(select(PrioritySetup).where(PrioritySetup.study_id == study.id))


async def item_rows(
    session: AsyncSession, study: Study, origin: ItemOrigin | None = None
) -> list[ItemRow]:
    """The study's items in their order: the file's first, then those promoted."""
    query = select(ItemRow).where(ItemRow.study_id == study.id)
    if origin is not None:
        query = query.where(ItemRow.origin == origin)
    return list(await session.scalars(query.order_by(ItemRow.origin, ItemRow.position)))


def item_of(row: ItemRow) -> PriorityItem:
    return PriorityItem(row.external_id, row.title, row.description, tuple(row.fragment_ids))


async def recorded_prioritisation(session: AsyncSession, study: Study) -> Prioritisation | None:
    """The setup as the study file would state it (its items: those the file declared)."""
    setup = await setup_of(session, study)
    if setup is None:
        return None
    items = tuple(item_of(r) for r in await item_rows(session, study, ItemOrigin.FILE))
    return settings_from_dict(setup.settings, items)


async def study_prioritisation(session: AsyncSession, study: Study) -> Prioritisation | None:
    """The setup with every item of the study, however it came (for scoring and analysis)."""
    setup = await setup_of(session, study)
    if setup is None:
        return None
    items = tuple(item_of(r) for r in await item_rows(session, study))
    return settings_from_dict(setup.settings, items)


async def items_locked(session: AsyncSession, study: Study) -> bool:
    """Whether a rating round has opened: from then on the items are fixed."""
    opened = await session.scalar(
        select(Round.id)
        .where(
            Round.study_id == study.id,
            Round.kind == RoundKind.RATE,
            Round.status != RoundStatus.DRAFT,
        )
        .limit(1)
    )
    return opened is not None


async def sync_prioritisation(
    session: AsyncSession, study: Study, definition: StudyDefinition
) -> bool:
    """Bring the setup and the file's items up to date; True when anything was written."""
    setup = await setup_of(session, study)
    wanted = definition.prioritise
    if wanted is None:
        if setup is None:
            return False
        await session.execute(delete(ItemRow).where(ItemRow.study_id == study.id))
        await session.delete(setup)
        return True
    settings = settings_to_dict(wanted)
    touched = False
    if setup is None:
        session.add(PrioritySetup(study_id=study.id, settings=settings))
        touched = True
    elif setup.settings != settings:
        setup.settings = settings
        touched = True
    if not await items_locked(session, study):
        touched |= await _sync_items(session, study, wanted.items, definition.id)
    return touched


async def _sync_items(
    session: AsyncSession, study: Study, items: Sequence[PriorityItem], slug: str
) -> bool:
    rows = {r.external_id: r for r in await item_rows(session, study)}
    taken = [
        Problem("", f"prioritise.items[{i}].id", f"{item.id!r} is an item promoted from fragments")
        for i, item in enumerate(items)
        if item.id in rows and rows[item.id].origin is ItemOrigin.FRAGMENT
    ]
    if taken:
        summary = refusal_summary(f"study {slug!r}", len(taken), "nothing was written")
        raise RejectedInput(summary, taken, code="item_id_taken", context={"study": slug})
    touched = False
    for position, item in enumerate(items):
        values = {
            "title": item.title,
            "description": item.description,
            "fragment_ids": list(item.fragment_ids),
            "position": position,
        }
        row = rows.pop(item.id, None)
        if row is None:
            session.add(
                ItemRow(study_id=study.id, external_id=item.id, origin=ItemOrigin.FILE, **values)
            )
            touched = True
            continue
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                touched = True
    for row in rows.values():
        if row.origin is ItemOrigin.FILE:
            await session.delete(row)
            touched = True
    return touched
