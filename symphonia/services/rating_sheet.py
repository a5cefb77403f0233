"""What an expert sees in a rating round (issue 10 §4): each item on the study's scale, their
own answers so far, and from the second rating round on the panel's answers of the previous
one (Delphi's controlled feedback).

The items are the round's declared items followed by the statements of the synthesis it
rates, when that version is *published*: experts never see an unpublished draft. Feedback
matches an item with the previous rating round's item of the same id: a statement keeps its
key across versions and rounds, which is how stability between rounds is computed too
(:func:`symphonia.core.consensus.evaluate_stability`). Feedback shows distributions, medians,
IQRs and (when the protocol asks) the split by stakeholder group and the panel's comments,
never who gave what.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.core.errors import Conflict
from symphonia.core.feedback import Distribution, distribution
from symphonia.core.protocol import Protocol, protocol_from_dict
from symphonia.core.study import RatingItem
from symphonia.db.enums import RoundKind, RoundStatus
from symphonia.db.models import Participant, PrioritySetup, Round, StakeholderGroup, Study
from symphonia.db.models import Rating as RatingRow
from symphonia.db.models import RatingItem as RatingItemRow
from symphonia.services.lookup import get_round
from symphonia.services.permissions import study_for
from symphonia.services.priority_report import previous_rating_round
from symphonia.services.priority_scores import own_panellist
from symphonia.services.rating_items import latest_version_before
from symphonia.services.tx import transaction


@dataclass(frozen=True, slots=True)
class Answer:
    """One expert's answer to one item: a score, or None for "cannot judge"."""

    score: int | None
    comment: str | None = None

    @property
    def cannot_judge(self) -> bool:
        return self.score is None


@dataclass(frozen=True, slots=True)
class GroupSplit:
    group: str
    """The stakeholder group's label."""
    answers: Distribution


@dataclass(frozen=True, slots=True)
class ItemFeedback:
    """The previous rating round's answers to one item."""

    round: int
    panel: Distribution
    groups: tuple[GroupSplit, ...]
    """Empty unless the protocol splits feedback by group."""
    comments: tuple[str, ...]
    """Other panellists' comments, without names, in alphabetical order (so their order
    says nothing of who wrote them or when); empty unless the protocol shows comments."""
    mine: Answer | None
    """The expert's own answer in that round (None: they did not rate it)."""


@dataclass(frozen=True, slots=True)
class SheetItem:
    id: str
    text: str
    mine: Answer | None
    feedback: ItemFeedback | None


@dataclass(frozen=True, slots=True)
class RatingSheet:
    study: str
    study_title: str
    round_number: int
    status: RoundStatus
    pseudonym: str
    scale_min: int
    scale_max: int
    agreement_band: tuple[int, int]
    disagreement_band: tuple[int, int]
    previous_round: int | None
    """The rating round feedback comes from (None: this is the first)."""
    items: tuple[SheetItem, ...]

    @property
    def open(self) -> bool:
        """Whether the expert can still change their answers."""
        return self.status is RoundStatus.OPEN

    @property
    def answered(self) -> int:
        return sum(1 for i in self.items if i.mine is not None)


@dataclass(frozen=True, slots=True)
class Rateable:
    """A rating round's items as the web offers them, in order: those the round declares,
    then the published statements not declared yet (declared when first rated, with the
    fragments they cite, as an import declares them)."""

    items: dict[str, RatingItem]
    declared: frozenset[str]


async def rateable_items(session: AsyncSession, study: Study, rnd: Round) -> Rateable:
    rows = await session.scalars(
        select(RatingItemRow)
        .where(RatingItemRow.round_id == rnd.id)
        .order_by(RatingItemRow.position, RatingItemRow.external_id)
    )
    items = {r.external_id: RatingItem(r.external_id, r.text, tuple(r.fragment_ids)) for r in rows}
    declared = frozenset(items)
    version = await latest_version_before(session, study, rnd.number)
    if version is not None and version.published_at is not None:
        for s in sorted(version.statements, key=lambda s: (s.position, s.key)):
            cited = tuple(c.fragment.external_id for c in s.citations)
            items.setdefault(s.key, RatingItem(s.key, s.text, cited, s.theme_key))
    return Rateable(items, declared)


async def rating_round(
    session: AsyncSession, slug: str, number: int, actor: Actor, *, lock: bool = False
) -> tuple[Study, Round, Participant]:
    """The study, its rating round `number` and the expert acting; refused for anyone but an
    expert of the study's panel, for a round that is not a rating round, and for a
    prioritisation study (whose sheet is the matrix of :mod:`priority_sheet`)."""
    study = await study_for(session, slug, actor, Permission.CONTRIBUTE)
    rater = await own_panellist(session, study, actor, slug)
    rnd = await get_round(session, study, number, share_lock=lock)
    context = {"study": slug, "round": number}
    if rnd.kind is not RoundKind.RATE:
        raise Conflict(
            f"round {number} of {slug!r} is a {rnd.kind.value} round: it asks for evidence, "
            "not ratings",
            code="not_a_rating_round",
            context=context,
        )
    if await is_prioritisation(session, study):
        raise Conflict(
            f"study {slug!r} is a prioritisation study: its rounds are scored on criteria",
            code="prioritisation_round",
            context=context,
        )
    return study, rnd, rater


async def is_prioritisation(session: AsyncSession, study: Study) -> bool:
    found = await session.scalar(select(PrioritySetup.id).where(PrioritySetup.study_id == study.id))
    return found is not None


async def _answers(
    session: AsyncSession, rnd: Round
) -> dict[str, list[tuple[RatingRow, uuid.UUID | None]]]:
    """item → (rating, rater's group id) for every rating of the round."""
    rows = await session.execute(
        select(RatingRow, Participant.group_id)
        .join(Participant, Participant.id == RatingRow.rater_id)
        .where(RatingRow.round_id == rnd.id)
        .order_by(RatingRow.item_external_id, Participant.pseudonym)
    )
    out: dict[str, list[tuple[RatingRow, uuid.UUID | None]]] = defaultdict(list)
    for rating, group in rows.all():
        out[rating.item_external_id].append((rating, group))
    return dict(out)


async def _group_labels(session: AsyncSession, study: Study) -> dict[uuid.UUID, str]:
    rows = await session.execute(
        select(StakeholderGroup.id, StakeholderGroup.label)
        .where(StakeholderGroup.study_id == study.id)
        .order_by(StakeholderGroup.label)
    )
    return {gid: label for gid, label in rows.all()}


def _feedback(
    number: int,
    given: list[tuple[RatingRow, uuid.UUID | None]],
    rater: Participant,
    protocol: Protocol,
    groups: dict[uuid.UUID, str],
) -> ItemFeedback:
    scale = protocol.scale
    panel = distribution((r.score for r, _ in given), scale)
    splits: tuple[GroupSplit, ...] = ()
    if protocol.feedback.by_group:
        splits = tuple(
            GroupSplit(label, distribution((r.score for r, g in given if g == gid), scale))
            for gid, label in groups.items()
            if any(g == gid for _, g in given)
        )
    comments: tuple[str, ...] = ()
    if protocol.feedback.comments:
        comments = tuple(
            sorted(r.comment for r, _ in given if r.comment and r.rater_id != rater.id)
        )
    own = next((r for r, _ in given if r.rater_id == rater.id), None)
    mine = Answer(own.score, own.comment) if own is not None else None
    return ItemFeedback(number, panel, splits, comments, mine)


async def rating_sheet(
    session: AsyncSession, slug: str, number: int, *, actor: Actor
) -> RatingSheet:
    """The acting expert's sheet for rating round `number` (see the module docstring)."""
    async with transaction(session, write=False):
        study, rnd, rater = await rating_round(session, slug, number, actor)
        protocol = protocol_from_dict(study.protocol)
        items = await rateable_items(session, study, rnd)
        mine = {
            r.item_external_id: Answer(r.score, r.comment)
            for r in await session.scalars(
                select(RatingRow).where(
                    RatingRow.round_id == rnd.id, RatingRow.rater_id == rater.id
                )
            )
        }
        previous = await previous_rating_round(session, study, number)
        before = await _answers(session, previous) if previous is not None else {}
        groups = await _group_labels(session, study)
        scale = protocol.scale
        return RatingSheet(
            study=slug,
            study_title=study.title,
            round_number=number,
            status=rnd.status,
            pseudonym=rater.pseudonym,
            scale_min=scale.minimum,
            scale_max=scale.maximum,
            agreement_band=scale.agreement_band(),
            disagreement_band=scale.disagreement_band(),
            previous_round=previous.number if previous is not None else None,
            items=tuple(
                SheetItem(
                    item,
                    text,
                    mine.get(item),
                    _feedback(previous.number, before[item], rater, protocol, groups)
                    if previous is not None and item in before
                    else None,
                )
                for item, text in ((i.id, i.text) for i in items.items.values())
            ),
        )
