"""Who contributes where: the panellist acting, the round they contribute to, and the
lookups of their own fragments that submitting, editing, withdrawing and reading back share.

Only a panellist of the study contributes, as themselves: a facilitator's account holds the
CONTRIBUTE permission with every other, but has no pseudonym to write under, so it is
refused (`not_a_panellist`) rather than made to speak for someone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Delete, bindparam, delete, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.core.errors import Conflict, NotFound, PermissionDenied, Problem, RejectedInput
from symphonia.db.enums import RoundKind, RoundStatus
from symphonia.db.models import (
    Fragment,
    FragmentDraft,
    FragmentWithdrawal,
    Participant,
    Round,
    StakeholderGroup,
    Study,
)
from symphonia.services.lookup import get_round
from symphonia.services.permissions import study_for
from symphonia.services.submission_rules import CheckedFragment, FragmentDraftInput, checked


@dataclass(frozen=True, slots=True)
class Author:
    """The panellist acting, as much of them as writing a fragment needs."""

    id: uuid.UUID
    pseudonym: str
    group_id: uuid.UUID | None

    @classmethod
    def of(cls, row: Participant) -> Author:
        return cls(row.id, row.pseudonym, row.group_id)


@dataclass(frozen=True, slots=True)
class RoundRef:
    id: uuid.UUID
    kind: RoundKind
    status: RoundStatus


@dataclass(frozen=True, slots=True)
class Contributing:
    """Who contributes where: plain values read in one query, not ORM rows (loading three
    entities into the session costs more than the query itself, on every submission)."""

    study_id: uuid.UUID
    round: RoundRef
    author: Author


async def panellist_of(session: AsyncSession, slug: str, actor: Actor) -> tuple[Study, Participant]:
    """The study and the panellist acting in it; refused for anyone else (see above)."""
    study = await study_for(session, slug, actor, Permission.CONTRIBUTE)
    author = await session.get(Participant, actor.participant_id) if actor.participant_id else None
    if author is None or author.study_id != study.id:
        raise PermissionDenied(
            f"{actor.label} contributes only as a panellist of study {slug!r}",
            code="not_a_panellist",
            context={"study": slug},
        )
    return study, author


_IN_OPEN_ROUND = (
    select(
        Study.id,
        Round.id,
        Round.kind,
        Round.status,
        Participant.id,
        Participant.pseudonym,
        Participant.group_id,
    )
    .join(Round, (Round.study_id == Study.id) & (Round.number == bindparam("number")))
    .join(
        Participant,
        (Participant.study_id == Study.id) & (Participant.id == bindparam("participant")),
    )
    .where(Study.slug == bindparam("slug"))
    .with_for_update(read=True, of=Round)
)
"""The usual case of :func:`panellist_in_open_round` in one query, made once (building a
statement anew for every submission cost more than running it)."""


async def panellist_in_open_round(
    session: AsyncSession, slug: str, number: int, actor: Actor
) -> Contributing:
    """The study, the open contribute round, and the panellist acting.

    Every submission starts here, inside its write transaction, so the usual case is one
    query (:func:`found_in_open_round`); anything unusual goes the long way, which words
    each refusal."""
    connection = await session.connection()  # Core: plain values, no ORM execution
    ctx = await connection.run_sync(found_in_open_round, slug, number, actor)
    if ctx is not None:
        return ctx
    study, participant = await panellist_of(session, slug, actor)
    rnd = await get_round(session, study, number, share_lock=True)
    ctx = Contributing(study.id, RoundRef(rnd.id, rnd.kind, rnd.status), Author.of(participant))
    return open_for_fragments(ctx, slug, number)


def found_in_open_round(
    connection: Connection, slug: str, number: int, actor: Actor
) -> Contributing | None:
    """The usual case of :func:`panellist_in_open_round` in one query on a plain connection
    (the study, the round share-locked as :func:`get_round` locks it, and the panellist
    acting, who may contribute there), refused as it refuses when the round is not an open
    contribute round; None when anything else is unusual (then only the long way says
    what): no such study, round or panellist, or no permission."""
    if actor.participant_id is None:
        return None
    params = {"slug": slug, "number": number, "participant": actor.participant_id}
    found = connection.execute(_IN_OPEN_ROUND, params).one_or_none()
    if found is None or not actor.can(found[0], Permission.CONTRIBUTE):
        return None
    study_id, round_id, kind, status, author_id, pseudonym, group_id = found
    author = Author(author_id, pseudonym, group_id)
    ctx = Contributing(study_id, RoundRef(round_id, kind, status), author)
    return open_for_fragments(ctx, slug, number)


def open_for_fragments(ctx: Contributing, slug: str, number: int) -> Contributing:
    """`ctx`, when its round is an open contribute round; refused (Conflict) otherwise."""
    rnd = ctx.round
    context = {"study": slug, "round": number}
    if rnd.kind is not RoundKind.CONTRIBUTE:
        raise Conflict(
            f"round {number} of {slug!r} is a {rnd.kind.value} round; it takes ratings",
            code="wrong_round_kind",
            context=context,
        )
    if rnd.status is not RoundStatus.OPEN:
        raise Conflict(
            f"round {number} of {slug!r} is {rnd.status.value}; it takes no contributions now",
            code="round_not_open",
            context=context,
        )
    return ctx


async def drop_draft(
    session: AsyncSession, participant_id: uuid.UUID, round_id: uuid.UUID, key: str
) -> None:
    """Delete a draft (inside the caller's transaction: a submission deletes its draft)."""
    await session.execute(_draft_deleted(participant_id, round_id, key))


def delete_draft(
    connection: Connection, participant_id: uuid.UUID, round_id: uuid.UUID, key: str
) -> None:
    """:func:`drop_draft` on a plain connection, in its transaction."""
    connection.execute(_draft_deleted(participant_id, round_id, key))


def _draft_deleted(participant_id: uuid.UUID, round_id: uuid.UUID, key: str) -> Delete:
    return delete(FragmentDraft).where(
        FragmentDraft.participant_id == participant_id,
        FragmentDraft.round_id == round_id,
        FragmentDraft.draft_key == key,
    )


async def own_fragment(
    session: AsyncSession, round_id: uuid.UUID, author_id: uuid.UUID, fragment_id: str
) -> Fragment:
    """The author's fragment `fragment_id` in the round (any version). Another expert's
    fragment is refused exactly as one that does not exist."""
    row = await session.scalar(
        select(Fragment).where(Fragment.round_id == round_id, Fragment.external_id == fragment_id)
    )
    if row is None or row.author_id != author_id:
        raise NotFound(
            f"you have no fragment {fragment_id!r} in this round", code="unknown_fragment"
        )
    return row


async def newer_version(session: AsyncSession, row: Fragment) -> Fragment | None:
    """The edit that replaced `row`, if any."""
    return await session.scalar(select(Fragment).where(Fragment.supersedes_id == row.id))


async def is_withdrawn(session: AsyncSession, row: Fragment) -> bool:
    found = await session.scalar(
        select(FragmentWithdrawal.id).where(FragmentWithdrawal.fragment_id == row.id)
    )
    return found is not None


def same_content(row: Fragment, values: CheckedFragment) -> bool:
    """Whether a stored fragment says exactly what `values` says (kind, text, confidence,
    sources, topic): a retried request, as opposed to a different one."""
    return (row.kind, row.text, row.confidence, tuple(row.sources), row.question) == (
        values.kind,
        values.text,
        values.confidence,
        values.sources,
        values.question,
    )


async def checked_for(
    session: AsyncSession,
    author: Author,
    draft: FragmentDraftInput,
    idempotency_key: str | None,
) -> CheckedFragment:
    """The draft checked for `author` (see :func:`checked_as`)."""
    connection = await session.connection()
    return await connection.run_sync(checked_as, author, draft, idempotency_key)


def checked_as(
    connection: Connection,
    author: Author,
    draft: FragmentDraftInput,
    idempotency_key: str | None,
) -> CheckedFragment:
    """The draft checked for `author`: its fields, and that it names no other author or
    group than theirs (the author is always the caller, and saying otherwise is a mistake to
    point out, not to ignore or act on). Every problem is listed in one refusal."""
    problems: list[Problem] = []
    values = None
    try:
        values = checked(draft, idempotency_key)
    except RejectedInput as refused:
        problems.extend(refused.problems)
    if draft.author is not None and draft.author != author.pseudonym:
        reason = (
            f"is {draft.author!r}, but you contribute as {author.pseudonym!r}: "
            "leave `author` out or give your own pseudonym"
        )
        problems.append(Problem("fragment", "author", reason))
    if draft.group is not None:
        own = None
        if author.group_id is not None:
            own = connection.scalar(
                select(StakeholderGroup.key).where(StakeholderGroup.id == author.group_id)
            )
        if draft.group != own:
            yours = f"yours is {own!r}" if own else "you are in no stakeholder group"
            reason = f"is {draft.group!r}, but {yours}: leave `group` out"
            problems.append(Problem("fragment", "group", reason))
    if problems or values is None:
        raise RejectedInput(f"the fragment was not stored: {len(problems)} problem(s)", problems)
    return values
