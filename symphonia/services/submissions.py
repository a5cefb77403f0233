"""Importing fragments, rating items and ratings: all or nothing, one transaction per import.

Every problem in a file is reported together (unknown authors, duplicate ids, unknown items,
scores off the scale), and nothing is written unless the whole file is acceptable. When the
records came from a file, callers pass its name and each record's line, so a problem only
the database can reveal (an author not on the panel) still points at the line to fix.
An import of nothing is refused: it is never what was meant, and it would leave an audit
event for an import that did not happen.

The text rules of :mod:`symphonia.core.text_rules` are applied here too, not only by the file
readers, so a caller that builds records in Python gets the same listed refusal rather than a
bare database error (PostgreSQL refuses NUL in text): the ids a caller declares (new
fragments, new rating items) follow the id rule, and no text holds an unusable character.
References (a rating's item, an item's fragments) are not held to the id rule: they only
have to exist, and fragments stored before the rule may have ids it refuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.core.fragments import Fragment, Rating
from symphonia.core.protocol import protocol_from_dict
from symphonia.core.rating_rules import citation_problems, item_label, rating_label
from symphonia.core.rating_rules import rating_problems as rule_problems
from symphonia.core.study import RatingItem
from symphonia.core.text_rules import (
    fragment_text_problems,
    item_text_problems,
    rating_text_problems,
    refusal_summary,
)
from symphonia.db.audit import record_event
from symphonia.db.enums import ParticipantRole, RoundKind, RoundStatus
from symphonia.db.models import Fragment as FragmentRow
from symphonia.db.models import Participant, Round, Study
from symphonia.db.models import Rating as RatingRow
from symphonia.db.models import RatingItem as RatingItemRow
from symphonia.db.models import RatingTally as RatingTallyRow
from symphonia.services.errors import Conflict, Problem, RejectedInput
from symphonia.services.lookup import get_round, participants_by_pseudonym
from symphonia.services.permissions import study_for
from symphonia.services.rating_items import add_rating_items, known_items
from symphonia.services.tx import transaction


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    imported: int
    round_number: int


@dataclass(frozen=True, slots=True)
class SourceLines:
    """Where a sequence of records was read from: a file and each record's line (in order)."""

    file: str = ""
    lines: Sequence[int] = field(default_factory=tuple)

    def at(self, index: int, fallback: str) -> str:
        """'file.jsonl:7: ' for the record at `index`, or `fallback` when the line is unknown."""
        if self.file and index < len(self.lines):
            return f"{self.file}:{self.lines[index]}: "
        return fallback


def _refuse(source: str, problems: list[Problem]) -> RejectedInput:
    """A refusal worded as the file readers word theirs: "f.jsonl: 2 problem(s); nothing
    was imported", then each problem."""
    return RejectedInput(refusal_summary(source, len(problems)), problems)


def _refuse_empty(source: str, what: str) -> RejectedInput:
    """An import of nothing, refused in the same words as any other refusal."""
    return _refuse(source, [Problem("", "", f"{source or 'the import'} holds no {what}")])


def _listed(where: str, problems: Sequence[tuple[str, str]]) -> list[Problem]:
    """A problem at `where` for each (field, reason) of a record."""
    return [Problem(where, name, reason) for name, reason in problems]


def _require_open(
    study: Study, rnd: Round, kind: RoundKind, what: str, *, done: str = "imported into"
) -> None:
    """Refuse a round of another kind, or one that is not open; `done` says what cannot
    happen to `what` there ("imported into" for a file, "given or changed in" for a sheet)."""
    context = {"study": study.slug, "round": rnd.number}
    if rnd.kind is not kind:
        raise Conflict(
            f"round {rnd.number} of {study.slug!r} is a {rnd.kind.value} round; "
            f"{what} belong in a {kind.value} round",
            code="wrong_round_kind",
            context={**context, "kind": rnd.kind.value},
        )
    if rnd.status is not RoundStatus.OPEN:
        raise Conflict(
            f"round {rnd.number} of {study.slug!r} is {rnd.status.value}; "
            f"{what} can only be {done} an open round",
            code="round_not_open",
            context={**context, "status": rnd.status.value},
        )


async def import_fragments(
    session: AsyncSession,
    slug: str,
    number: int,
    fragments: Sequence[Fragment],
    source: str = "",
    *,
    lines: Sequence[int] = (),
    actor: Actor,
) -> ImportOutcome:
    """Add a file's fragments to an open contribute round (`lines`: each one's source line)."""
    if not fragments:
        raise _refuse_empty(source, "fragments")
    origin = SourceLines(source, lines)
    async with transaction(session):
        study = await study_for(session, slug, actor, Permission.IMPORT_DATA)
        rnd = await get_round(session, study, number, share_lock=True)
        _require_open(study, rnd, RoundKind.CONTRIBUTE, "fragments")
        people = await participants_by_pseudonym(session, study)
        groups = {p.id: p.group.key for p in people.values() if p.group is not None}
        existing = set(
            await session.scalars(
                select(FragmentRow.external_id).where(FragmentRow.round_id == rnd.id)
            )
        )
        problems: list[Problem] = []
        seen: set[str] = set()
        for n, f in enumerate(fragments):
            where = f"{origin.at(n, '')}fragment {f.id!r}"
            problems += _listed(where, fragment_text_problems(f))
            author = people.get(f.author)
            if author is None:
                problems.append(Problem(where, "", f"author {f.author!r} is not on the panel"))
            elif author.role is not ParticipantRole.EXPERT:
                reason = f"{f.author!r} is a {author.role.value}, not an expert"
                problems.append(Problem(where, "", reason))
            elif f.group and groups.get(author.id) != f.group:
                reason = (
                    f"group {f.group!r} does not match {f.author}'s group {groups.get(author.id)!r}"
                )
                problems.append(Problem(where, "", reason))
            if f.id in existing:
                problems.append(Problem(where, "", f"already imported into round {number}"))
            if f.id in seen:
                problems.append(Problem(where, "", "duplicate id in this import"))
            seen.add(f.id)
        if problems:
            raise _refuse(source, problems)
        for f in fragments:
            session.add(
                FragmentRow(
                    round_id=rnd.id,
                    external_id=f.id,
                    author_id=people[f.author].id,
                    kind=f.kind,
                    text=f.text,
                    confidence=f.confidence,
                    sources=list(f.sources),
                    question=f.question,
                )
            )
        record_event(
            session,
            actor,
            "fragments.imported",
            "round",
            f"{slug}/{number}",
            study_id=study.id,
            detail={"count": len(fragments), "source": source},
        )
    return ImportOutcome(len(fragments), number)


async def import_ratings(
    session: AsyncSession,
    slug: str,
    number: int,
    ratings: Sequence[Rating],
    items: Sequence[RatingItem] = (),
    source: str = "",
    *,
    lines: Sequence[int] = (),
    items_from: SourceLines = SourceLines(),
    actor: Actor,
) -> ImportOutcome:
    """Add ratings (and the items they rate, if given) to an open rate round.

    An item is known when the round declares it, when `items` declares it now, or when it is
    a fragment of the study or a statement of the previous round's latest synthesis (then it
    is added to the round as an item, so the panel's view of it is on record). `lines` are
    the ratings' source lines; `items_from` says where the items were read.
    """
    if not ratings:
        raise _refuse_empty(source, "ratings")
    origin = SourceLines(source, lines)
    async with transaction(session):
        study = await study_for(session, slug, actor, Permission.IMPORT_DATA)
        rnd = await get_round(session, study, number, share_lock=True)
        _require_open(study, rnd, RoundKind.RATE, "ratings")
        scale = protocol_from_dict(study.protocol).scale
        people = await participants_by_pseudonym(session, study)
        declared = {
            i.external_id: i
            for i in await session.scalars(
                select(RatingItemRow).where(RatingItemRow.round_id == rnd.id)
            )
        }
        problems: list[Problem] = []
        new_items: dict[str, RatingItem] = {}
        known = await known_items(session, study, rnd)
        evidence_ids = set(known.evidence)
        for i, item in enumerate(items):
            where = f"{items_from.at(i, '')}{item_label(item)}"
            problems += _listed(where, item_text_problems(item))
            if item.id in declared or item.id in new_items:
                problems.append(Problem(where, "", f"already declared in round {number}"))
            problems += _listed(where, citation_problems(item, evidence_ids, "the evidence round"))
            new_items[item.id] = item
        for r in ratings:
            if r.item in declared or r.item in new_items:
                continue
            candidate = known.get(r.item)
            if candidate is not None:
                new_items[r.item] = candidate
        existing = {
            (row.item_external_id, row.rater_id)
            for row in await session.scalars(select(RatingRow).where(RatingRow.round_id == rnd.id))
        }
        counted = set(
            await session.scalars(
                select(RatingTallyRow.item_external_id).where(RatingTallyRow.round_id == rnd.id)
            )
        )
        ambiguous = {a for a in known.ambiguous if a not in declared and a not in new_items}
        rateable = {*declared, *new_items, *ambiguous}  # ambiguous: refused in its own words
        seen: set[tuple[str, str]] = set()
        for n, r in enumerate(ratings):
            where = f"{origin.at(n, '')}{rating_label(r)}"
            problems += _listed(where, rating_text_problems(r))
            if r.item in ambiguous:
                reason = (
                    f"{r.item!r} names both a fragment and a statement of the last synthesis; "
                    "declare it in an items file to say which is rated"
                )
                problems.append(Problem(where, "item", reason))
            problems += _listed(where, rule_problems(r, scale, rateable, people))
            rater = people.get(r.rater)
            if rater is not None and rater.role is not ParticipantRole.EXPERT:
                reason = f"{r.rater!r} is a {rater.role.value}; only experts rate"
                problems.append(Problem(where, "rater", reason))
            elif rater is not None and (r.item, rater.id) in existing:
                reason = f"{r.rater!r} already rated this item in round {number}"
                problems.append(Problem(where, "", reason))
            if (r.item, r.rater) in seen:
                problems.append(Problem(where, "", "duplicate rating in this import"))
            if r.item in counted:
                reason = f"{r.item!r} is rated by counts in round {number}"
                problems.append(Problem(where, "item", reason))
            seen.add((r.item, r.rater))
        if problems:
            raise _refuse(source, problems)
        await add_rating_items(session, rnd, new_items.values(), len(declared))
        for r in ratings:
            session.add(
                RatingRow(
                    round_id=rnd.id,
                    item_external_id=r.item,
                    rater_id=people[r.rater].id,
                    score=r.score,
                )
            )
        record_event(
            session,
            actor,
            "ratings.imported",
            "round",
            f"{slug}/{number}",
            study_id=study.id,
            detail={"count": len(ratings), "items_added": len(new_items), "source": source},
        )
    return ImportOutcome(len(ratings), number)


def expert_groups(people: dict[str, Participant]) -> dict[str, str]:
    """rater pseudonym → stakeholder group key, for the group-agreement rule."""
    return {
        p.pseudonym: p.group.key
        for p in people.values()
        if p.group is not None and p.role is ParticipantRole.EXPERT
    }


# The same refusals for the other importers (services/tallies.py).
refuse = _refuse
refuse_empty = _refuse_empty
require_open = _require_open
