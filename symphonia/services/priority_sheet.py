"""What an expert's scoring sheet shows: the items × criteria matrix, their own answers so
far, and the panel's answers of the previous rating round (Delphi's controlled feedback).

The web rating form (issue 10) renders this and sends the expert's cells back through
:func:`symphonia.services.priority_scores.submit_priority_sheet`. Feedback is the previous
round's *distribution* per item and criterion (how many gave each score, how many could not
judge, the median and interquartile range) beside the expert's own previous answer, never
who gave what.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from symphonia.core.actors import Actor, Permission
from symphonia.core.errors import Conflict
from symphonia.core.feedback import Distribution, distribution
from symphonia.core.protocol import RatingScale
from symphonia.db.enums import RoundKind, RoundStatus
from symphonia.db.models import PriorityScore as ScoreRow
from symphonia.db.models import Round
from symphonia.services.lookup import get_round
from symphonia.services.permissions import study_for
from symphonia.services.priority_items import PriorityItemView
from symphonia.services.priority_report import previous_rating_round
from symphonia.services.priority_scores import own_panellist
from symphonia.services.priority_setup import item_rows, study_prioritisation
from symphonia.services.priority_views import CriterionInfo
from symphonia.services.tx import transaction

Cells = Mapping[str, Mapping[str, int | None]]
"""item → criterion → score (None: cannot judge); a cell not answered is absent."""


@dataclass(frozen=True, slots=True)
class PrioritySheet:
    study: str
    round_number: int
    status: RoundStatus
    items: tuple[PriorityItemView, ...]
    criteria: tuple[CriterionInfo, ...]
    mine: Cells
    previous_round: int | None
    my_previous: Cells
    feedback: Mapping[str, Mapping[str, Distribution]]

    @property
    def open(self) -> bool:
        """Whether the expert can still send scores."""
        return self.status is RoundStatus.OPEN


async def _cells(
    session: AsyncSession, rnd: Round, rater_id: uuid.UUID | None = None
) -> list[ScoreRow]:
    query = select(ScoreRow).where(ScoreRow.round_id == rnd.id).options(selectinload(ScoreRow.item))
    if rater_id is not None:
        query = query.where(ScoreRow.rater_id == rater_id)
    return list(await session.scalars(query))


def _as_cells(rows: list[ScoreRow]) -> dict[str, dict[str, int | None]]:
    out: dict[str, dict[str, int | None]] = defaultdict(dict)
    for row in rows:
        out[row.item.external_id][row.criterion] = row.score
    return dict(out)


def _distributions(
    rows: list[ScoreRow], scales: Mapping[str, RatingScale]
) -> dict[str, dict[str, Distribution]]:
    """item → criterion → the panel's answers (a criterion no longer defined is left out)."""
    answers: dict[tuple[str, str], list[int | None]] = defaultdict(list)
    for row in rows:
        answers[(row.item.external_id, row.criterion)].append(row.score)
    out: dict[str, dict[str, Distribution]] = defaultdict(dict)
    for (item, criterion), values in answers.items():
        if criterion in scales:
            out[item][criterion] = distribution(values, scales[criterion])
    return dict(out)


async def priority_sheet(
    session: AsyncSession, slug: str, number: int, *, actor: Actor
) -> PrioritySheet:
    """The acting expert's sheet for rating round `number` of a prioritisation study."""
    async with transaction(session, write=False):
        study = await study_for(session, slug, actor, Permission.CONTRIBUTE)
        rater = await own_panellist(session, study, actor, slug)
        rnd = await get_round(session, study, number)
        definition = await study_prioritisation(session, study)
        if definition is None or rnd.kind is not RoundKind.RATE:
            raise Conflict(
                f"round {number} of {slug!r} is not a rating round of a prioritisation study",
                code="not_a_priority_round",
                context={"study": slug, "round": number},
            )
        previous = await previous_rating_round(session, study, number)
        scales = {c.id: c.scale for c in definition.criteria}
        return PrioritySheet(
            study=slug,
            round_number=number,
            status=rnd.status,
            items=tuple(PriorityItemView.of(r) for r in await item_rows(session, study)),
            criteria=tuple(CriterionInfo.of(c) for c in definition.criteria),
            mine=_as_cells(await _cells(session, rnd, rater.id)),
            previous_round=previous.number if previous else None,
            my_previous=_as_cells(await _cells(session, previous, rater.id)) if previous else {},
            feedback=_distributions(await _cells(session, previous), scales) if previous else {},
        )
