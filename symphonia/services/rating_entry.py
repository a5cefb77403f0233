"""An expert's own ratings in an open rating round, from the web form or the API.

The same rules as a ratings file (:func:`symphonia.services.submissions.import_ratings`): a
rated item must be one the round rates, a score must lie on the study's scale, only an
expert of the study's panel rates, and only while the round is open. Unlike an import, the
expert may change their answers until the round closes: an answer sent again replaces the
stored one (so sending the same answer twice stores it once). "Cannot judge" is an answer
(stored with no score). All or nothing: one bad answer refuses the whole sheet, every
problem named by its item, so a form can mark each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor
from symphonia.core.errors import Conflict, Problem, RejectedInput
from symphonia.core.protocol import protocol_from_dict
from symphonia.core.rating_rules import score_problem
from symphonia.core.text_rules import refusal_summary, text_problems
from symphonia.db.audit import record_event
from symphonia.db.enums import RoundStatus
from symphonia.db.models import Rating as RatingRow
from symphonia.db.models import RatingTally as TallyRow
from symphonia.services.rating_items import add_rating_items
from symphonia.services.rating_sheet import Answer, rateable_items, rating_round
from symphonia.services.tx import transaction
from symphonia.services.upsert_retry import again_if_raced

MAX_COMMENT_CHARS = 2000
"""A comment is a reason, shown back to the panel: a paragraph, not an essay."""


@dataclass(frozen=True, slots=True)
class RatingEntry:
    """One answer sent: `item`'s score (None: cannot judge) and an optional comment."""

    item: str
    answer: Answer


def _refuse(problems: list[Problem]) -> RejectedInput:
    return RejectedInput(
        refusal_summary("ratings", len(problems), "nothing was stored"),
        problems,
        code="ratings_refused",
    )


@again_if_raced
async def save_ratings(
    session: AsyncSession,
    slug: str,
    number: int,
    entries: Sequence[RatingEntry],
    *,
    actor: Actor,
) -> int:
    """Store the acting expert's answers to the items sent (items not sent are left as they
    are); returns how many answers were sent. See the module docstring for the rules. Two
    saves at once of a first answer store it once (:mod:`upsert_retry`)."""
    async with transaction(session):
        study, rnd, rater = await rating_round(session, slug, number, actor, lock=True)
        if rnd.status is not RoundStatus.OPEN:
            when = "has not opened yet" if rnd.status is RoundStatus.DRAFT else "is closed"
            raise Conflict(
                f"round {number} of {slug!r} {when}; ratings can only be given or changed "
                "while it is open",
                code="round_not_open",
                context={"study": slug, "round": number, "status": rnd.status.value},
            )
        if not entries:
            reason = "holds no answer: choose a score or “cannot judge”"
            raise _refuse([Problem("ratings", "", reason)])
        scale = protocol_from_dict(study.protocol).scale
        items = await rateable_items(session, study, rnd)
        counted = set(
            await session.scalars(
                select(TallyRow.item_external_id).where(TallyRow.round_id == rnd.id)
            )
        )
        problems: list[Problem] = []
        seen: set[str] = set()
        for e in entries:
            comment = e.answer.comment
            texts = [("comment", comment)]
            problems += [Problem(e.item, f, r) for f, r in text_problems(texts)]
            if e.item not in items.items:
                problems.append(Problem(e.item, "item", f"is not rated in round {number}"))
            elif e.item in counted:
                reason = f"is rated by counts in round {number}, not by the panel's answers"
                problems.append(Problem(e.item, "item", reason))
            score = e.answer.score
            off = score_problem(score, scale) if score is not None else None
            if off is not None:
                problems.append(Problem(e.item, "score", off))
            if comment is not None and len(comment) > MAX_COMMENT_CHARS:
                reason = f"is {len(comment)} characters long; the most is {MAX_COMMENT_CHARS}"
                problems.append(Problem(e.item, "comment", reason))
            if e.item in seen:
                problems.append(Problem(e.item, "", "sent twice"))
            seen.add(e.item)
        if problems:
            raise _refuse(problems)
        new = [items.items[e.item] for e in entries if e.item not in items.declared]
        await add_rating_items(session, rnd, new, len(items.declared))
        stored = {
            r.item_external_id: r
            for r in await session.scalars(
                select(RatingRow).where(
                    RatingRow.round_id == rnd.id, RatingRow.rater_id == rater.id
                )
            )
        }
        for e in entries:
            kept = (e.answer.comment or "").strip() or None
            row = stored.get(e.item)
            if row is None:
                session.add(
                    RatingRow(
                        round_id=rnd.id,
                        item_external_id=e.item,
                        rater_id=rater.id,
                        score=e.answer.score,
                        comment=kept,
                    )
                )
            else:
                row.score, row.comment = e.answer.score, kept
        record_event(
            session,
            actor,
            "ratings.submitted",
            "round",
            f"{slug}/{number}",
            study_id=study.id,
            detail={
                "count": len(entries),
                "cannot_judge": sum(e.answer.cannot_judge for e in entries),
            },
        )
    return len(entries)
