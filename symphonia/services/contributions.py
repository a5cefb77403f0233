"""An expert's own fragments, from a web form or the API: submit, edit, withdraw, list.

The author is always the signed-in panellist (never a field of the request). Everything
stays append-only: an edit is a new fragment whose `supersedes_id` points at the one it
replaces, and a withdrawal is a row of its own, so the history of what an expert said is
whole, while analysis reads only the latest of each chain that is not withdrawn. Edits and
withdrawals are possible until the round closes.

A submission may carry an idempotency key: the same key again (a double click, a retried
request) returns the fragment already stored instead of storing a second one. Every
problem with a submission is listed at once, each naming its field, so a form can mark it.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.core.errors import Conflict, NotFound, PermissionDenied
from symphonia.db.audit import record_event
from symphonia.db.enums import RoundKind, RoundStatus
from symphonia.db.models import (
    Fragment,
    FragmentDraft,
    FragmentWithdrawal,
    Participant,
    Round,
    Study,
)
from symphonia.services.lookup import get_round
from symphonia.services.permissions import study_for
from symphonia.services.submission_rules import (
    CheckedFragment,
    FragmentDraftInput,
    FragmentView,
    checked,
    current_fragments,
)
from symphonia.services.tx import transaction


@dataclass(frozen=True, slots=True)
class Contributing:
    study: Study
    round: Round
    author: Participant


async def panellist_in_open_round(
    session: AsyncSession, slug: str, number: int, actor: Actor
) -> Contributing:
    """The study, the open contribute round, and the panellist acting."""
    study = await study_for(session, slug, actor, Permission.CONTRIBUTE)
    author = await session.get(Participant, actor.participant_id) if actor.participant_id else None
    if author is None or author.study_id != study.id:
        raise PermissionDenied(
            f"{actor.label} contributes only as a panellist of study {slug!r}",
            code="not_a_panellist",
        )
    rnd = await get_round(session, study, number, share_lock=True)
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
    return Contributing(study, rnd, author)


def _new_id(author: Participant) -> str:
    """An id for a web submission: the pseudonym and 32 random bits (`E07-3fa9c2d1`)."""
    return f"{author.pseudonym}-{secrets.token_hex(4)}"


def _row(ctx: Contributing, draft: CheckedFragment, **extra: object) -> Fragment:
    return Fragment(
        round_id=ctx.round.id,
        external_id=_new_id(ctx.author),
        author_id=ctx.author.id,
        kind=draft.kind,
        text=draft.text,
        confidence=draft.confidence,
        sources=list(draft.sources),
        question=draft.question,
        **extra,
    )


async def submit_fragment(
    session: AsyncSession,
    slug: str,
    number: int,
    draft: FragmentDraftInput,
    *,
    idempotency_key: str | None = None,
    draft_key: str | None = None,
    actor: Actor,
) -> FragmentView:
    """Store the acting panellist's fragment in the open round (or, for a key already
    used by them in this round, return the fragment stored then); the draft `draft_key`
    it was written in, if any, goes in the same transaction."""
    values = checked(draft, idempotency_key)
    try:
        async with transaction(session):
            ctx = await panellist_in_open_round(session, slug, number, actor)
            if idempotency_key is not None:
                stored = await _by_key(session, ctx, idempotency_key)
                if stored is not None:
                    return await FragmentView.of(session, stored, ctx.author)
            row = _row(ctx, values, idempotency_key=idempotency_key)
            session.add(row)
            if draft_key is not None:
                await drop_draft(session, ctx.author.id, ctx.round.id, draft_key)
            await session.flush()
            detail = {"fragment": row.external_id, "kind": row.kind.value}
            record_event(
                session,
                actor,
                "fragment.submitted",
                "round",
                f"{slug}/{number}",
                ctx.study.id,
                detail,
            )
            return await FragmentView.of(session, row, ctx.author)
    except IntegrityError:
        if idempotency_key is None:
            raise
    # The same key, submitted twice at once: the other request stored it first.
    async with transaction(session):
        ctx = await panellist_in_open_round(session, slug, number, actor)
        stored = await _by_key(session, ctx, idempotency_key)
        if stored is None:
            raise Conflict("the submission could not be stored; send it again", code="retry")
        return await FragmentView.of(session, stored, ctx.author)


async def drop_draft(
    session: AsyncSession, participant_id: uuid.UUID, round_id: uuid.UUID, key: str
) -> None:
    """Delete a draft (inside the caller's transaction: a submission deletes its draft)."""
    await session.execute(
        delete(FragmentDraft).where(
            FragmentDraft.participant_id == participant_id,
            FragmentDraft.round_id == round_id,
            FragmentDraft.draft_key == key,
        )
    )


async def _by_key(session: AsyncSession, ctx: Contributing, key: str) -> Fragment | None:
    return await session.scalar(
        select(Fragment).where(
            Fragment.author_id == ctx.author.id,
            Fragment.round_id == ctx.round.id,
            Fragment.idempotency_key == key,
        )
    )


async def _own_head(session: AsyncSession, ctx: Contributing, fragment_id: str) -> Fragment:
    """The acting panellist's fragment `fragment_id`, if it is current: not edited since
    (then the newer one is to be edited) and not withdrawn."""
    row = await session.scalar(
        select(Fragment).where(
            Fragment.round_id == ctx.round.id, Fragment.external_id == fragment_id
        )
    )
    if row is None or row.author_id != ctx.author.id:
        raise NotFound(
            f"you have no fragment {fragment_id!r} in this round", code="unknown_fragment"
        )
    newer = await session.scalar(
        select(Fragment.external_id).where(Fragment.supersedes_id == row.id)
    )
    if newer is not None:
        raise Conflict(
            f"fragment {fragment_id!r} was edited since; its latest version is {newer!r}",
            code="fragment_superseded",
            context={"fragment": fragment_id, "latest": newer},
        )
    if await session.scalar(
        select(FragmentWithdrawal.id).where(FragmentWithdrawal.fragment_id == row.id)
    ):
        raise Conflict(f"fragment {fragment_id!r} was withdrawn", code="fragment_withdrawn")
    return row


async def edit_fragment(
    session: AsyncSession,
    slug: str,
    number: int,
    fragment_id: str,
    draft: FragmentDraftInput,
    *,
    actor: Actor,
) -> FragmentView:
    """Replace the panellist's fragment with a new version (the old one stays on record)."""
    values = checked(draft, None)
    async with transaction(session):
        ctx = await panellist_in_open_round(session, slug, number, actor)
        old = await _own_head(session, ctx, fragment_id)
        row = _row(ctx, values, supersedes_id=old.id)
        session.add(row)
        await session.flush()
        detail = {"fragment": row.external_id, "supersedes": old.external_id}
        record_event(
            session, actor, "fragment.edited", "round", f"{slug}/{number}", ctx.study.id, detail
        )
        return await FragmentView.of(session, row, ctx.author)


async def withdraw_fragment(
    session: AsyncSession,
    slug: str,
    number: int,
    fragment_id: str,
    reason: str | None = None,
    *,
    actor: Actor,
) -> None:
    """Take the panellist's fragment back (recorded, never deleted)."""
    async with transaction(session):
        ctx = await panellist_in_open_round(session, slug, number, actor)
        row = await _own_head(session, ctx, fragment_id)
        session.add(
            FragmentWithdrawal(
                fragment_id=row.id,
                participant_id=ctx.author.id,
                actor=actor.label,
                reason=(reason or "").strip()[:2000] or None,
            )
        )
        detail = {"fragment": row.external_id}
        record_event(
            session, actor, "fragment.withdrawn", "round", f"{slug}/{number}", ctx.study.id, detail
        )


async def my_fragments(
    session: AsyncSession, slug: str, number: int, *, actor: Actor
) -> tuple[FragmentView, ...]:
    """The panellist's current fragments in the round, oldest first (edited ones as their
    latest version; withdrawn ones left out)."""
    async with transaction(session, write=False):
        study = await study_for(session, slug, actor, Permission.CONTRIBUTE)
        author = (
            await session.get(Participant, actor.participant_id) if actor.participant_id else None
        )
        if author is None or author.study_id != study.id:
            return ()
        rnd = await get_round(session, study, number)
        rows = await session.scalars(
            select(Fragment)
            .where(Fragment.round_id == rnd.id, Fragment.author_id == author.id)
            .where(current_fragments())
            .order_by(Fragment.created_at, Fragment.external_id)
        )
        return tuple([await FragmentView.of(session, r, author) for r in rows])


__all__ = [
    "FragmentDraftInput",
    "FragmentView",
    "edit_fragment",
    "my_fragments",
    "submit_fragment",
    "withdraw_fragment",
]
