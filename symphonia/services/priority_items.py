"""Candidate items curated from the panel's own words: round-1 `action` fragments promoted by
the facilitator into the items a rating round scores.

A prioritisation study may open with a contribute round in which the panel proposes what
should come first; the facilitator then merges and words those proposals as items, each
keeping the ids of the fragments it came from (so the report can say whose idea it was).
Promotion is checked whole: the fragments must be current (not edited away or withdrawn)
`action` fragments of a closed contribute round of this study, the ids new and valid, and it
is refused once a rating round has opened (the items are then fixed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from symphonia.core.actors import Actor, Permission
from symphonia.core.errors import Conflict, Problem, RejectedInput
from symphonia.core.fragments import FragmentKind
from symphonia.core.priorities.definition import PriorityItem, item_problems
from symphonia.core.text_rules import refusal_summary
from symphonia.db.audit import record_event
from symphonia.db.enums import Anonymity, RoundKind, RoundStatus
from symphonia.db.models import Fragment, ItemOrigin, Participant, Round, Study
from symphonia.db.models import PriorityItem as ItemRow
from symphonia.services.permissions import study_for
from symphonia.services.priority_setup import item_rows, items_locked, setup_of
from symphonia.services.submission_rules import current_fragments
from symphonia.services.submissions import SourceLines
from symphonia.services.tx import transaction


@dataclass(frozen=True, slots=True)
class PriorityItemView:
    id: str
    title: str
    description: str
    fragment_ids: tuple[str, ...]
    origin: ItemOrigin

    @classmethod
    def of(cls, row: ItemRow) -> PriorityItemView:
        return cls(row.external_id, row.title, row.description, tuple(row.fragment_ids), row.origin)


@dataclass(frozen=True, slots=True)
class CandidateFragment:
    """An `action` fragment a facilitator may promote, and the items already made from it."""

    id: str
    round_number: int
    text: str
    author: str | None
    """The pseudonym (None in an anonymous study)."""
    group: str | None
    promoted_to: tuple[str, ...]


async def _prioritisation(
    session: AsyncSession, slug: str, actor: Actor, permission: Permission
) -> Study:
    study = await study_for(session, slug, actor, permission)
    if await setup_of(session, study) is None:
        raise Conflict(
            f"study {slug!r} is not a prioritisation study",
            code="not_a_prioritisation",
            context={"study": slug},
        )
    return study


async def list_priority_items(
    session: AsyncSession, slug: str, *, actor: Actor
) -> tuple[PriorityItemView, ...]:
    """The study's candidate items, in their order."""
    async with transaction(session, write=False):
        study = await _prioritisation(session, slug, actor, Permission.VIEW_STUDY)
        return tuple(PriorityItemView.of(r) for r in await item_rows(session, study))


async def _actions(session: AsyncSession, study: Study) -> dict[str, tuple[Fragment, Round]]:
    """Current action fragments of the study's closed contribute rounds, by id."""
    rows = await session.execute(
        select(Fragment, Round)
        .join(Round, Fragment.round_id == Round.id)
        .where(
            Round.study_id == study.id,
            Round.kind == RoundKind.CONTRIBUTE,
            Round.status != RoundStatus.DRAFT,
            Round.status != RoundStatus.OPEN,
            Fragment.kind == FragmentKind.ACTION,
            current_fragments(),
        )
        .options(selectinload(Fragment.author).selectinload(Participant.group))
        .order_by(Round.number, Fragment.external_id)
    )
    return {f.external_id: (f, r) for f, r in rows}


async def candidate_fragments(
    session: AsyncSession, slug: str, *, actor: Actor
) -> tuple[CandidateFragment, ...]:
    """The action fragments a facilitator may promote to items (from closed rounds only:
    fragments of an open round may still be edited or withdrawn)."""
    async with transaction(session, write=False):
        study = await _prioritisation(session, slug, actor, Permission.VIEW_DRAFTS)
        promoted: dict[str, list[str]] = {}
        for row in await item_rows(session, study):
            for fid in row.fragment_ids:
                promoted.setdefault(fid, []).append(row.external_id)
        out = []
        for fid, (fragment, rnd) in (await _actions(session, study)).items():
            author = fragment.author
            out.append(
                CandidateFragment(
                    id=fid,
                    round_number=rnd.number,
                    text=fragment.text,
                    author=None if study.anonymity is Anonymity.ANONYMOUS else author.pseudonym,
                    group=author.group.key if author.group else None,
                    promoted_to=tuple(promoted.get(fid, ())),
                )
            )
        return tuple(out)


async def promote_fragments(
    session: AsyncSession,
    slug: str,
    items: Sequence[PriorityItem],
    source: str = "",
    *,
    lines: Sequence[int] = (),
    actor: Actor,
) -> tuple[PriorityItemView, ...]:
    """Add items made from action fragments (each names the fragments it came from)."""
    origin = SourceLines(source, lines)
    async with transaction(session):
        study = await _prioritisation(session, slug, actor, Permission.MANAGE_STUDY)
        if await items_locked(session, study):
            raise Conflict(
                f"study {slug!r}: a rating round has opened, so the items are fixed",
                code="items_locked",
                context={"study": slug},
            )
        existing = {r.external_id for r in await item_rows(session, study)}
        actions = await _actions(session, study)
        problems: list[Problem] = []
        if not items:
            problems.append(Problem(source, "", "holds no items to promote"))
        for n, item in enumerate(items):
            where = f"{origin.at(n, '')}item {item.id!r}"
            found = item_problems((item,), "item")
            problems += [Problem(where, f.removeprefix("item[0]."), r) for f, r in found]
            if item.id in existing:
                problems.append(Problem(where, "id", f"{item.id!r} is already an item"))
            if not item.fragment_ids:
                problems.append(
                    Problem(where, "fragment_ids", "name the action fragments it comes from")
                )
            for fid in item.fragment_ids:
                if fid not in actions:
                    reason = (
                        f"{fid!r} is not a current action fragment of a closed contribute round"
                    )
                    problems.append(Problem(where, "fragment_ids", reason))
        ids = [i.id for i in items]
        problems += [
            Problem(source, "id", f"{i!r} appears twice")
            for i in sorted({i for i in ids if ids.count(i) > 1})
        ]
        if problems:
            summary = refusal_summary(
                source or f"study {slug!r}", len(problems), "nothing was written"
            )
            raise RejectedInput(summary, problems)
        start = await session.scalar(
            select(func.count()).select_from(ItemRow).where(ItemRow.study_id == study.id)
        )
        rows = [
            ItemRow(
                study_id=study.id,
                external_id=item.id,
                title=item.title,
                description=item.description,
                fragment_ids=list(item.fragment_ids),
                origin=ItemOrigin.FRAGMENT,
                position=(start or 0) + n,
            )
            for n, item in enumerate(items)
        ]
        session.add_all(rows)
        record_event(
            session,
            actor,
            "priority_items.promoted",
            "study",
            slug,
            study_id=study.id,
            detail={"items": ids, "source": source},
        )
        return tuple(PriorityItemView.of(r) for r in rows)
