"""Scores into a rating round of a prioritisation study: a file on the panel's behalf, or one
rater's own sheet (the web matrix, items × criteria, calls :func:`submit_priority_sheet`).

Both refuse the same scores with the same words (:func:`symphonia.core.priorities.scores.
score_problems`): an unknown item or criterion, a score off the criterion's scale, a rater
not on the panel. An import is all or nothing and every problem names its file and line; a
sheet is all or nothing too and every problem names its cell (``item/criterion``), so a form
can mark it. "Cannot judge" is ``None``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.core.errors import Conflict, PermissionDenied, Problem, RejectedInput
from symphonia.core.priorities.definition import Prioritisation
from symphonia.core.priorities.scores import PriorityScore, score_label, score_problems
from symphonia.core.text_rules import refusal_summary, text_problems
from symphonia.db.audit import record_event
from symphonia.db.enums import ParticipantRole, RoundKind
from symphonia.db.models import Participant, PriorityItem, Round, Study
from symphonia.db.models import PriorityScore as ScoreRow
from symphonia.services.lookup import get_round, participants_by_pseudonym
from symphonia.services.permissions import study_for
from symphonia.services.priority_setup import item_rows, study_prioritisation
from symphonia.services.submissions import (
    ImportOutcome,
    SourceLines,
    refuse,
    refuse_empty,
    require_open,
)
from symphonia.services.tx import transaction
from symphonia.services.upsert_retry import again_if_raced


@dataclass(frozen=True, slots=True)
class ScoreEntry:
    """One cell of a rater's sheet: `score` on the criterion's scale, or None (cannot judge)."""

    item: str
    criterion: str
    score: int | None


@dataclass(frozen=True, slots=True)
class _Scoring:
    study: Study
    round: Round
    definition: Prioritisation
    items: dict[str, PriorityItem]


async def _scoring(
    session: AsyncSession, slug: str, number: int, actor: Actor, permission: Permission
) -> _Scoring:
    """The study (a prioritisation study), its open rate round, definition and items."""
    study = await study_for(session, slug, actor, permission)
    rnd = await get_round(session, study, number, share_lock=True)
    definition = await study_prioritisation(session, study)
    if definition is None:
        raise Conflict(
            f"study {slug!r} is not a prioritisation study; its rounds take ratings, not scores",
            code="not_a_prioritisation",
            context={"study": slug},
        )
    done = "imported into" if permission is Permission.IMPORT_DATA else "given or changed in"
    require_open(study, rnd, RoundKind.RATE, "scores", done=done)
    items = {row.external_id: row for row in await item_rows(session, study)}
    if not items:
        raise Conflict(
            f"study {slug!r} has no candidate items yet",
            code="no_priority_items",
            context={"study": slug},
        )
    return _Scoring(study, rnd, definition, items)


async def import_priority_scores(
    session: AsyncSession,
    slug: str,
    number: int,
    scores: Sequence[PriorityScore],
    source: str = "",
    *,
    lines: Sequence[int] = (),
    actor: Actor,
) -> ImportOutcome:
    """Add a file's scores to an open rate round of a prioritisation study."""
    if not scores:
        raise refuse_empty(source, "scores")
    origin = SourceLines(source, lines)
    async with transaction(session):
        ctx = await _scoring(session, slug, number, actor, Permission.IMPORT_DATA)
        people = await participants_by_pseudonym(session, ctx.study)
        stored = {
            (row.item_id, row.criterion, row.rater_id)
            for row in await session.scalars(
                select(ScoreRow).where(ScoreRow.round_id == ctx.round.id)
            )
        }
        problems: list[Problem] = []
        seen: set[tuple[str, str, str]] = set()
        for n, s in enumerate(scores):
            where = f"{origin.at(n, '')}{score_label(s)}"
            texts = [("item", s.item), ("criterion", s.criterion), ("rater", s.rater)]
            problems += [Problem(where, f, r) for f, r in text_problems(texts)]
            found = score_problems(s, ctx.definition, ctx.items, people)
            problems += [Problem(where, f, r) for f, r in found]
            rater = people.get(s.rater)
            if rater is not None and rater.role is not ParticipantRole.EXPERT:
                reason = f"{s.rater!r} is a {rater.role.value}; only experts score"
                problems.append(Problem(where, "rater", reason))
            elif rater is not None and _key(ctx, s, rater) in stored:
                reason = f"{s.rater!r} already scored this in round {number}"
                problems.append(Problem(where, "", reason))
            key = (s.item, s.criterion, s.rater)
            if key in seen:
                problems.append(Problem(where, "", "duplicate score in this import"))
            seen.add(key)
        if problems:
            raise refuse(source, problems)
        for s in scores:
            session.add(
                ScoreRow(
                    round_id=ctx.round.id,
                    item_id=ctx.items[s.item].id,
                    criterion=s.criterion,
                    rater_id=people[s.rater].id,
                    score=s.score,
                )
            )
        cannot = sum(1 for s in scores if s.score is None)
        record_event(
            session,
            actor,
            "priority_scores.imported",
            "round",
            f"{slug}/{number}",
            study_id=ctx.study.id,
            detail={"count": len(scores), "cannot_judge": cannot, "source": source},
        )
    return ImportOutcome(len(scores), number)


def _key(ctx: _Scoring, s: PriorityScore, rater: Participant) -> tuple[object, str, object]:
    item = ctx.items.get(s.item)
    return (item.id if item is not None else None, s.criterion, rater.id)


def _refuse_sheet(problems: list[Problem]) -> RejectedInput:
    return RejectedInput(refusal_summary("sheet", len(problems), "nothing was stored"), problems)


async def own_panellist(
    session: AsyncSession, study: Study, actor: Actor, slug: str
) -> Participant:
    rater = await session.get(Participant, actor.participant_id) if actor.participant_id else None
    if rater is None or rater.study_id != study.id or rater.role is not ParticipantRole.EXPERT:
        raise PermissionDenied(
            f"{actor.label} scores only as an expert of study {slug!r}",
            code="not_a_panellist",
            context={"study": slug},
        )
    return rater


@again_if_raced
async def submit_priority_sheet(
    session: AsyncSession,
    slug: str,
    number: int,
    entries: Sequence[ScoreEntry],
    *,
    actor: Actor,
) -> int:
    """Store the acting expert's scores for the cells sent (a cell sent again replaces the
    stored one; cells not sent are left as they are) while the round is open. Returns the
    number of cells stored. Two saves at once of a first score store it once
    (:mod:`upsert_retry`)."""
    if not entries:
        raise _refuse_sheet([Problem("sheet", "", "holds no scores")])
    async with transaction(session):
        ctx = await _scoring(session, slug, number, actor, Permission.CONTRIBUTE)
        rater = await own_panellist(session, ctx.study, actor, slug)
        problems: list[Problem] = []
        seen: set[tuple[str, str]] = set()
        for e in entries:
            where = f"{e.item}/{e.criterion}"
            entry = PriorityScore(e.item, e.criterion, rater.pseudonym, e.score)
            problems += [
                Problem(where, f, r) for f, r in score_problems(entry, ctx.definition, ctx.items)
            ]
            if (e.item, e.criterion) in seen:
                problems.append(Problem(where, "", "sent twice in this sheet"))
            seen.add((e.item, e.criterion))
        if problems:
            raise _refuse_sheet(problems)
        rows = await session.scalars(
            select(ScoreRow).where(ScoreRow.round_id == ctx.round.id, ScoreRow.rater_id == rater.id)
        )
        stored = {(row.item_id, row.criterion): row for row in rows}
        for e in entries:
            item_id = ctx.items[e.item].id
            row = stored.get((item_id, e.criterion))
            if row is None:
                session.add(
                    ScoreRow(
                        round_id=ctx.round.id,
                        item_id=item_id,
                        criterion=e.criterion,
                        rater_id=rater.id,
                        score=e.score,
                    )
                )
            elif row.score != e.score:
                row.score = e.score
        record_event(
            session,
            actor,
            "priority_scores.submitted",
            "round",
            f"{slug}/{number}",
            study_id=ctx.study.id,
            detail={"count": len(entries), "cannot_judge": sum(e.score is None for e in entries)},
        )
    return len(entries)
